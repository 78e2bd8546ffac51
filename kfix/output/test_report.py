"""`kfix test` reports: pretty (as `opa test`), json and junit.

json is one object:
  {"tests": [{"name", "package", "file", "line", "status", "error"}],
   "counts": {"passed", "failed", "skipped", "errors"},
   "coverage": {"percent", "files": {path: {"percent", "uncovered": [[start, end], ...]}}}
               or null without --coverage}
where status is pass, fail, error or skip, and name is the rule's (`test_x#01` for the
second definition of a name). When fixture suites ran it also holds
  "fixtures": {"passed", "failed",
               "failures": [{"policy", "file", "name", "message"}]},
  "fix_coverage": {"percent", "missing": {policy id: [item, ...]}}
where an item is positive, negative, fragment or fix pair.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from kfix.model import (
    ERROR,
    FAIL,
    PASS,
    SKIP,
    Coverage,
    FixtureCase,
    FixtureRunResult,
    TestCase,
    TestRunResult,
)

_LABELS = {PASS: "PASS", FAIL: "FAIL", ERROR: "ERROR", SKIP: "SKIPPED"}


def pretty(result: TestRunResult, verbose: bool = False,
           fixtures: FixtureRunResult | None = None) -> str:
    """Failures, errors and skips (passes too with verbose), then the counts."""
    lines: list[str] = []
    for test in result.tests:
        if test.status != PASS or verbose:
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
    for status in (PASS, FAIL, ERROR, SKIP):
        if status == PASS or result.count(status):
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


def as_json(result: TestRunResult, verbose: bool = False,
            fixtures: FixtureRunResult | None = None) -> str:
    coverage = result.coverage
    document: dict[str, Any] = {
        "tests": [
            {"name": t.name, "package": t.package, "file": t.file, "line": t.line,
             "status": t.status, "error": t.error}
            for t in result.tests
        ],
        "counts": {"passed": result.count(PASS), "failed": result.count(FAIL),
                   "skipped": result.count(SKIP), "errors": result.count(ERROR)},
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


def junit(result: TestRunResult, verbose: bool = False,
          fixtures: FixtureRunResult | None = None) -> str:
    """One <testsuite> per package, and `fixtures`; failures and errors carry their details."""
    suites: dict[str, list[TestCase]] = {}
    for test in result.tests:
        suites.setdefault(test.package, []).append(test)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites>"]
    for package, tests in suites.items():
        counts = {s: sum(1 for t in tests if t.status == s) for s in (FAIL, ERROR, SKIP)}
        lines.append(f"  <testsuite name={quoteattr('data.' + package)} tests=\"{len(tests)}\" "
                     f"failures=\"{counts[FAIL]}\" errors=\"{counts[ERROR]}\" "
                     f"skipped=\"{counts[SKIP]}\">")
        for test in tests:
            lines.append(f"    <testcase name={quoteattr(test.name)} "
                         f"classname={quoteattr('data.' + package)} file={quoteattr(test.file)} "
                         f"line=\"{test.line}\">")
            if test.status in (FAIL, ERROR):
                tag = "failure" if test.status == FAIL else "error"
                text = "\n".join(_details(test)) or f"{test.full_name} is not true"
                lines.append(f"      <{tag} message={quoteattr(_LABELS[test.status])}>"
                             f"{escape(text)}</{tag}>")
            elif test.status == SKIP:
                lines.append("      <skipped></skipped>")
            lines.append("    </testcase>")
        lines.append("  </testsuite>")
    if fixtures is not None and fixtures.cases:
        lines.extend(_fixture_suite(fixtures.cases))
    lines.append("</testsuites>")
    return "".join(f"{line}\n" for line in lines)


def _fixture_suite(cases: tuple[FixtureCase, ...]) -> list[str]:
    failed = sum(1 for case in cases if not case.passed)
    lines = [f'  <testsuite name="fixtures" tests="{len(cases)}" failures="{failed}" '
             'errors="0" skipped="0">']
    for case in cases:
        lines.append(f"    <testcase name={quoteattr(case.name)} "
                     f"classname={quoteattr('fixtures.' + case.policy)} "
                     f"file={quoteattr(case.file)}>")
        if not case.passed:
            lines.append(f'      <failure message="FAIL">{escape(case.message)}</failure>')
        lines.append("    </testcase>")
    lines.append("  </testsuite>")
    return lines


FORMATTERS: dict[str, Callable[..., str]] = {
    "pretty": pretty, "json": as_json, "junit": junit,
}
