"""conftest's table: one row per test, drawn with box-drawing lines.

    ┌─────────┬─────────────┬───────────┬──────────────────┐
    │ RESULT  │    FILE     │ NAMESPACE │     MESSAGE      │
    ├─────────┼─────────────┼───────────┼──────────────────┤
    │ success │ deploy.yaml │ main      │ SUCCESS          │
    │ failure │ deploy.yaml │ main      │ image is :latest │
    └─────────┴─────────────┴───────────┴──────────────────┘

Rows per file and namespace: successes, exceptions, warnings, failures, as conftest;
no rows, no output. kfix adds an `error` row per input it could not read or parse
(file `<file>:<line>`, no namespace). A message of several lines makes its row as tall.
"""

from __future__ import annotations

import unicodedata

from kfix.model import ScanResult
from kfix.output import ReportOptions
from kfix.output.common import where

_HEADER = ("RESULT", "FILE", "NAMESPACE", "MESSAGE")

Row = tuple[str, str, str, str]


def render(result: ScanResult, options: ReportOptions) -> str:
    rows: list[Row] = []
    for check in result.results:
        rows += [("success", check.file, check.namespace, "SUCCESS")] * check.successes
        for outcome, findings in (
            ("exception", check.exceptions),
            ("warning", check.warnings),
            ("failure", check.failures),
        ):
            rows += [(outcome, check.file, check.namespace, f.message) for f in findings]
    rows += [("error", where(p.file, p.line), "", p.message) for p in result.problems]
    return _draw(rows) if rows else ""


def _draw(rows: list[Row]) -> str:
    # Each row as the screen lines it takes: a cell of n lines makes its row n lines tall.
    screen_rows = [_screen_lines(row) for row in rows]
    all_lines = [_HEADER, *(line for lines in screen_rows for line in lines)]
    widths = [max(_width(line[i]) for line in all_lines) for i in range(len(_HEADER))]

    def border(left: str, middle: str, right: str) -> str:
        return left + middle.join("─" * (width + 2) for width in widths) + right

    def cells(texts: tuple[str, ...], centred: bool) -> str:
        shown = (_pad(text, width, centred) for text, width in zip(texts, widths, strict=True))
        return "│" + "│".join(f" {text} " for text in shown) + "│"

    out = [border("┌", "┬", "┐"), cells(_HEADER, centred=True), border("├", "┼", "┤")]
    out += [cells(line, centred=False) for lines in screen_rows for line in lines]
    out.append(border("└", "┴", "┘"))
    return "\n".join(out) + "\n"


def _screen_lines(row: Row) -> list[tuple[str, ...]]:
    split = [cell.split("\n") for cell in row]
    height = max(len(lines) for lines in split)
    return [tuple(lines[i] if i < len(lines) else "" for lines in split) for i in range(height)]


def _pad(text: str, width: int, centred: bool) -> str:
    """Left-aligned, or centred with the odd space on the right, as conftest's table library."""
    room = width - _width(text)
    left = room // 2 if centred else 0
    return " " * left + text + " " * (room - left)


def _width(text: str) -> int:
    """Terminal columns: wide East Asian characters take two, combining marks none."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )
