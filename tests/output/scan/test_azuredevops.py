"""`-o azuredevops`: the text of conftest's output/azuredevops.go, pinned with the cases of
its output/azuredevops_test.go (open-policy-agent/conftest@6a3fd60)."""

from __future__ import annotations

from kfix.model import FAILURE, WARNING, CheckResult, Finding, ScanResult
from kfix.output import ReportOptions
from kfix.output.scan import azuredevops

SERVICE = "examples/kubernetes/service.yaml"


def finding(outcome: str, message: str, file: str = SERVICE) -> Finding:
    return Finding(outcome=outcome, policy_id="", rule="deny", namespace="namespace",
                   message=message, file=file, document=0, line=3)


def test_no_warnings_or_errors() -> None:
    result = ScanResult(results=(CheckResult(file=SERVICE, namespace="namespace"),))
    assert azuredevops.render(result, ReportOptions()) == "\n".join([
        "##[section]Testing 'examples/kubernetes/service.yaml' against 0 policies in "
        "namespace 'namespace'",
        "##[group]See conftest results",
        "##[endgroup]",
        "0 tests, 0 passed, 0 warnings, 0 failures, 0 exceptions",
        "",
    ])


def test_records_failure_and_warnings() -> None:
    result = ScanResult(results=(CheckResult(
        file=SERVICE, namespace="namespace", failures=(finding(FAILURE, "first failure"),),
        warnings=(finding(WARNING, "first warning"),)),))
    assert azuredevops.render(result, ReportOptions()) == "\n".join([
        "##[section]Testing 'examples/kubernetes/service.yaml' against 2 policies in "
        "namespace 'namespace'",
        "##[group]See conftest results",
        "##vso[task.logissue type=error] file=examples/kubernetes/service.yaml --> first failure",
        "##vso[task.logissue type=warning] file=examples/kubernetes/service.yaml --> "
        "first warning",
        "##[endgroup]",
        "2 tests, 0 passed, 1 warning, 1 failure, 0 exceptions",
        "",
    ])


def test_handles_stdin_input() -> None:
    result = ScanResult(results=(CheckResult(
        file="-", namespace="namespace", failures=(finding(FAILURE, "first failure", "-"),)),))
    assert azuredevops.render(result, ReportOptions()) == "\n".join([
        "##[section]Testing '-' against 1 policies in namespace 'namespace'",
        "##[group]See conftest results",
        "##vso[task.logissue type=error] file=- --> first failure",
        "##[endgroup]",
        "1 test, 0 passed, 0 warnings, 1 failure, 0 exceptions",
        "",
    ])


def test_successes_exceptions_and_unreadable_inputs(scan: ScanResult) -> None:
    """Beyond conftest's cases: `success file=F N` when something passed, exceptions as
    warnings (as conftest), and kfix's error line and count for an unparsable input."""
    assert azuredevops.render(scan, ReportOptions()) == (
        "##[section]Testing 'deploy.yaml' against 6 policies in namespace 'main'\n"
        "##[group]See conftest results\n"
        '##vso[task.logissue type=error] file=deploy.yaml --> Deployment/web: container "app" '
        "is privileged\n"
        '##vso[task.logissue type=error] file=deploy.yaml --> Deployment/web: container "app" '
        "has no memory limit\n"
        "##vso[task.logissue type=warning] file=deploy.yaml --> Deployment/web: image uses the "
        "latest tag\n"
        "success file=deploy.yaml 3\n"
        "##[endgroup]\n"
        "##[section]Testing 'deploy.yaml' against 2 policies in namespace 'security'\n"
        "##[group]See conftest results\n"
        '##vso[task.logissue type=warning] file=deploy.yaml --> data.security.exception[_][_] '
        '== "run_as_root"\n'
        "success file=deploy.yaml 1\n"
        "##[endgroup]\n"
        "##[section]Testing 'svc.yaml' against 4 policies in namespace 'main'\n"
        "##[group]See conftest results\n"
        "success file=svc.yaml 4\n"
        "##[endgroup]\n"
        "##vso[task.logissue type=error] file=broken.yaml --> mapping values are not allowed "
        "here\n"
        "12 tests, 8 passed, 1 warning, 2 failures, 1 exception, 1 error\n"
    )
