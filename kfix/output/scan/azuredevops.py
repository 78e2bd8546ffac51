"""Azure DevOps Pipelines logging commands, as conftest's `-o azuredevops` writes them.

    ##[section]Testing 'deploy.yaml' against 4 policies in namespace 'main'
    ##[group]See conftest results
    ##vso[task.logissue type=error] file=deploy.yaml --> <failure>
    ##vso[task.logissue type=warning] file=deploy.yaml --> <warning>
    ##vso[task.logissue type=warning] file=deploy.yaml --> <exception>
    success file=deploy.yaml 3
    ##[endgroup]
    ##vso[task.logissue type=error] file=broken.yaml --> <message>
    N tests, N passed, N warnings, N failures, N exceptions[, N errors]

Text as conftest's output/azuredevops.go, which names no line (`success` only when
something passed). kfix adds an error per input it could not read or parse, after the
groups, and the summary's error count, both only when some input could not be checked.
"""

from __future__ import annotations

from kfix.model import CheckResult, ScanResult
from kfix.output import ReportOptions
from kfix.output.common import summary


def render(result: ScanResult, options: ReportOptions) -> str:
    lines = [_group(check) for check in result.results]
    lines += [_issue("error", p.file, p.message) for p in result.problems]
    lines.append(summary(result) + "\n")
    return "".join(lines)


def _group(check: CheckResult) -> str:
    tests = check.successes + len(check.failures) + len(check.warnings) + len(check.exceptions)
    lines = [f"##[section]Testing '{check.file}' against {tests} policies in namespace "
             f"'{check.namespace}'\n", "##[group]See conftest results\n"]
    lines += [_issue("error", check.file, f.message) for f in check.failures]
    lines += [_issue("warning", check.file, f.message) for f in (*check.warnings,
                                                                 *check.exceptions)]
    if check.successes:
        lines.append(f"success file={check.file} {check.successes}\n")
    lines.append("##[endgroup]\n")
    return "".join(lines)


def _issue(level: str, file: str, message: str) -> str:
    return f"##vso[task.logissue type={level}] file={file} --> {message}\n"
