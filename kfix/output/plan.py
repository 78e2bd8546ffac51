"""`kfix plan show` (table, Markdown, JSON) and the lines `kfix apply`/`rollback` print."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from kfix.output import Report, ReportOptions
from kfix.output.common import plural
from kfix.plan.apply import RunResult
from kfix.plan.model import Action, ClusterTarget, Plan, to_json

COLUMNS = ("rank", "id", "score", "severity", "risk", "state", "file", "resource", "policy",
           "exposure")


def _row(action: Action) -> list[str]:
    target = action.target
    where = (target.address if isinstance(target, ClusterTarget)
             else f"{action.file}#{target.document}")
    resource = action.resource
    name = f"{resource.kind}/{resource.namespace + '/' if resource.namespace else ''}" \
           f"{resource.name}"
    return [str(action.rank), action.id, str(action.score), action.severity or "-",
            action.risk, action.state, where, name, action.policy,
            ", ".join(action.exposure) or "-"]


def _table(rows: Sequence[Sequence[str]], head: Sequence[str]) -> str:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return "".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
                   .rstrip() + "\n" for row in [head, *rows])


def _counts(plan: Plan) -> str:
    states: dict[str, int] = {}
    for action in plan.actions:
        states[action.state] = states.get(action.state, 0) + 1
    return ", ".join(f"{n} {state}" for state, n in states.items())


def render_table(plan: Plan, _options: ReportOptions) -> str:
    head = f"plan {plan.id}: {plural(len(plan.actions), 'action')}"
    if not plan.actions:
        return head + "\n"
    return (_table([_row(a) for a in plan.actions], [c.upper() for c in COLUMNS])
            + f"{head} ({_counts(plan)})\n")


def render_markdown(plan: Plan, _options: ReportOptions) -> str:
    lines = [f"# kfix plan {plan.id}", "",
             f"{plural(len(plan.actions), 'action')}, created {plan.created}, "
             f"from {', '.join(plan.inputs)}", ""]
    if plan.actions:
        lines += ["| " + " | ".join(c.capitalize() for c in COLUMNS) + " |",
                  "|" + "---|" * len(COLUMNS)]
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in _row(a)) + " |"
                  for a in plan.actions]
    for action in plan.actions:
        lines += ["", f"## {action.rank}. `{action.id}` {action.policy}", "",
                  f"{action.message}", "",
                  f"Risk {action.risk}" + (f": {action.effect}" if action.effect else ".")]
        if action.decision:
            lines += ["", f"{action.state.capitalize()} by {action.decision.by} at "
                      f"{action.decision.at}" + (f": {action.decision.reason}"
                                                 if action.decision.reason else ".")]
        lines += ["", "```diff", action.diff.rstrip("\n"), "```"]
    return "\n".join(lines) + "\n"


def render_json(plan: Plan, _options: ReportOptions) -> str:
    return json.dumps(to_json(plan), indent=2, ensure_ascii=False) + "\n"


REPORTS: dict[str, Report[Plan]] = {
    "table": render_table,
    "markdown": render_markdown,
    "json": render_json,
}


def run_lines(result: RunResult, verb: str) -> str:
    """One line per action a run handled, then a count: what `apply`/`rollback` print."""
    if not result.handled:
        return f"nothing to {verb}\n"
    rows = [[h.action.id, h.result, h.action.where, h.action.policy, h.message or "-"]
            for h in result.handled]
    counts: dict[str, int] = {}
    for h in result.handled:
        counts[h.result] = counts.get(h.result, 0) + 1
    summary = ", ".join(f"{n} {r}" for r, n in counts.items())
    return _table(rows, ["ID", "RESULT", "FILE", "POLICY", "MESSAGE"]) + f"{summary}\n"


def audit_table(records: Sequence[dict[str, Any]]) -> str:
    rows = [[str(r.get("seq")), str(r.get("at")), str(r.get("operation")), str(r.get("action")),
             str(r.get("result")), str((r.get("approver") or {}).get("by", "-")),
             str(r.get("file") or r.get("object")), str(r.get("before_sha256", ""))[:12] or "-",
             str(r.get("after_sha256", ""))[:12] or "-"] for r in records]
    return _table(rows, ["SEQ", "AT", "OPERATION", "ACTION", "RESULT", "APPROVER", "FILE",
                         "BEFORE", "AFTER"])
