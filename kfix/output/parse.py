"""`kfix parse` output: the JSON text `conftest parse` prints (internal/commands/parse.go,
parser/format.go).

One input: its contents, indented by two spaces. Several: an object from each path to
its contents (those that parsed). `--combine`: conftest's combined input, a list of
`{"path", "contents"}` sorted by path (a file of several documents gives one item each),
indented by tabs and followed by an empty line, as conftest prints it. Bytes as Go's
encoder writes them: keys sorted, `<`, `>`, `&` escaped, whole numbers without a
fraction (Go reads every number as a float).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kfix.model import ParseResult
from kfix.output.common import indented_json, json_ready
from kfix.output.scan.json import go_escaped


def render(result: ParseResult, combine: bool) -> str:
    contents = _go_numbers(json_ready(result.contents))
    if combine:
        combined = sorted(({"path": path, "contents": item} for path, value in contents.items()
                           for item in (value if isinstance(value, list) else [value])),
                          key=lambda entry: entry["path"])
        return go_escaped(indented_json(combined, "\t")) + "\n\n"
    if result.files == 1 and contents:
        (value,) = contents.values()
        return go_escaped(indented_json(value, "  ")) + "\n"
    return go_escaped(indented_json(contents, "  ")) + "\n"


def _go_numbers(value: Any) -> Any:
    """Whole floats as Go's encoder writes a float64 that is one: 1000, not 1000.0."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, Mapping):
        return {key: _go_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_go_numbers(item) for item in value]
    return value
