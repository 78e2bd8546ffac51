"""METADATA scopes: a rule runs only on its kinds and sees only its input keys."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

from kfix.pack.policies import PolicySet, Scope
from kfix.runner.scan import ScanOptions, scan

POLICY = """
# METADATA
# title: Everything is denied
# scope: package
# custom:
#   id: deny-all
#   severity: low
#   kinds: {kinds}
#   input_keys: {keys}
package main

deny contains msg if {{
    msg := sprintf("%s sees %v", [input.kind, sort(object.keys(input))])
}}
"""
DOCUMENTS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {replicas: 1}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {a: b}
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {}
"""


def run(tmp_path: Path, kinds: str, keys: str) -> list[str]:
    (tmp_path / "policy").mkdir(exist_ok=True)
    (tmp_path / "policy" / "p.rego").write_text(dedent(POLICY).format(kinds=kinds, keys=keys))
    (tmp_path / "in.yaml").write_text(dedent(DOCUMENTS))
    result = scan([str(tmp_path / "in.yaml")],
                  ScanOptions(policy_paths=(str(tmp_path / "policy"),)))
    assert result.tests == 3  # a rule left out of a document's query counts as passed
    return [f.message for check in result.results for f in check.failures]


def test_a_rule_runs_only_on_the_kinds_it_names(tmp_path: Path) -> None:
    assert run(tmp_path, "[ConfigMap]", "null") == [
        'ConfigMap sees ["apiVersion", "data", "kind", "metadata"]']


def test_workloads_names_every_kind_with_a_pod_spec(tmp_path: Path) -> None:
    seen = run(tmp_path, "[workloads]", "null")
    assert [m.split()[0] for m in seen] == ["Deployment", "Pod"]


def test_a_rule_sees_only_its_input_keys(tmp_path: Path) -> None:
    assert run(tmp_path, "null", "[kind, metadata]") == [
        'Deployment sees ["kind", "metadata"]',
        'ConfigMap sees ["kind", "metadata"]',
        'Pod sees ["kind", "metadata"]',
    ]


def test_without_scopes_every_rule_sees_every_document_whole(tmp_path: Path) -> None:
    assert run(tmp_path, "null", "null") == [
        'Deployment sees ["apiVersion", "kind", "metadata", "spec"]',
        'ConfigMap sees ["apiVersion", "data", "kind", "metadata"]',
        'Pod sees ["apiVersion", "kind", "metadata", "spec"]',
    ]


def test_no_metadata_means_every_kind_and_the_whole_document() -> None:
    assert Scope.of(None) == Scope()
    assert Scope().covers("Anything") and Scope().input_keys is None
    assert not Scope(kinds=frozenset({"Pod"})).covers(None)


def test_the_file_name_is_passed_only_where_a_policy_may_read_it() -> None:
    assert not PolicySet({"p.rego": "package main\nx := input.kind"}, {}).reads_conftest_file
    assert PolicySet({"p.rego": "x := data.conftest.file.name"}, {}).reads_conftest_file
    assert PolicySet({"p.rego": "x := data[k]"}, {}).reads_conftest_file
