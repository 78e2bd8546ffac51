from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

from kfix.model import CheckResult, ScanResult
from kfix.output import ReportOptions
from kfix.output.scan import junit


def parse(scan: ScanResult, **options: bool) -> ET.Element:
    return ET.fromstring(junit.render(scan, ReportOptions(**options)))


def cases(suite: ET.Element) -> list[tuple[str | None, str | None]]:
    """(name, failure text or None) of each test case."""
    return [
        (case.get("name"), None if (failure := case.find("failure")) is None else failure.text)
        for case in suite.iter("testcase")
    ]


def test_one_suite_per_namespace_then_one_for_errors(scan: ScanResult) -> None:
    root = parse(scan)
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [(s.get("name"), s.get("tests"), s.get("failures")) for s in suites] == [
        ("conftest.main", "10", "3"),
        ("conftest.security", "1", "0"),
        ("kfix.errors", "1", "1"),
    ]
    assert {case.get("classname") for case in suites[0].iter("testcase")} == {"conftest.main"}


def test_warnings_and_failures_fail_successes_pass_exceptions_are_left_out(
    scan: ScanResult,
) -> None:
    main, security, errors = parse(scan).findall("testsuite")
    privileged = 'Deployment/web: container "app" is privileged'
    assert cases(main)[:4] == [
        (
            "deploy.yaml - Deployment/web: image uses the latest tag",
            "Deployment/web: image uses the latest tag",
        ),
        (f"deploy.yaml - {privileged}", privileged),
        (
            'deploy.yaml - Deployment/web: container "app" has no memory limit',
            'Deployment/web: container "app" has no memory limit',
        ),
        ("deploy.yaml", None),
    ]
    assert cases(main)[4:] == [("deploy.yaml", None)] * 2 + [("svc.yaml", None)] * 4
    assert cases(security) == [("deploy.yaml", None)]
    assert cases(errors) == [
        (
            "broken.yaml:3 - mapping values are not allowed here",
            "mapping values are not allowed here",
        )
    ]
    failure = main.find("testcase/failure")
    assert failure is not None
    assert (failure.get("message"), failure.get("type")) == ("Failed", "")


def test_written_as_conftests_go_encoder_writes(scan: ScanResult) -> None:
    finding = replace(scan.results[0].warnings[0], message="first warning")
    one = ScanResult(
        results=(
            CheckResult(
                file="examples/kubernetes/service.yaml",
                namespace="namespace",
                successes=1,
                warnings=(finding,),
            ),
        )
    )
    assert junit.render(one, ReportOptions()) == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<testsuites>\n"
        '\t<testsuite tests="2" failures="1" time="0.000" name="conftest.namespace">\n'
        '\t\t<testcase classname="conftest.namespace"'
        ' name="examples/kubernetes/service.yaml - first warning" time="0.000">\n'
        '\t\t\t<failure message="Failed" type="">first warning</failure>\n'
        "\t\t</testcase>\n"
        '\t\t<testcase classname="conftest.namespace"'
        ' name="examples/kubernetes/service.yaml" time="0.000"></testcase>\n'
        "\t</testsuite>\n"
        "</testsuites>\n"
    )


def test_no_tests_is_an_empty_testsuites() -> None:
    assert junit.render(ScanResult(), ReportOptions()) == (
        '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites></testsuites>\n'
    )


def test_long_messages_name_the_test_by_their_first_line_or_hidden(scan: ScanResult) -> None:
    message = "failure with long message\n\nThis is the rest of the description"
    finding = replace(scan.results[0].failures[0], message=message)
    one = ScanResult(results=(CheckResult(file="a.yaml", namespace="main", failures=(finding,)),))
    assert "long message&#xA;&#xA;This is" in junit.render(one, ReportOptions())
    assert cases(parse(one)[0]) == [("a.yaml - failure with long message", message)]
    assert cases(parse(one, junit_hide_message=True)[0]) == [("a.yaml", message)]


def test_any_message_makes_well_formed_xml(scan: ScanResult) -> None:
    finding = replace(scan.results[0].failures[0], message="<b>&'\"\x1b[31m red\x00")
    one = ScanResult(results=(CheckResult(file="a.yaml", namespace="main", failures=(finding,)),))
    assert cases(parse(one)[0])[0][1] == "<b>&'\"\ufffd[31m red\ufffd"
