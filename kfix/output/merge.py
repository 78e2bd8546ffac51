"""JSON reports of several runs (--shard I/N, one per CI job or machine) joined into the
report one run over all the files would have printed.

A scan report is conftest's JSON list: entries are put back in file order (kfix names
files in sorted order), with the entries of unreadable inputs after them, as one run
does. A fix report's findings, files and problems are joined the same way and its
summary computed again from them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from kfix.errors import KfixError
from kfix.model import FAILURE, FIXED
from kfix.output.common import indented_json
from kfix.output.fix import summary_of
from kfix.output.scan.json import go_escaped


def merge(texts: Sequence[tuple[str, str]]) -> tuple[str, int]:
    """(name, JSON text) of each report → the merged JSON text and its exit code."""
    reports = [_read(name, text) for name, text in texts]
    if not reports:
        raise KfixError("no reports to merge")
    kinds = {"scan" if isinstance(r, list) else "fix" for r in reports}
    if len(kinds) > 1:
        raise KfixError("cannot merge scan reports with fix reports")
    if kinds == {"scan"}:
        return _merge_scan([entry for report in reports for entry in report])
    return _merge_fix(reports)


def _read(name: str, text: str) -> Any:
    try:
        report = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KfixError(f"not JSON: {exc.msg}", name, exc.lineno) from None
    if isinstance(report, list) and all(isinstance(e, dict) and "filename" in e
                                        for e in report):
        return report
    if isinstance(report, dict) and {"findings", "files", "problems", "summary"} <= set(report):
        return report
    raise KfixError("neither a `kfix scan -o json` nor a `kfix fix -o json` report", name)


def _is_error(entry: dict[str, Any]) -> bool:
    return any(f.get("metadata", {}).get("error") is True for f in entry.get("failures", ()))


def _merge_scan(entries: list[dict[str, Any]]) -> tuple[str, int]:
    checks = sorted((e for e in entries if not _is_error(e)), key=lambda e: e["filename"])
    errors = sorted((e for e in entries if _is_error(e)),
                    key=lambda e: (e["filename"], e["failures"][0].get("loc", {}).get("line", 0)))
    failures = sum(len(e.get("failures", ())) for e in checks)
    code = 2 if errors else 1 if failures else 0
    text = go_escaped(indented_json(checks + errors, "\t"))  # as `kfix scan -o json` writes
    return text + "\n", code


def _merge_fix(reports: list[dict[str, Any]]) -> tuple[str, int]:
    findings = sorted((f for r in reports for f in r["findings"]), key=lambda f: f["file"])
    files = sorted((f for r in reports for f in r["files"]), key=lambda f: f["path"])
    problems = sorted((p for r in reports for p in r["problems"]),
                      key=lambda p: (p["file"], p["line"]))
    summary = summary_of([(f["policy_id"], f["status"]) for f in findings], len(files),
                         sum(r["summary"]["files"] for r in reports),
                         sum(r["summary"]["documents"] for r in reports))
    unfixed = any(f["status"] != FIXED and f["outcome"] == FAILURE for f in findings)
    code = 2 if problems else 1 if unfixed else 0
    written = sorted(path for r in reports for path in r.get("written", ()))
    report = {"findings": findings, "files": files, "written": written, "problems": problems,
              "summary": summary}
    chosen = {r["policies"] for r in reports if "policies" in r}
    if len(chosen) == 1:  # the policies kfix chose, when the runs agree on them
        report["policies"] = chosen.pop()
    return json.dumps(report, indent=2) + "\n", code
