"""`kfix test` reports: pretty (as `opa test`), json and junit.

json is one object:
  {"tests": [{"name", "package", "file", "line", "status", "error"}],
   "counts": {"passed", "failed", "skipped", "errors"},
   "coverage": {"percent", "files": {path: {"percent", "uncovered": [[start, end], ...]}}}
               or null without --coverage}
where status is passed, failed, error or skipped, and name is the rule's (`test_x#01` for the
second definition of a name). When fixtures ran it also holds
  "fixtures": {"passed", "failed",
               "failures": [{"policy", "file", "name", "message"}]},
  "fix_coverage": {"percent", "missing": {policy id: [item, ...]}}
where an item is positive, negative, fragment or fix pair.
"""

from __future__ import annotations

import json
from typing import Any

from kfix.model import (
    ERROR,
    FAILED,
    PASSED,
    SKIPPED,
    FixtureCase,
    TestCase,
    TestRunResult,
)
from kfix.output import Report, ReportOptions
from kfix.output.coverage import coverage_json, coverage_lines
from kfix.output.junit import ERROR as JUNIT_ERROR
from kfix.output.junit import FAILURE, Case, Suite
from kfix.output.junit import SKIPPED as JUNIT_SKIPPED
from kfix.output.junit import render as junit_xml

_LABELS = {PASSED: "PASS", FAILED: "FAIL", ERROR: "ERROR", SKIPPED: "SKIPPED"}


def pretty(result: TestRunResult, options: ReportOptions) -> str:
    """Failures, errors and skips (passes too with verbose), then the counts."""
    verbose, fixtures = options.verbose, result.fixtures
    lines: list[str] = []
    for test in result.tests:
        if test.status != PASSED or verbose:
            lines.append(f"{_LABELS[test.status]}: {test.full_name} ({test.where})")
            lines.extend(f"  {line}" for line in _details(test))
    cases = fixtures.cases if fixtures is not None else ()
    for case in cases:
        if not case.passed:
            lines.append(f"FAIL: fixture {case.file}: {case.message}")
        elif verbose:
            lines.append(f"PASS: fixture {case.file}: {case.name}")
    total = len(result.tests)
    if lines or total:
        lines.append("-" * 80)
    for status in (PASSED, FAILED, ERROR, SKIPPED):
        if status == PASSED or result.count(status):
            lines.append(f"{_LABELS[status]}: {result.count(status)}/{total}")
    if fixtures is not None and cases:
        lines.append(f"FIXTURES PASS: {fixtures.passed}/{len(cases)}")
        if fixtures.failed:
            lines.append(f"FIXTURES FAIL: {fixtures.failed}/{len(cases)}")
    if result.coverage is not None:
        lines.extend(coverage_lines(result.coverage))
    if fixtures is not None and fixtures.coverage is not None:
        lines.append("-" * 80)
        lines.append(f"FIX COVERAGE: {fixtures.coverage.percent:.2f}%")
        lines.extend(f"{policy}: missing {', '.join(items)}"
                     for policy, items in fixtures.coverage.missing.items())
    return "".join(f"{line}\n" for line in lines)


def _details(test: TestCase) -> list[str]:
    details = [test.error] if test.error else []
    if test.failed_at:
        details.append(f"{test.failed_at}: {test.failed_expr}")
        details.extend(f"  {name} = {json.dumps(value)}"
                       for name, value in sorted(test.locals.items()))
    return details


def as_json(result: TestRunResult, options: ReportOptions) -> str:
    coverage, fixtures = result.coverage, result.fixtures
    document: dict[str, Any] = {
        "tests": [
            {"name": t.name, "package": t.package, "file": t.file, "line": t.line,
             "status": t.status, "error": t.error}
            for t in result.tests
        ],
        "counts": {"passed": result.count(PASSED), "failed": result.count(FAILED),
                   "skipped": result.count(SKIPPED), "errors": result.count(ERROR)},
        "coverage": None if coverage is None else coverage_json(coverage),
    }
    if fixtures is not None:
        document["fixtures"] = {
            "passed": fixtures.passed, "failed": fixtures.failed,
            "failures": [{"policy": c.policy, "file": c.file, "name": c.name,
                          "message": c.message} for c in fixtures.cases if not c.passed],
        }
        fix_coverage = fixtures.coverage
        document["fix_coverage"] = None if fix_coverage is None else {
            "percent": round(fix_coverage.percent, 2),
            "missing": {policy: list(items) for policy, items in fix_coverage.missing.items()},
        }
    return json.dumps(document, indent=2) + "\n"


def junit(result: TestRunResult, options: ReportOptions) -> str:
    """One <testsuite> per package, and `fixtures`; failures and errors carry their details."""
    suites: dict[str, list[Case]] = {}
    outcomes = {FAILED: FAILURE, ERROR: JUNIT_ERROR, SKIPPED: JUNIT_SKIPPED}
    for test in result.tests:
        outcome = outcomes.get(test.status, "")
        text = ("\n".join(_details(test)) or f"{test.full_name} is not true"
                if test.status in (FAILED, ERROR) else "")
        label = _LABELS[test.status] if text else ""
        suites.setdefault(test.package, []).append(Case(
            test.name, f"data.{test.package}", outcome, label, text, file=test.file,
            line=test.line))
    xml_suites = [Suite(f"data.{package}", tuple(cases)) for package, cases in suites.items()]
    if result.fixtures is not None:
        xml_suites.append(Suite("fixtures", tuple(_fixture_case(c) for c in result.fixtures.cases)))
    return junit_xml(xml_suites)


def _fixture_case(case: FixtureCase) -> Case:
    if case.passed:
        return Case(case.name, f"fixtures.{case.policy}", file=case.file)
    return Case(case.name, f"fixtures.{case.policy}", FAILURE, "FAIL", case.message,
                file=case.file)


REPORTS: dict[str, Report[TestRunResult]] = {"pretty": pretty, "json": as_json, "junit": junit}
