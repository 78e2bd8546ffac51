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
    suites: dict[str, list[tuple[str, str | None]]] = {}
    for check in result.results:
        cases = suites.setdefault(f"conftest.{check.namespace}", [])
        for finding in (*check.warnings, *check.failures):
            cases.append((_name(check.file, finding.message, options), finding.message))
        cases += [(check.file, None)] * check.successes
    if result.problems:
        suites["kfix.errors"] = [
            (_name(where(p.file, p.line), p.message, options), p.message) for p in result.problems
        ]
    return junit_xml([
        Suite(name, tuple(_case(name, case_name, failure) for case_name, failure in cases))
        for name, cases in suites.items()
    ])


def _case(suite: str, name: str, failure: str | None) -> Case:
    classname = suite.rsplit("/", 1)[-1]
    if failure is None:
        return Case(name, classname)
    return Case(name, classname, FAILURE, "Failed", failure)


def _name(subject: str, message: str, options: ReportOptions) -> str:
    if options.junit_hide_message:
        return subject
    first_line = message.partition("\n")[0]
    return f"{subject} - {first_line}"
