"""Line coverage, as `kfix test --coverage` and `kfix verify --coverage` print it."""

from __future__ import annotations

from typing import Any

from kfix.model import Coverage


def coverage_lines(coverage: Coverage) -> list[str]:
    lines = ["-" * 80, f"COVERAGE: {coverage.percent:.2f}%"]
    for path, file in coverage.files.items():
        missing = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in file.uncovered)
        lines.append(f"{path}: {file.percent:.2f}%" + (f" (not covered: {missing})"
                                                        if missing else ""))
    return lines


def coverage_json(coverage: Coverage) -> dict[str, Any]:
    return {
        "percent": round(coverage.percent, 2),
        "files": {
            path: {"percent": round(f.percent, 2), "uncovered": [list(r) for r in f.uncovered]}
            for path, f in coverage.files.items()
        },
    }
