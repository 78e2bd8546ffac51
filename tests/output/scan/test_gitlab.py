"""`kfix scan -o gitlab`: GitLab Code Quality issues, checked against the fields GitLab
requires (tests/output/scan/data/gitlab-code-quality.schema.json)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from kfix.model import CheckResult, Problem, ScanResult
from kfix.output import ReportOptions
from kfix.output.scan import REPORTS, gitlab

SCHEMA = json.loads((Path(__file__).parent / "data" / "gitlab-code-quality.schema.json")
                    .read_text(encoding="utf-8"))


def issues(result: ScanResult, options: ReportOptions | None = None) -> list[dict[str, Any]]:
    text = gitlab.render(result, options or ReportOptions())
    assert not text.startswith("\ufeff")  # GitLab's parser refuses a byte order mark
    report: list[dict[str, Any]] = json.loads(text)
    jsonschema.validate(report, SCHEMA)
    return report


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the repository's root: paths are relative to it


def test_registered() -> None:
    assert REPORTS["gitlab"] is gitlab.render


def test_every_finding_and_unreadable_input_is_an_issue(scan: ScanResult) -> None:
    report = issues(scan)
    assert [(i["check_name"], i["severity"], i["location"]) for i in report] == [
        ("K8S001", "critical", {"path": "deploy.yaml", "lines": {"begin": 12}}),
        ("main/deny_limits", "major", {"path": "deploy.yaml", "lines": {"begin": 1}}),
        ("K8S002", "major", {"path": "deploy.yaml", "lines": {"begin": 9}}),
        ("security/deny_run_as_root", "info", {"path": "deploy.yaml", "lines": {"begin": 1}}),
        ("kfix/unreadable-input", "blocker", {"path": "broken.yaml", "lines": {"begin": 3}}),
    ]
    assert report[0]["description"] == 'Deployment/web: container "app" is privileged'
    assert report[-1]["description"] == "mapping values are not allowed here"


def test_severities_map_onto_gitlabs_scale(scan: ScanResult) -> None:
    base = scan.results[0].failures[0]
    levels = ("low", "medium", "high", "critical", "")
    found = tuple(replace(base, severity=s, message=s or "unrated") for s in levels)
    one = ScanResult(results=(CheckResult("deploy.yaml", "main", failures=found),))
    assert [i["severity"] for i in issues(one)] == [
        "minor", "major", "critical", "blocker", "major"]


def test_exceptions_are_left_out_when_suppressed(scan: ScanResult) -> None:
    report = issues(scan, ReportOptions(suppress_exceptions=True))
    assert "security/deny_run_as_root" not in [i["check_name"] for i in report]


def test_fingerprints_are_unique_and_survive_moved_lines(scan: ScanResult) -> None:
    base = scan.results[0].failures[0]
    twins = (base, replace(base, line=40))  # alike in all but the line
    one = ScanResult(results=(CheckResult("deploy.yaml", "main", failures=twins),))
    first = [i["fingerprint"] for i in issues(one)]
    assert len(set(first)) == 2
    moved = tuple(replace(f, line=f.line + 7) for f in twins)
    again = ScanResult(results=(CheckResult("deploy.yaml", "main", failures=moved),))
    assert [i["fingerprint"] for i in issues(again)] == first
    other = replace(base, resource=replace(base.resource, name="api"))
    changed = ScanResult(results=(CheckResult("deploy.yaml", "main", failures=(other,)),))
    assert issues(changed)[0]["fingerprint"] not in first


def test_paths_are_relative_to_the_working_directory(scan: ScanResult, tmp_path: Path) -> None:
    base = scan.results[0].failures[0]
    files = ["./k8s/a.yaml", str(tmp_path / "k8s" / "b.yaml"), "k8s/../c.yaml"]
    found = tuple(replace(base, file=f, message=f) for f in files)
    result = ScanResult(results=(CheckResult("x", "main", failures=found),),
                        problems=(Problem("./k8s/bad.yaml", 0, "cannot read"),))
    assert [i["location"]["path"] for i in issues(result)] == [
        "k8s/a.yaml", "k8s/b.yaml", "c.yaml", "k8s/bad.yaml"]


def test_a_path_outside_the_repository_is_kept_as_given(scan: ScanResult) -> None:
    outside = replace(scan.results[0].failures[0], file="/elsewhere/c.yaml")
    result = ScanResult(results=(CheckResult("x", "main", failures=(outside,)),))
    (issue,) = json.loads(gitlab.render(result, ReportOptions()))
    assert issue["location"]["path"] == "/elsewhere/c.yaml"


def test_a_clean_run_is_an_empty_list(clean: ScanResult) -> None:
    assert issues(clean) == []


@pytest.mark.parametrize("broken", [
    {"fingerprint": None},
    {"severity": "high"},
    {"location": {"path": "a.yaml"}},
    {"location": {"path": "a.yaml", "lines": {"begin": 0}}},
    {"check_name": None},
])
def test_the_schema_refuses_what_gitlab_would(broken: dict[str, Any]) -> None:
    good = {"description": "d", "check_name": "c", "fingerprint": "f", "severity": "minor",
            "location": {"path": "a.yaml", "lines": {"begin": 1}}}
    jsonschema.validate([good], SCHEMA)
    bad = {key: value for key, value in {**good, **broken}.items() if value is not None}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([bad], SCHEMA)
