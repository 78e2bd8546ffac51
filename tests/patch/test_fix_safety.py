"""Fixes that keep workloads running: risk levels, suggestions, evidence from the inputs."""

from __future__ import annotations

import json
from pathlib import Path
from textwrap import dedent

from click.testing import CliRunner

from kfix.cli import cli
from kfix.model import RISKS

POD = """
apiVersion: v1
kind: Pod
metadata:
  name: app
  namespace: shop
spec:
  containers:
    - name: app
      image: registry.example.com/app:1.0
      securityContext:
{context}
"""


def fix_json(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(cli, ["fix", "-o", "json", *args], catch_exceptions=False)
    return result.exit_code, json.loads(result.output)


def write(path: Path, text: str) -> str:
    path.write_text(dedent(text).lstrip(), encoding="utf-8")
    return str(path)


def by_policy(report: dict, policy: str) -> list[dict]:
    found = [f for f in report["findings"] if f["policy_id"] == policy]
    assert found, f"no {policy} finding"
    return found


def test_a_high_risk_fix_is_only_suggested_under_the_default_max_risk(tmp_path: Path) -> None:
    pod = write(tmp_path / "pod.yaml", POD.format(context="        privileged: true"))
    before = Path(pod).read_text()
    code, report = fix_json("--write", "--policy-id", "privileged-container", pod)
    (finding,) = by_policy(report, "privileged-container")
    assert finding["status"] == "suggested" and finding["risk"] == "high"
    assert "risk high is above --max-risk medium" in finding["reason"]
    assert "node agents stop working" in finding["effect"]
    assert finding["patch"] == [{"op": "add", "path": "/spec/containers/0/securityContext/"
                                 "privileged", "value": False}]
    assert Path(pod).read_text() == before and code == 1
    _, written = fix_json("--write", "--max-risk", "high", "--policy-id",
                          "privileged-container", pod)
    assert by_policy(written, "privileged-container")[0]["status"] == "fixed"
    assert "privileged: false" in Path(pod).read_text()


def test_a_low_risk_fix_is_written_by_default(tmp_path: Path) -> None:
    pod = write(tmp_path / "pod.yaml", POD.format(context="        runAsNonRoot: true"))
    _, report = fix_json("--write", "--policy-id", "image-pull-policy", pod)
    (finding,) = by_policy(report, "image-pull-policy")
    assert finding["status"] == "fixed" and finding["risk"] == "low"


def test_run_as_non_root_sets_a_user_the_kubelet_can_start(tmp_path: Path) -> None:
    pod = write(tmp_path / "pod.yaml", POD.format(context="        readOnlyRootFilesystem: true"))
    _, report = fix_json("--write", "--max-risk", "high", "--policy-id", "run-as-non-root", pod)
    (finding,) = by_policy(report, "run-as-non-root")
    assert finding["status"] == "fixed"
    assert {op["path"].rsplit("/", 1)[1]: op["value"] for op in finding["patch"]} == {
        "runAsNonRoot": True, "runAsUser": 65532, "runAsGroup": 65532}


def test_run_as_non_root_keeps_a_user_in_effect_and_declines_root(tmp_path: Path) -> None:
    own = write(tmp_path / "own.yaml", POD.format(context="        runAsUser: 1000"))
    _, report = fix_json("--max-risk", "high", "--policy-id", "run-as-non-root", own)
    assert [op["path"].rsplit("/", 1)[1] for op in by_policy(report, "run-as-non-root")[0]
            ["patch"]] == ["runAsNonRoot"]
    root = write(tmp_path / "root.yaml", POD.format(context="        runAsUser: 0"))
    _, report = fix_json("--max-risk", "high", "--policy-id", "run-as-non-root", root)
    (finding,) = by_policy(report, "run-as-non-root")
    assert finding["status"] == "no-fix"
    assert "configured to run as root (runAsUser: 0): a human decision" in finding["reason"]


def test_privilege_a_command_needs_is_named_as_evidence(tmp_path: Path) -> None:
    pod = write(tmp_path / "pod.yaml", """
        apiVersion: v1
        kind: Pod
        metadata:
          name: tuned
        spec:
          initContainers:
            - name: tune
              image: busybox:1.36
              command: ["sh", "-c", "sysctl -w net.core.somaxconn=4096"]
              securityContext:
                privileged: true
          containers:
            - name: app
              image: registry.example.com/app:1.0
    """)
    _, report = fix_json("--policy-id", "privileged-container", pod)
    (finding,) = by_policy(report, "privileged-container")
    assert finding["status"] == "suggested" and finding["risk"] == "high"
    assert "container 'tune' runs sysctl, which needs the privilege" in finding["effect"]


def test_host_namespaces_of_a_daemonset_are_named_as_evidence(tmp_path: Path) -> None:
    agent = write(tmp_path / "agent.yaml", """
        apiVersion: apps/v1
        kind: DaemonSet
        metadata:
          name: node-agent
        spec:
          selector:
            matchLabels: {app: agent}
          template:
            metadata:
              labels: {app: agent}
            spec:
              hostNetwork: true
              containers:
                - name: agent
                  image: registry.example.com/agent:1.0
    """)
    _, report = fix_json("--policy-id", "host-namespaces", agent)
    (finding,) = by_policy(report, "host-namespaces")
    assert finding["status"] == "suggested"
    assert "a DaemonSet is a node agent, which may need hostNetwork" in finding["effect"]


BINDING = """
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: reader
  namespace: shop
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects:
  - kind: ServiceAccount
    name: catalog
"""
DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: catalog
  namespace: shop
spec:
  selector:
    matchLabels: {app: catalog}
  template:
    metadata:
      labels: {app: catalog}
    spec:
      serviceAccountName: {account}
      containers:
        - name: catalog
          image: registry.example.com/catalog:3.1
"""


def test_a_token_is_kept_for_a_service_account_bound_among_the_inputs(tmp_path: Path) -> None:
    write(tmp_path / "binding.yaml", BINDING)
    for index in range(4):  # a few files, so --jobs 2 splits them
        write(tmp_path / f"other-{index}.yaml", DEPLOYMENT.replace("{account}", "other"))
    write(tmp_path / "catalog.yaml", DEPLOYMENT.replace("{account}", "catalog"))
    for jobs in ("1", "2"):
        _, report = fix_json("--jobs", jobs, "--policy-id", "automount-service-account-token",
                             str(tmp_path))
        statuses = {Path(f["file"]).name: (f["status"], f["reason"])
                    for f in by_policy(report, "automount-service-account-token")}
        status, reason = statuses["catalog.yaml"]
        assert status == "no-fix" and "ServiceAccount catalog is bound to a role" in reason
        assert statuses["other-0.yaml"][0] == "fixed"


def test_read_only_root_mounts_an_empty_dir_at_tmp_unless_told_not_to(tmp_path: Path) -> None:
    pod = write(tmp_path / "pod.yaml", POD.format(context="        runAsNonRoot: true"))
    _, report = fix_json("--max-risk", "high", "--policy-id", "read-only-root-filesystem", pod)
    paths = [op["path"] for op in by_policy(report, "read-only-root-filesystem")[0]["patch"]]
    assert paths == ["/spec/containers/0/securityContext/readOnlyRootFilesystem",
                     "/spec/volumes", "/spec/containers/0/volumeMounts"]
    _, report = fix_json("--max-risk", "high", "--policy-id", "read-only-root-filesystem",
                         "--set", "tmp_empty_dir=false", pod)
    paths = [op["path"] for op in by_policy(report, "read-only-root-filesystem")[0]["patch"]]
    assert paths == ["/spec/containers/0/securityContext/readOnlyRootFilesystem"]


def test_every_fix_of_the_pack_declares_a_risk_and_an_effect() -> None:
    result = CliRunner().invoke(cli, ["policy", "list", "-o", "json"], catch_exceptions=False)
    listed = json.loads(result.output)
    with_fix = [p for p in listed if p["fragment"]]
    assert len(with_fix) >= 30
    for policy in with_fix:
        assert policy["risk"] in RISKS and len(policy["effect"]) > 30, policy["id"]
