"""Runtime invariants: each one's positive fixtures break it, its negatives do not, and a
fix that would bring one in is rejected with its name."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from textwrap import dedent

import pytest
import yaml
from click.testing import CliRunner

from kfix.cli import cli
from kfix.patch.invariants import INVARIANTS, introduced, quantity, violations

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures" / "invariants"


def cases(kind: str) -> list[tuple[str, Path]]:
    found = [(i.name, path) for i in INVARIANTS
             for path in sorted((FIXTURES / i.name / kind).glob("*.yaml"))]
    assert {name for name, _ in found} == {i.name for i in INVARIANTS}, (
        f"every invariant needs {kind} fixtures")
    return found


@pytest.mark.parametrize(("name", "path"), cases("positive"), ids=lambda v: str(v))
def test_positive_fixtures_break_their_invariant(name: str, path: Path) -> None:
    broken = [v for v in violations(yaml.safe_load(path.read_text())) if v.invariant == name]
    assert broken, f"{path.name} should break {name}"
    assert all(v.pointer.startswith("/spec") for v in broken)


@pytest.mark.parametrize(("name", "path"), cases("negative"), ids=lambda v: str(v))
def test_negative_fixtures_keep_every_invariant(name: str, path: Path) -> None:
    assert violations(yaml.safe_load(path.read_text())) == []


def test_every_invariant_names_the_kubernetes_rule_it_mirrors() -> None:
    for invariant in INVARIANTS:
        assert "validat" in invariant.mirrors or "kubelet" in invariant.mirrors


def test_workload_kinds_and_other_documents() -> None:
    deployment = yaml.safe_load(dedent("""
        kind: Deployment
        spec:
          template:
            spec:
              containers:
                - name: app
                  securityContext: {runAsNonRoot: true, runAsUser: 0}
    """))
    (broken,) = violations(deployment)
    assert broken.pointer == "/spec/template/spec/containers/0/securityContext/runAsNonRoot"
    assert violations({"kind": "ConfigMap", "data": {}}) == []
    assert violations("not a mapping") == []


def test_only_what_a_change_brings_in_counts() -> None:
    before = {"kind": "Pod", "spec": {"containers": [
        {"name": "a", "securityContext": {"runAsUser": 0}}]}}
    after = {"kind": "Pod", "spec": {"containers": [
        {"name": "a", "securityContext": {"runAsUser": 0, "runAsNonRoot": True}}]}}
    assert [v.invariant for v in introduced(before, after)] == ["run-as-non-root-as-root"]
    assert introduced(after, after) == []


@pytest.mark.parametrize(("text", "value"), [
    ("500m", Decimal("0.5")), ("1", Decimal(1)), (2, Decimal(2)), ("1.5Gi", Decimal(1.5 * 2**30)),
    ("512Mi", Decimal(512 * 2**20)), ("1e3", Decimal(1000)), ("100k", Decimal(100_000)),
    ("nonsense", None), (True, None), (None, None),
])
def test_quantities(text: object, value: Decimal | None) -> None:
    assert quantity(text) == value


def test_a_fix_that_would_break_an_invariant_is_rejected(tmp_path: Path) -> None:
    """A fragment that sets runAsNonRoot beside an explicit runAsUser: 0 passes every
    policy it is verified against, yet the kubelet would never start the pod."""
    policy = tmp_path / "policy"
    policy.mkdir()
    (policy / "p.rego").write_text(dedent("""
        # METADATA
        # scope: package
        # custom:
        #   id: non-root
        #   severity: high
        package main

        deny contains {"msg": "runAsNonRoot is not set", "pointer": pointer} if {
            not input.spec.containers[0].securityContext.runAsNonRoot
            pointer := "/spec/containers/0/securityContext/runAsNonRoot"
        }
    """))
    (policy / "fix.yaml.j2").write_text("- {{ set(finding.pointer, true) }}\n")
    pod = tmp_path / "pod.yaml"
    text = dedent("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: root-app
        spec:
          containers:
            - name: app
              image: nginx:1.27
              securityContext:
                runAsUser: 0
    """).lstrip()
    pod.write_text(text)
    result = CliRunner().invoke(cli, ["fix", "--write", "-p", str(policy), str(pod)])
    assert result.exit_code == 1, result.output
    assert "rejected" in result.output and "breaks run-as-non-root-as-root" in result.output
    assert pod.read_text() == text
