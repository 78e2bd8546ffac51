"""Line coverage from the engine's coverage reports, for `kfix test` and `kfix verify`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kfix.model import Coverage, FileCoverage


def coverage_of(reports: Iterable[Mapping[str, Any]], files: Sequence[str]) -> Coverage:
    """The union over every test's report: a line is covered if any test covered it."""
    covered: dict[str, set[int]] = {path: set() for path in files}
    seen: dict[str, set[int]] = {path: set() for path in files}
    for report in reports:
        for path, lines in (report.get("files") or {}).items():
            if path in covered:
                covered[path] |= _rows(lines.get("covered"))
                seen[path] |= _rows(lines.get("covered")) | _rows(lines.get("not_covered"))
    return Coverage({
        path: FileCoverage(len(covered[path]), len(seen[path]),
                           _ranges(sorted(seen[path] - covered[path])))
        for path in files
    })


def _rows(ranges: Iterable[Mapping[str, Any]] | None) -> set[int]:
    return {
        row
        for item in ranges or ()
        for row in range(int(item["start"]["row"]), int(item["end"]["row"]) + 1)
    }


def _ranges(rows: Sequence[int]) -> tuple[tuple[int, int], ...]:
    ranges: list[tuple[int, int]] = []
    for row in rows:
        if ranges and ranges[-1][1] == row - 1:
            ranges[-1] = (ranges[-1][0], row)
        else:
            ranges.append((row, row))
    return tuple(ranges)
