"""`kfix draft` report: the diffs of what was written, or each attempt's reasons."""

from __future__ import annotations

import os

from kfix.model import DraftResult
from kfix.output import Report, ReportOptions
from kfix.writer.diff import unified_diff


def text(result: DraftResult, options: ReportOptions) -> str:
    """What `kfix draft` prints: the diffs when accepted, each attempt's reasons if not."""
    if result.accepted:
        out = [unified_diff(_shown(result.fragment_path), "", result.fragment)]
        for pair in result.pairs:
            out.append(unified_diff(_shown(pair.after_path), pair.before, pair.after))
        out.append(f"kfix: drafted {result.fragment_path} after {len(result.attempts)} "
                   f"attempt(s), with {len(result.pairs)} fix pair(s)\n")
        return "".join(out)
    out = [f"kfix: no draft for {result.policy_id} passed verification; nothing written\n"]
    for number, attempt in enumerate(result.attempts, 1):
        out.append(f"attempt {number}:\n")
        out.extend(f"  {reason}\n" for reason in attempt.reasons)
    return "".join(out)


def _shown(path: str) -> str:
    """A path relative to the working directory when it lies below it."""
    relative = os.path.relpath(path)
    return path.lstrip("/") if relative.startswith("..") else relative




REPORTS: dict[str, Report[DraftResult]] = {"text": text}
