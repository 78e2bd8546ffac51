"""Markdown for a pull-request comment or `$GITHUB_STEP_SUMMARY`.

    ## kfix scan: 2 failures, 1 warning, 1 error

    | Severity | Failures | Warnings | Exceptions |      per severity, highest first
    12 tests, 8 passed, 1 warning, 2 failures, 1 exception, 1 error

    ### Inputs that could not be checked                  | Location | Error |
    ### Findings by policy
    #### K8S001 · Privileged container · high             | Outcome | Location | Message |

Policies come highest severity first, each with its METADATA title and severity (a
policy without METADATA is named `<namespace>/<rule>`), its findings by file and line.
A table of more than a few rows is folded into `<details>`, and the page stops short
of GitHub's comment limit with a note of what it left out (`kfix.output.markdown`).
"""

from __future__ import annotations

from kfix.model import EXCEPTION, FAILURE, WARNING, Finding, ScanResult
from kfix.output import ReportOptions
from kfix.output.common import Counts, plural, rule_id, summary, where
from kfix.output.markdown import (
    LIMIT,
    Page,
    escape,
    policy_heading,
    section_table,
    severity_rank,
    table,
)

_OUTCOMES = (FAILURE, WARNING, EXCEPTION)


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
        page.add(table(("Severity", "Failures", "Warnings", "Exceptions"),
                       _by_severity(result, findings), numeric=3) + "\n")
    page.add(summary(result, counts) + "\n\n")
    if result.problems:
        errors = [(escape(where(p.file, p.line)), escape(p.message)) for p in result.problems]
        section_table(page, "### Inputs that could not be checked", ("Location", "Error"),
                      errors, "errors")
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(rule_id(finding), []).append(finding)
    if groups:
        page.add("### Findings by policy\n\n")
    for key in sorted(groups, key=lambda k: (severity_rank(_severity(result, groups[k][0])), k)):
        found = sorted(groups[key], key=lambda f: (f.file, f.line))
        heading = policy_heading(key, result.policies.get(key), _severity(result, found[0]))
        rows = [(f.outcome, escape(where(f.file, f.line)), escape(f.message)) for f in found]
        section_table(page, f"#### {heading}", ("Outcome", "Location", "Message"), rows,
                      "findings")
    return page.text("`kfix scan -o json`")


def _severity(result: ScanResult, finding: Finding) -> str:
    info = result.policies.get(finding.policy_id)
    return (info.severity if info is not None and info.severity else finding.severity)


def _headline(result: ScanResult, counts: Counts) -> str:
    parts = [plural(n, word) for n, word in ((counts.failures, "failure"),
                                               (counts.warnings, "warning"),
                                               (counts.exceptions, "exception"),
                                               (len(result.problems), "error")) if n]
    return ", ".join(parts) if parts else f"{plural(counts.tests, 'test')}, all passed"


def _by_severity(result: ScanResult, findings: list[Finding]) -> list[tuple[str, ...]]:
    """A row per severity found, highest first: its failures, warnings and exceptions."""
    counted: dict[str, dict[str, int]] = {}
    for finding in findings:
        row = counted.setdefault(_severity(result, finding) or "none", dict.fromkeys(_OUTCOMES, 0))
        row[finding.outcome] += 1
    return [(escape(severity), *(str(counted[severity][o]) for o in _OUTCOMES))
            for severity in sorted(counted, key=lambda s: (severity_rank(s), s))]
