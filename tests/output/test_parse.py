"""`kfix parse`'s text, from a result, as conftest's parser/format.go and
internal/commands/parse.go write it (open-policy-agent/conftest@6a3fd60)."""

from __future__ import annotations

from kfix.model import ParseResult
from kfix.output.parse import render

MULTI = ParseResult(contents={"b.yaml": [{"x": 1.0}, {"y": "<&>"}], "a.yaml": {"z": 2.5}},
                    files=2)


def test_several_files_an_object_by_path_keys_sorted() -> None:
    assert render(MULTI, combine=False) == (
        '{\n  "a.yaml": {\n    "z": 2.5\n  },\n  "b.yaml": [\n    {\n      "x": 1\n    },\n'
        '    {\n      "y": "\\u003c\\u0026\\u003e"\n    }\n  ]\n}\n')


def test_combine_gives_each_document_its_own_item_sorted_by_path() -> None:
    """CombineConfigurations: a file's list of documents becomes one item per document."""
    assert render(MULTI, combine=True) == (
        '[\n\t{\n\t\t"path": "a.yaml",\n\t\t"contents": {\n\t\t\t"z": 2.5\n\t\t}\n\t},\n'
        '\t{\n\t\t"path": "b.yaml",\n\t\t"contents": {\n\t\t\t"x": 1\n\t\t}\n\t},\n'
        '\t{\n\t\t"path": "b.yaml",\n\t\t"contents": {\n\t\t\t"y": "\\u003c\\u0026\\u003e"'
        '\n\t\t}\n\t}\n]\n\n')


def test_one_file_its_contents_alone_and_an_empty_file_null() -> None:
    assert render(ParseResult(contents={"a.yaml": {"k": [1, 2]}}, files=1), combine=False) == (
        '{\n  "k": [\n    1,\n    2\n  ]\n}\n')
    assert render(ParseResult(contents={"e.yaml": None}, files=1), combine=False) == "null\n"
