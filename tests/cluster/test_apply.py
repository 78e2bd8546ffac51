"""Server-side apply of an approved change, against a loopback API server: a dry run
first, then the apply, then the object read back; any failure is a typed result and
leaves the object as it was."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from kfix.cluster.apply import APPLY_PATCH, server_side_apply
from kfix.cluster.connect import Session, connect
from kfix.cluster.read import Resource, cleaned, served
from kfix.model import CONFLICT, FORBIDDEN, GONE, INVALID, NOT_FOUND, TIMEOUT, UNREACHABLE
from tests.cluster.apiserver import ApiServer, Fault
from tests.cluster.objects import deployment
from tests.patch.k8s_api_standin import write_kubeconfig

PATH = "/apis/apps/v1/namespaces/shop/deployments/web"


@pytest.fixture
def session(kubeconfig: str) -> Session:
    return connect(kubeconfig)


@pytest.fixture
def deployments(session: Session) -> Resource:
    return served(session, "apps/v1", timeout=5)["Deployment"]


@pytest.fixture
def stored(api_server: ApiServer) -> dict[str, Any]:
    return api_server.add(deployment("web", "shop"))


def hardened(stored: dict[str, Any]) -> dict[str, Any]:
    """The live object as kfix reads it, with a fix: the container runs as non-root."""
    patched = copy.deepcopy(cleaned(stored))
    patched["spec"]["template"]["spec"]["containers"][0]["securityContext"] = {
        "runAsNonRoot": True}
    return patched


def test_a_dry_run_precedes_the_apply_and_the_object_is_read_back(
        api_server: ApiServer, session: Session, deployments: Resource,
        stored: dict[str, Any]) -> None:
    result = server_side_apply(session, deployments, hardened(stored),
                               resource_version=stored["metadata"]["resourceVersion"])

    assert result.applied and result.failure == ""
    assert result.live is not None
    assert result.live["spec"]["template"]["spec"]["containers"][0]["securityContext"] == {
        "runAsNonRoot": True}
    assert "managedFields" not in result.live["metadata"]  # as kfix evaluates it
    writes = [r for r in api_server.requests if r.method != "GET"]
    assert [(r.method, r.path, r.query, r.content_type) for r in writes] == [
        ("PATCH", PATH, {"fieldManager": "kfix", "dryRun": "All"}, APPLY_PATCH),
        ("PATCH", PATH, {"fieldManager": "kfix"}, APPLY_PATCH),
    ]
    assert writes[1].body["metadata"]["resourceVersion"] == stored["metadata"]["resourceVersion"]
    assert api_server.requests[-1].method == "GET" and api_server.requests[-1].path == PATH
    now = api_server.objects[("apps/v1", "deployments", "shop", "web")]
    assert now["spec"]["template"]["spec"]["containers"][0]["securityContext"] == {
        "runAsNonRoot": True}
    assert now["metadata"]["managedFields"][0]["manager"] == "kfix"


@pytest.mark.parametrize(("code", "failure", "words"), [
    (409, CONFLICT, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply"'),
    (403, FORBIDDEN, 'deployments.apps "web" is forbidden: User "kfix" cannot patch resource'),
    (404, NOT_FOUND, 'deployments.apps "web" not found'),
    (410, GONE, "410 Gone"),
    (422, INVALID, "422 Unprocessable Entity"),
])
@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "apply"])
def test_a_refusal_is_a_typed_failure_and_changes_nothing(
        api_server: ApiServer, session: Session, deployments: Resource,
        stored: dict[str, Any], code: int, failure: str, words: str, dry_run: bool) -> None:
    before = copy.deepcopy(stored)
    api_server.fail(Fault("PATCH", PATH, code, dry_run=dry_run))

    result = server_side_apply(session, deployments, hardened(stored))

    assert not result.applied
    assert (result.failure, result.stage) == (failure, "dry run" if dry_run else "apply")
    assert words in result.message
    assert result.live is None
    patches = [r for r in api_server.requests if r.method == "PATCH"]
    assert [r.query.get("dryRun") for r in patches] == (["All"] if dry_run else ["All", None])
    assert api_server.objects[("apps/v1", "deployments", "shop", "web")] == before


def test_an_object_changed_since_it_was_read_is_a_conflict(
        api_server: ApiServer, session: Session, deployments: Resource,
        stored: dict[str, Any]) -> None:
    read_at = stored["metadata"]["resourceVersion"]
    moved_on = api_server.add(deployment("web", "shop", labels={"tier": "front"}))

    result = server_side_apply(session, deployments, hardened(stored), resource_version=read_at)

    assert (result.failure, result.stage) == (CONFLICT, "dry run")
    assert result.message == (
        '409 Conflict: Operation cannot be fulfilled on deployments.apps "web": the object has '
        "been modified; please apply your changes to the latest version and try again")
    assert api_server.objects[("apps/v1", "deployments", "shop", "web")] == moved_on
    assert len([r for r in api_server.requests if r.method == "PATCH"]) == 1


def test_a_deleted_object_is_not_created_again(
        api_server: ApiServer, session: Session, deployments: Resource,
        stored: dict[str, Any]) -> None:
    api_server.objects.clear()

    result = server_side_apply(session, deployments, hardened(stored),
                               resource_version=stored["metadata"]["resourceVersion"])

    assert (result.failure, result.stage) == (NOT_FOUND, "dry run")
    assert api_server.objects == {}


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "apply"])
def test_a_slow_answer_is_a_timeout(api_server: ApiServer, session: Session,
                                    deployments: Resource, stored: dict[str, Any],
                                    dry_run: bool) -> None:
    api_server.fail(Fault("PATCH", PATH, delay=600, dry_run=dry_run))

    result = server_side_apply(session, deployments, hardened(stored), timeout=0.5)

    assert (result.failure, result.stage) == (TIMEOUT, "dry run" if dry_run else "apply")
    assert result.message.startswith("no answer within 0.5 s")
    assert result.message.endswith("read the object again") is not dry_run


def test_a_failed_read_back_still_counts_as_applied(
        api_server: ApiServer, session: Session, deployments: Resource,
        stored: dict[str, Any]) -> None:
    api_server.fail(Fault("GET", PATH, 403))

    result = server_side_apply(session, deployments, hardened(stored))

    assert result.applied
    assert (result.failure, result.stage) == (FORBIDDEN, "re-read")
    assert result.message.startswith("applied, but reading it back failed: 403 Forbidden: ")


def test_a_lost_server_is_unreachable(tmp_path: Path) -> None:
    with ApiServer() as server:
        stored = server.add(deployment("web", "shop"))
        session = connect(str(write_kubeconfig(tmp_path / "kubeconfig", server.url)))
        resource = served(session, "apps/v1", timeout=5)["Deployment"]

    result = server_side_apply(session, resource, hardened(stored))

    assert (result.failure, result.stage) == (UNREACHABLE, "dry run")
    assert "Connection refused" in result.message


def test_an_object_without_a_namespace_is_not_sent(
        api_server: ApiServer, session: Session, deployments: Resource,
        stored: dict[str, Any]) -> None:
    patched = hardened(stored)
    del patched["metadata"]["namespace"]

    result = server_side_apply(session, deployments, patched)

    assert (result.failure, result.message) == (INVALID, "the object names no namespace: "
                                                         "nothing sent")
    assert not any(r.method == "PATCH" for r in api_server.requests)
