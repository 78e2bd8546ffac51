"""Server dry-run through the real kubernetes client, against a stand-in API server on HTTP."""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kfix.cluster.apply import APPLY_PATCH
from kfix.patch.dry_run import DryRunUnavailable, ServerDryRun
from tests.patch.k8s_api_standin import TOKEN, ApiServerStandin, write_kubeconfig


@pytest.fixture
def api_server() -> Iterator[ApiServerStandin]:
    with ApiServerStandin() as server:
        yield server


@pytest.fixture
def kubeconfig(api_server: ApiServerStandin, tmp_path: Path) -> str:
    return str(write_kubeconfig(tmp_path / "kubeconfig", api_server.url))


@pytest.fixture
def dry_run(kubeconfig: str) -> ServerDryRun:
    return ServerDryRun(kubeconfig)


def deployment(namespace: str | None = "shop", **container: Any) -> dict[str, Any]:
    metadata = {"name": "web", **({"namespace": namespace} if namespace else {})}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata,
        "spec": {"selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "web", **container}]}}},
    }


def test_an_accepted_apply_is_none_and_asks_for_dry_run_only(
        dry_run: ServerDryRun, api_server: ApiServerStandin) -> None:
    document = deployment(image="nginx:1.27")

    assert dry_run.check(document) is None

    (patch,) = api_server.patches
    assert patch.path == "/apis/apps/v1/namespaces/shop/deployments/web"
    assert patch.query == {"dryRun": "All", "fieldManager": "kfix", "force": "true"}
    assert patch.content_type == APPLY_PATCH == "application/apply-patch+yaml"
    assert patch.body == document


def test_a_namespaced_kind_without_namespace_goes_to_default(
        dry_run: ServerDryRun, api_server: ApiServerStandin) -> None:
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"},
                  "data": {"mode": "fast"}}
    assert dry_run.check(config_map) is None
    assert dry_run.check(deployment(namespace=None, image="nginx")) is None
    assert [p.path for p in api_server.patches] == [
        "/api/v1/namespaces/default/configmaps/settings",
        "/apis/apps/v1/namespaces/default/deployments/web",
    ]


def test_a_cluster_scoped_kind_has_no_namespace_in_its_url(
        dry_run: ServerDryRun, api_server: ApiServerStandin) -> None:
    namespace = {"apiVersion": "v1", "kind": "Namespace",
                 "metadata": {"name": "shop", "namespace": "ignored"}}
    assert dry_run.check(namespace) is None
    assert [p.path for p in api_server.patches] == ["/api/v1/namespaces/shop"]


def test_a_refused_apply_is_the_servers_message(
        dry_run: ServerDryRun, api_server: ApiServerStandin) -> None:
    privileged = deployment(image="nginx", securityContext={
        "privileged": True, "allowPrivilegeEscalation": False})
    assert dry_run.check(privileged) == (
        'Deployment.apps "web" is invalid: spec.template.spec.containers[0].securityContext: '
        "Invalid value: cannot set `allowPrivilegeEscalation` to false and `privileged` to true")
    cronjob = {"apiVersion": "batch/v1", "kind": "CronJob",
               "metadata": {"name": "nightly", "namespace": "ops"},
               "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {
                   "spec": {"restartPolicy": "Never", "containers": [{"name": "job"}]}}}}}}
    assert dry_run.check(cronjob) == (
        'CronJob.batch "nightly" is invalid: '
        "spec.jobTemplate.spec.template.spec.containers[0].image: Required value")
    assert [p.path for p in api_server.patches] == [
        "/apis/apps/v1/namespaces/shop/deployments/web",
        "/apis/batch/v1/namespaces/ops/cronjobs/nightly",
    ]
    assert {p.query["dryRun"] for p in api_server.patches} == {"All"}


def test_several_errors_stay_on_one_line(dry_run: ServerDryRun) -> None:
    message = dry_run.check(deployment(securityContext={
        "privileged": True, "allowPrivilegeEscalation": False}))
    assert message is not None
    assert "\n" not in message
    assert message.startswith('Deployment.apps "web" is invalid: [spec.template.spec.'
                              "containers[0].image: Required value, ")


def test_a_kind_the_cluster_does_not_serve(dry_run: ServerDryRun,
                                           api_server: ApiServerStandin) -> None:
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    assert dry_run.check(widget) == 'no matches for kind "Widget" in version "example.com/v1"'
    assert api_server.patches == []


def test_a_document_without_a_name_is_not_sent(dry_run: ServerDryRun,
                                               api_server: ApiServerStandin) -> None:
    nameless = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}
    assert dry_run.check(nameless) == "apiVersion, kind and metadata.name are required"
    assert api_server.patches == []


def test_the_field_manager_is_configurable(kubeconfig: str, api_server: ApiServerStandin) -> None:
    ServerDryRun(kubeconfig, field_manager="kfix-ci").check(deployment(image="nginx"))
    assert api_server.patches[0].query["fieldManager"] == "kfix-ci"


def test_the_standin_refuses_a_real_apply(api_server: ApiServerStandin) -> None:
    """The guard that makes every test above a proof that kfix asked for dryRun=All."""
    request = urllib.request.Request(
        f"{api_server.url}/apis/apps/v1/namespaces/shop/deployments/web?fieldManager=kfix",
        data=b'{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}}',
        method="PATCH",
        headers={"Content-Type": APPLY_PATCH, "Authorization": f"Bearer {TOKEN}"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 400


def test_the_kubeconfig_comes_from_the_environment(
        kubeconfig: str, api_server: ApiServerStandin, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", kubeconfig)
    assert ServerDryRun().check(deployment(image="nginx")) is None
    assert len(api_server.patches) == 1


def test_no_kubeconfig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(DryRunUnavailable, match=r"^server dry-run: no kubeconfig at "
                                                r"~/\.kube/config$"):
        ServerDryRun()
    with pytest.raises(DryRunUnavailable, match=r"no kubeconfig at .*absent"):
        ServerDryRun(str(tmp_path / "absent"))


def test_an_unusable_kubeconfig(kubeconfig: str, tmp_path: Path) -> None:
    with pytest.raises(DryRunUnavailable, match=r"cannot use kubeconfig .*: .*elsewhere"):
        ServerDryRun(kubeconfig, context="elsewhere")
    broken = tmp_path / "broken"
    broken.write_text("clusters: [")
    with pytest.raises(DryRunUnavailable, match="cannot use kubeconfig"):
        ServerDryRun(str(broken))


def test_a_closed_port_is_reported_at_once(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", f"http://127.0.0.1:{port}")
    started = time.monotonic()
    with pytest.raises(DryRunUnavailable) as raised:
        ServerDryRun(str(kubeconfig))
    assert time.monotonic() - started < 5
    assert str(raised.value).startswith(
        f"server dry-run: no API server answers at http://127.0.0.1:{port}: ")
    assert "\n" not in str(raised.value)


def test_credentials_the_server_refuses(api_server: ApiServerStandin, tmp_path: Path) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", api_server.url, token="wrong")
    with pytest.raises(DryRunUnavailable, match=r"refused kfix: 401 Unauthorized$"):
        ServerDryRun(str(kubeconfig))


def test_a_server_that_goes_away_stops_the_run(tmp_path: Path) -> None:
    with ApiServerStandin() as server:
        dry_run = ServerDryRun(str(write_kubeconfig(tmp_path / "kubeconfig", server.url)))
    with pytest.raises(DryRunUnavailable, match="lost the API server"):
        dry_run.check(deployment(image="nginx"))
