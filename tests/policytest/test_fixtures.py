"""`kfix test` fixtures and fix coverage, on the real engine.

Each test builds a small policy repository in tmp_path from one real policy of the
pack (privileged-container) and its fixtures, then breaks one thing.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kfix.cli import cli
from kfix.policytest.fixtures import AFTER_PASSES, FIX_TURNS, run_fixtures

REPO = Path(__file__).resolve().parents[2]
POLICY = "privileged-container"
PRIVILEGED = """\
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
    - name: c
      image: nginx:1.25
      securityContext:
        privileged: true
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """policies/<policy> (with its fragment and the pack's library) and fixtures/<policy>."""
    shutil.copytree(REPO / "policies" / POLICY, tmp_path / "policies" / POLICY)
    for library in (REPO / "policies").iterdir():
        if library.is_dir() and not (library / "policy.rego").exists():
            shutil.copytree(library, tmp_path / "policies" / library.name)
    shutil.copytree(REPO / "fixtures" / POLICY, tmp_path / "fixtures" / POLICY)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def kfix_test(*args: str) -> Result:
    return CliRunner().invoke(cli, ["test", "policies", *args], catch_exceptions=False)


def failures(result: Result) -> list[dict]:
    return json.loads(result.output)["fixtures"]["failures"]


def test_the_pack_has_a_library_the_copy_needs(repo: Path) -> None:
    assert any(p.is_dir() for p in (repo / "policies").iterdir() if p.name != POLICY)


def test_passing_suite(repo: Path) -> None:
    result = kfix_test("-o", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    positives = len(list((repo / "fixtures" / POLICY / "positive").glob("*.yaml")))
    negatives = len(list((repo / "fixtures" / POLICY / "negative").glob("*.yaml")))
    pairs = len(list((repo / "fixtures" / POLICY / "fix").glob("*.before.yaml")))
    assert document["fixtures"] == {
        "passed": positives + negatives + 2 * pairs, "failed": 0, "failures": [],
    }
    assert document["fix_coverage"] == {"percent": 100.0, "missing": {}}

    pretty = kfix_test("-v")
    assert pretty.exit_code == 0
    assert f"PASS: fixture fixtures/{POLICY}/positive/" in pretty.output
    assert "FIX COVERAGE: 100.00%" in pretty.output

    junit = ET.fromstring(kfix_test("-o", "junit").output)
    suite = next(s for s in junit.iter("testsuite") if s.get("name") == "fixtures")
    assert suite.get("failures") == "0"
    assert int(suite.get("tests")) == positives + negatives + 2 * pairs


def test_positive_that_does_not_raise(repo: Path) -> None:
    positive = repo / "fixtures" / POLICY / "positive" / "quiet.yaml"
    positive.write_text(PRIVILEGED.replace("privileged: true", "privileged: false"))
    result = kfix_test()
    assert result.exit_code == 2
    assert (f"FAIL: fixture fixtures/{POLICY}/positive/quiet.yaml: expected {POLICY}, "
            "got nothing") in result.output
    [failure] = failures(kfix_test("-o", "json"))
    assert failure["file"] == f"fixtures/{POLICY}/positive/quiet.yaml"
    assert failure["policy"] == POLICY and failure["name"] == f"raises {POLICY}"


def test_negative_that_raises(repo: Path) -> None:
    (repo / "fixtures" / POLICY / "negative" / "loud.yaml").write_text(PRIVILEGED)
    result = kfix_test("-o", "json")
    assert result.exit_code == 2
    [failure] = failures(result)
    assert failure["file"] == f"fixtures/{POLICY}/negative/loud.yaml"
    assert failure["name"] == f"does not raise {POLICY}"
    assert failure["message"].startswith(f"expected no {POLICY} finding, got: ")
    assert len(failure["message"]) > len(f"expected no {POLICY} finding, got: ")

    junit = ET.fromstring(kfix_test("-o", "junit").output)
    suite = next(s for s in junit.iter("testsuite") if s.get("name") == "fixtures")
    assert suite.get("failures") == "1"
    assert len(list(suite.iter("failure"))) == 1


def test_wrong_after_file(repo: Path) -> None:
    fix_dir = repo / "fixtures" / POLICY / "fix"
    after = sorted(fix_dir.glob("*.after.yaml"))[0]
    after.write_text(after.read_text().replace("privileged: false", "privileged: true"))
    outcome = run_fixtures(["policies"])
    failed = {(case.name, Path(case.file).name) for case in outcome.cases if not case.passed}
    before = after.name.replace(".after.yaml", ".before.yaml")
    assert (FIX_TURNS, before) in failed
    assert (AFTER_PASSES, after.name) in failed
    message = next(c.message for c in outcome.cases if c.name == FIX_TURNS and not c.passed)
    assert f"fix of {POLICY}: expected the content of" in message
    assert "privileged" in message  # where the content differs
    assert outcome.exit_code() == 2
    assert kfix_test().exit_code == 2


def test_fix_coverage_below_threshold(repo: Path) -> None:
    (repo / "policies" / POLICY / "fix.yaml.j2").unlink()
    shutil.rmtree(repo / "fixtures" / POLICY / "fix")
    result = kfix_test("-o", "json", "--fix-threshold", "50")
    assert result.exit_code == 2
    document = json.loads(result.output)
    assert document["fixtures"]["failed"] == 0
    assert document["fix_coverage"] == {
        "percent": 0.0, "missing": {POLICY: ["fragment", "fix pair"]},
    }
    assert kfix_test().exit_code == 0  # without a threshold, coverage is only reported
    pretty = kfix_test("--fix-threshold", "0")
    assert "FIX COVERAGE: 0.00%" in pretty.output
    assert f"{POLICY}: missing fragment, fix pair" in pretty.output


def test_no_fixtures_directory_is_skipped(repo: Path) -> None:
    shutil.rmtree(repo / "fixtures")
    result = kfix_test("-o", "json")
    assert result.exit_code == 0
    assert "fixtures" not in json.loads(result.output)


def test_this_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(cli, ["test", "policies", "rego_tests", "-o", "json"],
                                catch_exceptions=False)
    document = json.loads(result.output)
    assert document["fixtures"]["failures"] == []
    assert document["fixtures"]["passed"] > 100
    assert document["fix_coverage"] == {"percent": 100.0, "missing": {}}
    assert result.exit_code == 0


def test_run_regex_filters_fixture_suites(repo: Path) -> None:
    other = "host-namespaces"
    shutil.copytree(REPO / "policies" / other, repo / "policies" / other)
    shutil.copytree(REPO / "fixtures" / other, repo / "fixtures" / other)
    every = json.loads(kfix_test("-o", "json").output)["fixtures"]
    assert every["passed"] > 0

    def policies_run(*args: str) -> set[str]:
        outcome = run_fixtures(["policies"], run=args[0] if args else None)
        return {case.policy for case in outcome.cases}

    assert policies_run() == {POLICY, other}
    assert policies_run("privileged") == {POLICY}
    assert policies_run("host-namespaces") == {other}
    chosen = json.loads(kfix_test("-o", "json", "-r", "privileged").output)["fixtures"]
    assert 0 < chosen["passed"] < every["passed"]
    assert json.loads(kfix_test("-o", "json", "-r", "no-such-policy").output)["fixtures"][
        "passed"] == 0
