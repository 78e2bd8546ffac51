"""`kfix fix` reports: a table for people, a documented JSON object for programs (and
Markdown for a pull request, in `fix_markdown`). The table names each file written,
`wrote <path>`, before its closing line.

JSON shape:
    {"findings": [{<Finding.fields()>, "message", "outcome", "status", "reason",
                   "patch": [<RFC 6902 operations applied>], "fragment": <template path>,
                   "risk": "low" | "medium" | "high", "effect": <what may change at runtime>}],
     "files": [{"path", "diff"}],
     "written": [<path written by --write or --output-dir, one per file changed>],
     "problems": [{"file", "line", "message"}],
     "summary": {"counts": {"fixed", "suggested", "no-fix", "rejected", "skipped", "total"},
                 "fix_rate": <fixed / total, 0..1>,
                 "by_policy": {<policy id>: {<status>: count}},
                 "files_changed": N, "files": N, "documents": N},
     "policies": <without -p: the policies kfix chose, ./policy or its built-in pack>}
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from kfix.model import FIX_STATUSES, FIXED, FixResult
from kfix.output import Report, ReportOptions, fix_markdown
from kfix.output.common import plural
from kfix.writer.diff import unified_diff


def summary(result: FixResult) -> dict[str, Any]:
    return summary_of([(r.finding.policy_id, r.status) for r in result.resolutions],
                      len(result.changes), result.files, result.documents)


def summary_of(statuses: Sequence[tuple[str, str]], files_changed: int, files: int,
               documents: int) -> dict[str, Any]:
    """The JSON summary from each finding's (policy id, status)."""
    by_policy: dict[str, dict[str, int]] = {}
    for policy_id, status in statuses:
        counts = by_policy.setdefault(policy_id, {})
        counts[status] = counts.get(status, 0) + 1
    counts = {status: sum(1 for _, s in statuses if s == status) for status in FIX_STATUSES}
    total = len(statuses)
    return {
        "counts": {**counts, "total": total},
        "fix_rate": round(counts[FIXED] / total, 4) if total else 1.0,
        "by_policy": dict(sorted(by_policy.items())),
        "files_changed": files_changed,
        "files": files,
        "documents": documents,
    }


def render_json(result: FixResult, options: ReportOptions) -> str:
    report: dict[str, Any] = {
        "findings": [
            {
                **o.finding.fields(),
                "message": o.finding.message,
                "outcome": o.finding.outcome,
                "status": o.status,
                "reason": o.reason,
                "patch": [dict(op) for op in o.patch],
                "fragment": o.fragment,
                "risk": o.risk,
                "effect": o.effect,
            }
            for o in result.resolutions
        ],
        "files": [
            {"path": c.path, "diff": unified_diff(c.path, c.before, c.after)}
            for c in result.changes
        ],
        "written": list(result.written),
        "problems": [{"file": p.file, "line": p.line, "message": p.message}
                     for p in result.problems],
        "summary": summary(result),
    }
    if result.policy_set:
        report["policies"] = result.policy_set
    return json.dumps(report, indent=2) + "\n"


def render_table(result: FixResult, options: ReportOptions) -> str:
    rows = [("STATUS", "RISK", "POLICY", "WHERE", "REASON")]
    for o in result.resolutions:
        where = f"{o.finding.file}:{o.finding.line}"
        rows.append((o.status, o.risk or "-", o.finding.policy_id, where,
                     o.reason or o.finding.message))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
             + "  " + row[4] for row in rows] if result.resolutions else []
    lines += [f"ERR  {p}" for p in result.problems]
    lines += [f"wrote {path}" for path in result.written]
    counts = summary(result)["counts"]
    parts = [f"{counts[status]} {status}" for status in FIX_STATUSES]
    if not counts["total"]:
        lines.append(f"nothing to fix; {plural(len(result.changes), 'file')} changed")
    else:
        lines.append(
            f"{plural(counts['total'], 'finding')}: {', '.join(parts)}; "
            f"fix rate {result.fix_rate:.0%}; {plural(len(result.changes), 'file')} changed"
        )
    if result.policy_set:
        lines.append(f"policies: {result.policy_set}")
    return "\n".join(lines) + "\n"


REPORTS: dict[str, Report[FixResult]] = {
    "json": render_json,
    "table": render_table,
    "markdown": fix_markdown.render,
}
