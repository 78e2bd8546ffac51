from __future__ import annotations

from dataclasses import replace

from kfix.model import CheckResult, ScanResult
from kfix.output import ReportOptions
from kfix.output.scan import github


def test_groups_annotations_and_summary(scan: ScanResult) -> None:
    assert github.render(scan, ReportOptions()) == (
        '::group::Testing "deploy.yaml" against 6 policies in namespace "main"\n'
        '::error file=deploy.yaml,line=12::Deployment/web: container "app" is privileged\n'
        '::error file=deploy.yaml,line=1::Deployment/web: container "app" has no memory limit\n'
        "::warning file=deploy.yaml,line=9::Deployment/web: image uses the latest tag\n"
        "::notice file=deploy.yaml,line=1::Number of successful checks: 3\n"
        "::endgroup::\n"
        '::group::Testing "deploy.yaml" against 2 policies in namespace "security"\n'
        '::notice file=deploy.yaml,line=1::data.security.exception[_][_] == "run_as_root"\n'
        "::notice file=deploy.yaml,line=1::Number of successful checks: 1\n"
        "::endgroup::\n"
        '::group::Testing "svc.yaml" against 4 policies in namespace "main"\n'
        "::notice file=svc.yaml,line=1::Number of successful checks: 4\n"
        "::endgroup::\n"
        "::error file=broken.yaml,line=3::mapping values are not allowed here\n"
        "12 tests, 8 passed, 1 warning, 2 failures, 1 exception, 1 error\n"
    )


def test_a_file_without_tests_still_gets_its_group() -> None:
    empty = ScanResult(results=(CheckResult(file="a.yaml", namespace="main"),))
    assert github.render(empty, ReportOptions()) == (
        '::group::Testing "a.yaml" against 0 policies in namespace "main"\n'
        "::notice file=a.yaml,line=1::Number of successful checks: 0\n"
        "::endgroup::\n"
        "0 tests, 0 passed, 0 warnings, 0 failures, 0 exceptions\n"
    )


def test_messages_and_names_are_escaped_so_one_finding_stays_one_annotation(
    scan: ScanResult,
) -> None:
    finding = replace(
        scan.results[0].failures[0], file="odd,name:x.yaml", message="100% bad\r\nsee docs"
    )
    one = ScanResult(results=(CheckResult(file="a.yaml", namespace="main", failures=(finding,)),))
    assert github.render(one, ReportOptions()).splitlines()[1] == (
        "::error file=odd%2Cname%3Ax.yaml,line=12::100%25 bad%0D%0Asee docs"
    )


def test_hide_passed_leaves_out_groups_with_only_successes(scan: ScanResult) -> None:
    """conftest output/github_test.go, "hide-passed keeps files with failures and counts
    every test": a passing file's group goes, the summary still counts its tests."""
    text = github.render(scan, ReportOptions(github_hide_passed=True))
    assert '"svc.yaml"' not in text and "file=svc.yaml" not in text
    assert text == github.render(scan, ReportOptions()).replace(
        '::group::Testing "svc.yaml" against 4 policies in namespace "main"\n'
        "::notice file=svc.yaml,line=1::Number of successful checks: 4\n"
        "::endgroup::\n", "")
    assert text.endswith("12 tests, 8 passed, 1 warning, 2 failures, 1 exception, 1 error\n")


def test_hide_passed_with_only_passing_files_prints_the_summary_alone() -> None:
    """conftest output/github_test.go, "hide-passed skips a file with only successes"."""
    passing = ScanResult(results=(CheckResult(file="examples/kubernetes/service.yaml",
                                              namespace="namespace", successes=5),))
    assert github.render(passing, ReportOptions(github_hide_passed=True)) == (
        "5 tests, 5 passed, 0 warnings, 0 failures, 0 exceptions\n")
