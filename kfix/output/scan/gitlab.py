"""GitLab's Code Quality report, for `artifacts: reports: codequality:` in a merge request.

    [{"description", "check_name", "fingerprint", "severity",
      "location": {"path", "lines": {"begin"}}}]

The fields GitLab's "Implement a custom tool" documentation (doc/ci/testing/
code_quality.md) requires, and no others: GitLab ignores the rest of the Code Climate
spec. `check_name` is the policy id (`<namespace>.<rule>` for a policy without
METADATA); `severity` maps kfix's low, medium, high, critical to minor, major,
critical, blocker, and an unrated finding by its outcome (failure major, warning minor,
exception info). `location.path` is relative to the working directory, the
repository's root in a CI job (a path outside it is kept as given), `lines.begin` the
finding's line, else 1.

`fingerprint` is stable from one pipeline to the next, since GitLab compares the
merge request's report with its target branch's by it: a hash of the check, path,
resource, JSON pointer and message, without the line (a change above a finding would
otherwise make it new), and a number for the n-th finding with all of those alike, so
no two issues share one. An input kfix could not read or parse is a `blocker` issue of
check `kfix/unreadable-input`: a manifest nobody checked must not pass unseen.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import PurePath
from typing import Any

from kfix.model import EXCEPTION, FAILURE, WARNING, Finding, ScanResult
from kfix.output import ReportOptions
from kfix.output.common import rule_id

_SEVERITIES = {"low": "minor", "medium": "major", "high": "critical", "critical": "blocker"}
_UNRATED = {FAILURE: "major", WARNING: "minor", EXCEPTION: "info"}
UNREADABLE = "kfix/unreadable-input"


def render(result: ScanResult, options: ReportOptions) -> str:
    paths = _Paths(os.getcwd())
    seen: dict[str, int] = {}
    issues = [
        _issue(rule_id(f), f.message, _severity(f), paths[f.file], f.line,
               (f.resource.api_version, f.resource.kind, f.resource.namespace,
                f.resource.name, f.item, f.pointer), seen)
        for check in result.results
        for findings in (check.failures, check.warnings,
                         () if options.suppress_exceptions else check.exceptions)
        for f in findings
    ]
    issues += [_issue(UNREADABLE, p.message, "blocker", paths[p.file], p.line, (), seen)
               for p in result.problems]
    if not issues:
        return "[]\n"
    # an issue a line: as readable as indented JSON, and json's C encoder writes it
    return "[\n" + ",\n".join(map(_encode, issues)) + "\n]\n"


_encode = json.JSONEncoder(ensure_ascii=False).encode


def _issue(check: str, message: str, severity: str, path: str, line: int,
           identity: tuple[str, ...], seen: dict[str, int]) -> dict[str, Any]:
    key = "\0".join((check, path, *identity, message))
    occurrence = seen[key] = seen.get(key, -1) + 1
    fingerprint = hashlib.sha256(f"{key}\0{occurrence}".encode()).hexdigest()
    return {
        "description": message,
        "check_name": check,
        "fingerprint": fingerprint,
        "severity": severity,
        "location": {"path": path, "lines": {"begin": line or 1}},
    }


def _severity(finding: Finding) -> str:
    return _SEVERITIES.get(finding.severity.lower()) or _UNRATED[finding.outcome]


class _Paths(dict[str, str]):
    """Each file relative to `root` with forward slashes, worked out once; as given when
    outside it (or stdin)."""

    def __init__(self, root: str) -> None:
        super().__init__()
        self.root = root

    def __missing__(self, file: str) -> str:
        relative = os.path.relpath(os.path.abspath(file), self.root)
        outside = file == "-" or relative == os.pardir or relative.startswith(os.pardir + os.sep)
        path = self[file] = PurePath(file if outside else relative).as_posix()
        return path
