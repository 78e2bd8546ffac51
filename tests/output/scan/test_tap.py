from __future__ import annotations

from kfix.model import CheckResult, ScanResult
from kfix.output import ReportOptions
from kfix.output.scan import tap


def test_one_numbered_block_per_file_and_namespace(scan: ScanResult) -> None:
    assert tap.render(scan, ReportOptions()) == (
        "1..6\n"
        'not ok 1 - deploy.yaml - main - Deployment/web: container "app" is privileged\n'
        'not ok 2 - deploy.yaml - main - Deployment/web: container "app" has no memory limit\n'
        "# warnings\n"
        "not ok 3 - deploy.yaml - main - Deployment/web: image uses the latest tag\n"
        "# successes\n"
        "ok 4 - deploy.yaml - main - SUCCESS\n"
        "ok 5 - deploy.yaml - main - SUCCESS\n"
        "ok 6 - deploy.yaml - main - SUCCESS\n"
        "1..2\n"
        "# exceptions\n"
        'ok 1 - deploy.yaml - security - data.security.exception[_][_] == "run_as_root"\n'
        "# successes\n"
        "ok 2 - deploy.yaml - security - SUCCESS\n"
        "1..4\n"
        "# successes\n"
        "ok 1 - svc.yaml - main - SUCCESS\n"
        "ok 2 - svc.yaml - main - SUCCESS\n"
        "ok 3 - svc.yaml - main - SUCCESS\n"
        "ok 4 - svc.yaml - main - SUCCESS\n"
        "1..1\n"
        "# errors\n"
        "not ok 1 - broken.yaml:3 - mapping values are not allowed here\n"
    )


def test_a_file_without_tests_is_skipped_not_the_end_of_output(scan: ScanResult) -> None:
    finding = scan.results[0].failures[0]
    results = (
        CheckResult(file="empty.yaml", namespace="main"),
        CheckResult(file="-", namespace="main", failures=(finding,)),
    )
    assert tap.render(ScanResult(results=results), ReportOptions()) == (
        '1..1\nnot ok 1 - - main - Deployment/web: container "app" is privileged\n'
    )


def test_nothing_to_show_prints_nothing() -> None:
    assert tap.render(ScanResult(), ReportOptions()) == ""
