"""GitHub Actions workflow commands, as conftest writes them, so findings annotate the PR.

    ::group::Testing "deploy.yaml" against 4 policies in namespace "main"
    ::error file=deploy.yaml,line=12::<failure>
    ::warning file=deploy.yaml,line=9::<warning>
    ::notice file=deploy.yaml,line=1::<exception>
    ::notice file=deploy.yaml,line=1::Number of successful checks: 3
    ::endgroup::
    ::error file=broken.yaml,line=3::<message>
    N tests, N passed, N warnings, N failures, N exceptions[, N errors]

The line is the finding's, else 1, as conftest. kfix adds an `::error` per input it
could not read or parse, after the groups so a collapsed group cannot hide it, and
escapes `%`, CR and LF (and `:` `,` in file names) as GitHub asks, where conftest does
not: a message of several lines stays one annotation instead of breaking the log.
"""

from __future__ import annotations

import json

from kfix.model import CheckResult, Finding, ScanResult
from kfix.output import ReportOptions
from kfix.output.common import summary

_DATA_ESCAPES = {"%": "%25", "\r": "%0D", "\n": "%0A"}
_PROPERTY_ESCAPES = {**_DATA_ESCAPES, ":": "%3A", ",": "%2C"}


def render(result: ScanResult, options: ReportOptions) -> str:
    lines = [line for check in result.results for line in _group(check)]
    lines += [_command("error", p.file, p.line, p.message) for p in result.problems]
    lines.append(summary(result))
    return "".join(f"{line}\n" for line in lines)


def _group(check: CheckResult) -> list[str]:
    tests = check.successes + len(check.failures) + len(check.warnings) + len(check.exceptions)
    # json.dumps quotes a name as Go's %q does, for any name a manifest can have.
    title = (
        f"Testing {json.dumps(check.file, ensure_ascii=False)} against {tests} policies"
        f" in namespace {json.dumps(check.namespace, ensure_ascii=False)}"
    )
    return [
        f"::group::{_escape(title, _DATA_ESCAPES)}",
        *(_annotation("error", check, f) for f in check.failures),
        *(_annotation("warning", check, f) for f in check.warnings),
        *(_annotation("notice", check, f) for f in check.exceptions),
        _command("notice", check.file, 1, f"Number of successful checks: {check.successes}"),
        "::endgroup::",
    ]


def _annotation(level: str, check: CheckResult, finding: Finding) -> str:
    return _command(level, finding.file or check.file, finding.line, finding.message)


def _command(level: str, file: str, line: int, message: str) -> str:
    file = _escape(file, _PROPERTY_ESCAPES)
    return f"::{level} file={file},line={line or 1}::{_escape(message, _DATA_ESCAPES)}"


def _escape(text: str, escapes: dict[str, str]) -> str:
    return "".join(escapes.get(char, char) for char in text)
