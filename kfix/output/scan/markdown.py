"""Markdown for a pull-request comment or `$GITHUB_STEP_SUMMARY`.

    ## kfix scan: 2 failures, 1 warning, 1 error

    | Severity | Failures | Warnings | Exceptions |      per severity, highest first
    12 tests, 8 passed, 1 warning, 2 failures, 1 exception, 1 error

    ### Inputs that could not be checked                  | Location | Error |
    ### Findings by policy
    #### K8S001 · Privileged container · high             | Outcome | Location | Message |

Policies come highest severity first, each with its METADATA title and severity (a
policy without METADATA is named `<namespace>.<rule>`), its findings by file and line.
A table of more than a few rows is folded into `<details>`, and the page stops short
of GitHub's comment limit with a note of what it left out (`kfix.output.markdown`).
"""

from __future__ import annotations

from kfix.model import EXCEPTION, FAILURE, WARNING, Finding, ScanResult
from kfix.output import ReportOptions
from kfix.output.common import Counts, plural, summary, where
from kfix.output.markdown import (
    LIMIT,
    Page,
    by_policy,
    by_severity,
    escape,
    policy_heading,
    problem_row,
    section_table,
    table,
)


def render(result: ScanResult, options: ReportOptions, limit: int = LIMIT) -> str:
    counts = Counts.of(result)
    findings = [
        finding
        for check in result.results
        for findings in (check.failures, check.warnings,
                         () if options.suppress_exceptions else check.exceptions)
        for finding in findings
    ]
    page = Page(limit)
    page.add(f"## kfix scan: {_headline(result, counts)}\n\n")
    if findings:
        columns = (FAILURE, WARNING, EXCEPTION)
        counted = by_severity(findings, result.policies, columns, _outcome)
        page.add(table(("Severity", "Failures", "Warnings", "Exceptions"), counted, numeric=3)
                 + "\n")
    page.add(summary(result, counts) + "\n\n")
    if result.problems:
        section_table(page, "### Inputs that could not be checked", ("Location", "Error"),
                      result.problems, problem_row, "errors")
    if findings:
        page.add("### Findings by policy\n\n")
    for group in by_policy(findings, _itself, result.policies):
        section_table(page, f"#### {policy_heading(group[0], result.policies)}",
                      ("Outcome", "Location", "Message"), group, _finding_row, "findings")
    return page.text("`kfix scan -o json`")


def _headline(result: ScanResult, counts: Counts) -> str:
    parts = [plural(n, word) for n, word in ((counts.failures, "failure"),
                                               (counts.warnings, "warning"),
                                               (counts.exceptions, "exception"),
                                               (len(result.problems), "error")) if n]
    return ", ".join(parts) if parts else f"{plural(counts.tests, 'test')}, all passed"


def _finding_row(finding: Finding) -> tuple[str, str, str]:
    return finding.outcome, escape(where(finding.file, finding.line)), escape(finding.message)


def _outcome(finding: Finding) -> str:
    return finding.outcome


def _itself(finding: Finding) -> Finding:
    return finding
