"""`kfix verify` output: gator's go-test style, JSON, or JUnit XML.

JSON shape:
  {"counts": {"suites"|"tests"|"cases": {"passed", "failed", "skipped"}},
   "pass_rate": percent of run cases that passed (null when none ran), "seconds",
   "failures": [{"suite", "test", "case", "expected", "actual"}],
   "coverage": {"percent", "files": {...}} or null}
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from kfix.model import FAILED, PASSED, SKIPPED, SuiteResult, VerifyResult
from kfix.output import Report, ReportOptions
from kfix.output.coverage import coverage_json, coverage_lines
from kfix.output.junit import FAILURE, Case, Suite
from kfix.output.junit import SKIPPED as JUNIT_SKIPPED
from kfix.output.junit import render as junit_xml

LEVELS = ("suites", "tests", "cases")


def pass_rate(result: VerifyResult) -> float | None:
    """Percent of the cases run that passed; None when no case ran."""
    passed, failed = result.count("cases", PASSED), result.count("cases", FAILED)
    return 100.0 * passed / (passed + failed) if passed + failed else None


def _rate_text(result: VerifyResult) -> str:
    rate = pass_rate(result)
    if rate is not None:
        return f"pass rate {rate:.1f}%"
    tests = sum(1 for s in result.suites for t in s.tests if t.error)
    suites = sum(1 for s in result.suites if s.error)
    unrun = [f"{n} {word}{'s' if n != 1 else ''}" for n, word in
             ((tests, "test"), (suites, "suite"), (len(result.problems), "file")) if n]
    return f"no case ran: {', '.join(unrun)} could not load" if unrun else "no case ran"


def _failures(result: VerifyResult) -> Iterator[dict[str, str]]:
    for problem in result.problems:
        yield {"suite": problem.file, "test": "", "case": "", "expected": "a readable file",
               "actual": str(problem)}
    for suite in result.suites:
        if suite.error:
            yield {"suite": suite.path, "test": "", "case": "", "expected": "",
                   "actual": suite.error}
        for test in suite.tests:
            if test.error:
                yield {"suite": suite.path, "test": test.name, "case": "", "expected": "",
                       "actual": test.error}
            for case in test.cases:
                if case.status == FAILED:
                    yield {"suite": suite.path, "test": test.name, "case": case.name,
                           "expected": case.expected, "actual": case.actual}


def pretty(result: VerifyResult, options: ReportOptions) -> str:
    verbose = options.verbose
    lines = [f"ERR\t{problem}" for problem in result.problems]
    for suite in result.suites:
        lines += _suite_lines(suite, verbose)
    counts = ", ".join(
        f"{level}: {result.count(level, PASSED)} passed, {result.count(level, FAILED)} failed, "
        f"{result.count(level, SKIPPED)} skipped" for level in LEVELS)
    if result.coverage is not None:
        lines += coverage_lines(result.coverage)
    lines.append(f"{counts}; {_rate_text(result)} in {result.seconds:.2f}s")
    return "".join(f"{line}\n" for line in lines)


def _suite_lines(suite: SuiteResult, verbose: bool) -> list[str]:
    lines: list[str] = []
    if suite.error:
        lines.append(f"    {suite.error}")
    for test in suite.tests:
        if test.status == FAILED or verbose:
            lines.append(f"--- {_word(test.status)}: {test.name}\t({test.seconds:.3f}s)")
            if test.error:
                lines.append(f"    {test.error}")
        for case in test.cases:
            if case.status == FAILED or verbose:
                lines.append(f"    --- {_word(case.status)}: {case.name}\t({case.seconds:.3f}s)")
            if case.status == FAILED:
                lines.append(f"        want {case.expected}")
                lines.append(f"        got  {case.actual}")
    head = {PASSED: "ok", FAILED: "FAIL", SKIPPED: "skip"}[suite.status]
    lines.append(f"{head}\t{suite.path}\t{suite.seconds:.3f}s")
    return lines


def _word(status: str) -> str:
    return {PASSED: "PASS", FAILED: "FAIL", SKIPPED: "SKIP"}[status]


def as_json(result: VerifyResult, options: ReportOptions) -> str:
    document: dict[str, Any] = {
        "counts": {level: {status: result.count(level, status)
                           for status in (PASSED, FAILED, SKIPPED)} for level in LEVELS},
        "pass_rate": None if (rate := pass_rate(result)) is None else round(rate, 2),
        "seconds": round(result.seconds, 3),
        "failures": list(_failures(result)),
        "coverage": None if result.coverage is None else coverage_json(result.coverage),
    }
    if options.verbose:
        document["suites"] = [
            {"path": s.path, "name": s.name, "status": s.status,
             "tests": [{"name": t.name, "status": t.status,
                        "cases": [{"name": c.name, "status": c.status} for c in t.cases]}
                       for t in s.tests]}
            for s in result.suites
        ]
    return json.dumps(document, indent=2) + "\n"


def junit(result: VerifyResult, options: ReportOptions) -> str:
    """One <testsuite> per suite file, one <testcase> per case (or per test that could
    not run), named `test//case` as --run addresses them."""
    suites = []
    if result.problems:
        suites.append(Suite("unreadable files", tuple(
            Case(problem.file, "", FAILURE, str(problem), str(problem))
            for problem in result.problems)))
    for suite in result.suites:
        cases = []
        for test in suite.tests:
            units = [(f"{test.name}//{c.name}", c.status, f"want {c.expected}; got {c.actual}",
                      c.seconds) for c in test.cases]
            if test.error or not test.cases:
                units.insert(0, (test.name, test.status, test.error, test.seconds))
            for name, status, message, seconds in units:
                outcome = {FAILED: FAILURE, SKIPPED: JUNIT_SKIPPED}.get(status, "")
                shown = message if status == FAILED else ""
                cases.append(Case(name, suite.name, outcome, shown, shown, seconds))
        suites.append(Suite(suite.path, tuple(cases), suite.seconds))
    return junit_xml(suites)


REPORTS: dict[str, Report[VerifyResult]] = {"pretty": pretty, "json": as_json, "junit": junit}
