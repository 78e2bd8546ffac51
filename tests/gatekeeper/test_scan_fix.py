"""`kfix scan --gatekeeper` and `kfix fix --gatekeeper` through the CLI, on real files."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from kfix.cli import cli

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures" / "gatekeeper"
LABELS_TEMPLATE = FIXTURES / "requiredlabels" / "template.yaml"
KIND = "KfixRequiredLabels"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def labels_constraint(name: str, label: str, action: str | None = None,
                      match: str = 'kinds: [{apiGroups: [""], kinds: ["ConfigMap"]}]') -> str:
    return textwrap.dedent(f"""
        apiVersion: constraints.gatekeeper.sh/v1beta1
        kind: {KIND}
        metadata: {{name: {name}}}
        spec:
          {f"enforcementAction: {action}" if action else ""}
          match: {{{match}}}
          parameters:
            labels: [{{key: {label}}}]
        """).lstrip("\n")


def configmap(name: str, namespace: str = "prod", labels: str = "{}") -> str:
    return textwrap.dedent(f"""
        apiVersion: v1
        kind: ConfigMap
        metadata: {{name: {name}, namespace: {namespace}, labels: {labels}}}
        data: {{a: b}}
        """).lstrip("\n")


def results(result: Result) -> dict[str, dict[str, Any]]:
    """-o json results by `filename|policy id`."""
    return {f"{r['filename']}|{r['namespace']}": r for r in json.loads(result.stdout)}


def messages(result: Result, key: str = "failures") -> list[tuple[str, str]]:
    """(policy id, message) of each finding; problems (no policy) are left out."""
    return sorted((r["namespace"], f["msg"]) for r in json.loads(result.stdout)
                  for f in r.get(key) or [] if r["namespace"])


@pytest.fixture
def actions(tmp_path: Path) -> tuple[Path, Path]:
    """A library with deny, warn and dryrun constraints of one template, and a ConfigMap
    that breaks each of them."""
    library = tmp_path / "library"
    library.mkdir()
    shutil.copy(LABELS_TEMPLATE, library / "template.yaml")
    write(library / "constraints.yaml", "---\n".join([
        labels_constraint("need-owner", "owner"),
        labels_constraint("warn-team", "team", "warn"),
        labels_constraint("dry-env", "env", "dryrun"),
    ]))
    return library, write(tmp_path / "in" / "cm.yaml", configmap("settings"))


def test_deny_fails_warn_warns_and_dryrun_is_not_reported(actions: tuple[Path, Path]) -> None:
    library, manifest = actions
    result = invoke("scan", "--gatekeeper", str(library), str(manifest), "-o", "json")
    assert result.exit_code == 1
    assert messages(result, "failures") == [
        (f"{KIND}/need-owner", "ConfigMap <settings> is missing required label <owner>")]
    assert messages(result, "warnings") == [
        (f"{KIND}/warn-team", "ConfigMap <settings> is missing required label <team>")]
    by_id = results(result)
    assert set(by_id) == {f"{manifest}|{KIND}/{n}" for n in ("need-owner", "warn-team",
                                                              "dry-env")}
    dry = by_id[f"{manifest}|{KIND}/dry-env"]
    assert not dry.get("failures") and not dry.get("warnings")
    (failure,) = by_id[f"{manifest}|{KIND}/need-owner"]["failures"]
    assert failure["metadata"]["policy_id"] == f"{KIND}/need-owner"
    assert failure["metadata"]["enforcementAction"] == "deny"
    assert failure["metadata"]["details"] == {"missing_label": "owner"}


def test_warnings_alone_pass_and_fail_on_warn_fails(tmp_path: Path) -> None:
    library = tmp_path / "library"
    library.mkdir()
    shutil.copy(LABELS_TEMPLATE, library / "template.yaml")
    write(library / "c.yaml", labels_constraint("warn-team", "team", "warn"))
    manifest = write(tmp_path / "cm.yaml", configmap("settings"))
    assert invoke("scan", "--gatekeeper", str(library), str(manifest)).exit_code == 0
    strict = invoke("scan", "--gatekeeper", str(library), str(manifest), "--fail-on-warn")
    assert strict.exit_code == 1
    assert f"WARN - {manifest} - {KIND}/warn-team - " in strict.stdout


def test_namespace_selector_uses_namespaces_among_the_inputs(tmp_path: Path) -> None:
    library = tmp_path / "library"
    library.mkdir()
    shutil.copy(LABELS_TEMPLATE, library / "template.yaml")
    write(library / "c.yaml", labels_constraint(
        "prod-only", "owner",
        match='kinds: [{apiGroups: [""], kinds: ["ConfigMap"]}], '
              'namespaceSelector: {matchLabels: {env: prod}}'))
    inputs = tmp_path / "in"
    write(inputs / "namespaces.yaml", """
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop, labels: {env: prod}}
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {name: sandbox, labels: {env: dev}}
        """)
    write(inputs / "shop.yaml", configmap("in-shop", "shop"))
    write(inputs / "sandbox.yaml", configmap("in-sandbox", "sandbox"))
    result = invoke("scan", "--gatekeeper", str(library), str(inputs), "-o", "json")
    assert result.exit_code == 1
    assert messages(result) == [
        (f"{KIND}/prod-only", "ConfigMap <in-shop> is missing required label <owner>")]


def test_a_template_reading_the_inventory_sees_the_scanned_documents(tmp_path: Path) -> None:
    source = FIXTURES / "namespacemustexist"
    library = tmp_path / "library"
    library.mkdir()
    shutil.copy(source / "template.yaml", library / "template.yaml")
    shutil.copy(source / "samples" / "known-namespaces" / "constraint.yaml",
                library / "constraint.yaml")
    inputs = tmp_path / "in"
    write(inputs / "ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n")
    write(inputs / "apps.yaml", configmap("known", "shop") + "---\n"
          + configmap("lost", "nowhere"))
    result = invoke("scan", "--gatekeeper", str(library), str(inputs), "-o", "json")
    assert result.exit_code == 1
    assert messages(result) == [(
        "KfixNamespaceMustExist/known-namespaces",
        "ConfigMap <lost> is in namespace <nowhere>, which does not exist in the cluster "
        "inventory")]


POLICY = """
package main

import rego.v1

deny contains msg if {
  input.kind == "ConfigMap"
  msg := sprintf("no ConfigMaps: %v", [input.metadata.name])
}
"""


def test_gatekeeper_with_policies_reports_both(actions: tuple[Path, Path],
                                               tmp_path: Path) -> None:
    library, manifest = actions
    policy = write(tmp_path / "policy" / "p.rego", POLICY)
    both = invoke("scan", "--gatekeeper", str(library), "-p", str(policy.parent),
                  str(manifest), "-o", "json")
    assert both.exit_code == 1
    assert messages(both) == [
        (f"{KIND}/need-owner", "ConfigMap <settings> is missing required label <owner>"),
        ("main", "no ConfigMaps: settings"),
    ]


def test_without_policies_only_gatekeeper_is_checked(tmp_path: Path) -> None:
    library = tmp_path / "library"
    library.mkdir()
    shutil.copy(LABELS_TEMPLATE, library / "template.yaml")
    write(library / "c.yaml", labels_constraint("need-owner", "owner"))
    # a Pod the built-in pack would flag many times over
    pod = write(tmp_path / "pod.yaml", """
        apiVersion: v1
        kind: Pod
        metadata: {name: root, labels: {owner: me}}
        spec:
          hostNetwork: true
          containers:
            - name: c
              image: nginx:latest
              securityContext: {privileged: true}
        """)
    builtin = invoke("scan", str(pod), "-o", "json")
    assert builtin.exit_code == 1 and messages(builtin)  # the pack does flag it
    only = invoke("scan", "--gatekeeper", str(library), str(pod), "-o", "json")
    assert only.exit_code == 0
    assert {r["namespace"] for r in json.loads(only.stdout)} == {f"{KIND}/need-owner"}
    assert messages(only) == []


def test_a_broken_template_is_reported_and_other_constraints_still_run(
        actions: tuple[Path, Path]) -> None:
    library, manifest = actions
    broken = write(library / "broken.yaml", """
        apiVersion: templates.gatekeeper.sh/v1
        kind: ConstraintTemplate
        metadata:
          name: kbroken
        spec:
          crd:
            spec:
              names:
                kind: KBroken
          targets:
            - target: admission.k8s.gatekeeper.sh
              rego: |
                package kbroken

                violation[{"msg": "x"}] {
                  input.review.object.kind == == "ConfigMap"
                }
        ---
        apiVersion: constraints.gatekeeper.sh/v1beta1
        kind: KBroken
        metadata: {name: never}
        """)
    bad_line = broken.read_text().splitlines().index(
        '          input.review.object.kind == == "ConfigMap"') + 1
    result = invoke("scan", "--gatekeeper", str(library), str(manifest), "-o", "json")
    assert result.exit_code == 2
    assert f"kfix: error: {broken}:{bad_line}: " in result.stderr
    assert messages(result) == [
        (f"{KIND}/need-owner", "ConfigMap <settings> is missing required label <owner>")]
    assert f"{KIND}/warn-team" in {n for n, _ in messages(result, "warnings")}
    problems = [r for r in json.loads(result.stdout) if not r["namespace"]]
    assert [(r["filename"], f["loc"]["line"]) for r in problems for f in r["failures"]] \
        == [(str(broken), bad_line)]
    assert "KBroken/never" not in result.stdout


def test_a_broken_definition_fails_the_run_even_without_findings(tmp_path: Path) -> None:
    library = tmp_path / "library"
    library.mkdir()
    shutil.copy(LABELS_TEMPLATE, library / "template.yaml")
    bad = write(library / "c.yaml", "# first\n" + labels_constraint("loud", "owner", "scream"))
    manifest = write(tmp_path / "cm.yaml", configmap("ok", labels="{owner: me}"))
    result = invoke("scan", "--gatekeeper", str(library), str(manifest))
    assert result.exit_code == 2
    line = bad.read_text().splitlines().index("  enforcementAction: scream") + 1
    assert f"ERR  - {bad}:{line} - {KIND}/loud: enforcementAction 'scream'" in result.output


def test_a_cel_entry_is_a_note_on_stderr(tmp_path: Path) -> None:
    template = FIXTURES / "replicalimits" / "template.yaml"
    constraint = FIXTURES / "replicalimits" / "samples" / "two-to-five" / "constraint.yaml"
    deployment = write(tmp_path / "d.yaml", """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec: {replicas: 9}
        """)
    result = invoke("scan", "--gatekeeper", str(template), "--gatekeeper", str(constraint),
                    str(deployment), "-o", "json")
    assert result.exit_code == 1
    assert f"kfix: note: {template}:" in result.stderr
    assert "K8sNativeValidation code is not evaluated by kfix" in result.stderr
    assert "kfix: note" not in result.stdout
    assert [m for _, m in messages(result)] == [
        "Deployment <web> has 9 replicas, more than the maximum 5"]


def test_jobs_two_gives_the_same_result(actions: tuple[Path, Path]) -> None:
    library, manifest = actions
    for n in range(3):
        write(manifest.parent / f"more-{n}.yaml", configmap(f"cm-{n}", labels="{owner: me}"))
    one = invoke("scan", "--gatekeeper", str(library), str(manifest.parent), "-o", "json")
    two = invoke("scan", "--gatekeeper", str(library), str(manifest.parent), "-o", "json",
                 "--jobs", "2")
    assert one.exit_code == two.exit_code == 1
    assert json.loads(one.stdout) == json.loads(two.stdout)
    assert len(json.loads(one.stdout)) == 12


# --- kfix fix ---

ADD_LABEL = "- {{ set('/metadata/labels/' ~ finding.metadata.details.missing_label, 'me') }}\n"


@pytest.fixture
def fix_case(tmp_path: Path) -> tuple[Path, Path]:
    library = tmp_path / "library"
    library.mkdir()
    shutil.copy(LABELS_TEMPLATE, library / "template.yaml")
    write(library / "constraints" / "c.yaml", labels_constraint("need-owner", "owner"))
    return library, write(tmp_path / "app.yaml", "# keep me\n" + configmap("settings"))


def fixed(result: Result) -> list[tuple[str, str, str]]:
    return [(f["policy_id"], f["status"], f["reason"])
            for f in json.loads(result.stdout)["findings"]]


def test_a_fragment_keyed_to_the_constraint_kind_fixes(fix_case: tuple[Path, Path],
                                                       tmp_path: Path) -> None:
    library, manifest = fix_case
    before = manifest.read_text()
    fixes = write(tmp_path / "fixes" / f"{KIND}.yaml.j2", ADD_LABEL).parent
    diff = invoke("fix", "--gatekeeper", str(library), "--fixes", str(fixes), str(manifest),
                  "-o", "json")
    assert diff.exit_code == 0, diff.output
    assert fixed(diff) == [(f"{KIND}/need-owner", "fixed", "")]
    assert manifest.read_text() == before  # a diff only
    written = invoke("fix", "--gatekeeper", str(library), "--fixes", str(fixes),
                     str(manifest), "--write")
    assert written.exit_code == 0
    after = manifest.read_text()
    assert after.startswith("# keep me\n") and "owner: me" in after
    rescan = invoke("scan", "--gatekeeper", str(library), str(manifest))
    assert rescan.exit_code == 0, rescan.output


def test_a_fragment_beside_the_template_fixes(fix_case: tuple[Path, Path]) -> None:
    library, manifest = fix_case
    write(library / "fix.yaml.j2", ADD_LABEL)
    result = invoke("fix", "--gatekeeper", str(library), str(manifest), "--write", "-o", "json")
    assert result.exit_code == 0, result.output
    (finding,) = json.loads(result.stdout)["findings"]
    assert (finding["status"], finding["fragment"]) == ("fixed", str(library / "fix.yaml.j2"))
    assert "owner: me" in manifest.read_text()
    assert invoke("scan", "--gatekeeper", str(library), str(manifest)).exit_code == 0


def test_a_fragment_that_does_not_remove_the_violation_is_rejected(
        fix_case: tuple[Path, Path]) -> None:
    library, manifest = fix_case
    before = manifest.read_text()
    write(library / "fix.yaml.j2", "- {{ set('/metadata/labels/other', 'x') }}\n")
    result = invoke("fix", "--gatekeeper", str(library), str(manifest), "--write", "-o", "json")
    assert result.exit_code == 1
    ((policy, status, reason),) = fixed(result)
    assert (policy, status) == (f"{KIND}/need-owner", "rejected")
    assert reason.startswith("still present")
    assert manifest.read_text() == before


def test_without_a_fragment_there_is_no_fix(fix_case: tuple[Path, Path]) -> None:
    library, manifest = fix_case
    before = manifest.read_text()
    result = invoke("fix", "--gatekeeper", str(library), str(manifest), "--write", "-o", "json")
    assert result.exit_code == 1
    assert [(p, s) for p, s, _ in fixed(result)] == [(f"{KIND}/need-owner", "no-fix")]
    assert manifest.read_text() == before
