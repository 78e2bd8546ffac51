"""conftest's JUnit XML, for CI test-report viewers.

One <testsuite name="conftest.<namespace>"> per namespace, in order of first appearance.
For each file in it: a <testcase> per warning and failure, holding the message in a
<failure message="Failed">, then a passing <testcase> per success. Exceptions are left
out, as conftest does. Suite names keep conftest's prefix, so CI dashboards keyed on
them keep their history. A case is named `<file> - <first line of message>`, or just
`<file>` for a success or with `junit_hide_message`; its class is the suite's name after
its last `/`, as go-junit-report names it. kfix adds a suite "kfix.errors" with a
failing case per input it could not read or parse.
"""

from __future__ import annotations

from kfix.model import ScanResult
from kfix.output import ReportOptions
from kfix.output.common import where
from kfix.output.junit import FAILURE, Case, Suite
from kfix.output.junit import render as junit_xml


def render(result: ScanResult, options: ReportOptions) -> str:
    suites: dict[str, list[Case]] = {}
    # per namespace: its suite's cases and their class
    namespaces: dict[str, tuple[list[Case], str]] = {}
    for check in result.results:
        known = namespaces.get(check.namespace)
        if known is None:
            name = f"conftest.{check.namespace}"
            cases = suites.setdefault(name, [])
            known = namespaces[check.namespace] = (cases, name.rsplit("/", 1)[-1])
        cases, classname = known
        if check.warnings or check.failures:
            cases += [
                Case(_name(check.file, f.message, options), classname, FAILURE, "Failed",
                     f.message)
                for f in (*check.warnings, *check.failures)
            ]
        if check.successes:
            cases += [Case(check.file, classname)] * check.successes
    if result.problems:
        suites["kfix.errors"] = [
            Case(_name(where(p.file, p.line), p.message, options), "kfix.errors", FAILURE,
                 "Failed", p.message)
            for p in result.problems
        ]
    return junit_xml([Suite(name, tuple(cases)) for name, cases in suites.items()])


def _name(subject: str, message: str, options: ReportOptions) -> str:
    if options.junit_hide_message:
        return subject
    first_line = message.partition("\n")[0]
    return f"{subject} - {first_line}"
