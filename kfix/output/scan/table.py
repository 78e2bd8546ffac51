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
from collections.abc import Sequence
from itertools import chain, compress, repeat
from operator import attrgetter, mul

from kfix.model import CheckResult, ScanResult
from kfix.output import ReportOptions
from kfix.output.common import where

_HEADER = ("RESULT", "FILE", "NAMESPACE", "MESSAGE")

Row = tuple[str, str, str, str]


def render(result: ScanResult, options: ReportOptions) -> str:
    checks = result.results
    files = list(map(_file, checks))
    namespaces = list(map(_namespace, checks))
    successes = list(map(_successes, checks))
    # The few checks with findings, by number: their rows follow their successes.
    found = [
        (number, [
            (outcome, check.file, check.namespace, f.message)
            for outcome, findings in (
                ("exception", check.exceptions),
                ("warning", check.warnings),
                ("failure", check.failures),
            )
            for f in findings
        ])
        for number, check in enumerate(checks)
        if check.exceptions or check.warnings or check.failures
    ]
    errors = [("error", where(p.file, p.line), "", p.message) for p in result.problems]
    if not (any(successes) or found or errors):
        return ""
    # Every column as wide as its widest screen line, header included, as conftest's
    # table; each distinct text of a column measured once.
    texts: list[set[str]] = [{title} for title in _HEADER]
    if any(successes):
        texts[0].add("success")
        texts[1].update(compress(files, successes))
        texts[2].update(compress(namespaces, successes))
        texts[3].add("SUCCESS")
    for row in chain(chain.from_iterable(rows for _, rows in found), errors):
        for column, text in zip(texts, row, strict=True):
            column.add(text)
    widths = [max(map(_cell_width, column)) for column in texts]
    if any("\n" in "".join(column) for column in texts):
        return _draw(_rows(checks, dict(found), errors), widths)

    # Every row is one line, as almost always: the table is drawn in bulk. conftest pads
    # every row to the widest cell of its column, so a table is big (45 MB for 2,000
    # documents); its rows are not made one by one. Each distinct file and namespace
    # is padded once; each check's success rows are a tuple of shared pieces, repeated
    # by map in C; and the pieces are joined once.
    padded_files = {text: _pad(text, widths[1], centred=False) for text in texts[1]}
    padded_namespaces = {text: _pad(text, widths[2], centred=False) for text in texts[2]}

    def pieces(row: Row) -> tuple[str, ...]:
        result, file, namespace, message = (
            _pad(text, width, centred=False) for text, width in zip(row, widths, strict=True))
        return ("│ ", result, " │ ", file, " │ ", namespace, " │ ", message, " │\n")

    head = f"│ {_pad('success', widths[0], centred=False)} │ "
    tail = f" │ {_pad('SUCCESS', widths[3], centred=False)} │\n"
    success_rows = zip(
        repeat(head),
        # a check without successes is repeated no times, and may have no padded name
        map(padded_files.get, files, repeat("")),
        repeat(" │ "),
        map(padded_namespaces.get, namespaces, repeat("")),
        repeat(tail),
    )
    blocks: list[tuple[str, ...]] = list(map(mul, success_rows, successes))
    for number, rows in found:
        blocks[number] += tuple(chain.from_iterable(map(pieces, rows)))
    blocks += map(pieces, errors)
    return "".join([
        _border(widths, "┌", "┬", "┐"), "\n",
        _cells(_HEADER, widths, centred=True), "\n",
        _border(widths, "├", "┼", "┤"), "\n",
        *chain.from_iterable(blocks),
        _border(widths, "└", "┴", "┘"), "\n",
    ])


def _rows(checks: Sequence[CheckResult], found: dict[int, list[Row]], errors: list[Row]
          ) -> list[Row]:
    """Every row of the table, one by one: per check, its successes then its findings."""
    rows: list[Row] = []
    for number, check in enumerate(checks):
        rows += [("success", check.file, check.namespace, "SUCCESS")] * check.successes
        rows += found.get(number, [])
    return rows + errors


def _draw(rows: list[Row], widths: list[int]) -> str:
    # Each row as the screen lines it takes: a cell of n lines makes its row n lines tall.
    out = [
        _border(widths, "┌", "┬", "┐"),
        _cells(_HEADER, widths, centred=True),
        _border(widths, "├", "┼", "┤"),
    ]
    out += [_cells(line, widths, centred=False) for row in rows for line in _screen_lines(row)]
    out.append(_border(widths, "└", "┴", "┘"))
    return "\n".join(out) + "\n"


def _border(widths: list[int], left: str, middle: str, right: str) -> str:
    return left + middle.join("─" * (width + 2) for width in widths) + right


def _cells(texts: tuple[str, ...], widths: list[int], centred: bool) -> str:
    shown = (_pad(text, width, centred) for text, width in zip(texts, widths, strict=True))
    return "│" + "│".join(f" {text} " for text in shown) + "│"


_file = attrgetter("file")
_namespace = attrgetter("namespace")
_successes = attrgetter("successes")


def _screen_lines(row: Row) -> list[tuple[str, ...]]:
    split = [cell.split("\n") for cell in row]
    height = max(len(lines) for lines in split)
    return [tuple(lines[i] if i < len(lines) else "" for lines in split) for i in range(height)]


def _cell_width(text: str) -> int:
    """The width of a cell's widest line."""
    if "\n" in text:
        return max(map(_width, text.split("\n")))
    return _width(text)


def _pad(text: str, width: int, centred: bool) -> str:
    """Left-aligned, or centred with the odd space on the right, as conftest's table library."""
    room = width - _width(text)
    left = room // 2 if centred else 0
    return " " * left + text + " " * (room - left)


def _width(text: str) -> int:
    """Terminal columns: wide East Asian characters take two, combining marks none."""
    if text.isascii():  # one column a character, control characters included
        return len(text)
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )
