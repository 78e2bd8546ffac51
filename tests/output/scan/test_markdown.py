"""`kfix scan -o markdown`, read back by markdown-it-py."""

from __future__ import annotations

from dataclasses import replace

from kfix.model import FAILURE, CheckResult, Finding, ScanResult
from kfix.output import ReportOptions
from kfix.output.scan import REPORTS, markdown
from tests.output.markdown_parse import parse, rows


def test_registered() -> None:
    assert REPORTS["markdown"] is markdown.render


def test_summary_tables_and_findings_by_policy(scan: ScanResult) -> None:
    text = markdown.render(scan, ReportOptions())
    parsed = parse(text)
    assert parsed.headings(2) == ["kfix scan: 2 failures, 1 warning, 1 exception, 1 error"]
    assert "12 tests, 8 passed, 1 warning, 2 failures, 1 exception, 1 error" in text
    severity, errors, *policies = parsed.tables
    assert rows(severity) == [
        ["Severity", "Failures", "Warnings", "Exceptions"],
        ["high", "1", "0", "0"],
        ["medium", "0", "1", "0"],
        ["none", "1", "0", "1"],
    ]
    assert rows(errors) == [["Location", "Error"],
                            ["broken.yaml:3", "mapping values are not allowed here"]]
    # highest severity first, each with its METADATA title and severity
    assert parsed.headings(4) == [
        "K8S001 · Privileged container · high",
        "K8S002 · Image tag latest · medium",
        "main/deny_limits",
        "security/deny_run_as_root",
    ]
    assert [rows(t) for t in policies] == [
        [["Outcome", "Location", "Message"],
         ["failure", "deploy.yaml:12", 'Deployment/web: container "app" is privileged']],
        [["Outcome", "Location", "Message"],
         ["warning", "deploy.yaml:9", "Deployment/web: image uses the latest tag"]],
        [["Outcome", "Location", "Message"],
         ["failure", "deploy.yaml", 'Deployment/web: container "app" has no memory limit']],
        [["Outcome", "Location", "Message"],
         ["exception", "deploy.yaml", 'data.security.exception[_][_] == "run_as_root"']],
    ]


def test_suppressed_exceptions_are_left_out(scan: ScanResult) -> None:
    text = markdown.render(scan, ReportOptions(suppress_exceptions=True))
    assert "run_as_root" not in text
    assert rows(parse(text).tables[0])[-1] == ["none", "1", "0", "0"]


def test_a_clean_run(clean: ScanResult) -> None:
    text = markdown.render(clean, ReportOptions())
    parsed = parse(text)
    assert parsed.headings(2) == ["kfix scan: 1 test, all passed"]
    assert parsed.tables == []


def test_hostile_messages_and_paths_stay_text(scan: ScanResult) -> None:
    message = "<b>x</b> | `y` | [z](http://e.example) *w*"
    path = "dir|with`odd`<name>.yaml"
    finding = replace(scan.results[0].failures[0], message=message, file=path)
    hostile = ScanResult(results=(CheckResult(path, "main", failures=(finding,)),),
                         policies=scan.policies)
    (_, table) = parse(markdown.render(hostile, ReportOptions())).tables
    ((outcome, where, shown),) = table[1:]
    assert (outcome.text, where.text, shown.text) == ("failure", f"{path}:12", message)
    assert where.kinds == shown.kinds == {"text"}


def test_a_long_run_is_folded_and_bounded(scan: ScanResult) -> None:
    base = scan.results[0].failures[0]
    many = tuple(replace(base, line=n, message=f"finding {n} " + "x" * 200)
                 for n in range(1, 3001))
    big = ScanResult(results=(CheckResult("deploy.yaml", "main", failures=many),),
                     policies=scan.policies)
    text = markdown.render(big, ReportOptions())
    assert len(text) < 65_536  # GitHub's limit for a comment
    assert "<details><summary>3,000 findings</summary>" in text
    parsed = parse(text)
    (_, found) = parsed.tables
    shown = len(found) - 1
    assert [r[1] for r in rows(found)[1:]] == [f"deploy.yaml:{n}" for n in range(1, shown + 1)]
    assert f"{3000 - shown:,} findings not shown; `kfix scan -o json` has everything" in text


def test_a_finding_without_policy_id_is_named_by_namespace_and_rule() -> None:
    finding = Finding(outcome=FAILURE, policy_id="", rule="deny", namespace="team.a",
                      message="m", file="a.yaml", document=0, line=0)
    one = ScanResult(results=(CheckResult("a.yaml", "team.a", failures=(finding,)),))
    assert parse(markdown.render(one, ReportOptions())).headings(4) == ["team.a/deny"]
