"""Which context and namespace a kubeconfig gives, and what is said when it gives none."""

from __future__ import annotations

from pathlib import Path

import pytest

from kfix.cluster.connect import ClusterUnavailable, connect
from tests.cluster.apiserver import ApiServer
from tests.patch.k8s_api_standin import write_kubeconfig


def test_a_context_without_a_namespace_reads_default(api_server: ApiServer,
                                                     tmp_path: Path) -> None:
    session = connect(str(write_kubeconfig(tmp_path / "config", api_server.url)))
    assert (session.context, session.namespace, session.host) == (
        "standin", "default", api_server.url)
    assert [(r.method, r.path) for r in api_server.requests] == [("GET", "/version/")]


def test_the_named_context_and_its_namespace(api_server: ApiServer, kubeconfig: str) -> None:
    session = connect(kubeconfig, "standin")
    assert (session.context, session.namespace) == ("standin", "shop")


def test_a_wrong_token_is_refused_at_once(api_server: ApiServer, tmp_path: Path) -> None:
    config = write_kubeconfig(tmp_path / "config", api_server.url, token="stale")
    with pytest.raises(ClusterUnavailable) as raised:
        connect(str(config))
    assert str(raised.value) == (f"the API server at {api_server.url} refused kfix: "
                                 "401 Unauthorized")


def test_no_kubeconfig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))
    with pytest.raises(ClusterUnavailable, match=r"^no kubeconfig at .*absent$"):
        connect()
