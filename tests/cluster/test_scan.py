"""`kfix scan --cluster` through the official client, against a loopback API server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kfix.cli import cli
from kfix.cluster.read import cleaned
from kfix.output.scan import REPORTS
from tests.cluster.apiserver import ApiServer, Fault
from tests.cluster.objects import cluster_role, deployment, service
from tests.patch.k8s_api_standin import write_kubeconfig

# What the engine sees: each object's apiVersion and kind, a privileged container, and any
# field the server manages, which must never reach a policy.
POLICY = """\
package main

import rego.v1

warn contains sprintf("seen %s %s", [input.apiVersion, input.kind])

deny contains sprintf("%s is privileged", [input.metadata.name]) if {
	input.spec.template.spec.containers[_].securityContext.privileged
}

deny contains sprintf("server field %s reached the policy", [field]) if {
	some field in ["uid", "resourceVersion", "managedFields", "creationTimestamp",
		"generation", "selfLink"]
	input.metadata[field]
}

deny contains "status reached the policy" if input.status

deny contains "last-applied reached the policy" if {
	input.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]
}

deny contains sprintf("owner annotation %s", [value]) if {
	value := input.metadata.annotations.owner
}
"""
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


@pytest.fixture
def policy(tmp_path: Path) -> str:
    path = tmp_path / "policy" / "live.rego"
    path.parent.mkdir()
    path.write_text(POLICY)
    return str(path)


def scan(kubeconfig: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["scan", "--cluster", "--kubeconfig", kubeconfig, *args],
                              catch_exceptions=False)


def reported(result: Result) -> dict[str, list[str]]:
    """Object → its failure and warning messages under every Rego namespace, from the JSON
    report (which lists what could not be read too, as failures of its own)."""
    found: dict[str, list[str]] = {}
    for entry in json.loads(result.stdout):
        messages = found.setdefault(entry["filename"], [])
        messages += sorted(f["msg"] for f in entry.get("failures") or [])
        messages += sorted(w["msg"] for w in entry.get("warnings") or [])
    return found


def test_every_namespace_is_read_and_findings_are_named_by_cluster_address(
        api_server: ApiServer, kubeconfig: str, policy: str) -> None:
    api_server.add(deployment("web", "shop", privileged=True))
    api_server.add(deployment("api", "billing"))
    api_server.add(service("web", "shop"))
    api_server.add(cluster_role("reader"))
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": "web-5d8f-abcde", "namespace": "shop", "ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5d8f",
             "uid": "1", "controller": True}]},
        "spec": {"containers": [{"name": "web", "image": "nginx"}]}}
    api_server.add(pod)

    result = scan(kubeconfig, "--all-cluster-namespaces", "-p", policy, "-o", "json")

    assert result.exit_code == 1, result.output
    assert reported(result) == {  # the Pod is its ReplicaSet's: left to its controller
        "cluster:standin/ClusterRole/reader": ["seen rbac.authorization.k8s.io/v1 ClusterRole"],
        "cluster:standin/billing/Deployment/api": ["seen apps/v1 Deployment"],
        "cluster:standin/shop/Deployment/web": ["web is privileged", "seen apps/v1 Deployment"],
        "cluster:standin/shop/Service/web": ["seen v1 Service"],
    }
    lists = {r.path for r in api_server.requests if r.query.get("limit")}
    assert {"/apis/apps/v1/deployments", "/api/v1/services", "/api/v1/pods",
            "/apis/rbac.authorization.k8s.io/v1/clusterroles"} <= lists
    assert not any("/namespaces/" in path for path in lists)  # cluster-wide list URLs
    assert not any("secrets" in r.path for r in api_server.requests)


def test_only_get_requests_are_sent(api_server: ApiServer, kubeconfig: str,
                                    policy: str) -> None:
    api_server.add(deployment("web", "shop", privileged=True))

    result = scan(kubeconfig, "--all-cluster-namespaces", "-p", policy, "-o", "json")

    assert result.exit_code == 1, result.output
    assert len(api_server.requests) > 10
    assert {r.method for r in api_server.requests} == {"GET"}


def test_the_contexts_namespace_is_read_by_default_and_others_on_request(
        api_server: ApiServer, kubeconfig: str, policy: str) -> None:
    for namespace in ("shop", "billing", "audit"):
        api_server.add(deployment(f"web-{namespace}", namespace))
    api_server.add(cluster_role("reader"))  # cluster-wide kinds: with all namespaces only

    default = scan(kubeconfig, "-p", policy, "-o", "json", "--kind", "deployment",
                   "--kind", "Service")
    assert default.exit_code == 0, default.output
    assert list(reported(default)) == ["cluster:standin/shop/Deployment/web-shop"]
    named = scan(kubeconfig, "-p", policy, "-o", "json", "--cluster-namespace", "billing",
                 "--cluster-namespace", "audit")
    assert list(reported(named)) == ["cluster:standin/audit/Deployment/web-audit",
                                     "cluster:standin/billing/Deployment/web-billing"]
    lists = [r.path for r in api_server.requests if r.query.get("limit")]
    assert sorted(lists[:2]) == ["/api/v1/namespaces/shop/services",
                                 "/apis/apps/v1/namespaces/shop/deployments"]
    assert "/apis/apps/v1/namespaces/billing/deployments" in lists
    assert not any("clusterroles" in path for path in lists)


def test_server_managed_fields_never_reach_a_policy(api_server: ApiServer, kubeconfig: str,
                                                     policy: str) -> None:
    stored = api_server.add(
        deployment("web", "shop", annotations={LAST_APPLIED: '{"kind":"Deployment"}',
                                               "owner": "team-a"}),
        status={"replicas": 2, "readyReplicas": 2})
    stored["metadata"]["selfLink"] = "/apis/apps/v1/namespaces/shop/deployments/web"
    assert {"uid", "managedFields", "resourceVersion", "generation",
            "creationTimestamp"} <= set(stored["metadata"])

    result = scan(kubeconfig, "-p", policy, "-o", "json", "--kind", "Deployment")

    assert result.exit_code == 1, result.output
    assert reported(result) == {"cluster:standin/shop/Deployment/web": [
        "owner annotation team-a", "seen apps/v1 Deployment"]}


def test_cleaned_keeps_what_the_owner_wrote() -> None:
    item = {"apiVersion": "v1", "kind": "Service", "status": {"loadBalancer": {}},
            "metadata": {"name": "web", "namespace": "shop", "uid": "u", "generation": 3,
                         "resourceVersion": "7", "creationTimestamp": "t", "selfLink": "/x",
                         "managedFields": [{}], "labels": {"app": "web"},
                         "annotations": {LAST_APPLIED: "{}"}},
            "spec": {"ports": [{"port": 80}]}}
    assert cleaned(item) == {"apiVersion": "v1", "kind": "Service",
                             "metadata": {"name": "web", "namespace": "shop",
                                          "labels": {"app": "web"}},
                             "spec": {"ports": [{"port": 80}]}}


def test_a_forbidden_kind_is_one_message_and_the_others_are_still_scanned(
        api_server: ApiServer, kubeconfig: str, policy: str) -> None:
    api_server.add(deployment("web", "shop", privileged=True))
    api_server.add(service("web", "shop"))
    api_server.fail(Fault("GET", "/apis/apps/v1/namespaces/shop/deployments", 403))

    result = scan(kubeconfig, "-p", policy, "-o", "json")

    assert result.exit_code == 2
    assert reported(result)["cluster:standin/shop/Service/web"] == ["seen v1 Service"]
    errors = [line for line in result.stderr.splitlines() if line.startswith("kfix: error:")]
    assert errors == [
        "kfix: error: cluster:standin/shop/Deployment: cannot list deployments: 403 Forbidden: "
        'deployments.apps is forbidden: User "kfix" cannot list resource "deployments" in API '
        'group "apps" in the namespace "shop"']
    assert "Traceback" not in result.output


def test_a_list_that_expires_midway_is_one_message(kubeconfig: str, policy: str,
                                                   tmp_path: Path) -> None:
    with ApiServer(page=1) as server:
        config = str(write_kubeconfig(tmp_path / "paged", server.url, namespace="shop"))
        for name in ("a", "b", "c"):
            server.add(deployment(name, "shop"))
            server.add(service(name, "shop"))
        server.fail(Fault("GET", "/apis/apps/v1/namespaces/shop/deployments", 410,
                          query="continue"))

        result = scan(config, "-p", policy, "--kind", "Deployment", "--kind", "Service")

    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert "ERR  - cluster:standin/shop/Deployment - cannot list deployments: 410 Gone: The " \
        "provided continue parameter is too old to display a consistent list result. You can " \
        "start a new list without the continue parameter. (the list changed while it was " \
        "read; run again)" in lines
    # the services came in three pages of one, each asked for with the token before it
    assert [line for line in lines if "Service/" in line] == [
        f"WARN - cluster:standin/shop/Service/{name} - main - seen v1 Service"
        for name in "abc"]
    service_lists = [r.query for r in server.requests if r.path.endswith("/services")]
    assert [q.get("continue") for q in service_lists] == [None, "1", "2"]
    assert not any("Deployment/" in line for line in lines)  # all or nothing per list


def test_a_slow_list_is_given_up_after_the_request_timeout(
        api_server: ApiServer, kubeconfig: str, policy: str) -> None:
    api_server.add(deployment("web", "shop"))
    api_server.add(service("web", "shop"))
    api_server.fail(Fault("GET", "/apis/apps/v1/namespaces/shop/deployments", delay=600))

    result = scan(kubeconfig, "-p", policy, "-o", "json", "--request-timeout", "0.5",
                  "--kind", "Deployment", "--kind", "Service")

    assert result.exit_code == 2
    assert "kfix: error: cluster:standin/shop/Deployment: cannot list deployments: no answer " \
        "within 0.5 s (--request-timeout)" in result.stderr.splitlines()
    assert sorted(reported(result)) == ["cluster:standin/shop/Deployment",  # the error
                                        "cluster:standin/shop/Service/web"]


def test_a_group_the_cluster_does_not_serve_is_a_note(
        api_server: ApiServer, kubeconfig: str, policy: str) -> None:
    api_server.add(service("web", "shop"))
    api_server.fail(Fault("GET", "/apis/policy/v1", 404))

    result = scan(kubeconfig, "-p", policy, "-o", "json")

    assert result.exit_code == 0, result.output
    assert "kfix: note: cluster:standin/policy/v1: not served by this cluster: " \
        "PodDisruptionBudget not read" in result.stderr.splitlines()


def test_no_api_server_is_one_error(tmp_path: Path, policy: str) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = str(write_kubeconfig(tmp_path / "kubeconfig", f"http://127.0.0.1:{port}"))

    result = scan(config, "-p", policy)

    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"kfix: error: no API server answers at http://127.0.0.1:{port}: ")
    assert "Connection refused" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_an_unknown_context_is_one_error(kubeconfig: str, policy: str) -> None:
    result = scan(kubeconfig, "-p", policy, "--context", "production")
    assert result.exit_code == 2
    assert result.stderr == (f"kfix: error: cannot use kubeconfig {kubeconfig}: no context "
                             "'production' in it\n")


@pytest.mark.parametrize("output", sorted(REPORTS))
def test_every_format_names_the_object_by_its_cluster_address(
        api_server: ApiServer, kubeconfig: str, policy: str, output: str) -> None:
    api_server.add(deployment("web", "shop", privileged=True))

    result = scan(kubeconfig, "-p", policy, "-o", output, "--kind", "Deployment")

    assert result.exit_code == 1, result.output
    assert "cluster:standin/shop/Deployment/web" in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["scan", "--cluster", "deploy.yaml"], "give files or --cluster, not both"),
    (["scan", "deploy.yaml", "--kind", "Pod"], "--kind choose what --cluster reads"),
    (["scan", "deploy.yaml", "--all-cluster-namespaces"], "choose what --cluster reads"),
])
def test_cluster_flags_are_checked(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert message in result.output


def test_the_bundled_pack_runs_on_live_objects(api_server: ApiServer,
                                               kubeconfig: str) -> None:
    api_server.add(deployment("web", "shop", privileged=True))

    result = scan(kubeconfig, "-o", "json", "--kind", "Deployment")

    assert result.exit_code == 1, result.output
    messages = reported(result)["cluster:standin/shop/Deployment/web"]
    assert any("privileged" in message for message in messages), messages


def test_python_m_kfix_scans_a_cluster(api_server: ApiServer, kubeconfig: str,
                                       policy: str) -> None:
    """The installed entry point, in its own process, with $KUBECONFIG as users set it."""
    api_server.add(deployment("web", "shop", privileged=True))
    environment = {**os.environ, "KUBECONFIG": kubeconfig}

    done = subprocess.run([sys.executable, "-m", "kfix", "scan", "--cluster", "-p", policy,
                           "--kind", "Deployment"], capture_output=True, text=True,
                          env=environment, timeout=120, check=False)

    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines()[:2] == [
        "WARN - cluster:standin/shop/Deployment/web - main - seen apps/v1 Deployment",
        "FAIL - cluster:standin/shop/Deployment/web - main - web is privileged"]
    assert done.stderr == ""
