"""`kfix plan --cluster`, `approve` and `apply` on live objects, against a loopback API
server: proposing only reads; only approved actions are sent, dry run first; a stale
object, a conflict or a refusal leaves the object as it was; each is one audit record."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.cluster.apiserver import ApiServer, Fault
from tests.cluster.objects import deployment
from tests.patch.k8s_api_standin import write_kubeconfig
from tests.plan.planned import SCHEMA, kfix

KEY = ("apps/v1", "deployments", "shop", "web")
PATH = "/apis/apps/v1/namespaces/shop/deployments/web"
PRIVILEGED = "privileged-container"


@pytest.fixture
def api_server() -> Iterator[ApiServer]:
    with ApiServer() as server:
        server.add(deployment("web", "shop", privileged=True))
        server.add({"apiVersion": "v1", "kind": "Service",
                    "metadata": {"name": "web", "namespace": "shop"},
                    "spec": {"type": "LoadBalancer", "selector": {"app": "web"},
                             "ports": [{"port": 80}]}})
        yield server


@pytest.fixture
def kubeconfig(api_server: ApiServer, tmp_path: Path) -> str:
    return str(write_kubeconfig(tmp_path / "kubeconfig", api_server.url, namespace="shop"))


@pytest.fixture
def plan_path(api_server: ApiServer, kubeconfig: str, tmp_path: Path) -> Path:
    path = tmp_path / "plan.json"
    result = kfix("plan", "--cluster", "--kubeconfig", kubeconfig, "-o", str(path))
    assert result.exit_code == 0, result.output
    return path


def load(path: Path) -> dict[str, Any]:
    plan: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(plan, SCHEMA, cls=jsonschema.Draft202012Validator)
    return plan


def privileged_action(path: Path) -> dict[str, Any]:
    (found,) = [a for a in load(path)["actions"] if a["policy"] == PRIVILEGED]
    return found


def container(api_server: ApiServer) -> dict[str, Any]:
    stored: dict[str, Any] = api_server.objects[KEY]["spec"]["template"]["spec"]["containers"][0]
    return stored


def audit(path: Path) -> list[dict[str, Any]]:
    log = path.with_name("plan.audit.jsonl")
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def test_a_cluster_plan_targets_live_objects_and_only_reads(
        api_server: ApiServer, plan_path: Path) -> None:
    action = privileged_action(plan_path)

    assert action["target"] == {"cluster": {
        "context": "standin", "namespace": "shop", "kind": "Deployment", "name": "web",
        "resource_version": api_server.objects[KEY]["metadata"]["resourceVersion"]}}
    assert action["resource"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                  "namespace": "shop", "name": "web"}
    assert "exposed" in action["exposure"]  # the LoadBalancer Service in front of it
    assert action["diff"].startswith("--- a/cluster:standin/shop/Deployment/web\n")
    assert "-          privileged: true\n" in action["diff"]
    assert load(plan_path)["inputs"] == ["cluster:standin"]
    assert {r.method for r in api_server.requests} == {"GET"}
    shown = kfix("plan", "show", str(plan_path))
    assert "cluster:standin/shop/Deployment/web" in shown.stdout


def test_an_approved_action_is_dry_run_applied_read_back_and_verified(
        api_server: ApiServer, plan_path: Path, kubeconfig: str) -> None:
    action = privileged_action(plan_path)
    assert kfix("approve", str(plan_path), action["id"], "--by", "carol").exit_code == 0
    planned = len(api_server.requests)

    result = kfix("apply", str(plan_path), "--kubeconfig", kubeconfig)

    assert result.exit_code == 0, result.output
    assert f"{action['id']}  verified  cluster:standin/shop/Deployment/web" in result.stdout
    sent = api_server.requests[planned:]
    assert [(r.method, r.query.get("dryRun")) for r in sent if r.method == "PATCH"] == [
        ("PATCH", "All"), ("PATCH", None)]
    (dry_run, real) = [r for r in sent if r.method == "PATCH"]
    assert dry_run.body == real.body
    assert real.query["fieldManager"] == "kfix" and "force" not in real.query
    assert real.body["metadata"]["resourceVersion"] == action["target"]["cluster"][
        "resource_version"]
    assert sent[-1].method == "GET" and sent[-1].path == PATH  # read back
    assert container(api_server)["securityContext"].get("privileged") is not True
    assert privileged_action(plan_path)["state"] == "verified"
    (record,) = audit(plan_path)
    assert (record["object"], record["result"], record["approver"]["by"]) == (
        "cluster:standin/shop/Deployment/web", "verified", "carol")
    assert record["before_sha256"] != record["after_sha256"]
    assert kfix("audit", "verify", str(plan_path.with_name("plan.audit.jsonl"))).exit_code == 0


def test_nothing_is_sent_without_an_approval(api_server: ApiServer, plan_path: Path,
                                             kubeconfig: str) -> None:
    result = kfix("apply", str(plan_path), "--kubeconfig", kubeconfig)

    assert result.exit_code == 0
    assert result.stdout == "nothing to apply\n"
    assert {r.method for r in api_server.requests} == {"GET"}


def test_an_object_changed_since_the_plan_is_stale_and_untouched(
        api_server: ApiServer, plan_path: Path, kubeconfig: str) -> None:
    action = privileged_action(plan_path)
    kfix("approve", str(plan_path), action["id"], "--by", "carol")
    moved_on = api_server.add(deployment("web", "shop", privileged=True, labels={"v": "2"}))

    result = kfix("apply", str(plan_path), "--kubeconfig", kubeconfig)

    assert result.exit_code == 1
    assert "stale" in result.stdout and "the object changed since the plan was made" \
        in result.stdout
    assert not any(r.method == "PATCH" for r in api_server.requests)
    assert api_server.objects[KEY] == moved_on
    assert [r["result"] for r in audit(plan_path)] == ["stale"]


@pytest.mark.parametrize(("code", "dry_run", "words"), [
    (409, True, "conflict at the dry run: 409 Conflict: Apply failed with 1 conflict"),
    (403, True, 'forbidden at the dry run: 403 Forbidden: deployments.apps "web" is forbidden'),
    (409, False, "conflict at the apply: 409 Conflict"),
])
def test_a_refused_apply_fails_and_leaves_the_object(
        api_server: ApiServer, plan_path: Path, kubeconfig: str, code: int, dry_run: bool,
        words: str) -> None:
    action = privileged_action(plan_path)
    kfix("approve", str(plan_path), action["id"], "--by", "carol")
    before = json.dumps(api_server.objects[KEY], sort_keys=True)
    api_server.fail(Fault("PATCH", PATH, code, dry_run=dry_run))

    result = kfix("apply", str(plan_path), "--kubeconfig", kubeconfig)

    assert result.exit_code == 1
    assert words in result.stdout
    assert json.dumps(api_server.objects[KEY], sort_keys=True) == before
    patches = [r.query.get("dryRun") for r in api_server.requests if r.method == "PATCH"]
    assert patches == (["All"] if dry_run else ["All", None])
    assert privileged_action(plan_path)["state"] == "failed"
    assert [r["result"] for r in audit(plan_path)] == ["failed"]


def test_a_live_object_is_not_rolled_back(api_server: ApiServer, plan_path: Path,
                                          kubeconfig: str) -> None:
    action = privileged_action(plan_path)
    kfix("approve", str(plan_path), action["id"], "--by", "carol")
    assert kfix("apply", str(plan_path), "--kubeconfig", kubeconfig).exit_code == 0
    applied = json.dumps(api_server.objects[KEY], sort_keys=True)

    result = kfix("rollback", str(plan_path))

    assert result.exit_code == 1
    assert "a live object is not rolled back" in result.stdout
    assert json.dumps(api_server.objects[KEY], sort_keys=True) == applied
