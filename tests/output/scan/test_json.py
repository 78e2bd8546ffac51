from __future__ import annotations

import json
from dataclasses import replace

from kfix.model import CheckResult, ScanResult
from kfix.output import ReportOptions
from kfix.output.scan import json as json_output


def render(scan: ScanResult) -> str:
    return json_output.render(scan, ReportOptions())


def test_a_clean_file_is_byte_for_byte_conftests(clean: ScanResult) -> None:
    assert render(clean) == (
        "[\n\t{\n"
        '\t\t"filename": "svc.yaml",\n'
        '\t\t"namespace": "main",\n'
        '\t\t"successes": 1\n'
        "\t}\n]\n"
    )


def test_one_entry_per_file_and_namespace_with_conftests_keys(scan: ScanResult) -> None:
    entries = json.loads(render(scan))
    assert [(e["filename"], e["namespace"]) for e in entries[:3]] == [
        ("deploy.yaml", "main"),
        ("deploy.yaml", "security"),
        ("svc.yaml", "main"),
    ]
    assert [list(e) for e in entries[:3]] == [
        ["filename", "namespace", "successes", "warnings", "failures"],
        ["filename", "namespace", "successes", "exceptions"],
        ["filename", "namespace", "successes"],
    ]
    assert [e["successes"] for e in entries[:3]] == [3, 1, 4]


def test_results_carry_location_and_metadata(scan: ScanResult) -> None:
    privileged, no_limit = json.loads(render(scan))[0]["failures"]
    assert privileged["msg"] == 'Deployment/web: container "app" is privileged'
    assert privileged["loc"] == {"file": "deploy.yaml", "line": 12}
    assert privileged["metadata"] == {
        "policy_id": "K8S001",
        "rule": "deny",
        "namespace": "main",
        "severity": "high",
        "file": "deploy.yaml",
        "document": 0,
        "line": 12,
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "resource_namespace": "shop",
        "name": "web",
        "pointer": "/spec/template/spec/containers/0/securityContext/privileged",
    }
    assert "loc" not in no_limit  # line unknown
    assert no_limit["metadata"]["details"] == {
        "hint": "set <resources.limits> & requests",
        "limit": "memory",
    }


def test_metadata_the_policy_returned_wins_over_kfix_fields(scan: ScanResult) -> None:
    finding = replace(scan.results[0].failures[0], metadata={"name": "privileged-check"})
    mine = ScanResult(results=(CheckResult(file="a.yaml", namespace="main", failures=(finding,)),))
    assert json.loads(render(mine))[0]["failures"][0]["metadata"]["name"] == "privileged-check"


def test_written_as_gos_encoder_writes(scan: ScanResult) -> None:
    text = render(scan)
    assert text.startswith('[\n\t{\n\t\t"filename": "deploy.yaml",\n')
    assert text.endswith("\n]\n")
    assert '"hint": "set \\u003cresources.limits\\u003e \\u0026 requests"' in text
    metadata = json.loads(text)[0]["failures"][0]["metadata"]
    assert list(metadata) == sorted(metadata)


def test_unreadable_input_is_a_failure_marked_as_an_error(scan: ScanResult) -> None:
    assert json.loads(render(scan))[3] == {
        "filename": "broken.yaml",
        "namespace": "",
        "successes": 0,
        "failures": [
            {
                "msg": "mapping values are not allowed here",
                "loc": {"file": "broken.yaml", "line": 3},
                "metadata": {"error": True, "file": "broken.yaml", "line": 3},
            }
        ],
    }


def test_stdin_is_named_empty_as_conftest_does() -> None:
    piped = ScanResult(results=(CheckResult(file="-", namespace="main"),))
    assert json.loads(render(piped))[0]["filename"] == ""


def test_no_results_is_an_empty_list() -> None:
    assert render(ScanResult()) == "[]\n"
