"""The Markdown pieces, read back by markdown-it-py: hostile text stays text."""

from __future__ import annotations

import pytest

from kfix.output.markdown import Page, escape, fenced, section_table, table
from tests.output.markdown_parse import parse, rows

HOSTILE = [
    "a | b || c",
    "`code` and ``double``",
    "<script>alert(1)</script> <img src=x onerror=alert(1)>",
    "[link](https://evil.example) ![img](x.png)",
    "*em* _em_ **strong** ~~gone~~",
    "&lt; is not <, &amp; is not &",
    "back\\slash\\| and \\`",
    "# not a heading #",
    "$x^2$ maths",
]


@pytest.mark.parametrize("message", HOSTILE)
def test_hostile_text_in_a_table_cell_reads_as_itself(message: str) -> None:
    text = table(("Message", "After"), [(escape(message), "next")])
    (parsed,) = parse(text).tables
    header, (cell, after) = parsed
    assert [c.text for c in header] == ["Message", "After"]
    assert cell.text == message
    assert cell.kinds == {"text"}  # no code span, HTML, link, image or emphasis
    assert after.text == "next"  # the pipes did not split the row


def test_newlines_become_spaces_and_long_text_is_cut() -> None:
    assert escape("one\r\ntwo\n\n  three") == "one two three"
    assert escape("x" * 600, limit=10) == "x" * 9 + "…"


def test_a_fence_longer_than_any_backtick_run_in_its_text() -> None:
    diff = "+```\n+ ````yaml\n-~~~\n"
    text = fenced(diff, "diff")
    assert text.startswith("`````diff\n")
    assert parse(text).fences == [("diff", diff)]


def test_a_page_cuts_rows_that_do_not_fit_and_says_how_many() -> None:
    page = Page(limit=600)
    made: list[int] = []

    def row(number: int) -> tuple[str]:
        made.append(number)
        return (escape(f"finding number {number}"),)

    section_table(page, "### Findings", ("Message",), range(40), row, "findings")
    text = page.text("`kfix scan -o json`")
    parsed = parse(text)
    (found,) = parsed.tables
    shown = len(found) - 1
    assert 0 < shown < 40
    assert rows(found)[1:] == [[f"finding number {n}"] for n in range(shown)]
    assert made == list(range(shown + 1))  # no row made past the one that did not fit
    assert f"{40 - shown} findings not shown" in text
    assert "<details><summary>40 findings</summary>" in text
    assert text.count("<details>") == text.count("</details>") == 1
    assert len(text) < 600 + 200  # closing tags and the note only past the limit


def test_a_short_table_is_not_folded() -> None:
    page = Page()
    section_table(page, "### Few", ("A", "B"), [("1", "2")], tuple, "findings", numeric=1)
    text = page.text("x")
    assert "<details>" not in text and "Cut" not in text
    assert rows(parse(text).tables[0]) == [["A", "B"], ["1", "2"]]
