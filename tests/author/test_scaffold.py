"""`kfix policy new` scaffolds a policy that works from the first run."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from kfix.author.scaffold import new_policy
from kfix.cli import cli
from kfix.engine.embedded import EmbeddedEngine
from kfix.errors import UsageError
from kfix.load import manifests
from kfix.runner.scan import ScanOptions, scan


@pytest.fixture
def scaffolded(tmp_path: Path) -> Path:
    result = CliRunner().invoke(cli, ["policy", "new", "team-label", "--root", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output.count("created ") == 7
    return tmp_path


def test_its_unit_tests_pass(scaffolded: Path) -> None:
    engine = EmbeddedEngine()
    try:
        policy = scaffolded / "policies" / "team-label" / "policy.rego"
        tests = scaffolded / "rego_tests" / "team_label_test.rego"
        engine.load({str(policy): policy.read_text(), str(tests): tests.read_text()}, {}, {})
        names = [line.split(" ")[0] for line in tests.read_text().splitlines()
                 if line.startswith("test_")]
        assert len(names) == 5
        for name in names:
            query = f"x := data.kfix.policies.team_label_test.{name}"
            assert engine.query(query, None).bindings == [{"x": True}], name
    finally:
        engine.close()


def test_its_fixtures_raise_and_pass_it(scaffolded: Path) -> None:
    options = ScanOptions(policy_paths=(str(scaffolded / "policies"),), all_namespaces=True)
    fixtures = scaffolded / "fixtures" / "team-label"
    assert scan([str(fixtures / "positive")], options).count("failure") == 1
    assert scan([str(fixtures / "negative")], options).count("failure") == 0
    everything = scan([str(fixtures / "negative")], ScanOptions())  # the built-in pack
    assert everything.count("failure") == 0


def test_its_fix_turns_before_into_after(scaffolded: Path) -> None:
    pair = scaffolded / "fixtures" / "team-label" / "fix"
    result = CliRunner().invoke(cli, [
        "fix", str(pair / "configmap.before.yaml"), "-p", str(scaffolded / "policies"),
        "--all-namespaces", "--write", "-o", "json",
    ])
    assert json.loads(result.output)["summary"]["counts"]["fixed"] == 1
    after = manifests.read(str(pair / "configmap.after.yaml")).documents[0].content
    assert manifests.read(str(pair / "configmap.before.yaml")).documents[0].content == after


def test_bad_ids_and_overwrites_are_refused(scaffolded: Path) -> None:
    with pytest.raises(UsageError):
        new_policy("Team Label", str(scaffolded))
    with pytest.raises(UsageError, match="would overwrite"):
        new_policy("team-label", str(scaffolded))


def test_kfix_test_passes_it_with_full_coverage(scaffolded: Path, monkeypatch: pytest.MonkeyPatch
                                                ) -> None:
    monkeypatch.chdir(scaffolded)
    result = CliRunner().invoke(cli, ["test", "policies", "rego_tests", "--threshold", "100",
                                      "--fix-threshold", "100", "-o", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["counts"]["passed"] == 5 and report["coverage"]["percent"] == 100
    assert report["fixtures"]["failed"] == 0 and report["fix_coverage"]["percent"] == 100


def test_it_prints_next_steps_that_run_as_printed(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["policy", "new", "team-label", "--root", "my repo"])
    assert result.exit_code == 0, result.output
    created, steps = result.output.split("\nnext steps:\n")
    assert created.splitlines()[0] == "created my repo/policies/team-label/policy.rego"
    assert steps.splitlines() == [
        "  edit          'my repo/policies/team-label/policy.rego'",
        "  test it       kfix test 'my repo/policies' 'my repo/rego_tests' --coverage",
        "  scan with it  kfix scan -p 'my repo/policies' 'my repo/fixtures/team-label/positive'",
    ]
    commands = [shlex.split(line[len("  scan with it  "):]) for line in steps.splitlines()[1:]]
    assert all(command[0] == "kfix" for command in commands)
    tested = CliRunner().invoke(cli, commands[0][1:])
    assert tested.exit_code == 0, tested.output
    assert "100.00%" in tested.output
    scanned = CliRunner().invoke(cli, commands[1][1:])
    assert scanned.exit_code == 1, scanned.output
    assert scanned.output.splitlines()[-1] == (
        "1 test, 0 passed, 0 warnings, 1 failure, 0 exceptions"
    )


def test_the_default_scan_of_its_folder_tests_it(scaffolded: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Not `0 tests`: its package, kfix.policies.team_label, is tested without -n."""
    monkeypatch.chdir(scaffolded)
    fixtures = Path("fixtures") / "team-label"
    failing = CliRunner().invoke(cli, ["scan", "-p", "policies", str(fixtures / "positive")])
    assert failing.exit_code == 1
    assert failing.output.startswith(
        "FAIL - fixtures/team-label/positive/unlabelled.yaml - kfix.policies.team_label - "
        "ConfigMap/settings has no app.kubernetes.io/name label\n"
    )
    passing = CliRunner().invoke(cli, ["scan", "-p", "policies", str(fixtures / "negative")])
    assert passing.exit_code == 0
    assert passing.output.splitlines()[-1] == (
        "1 test, 1 passed, 0 warnings, 0 failures, 0 exceptions"
    )
