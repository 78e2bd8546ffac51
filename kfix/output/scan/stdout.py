"""conftest's standard output, for people and for the scripts that grep it.

    PRNT   <location>: <message>                one per Rego print(), first
    WARN - <file> - <namespace> - <message>
    FAIL - <file> - <namespace> - <message>
    EXCP - <file> - <namespace> - <message>     left out with suppress_exceptions
    ERR  - <file>:<line> - <message>            kfix: an input it could not read or parse
    (blank line)
    N tests, N passed, N warnings, N failures, N exceptions[, N errors]

Finding lines are conftest's, unchanged, even when kfix knows the finding's line:
scripts split them on " - ". kfix adds the ERR lines (`:<line>` only when known) and
the summary's error count, both only when some input could not be checked. With
`trace`, the evaluation trace (`render_trace`) comes before the report.
"""

from __future__ import annotations

from kfix.model import ScanResult
from kfix.output import ReportOptions
from kfix.output.common import Counts, paint, prefix, summary, where


def render(result: ScanResult, options: ReportOptions) -> str:
    color = options.color
    lines = [
        f"{paint('PRNT ', 'blue', color)}  {_located(p.location, p.message)}" for p in result.prints
    ]
    for check in result.results:
        if not (check.warnings or check.failures or check.exceptions):
            continue  # most checks: successes alone, which print nothing
        head = prefix(check.file, check.namespace)
        lines += [f"{paint('WARN', 'yellow', color)} {head} {f.message}" for f in check.warnings]
        lines += [f"{paint('FAIL', 'red', color)} {head} {f.message}" for f in check.failures]
        if not options.suppress_exceptions:
            lines += [
                f"{paint('EXCP', 'cyan', color)} {head} {f.message}" for f in check.exceptions
            ]
    lines += [
        f"{paint('ERR ', 'red', color)} - {where(p.file, p.line)} - {p.message}"
        for p in result.problems
    ]
    counts = Counts.of(result)
    closing = paint(summary(result, counts), _summary_color(result, counts), color)
    chosen = [f"policies: {result.policy_set}"] if result.policy_set else []
    report = "\n".join([*lines, "", closing, *chosen]) + "\n"
    return render_trace(result, options) + report if options.trace else report


def render_trace(result: ScanResult, options: ReportOptions) -> str:
    """The evaluation trace in conftest's TRAC lines, headed per file and namespace
    (conftest heads each query; kfix's results keep one trace per file and namespace).

    Public so the CLI can send it to stderr under the other formats, as conftest does.
    """
    lines = []
    for check in result.results:
        if not check.traces:
            continue
        color = "red" if check.failures else "green"
        lines.append(
            paint(f"file: {check.file} | namespace: {check.namespace}", color, options.color)
        )
        lines += [f"{paint('TRAC ', 'blue', options.color)}  {t}" for t in check.traces]
    return "".join(f"{line}\n" for line in lines)


def _located(location: str, message: str) -> str:
    return f"{location}: {message}" if location else message


def _summary_color(result: ScanResult, counts: Counts) -> str:
    if counts.failures or result.problems:
        return "red"
    if counts.warnings:
        return "yellow"
    return "cyan" if counts.exceptions else "green"
