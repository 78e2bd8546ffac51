from __future__ import annotations

import pytest

from kfix.model import CheckResult, Finding, ScanResult
from kfix.output import ReportOptions
from kfix.output.scan import stdout

RED, YELLOW, GREEN, BLUE, CYAN, RESET = (
    "\x1b[31m",
    "\x1b[33m",
    "\x1b[32m",
    "\x1b[34m",
    "\x1b[36m",
    "\x1b[0m",
)


def test_report_is_conftests_lines_with_kfixs_errors(scan: ScanResult) -> None:
    assert stdout.render(scan, ReportOptions()) == (
        "PRNT   policy/main.rego:7: checking web\n"
        "WARN - deploy.yaml - main - Deployment/web: image uses the latest tag\n"
        'FAIL - deploy.yaml - main - Deployment/web: container "app" is privileged\n'
        'FAIL - deploy.yaml - main - Deployment/web: container "app" has no memory limit\n'
        'EXCP - deploy.yaml - security - data.security.exception[_][_] == "run_as_root"\n'
        "ERR  - broken.yaml:3 - mapping values are not allowed here\n"
        "\n"
        "12 tests, 8 passed, 1 warning, 2 failures, 1 exception, 1 error\n"
    )


def test_colours_are_conftests(scan: ScanResult) -> None:
    lines = stdout.render(scan, ReportOptions(color=True)).splitlines()
    assert lines[0] == f"{BLUE}PRNT {RESET}  policy/main.rego:7: checking web"
    assert lines[1].startswith(f"{YELLOW}WARN{RESET} - deploy.yaml - main - ")
    assert lines[2].startswith(f"{RED}FAIL{RESET} - deploy.yaml - main - ")
    assert lines[4].startswith(f"{CYAN}EXCP{RESET} - deploy.yaml - security - ")
    assert lines[5].startswith(f"{RED}ERR {RESET} - broken.yaml:3 - ")
    assert (
        lines[-1] == f"{RED}12 tests, 8 passed, 1 warning, 2 failures, 1 exception, 1 error{RESET}"
    )


def test_a_clean_run_ends_in_conftests_exact_summary(clean: ScanResult) -> None:
    assert stdout.render(clean, ReportOptions()) == (
        "\n1 test, 1 passed, 0 warnings, 0 failures, 0 exceptions\n"
    )
    assert stdout.render(clean, ReportOptions(color=True)).endswith(
        f"{GREEN}1 test, 1 passed, 0 warnings, 0 failures, 0 exceptions{RESET}\n"
    )


@pytest.mark.parametrize(
    ("outcome", "colour"), [("warnings", YELLOW), ("exceptions", CYAN), ("failures", RED)]
)
def test_summary_takes_the_colour_of_the_worst_outcome(
    scan: ScanResult, outcome: str, colour: str
) -> None:
    finding = scan.results[0].failures[0]
    only = ScanResult(
        results=(CheckResult(file="a.yaml", namespace="main", **{outcome: (finding,)}),)
    )
    assert stdout.render(only, ReportOptions(color=True)).splitlines()[-1].startswith(colour)


def test_suppressed_exceptions_are_hidden_but_still_counted(scan: ScanResult) -> None:
    text = stdout.render(scan, ReportOptions(suppress_exceptions=True))
    assert "EXCP" not in text
    assert text.endswith("1 exception, 1 error\n")


def test_stdin_and_dash_namespace_print_without_names(scan: ScanResult) -> None:
    finding: Finding = scan.results[0].failures[0]
    piped = ScanResult(
        results=(
            CheckResult(file="-", namespace="main", failures=(finding,)),
            CheckResult(file="a.yaml", namespace="-", failures=(finding,)),
        )
    )
    lines = stdout.render(piped, ReportOptions()).splitlines()
    assert lines[:2] == [
        'FAIL - - main - Deployment/web: container "app" is privileged',
        'FAIL - a.yaml - Deployment/web: container "app" is privileged',
    ]


def test_trace_comes_first_in_conftests_trac_lines(scan: ScanResult) -> None:
    trace = stdout.render_trace(scan, ReportOptions())
    assert trace == (
        "file: deploy.yaml | namespace: main\n"
        "TRAC   Enter data.main.deny = _\n"
        "TRAC   | Exit data.main.deny = _\n"
    )
    traced = stdout.render(scan, ReportOptions(trace=True))
    assert traced == trace + stdout.render(scan, ReportOptions())
    assert stdout.render_trace(scan, ReportOptions(color=True)).startswith(f"{RED}file: ")
