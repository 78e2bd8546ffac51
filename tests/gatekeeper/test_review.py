"""Gatekeeper's input.review for objects and AdmissionReviews, and data.inventory."""

from __future__ import annotations

from typing import Any

import pytest

from kfix.errors import KfixError
from kfix.gatekeeper.review import (
    inventory,
    is_admission_review,
    namespaces_of,
    review_from_admission,
    review_of,
)

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "prod"}}
DEPLOY = {"apiVersion": "apps/v1", "kind": "Deployment",
          "metadata": {"name": "api", "namespace": "shop"}, "spec": {"replicas": 2}}
NS = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod", "labels": {"a": "b"}}}


def admission(request: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}


def test_review_of_a_core_object() -> None:
    assert review_of(POD) == {
        "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "name": "web", "namespace": "prod", "operation": "CREATE",
        "object": POD, "userInfo": {},
    }


def test_review_of_a_grouped_cluster_object() -> None:
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "admin"}}
    got = review_of(role)
    assert got["kind"] == {"group": "rbac.authorization.k8s.io", "version": "v1",
                           "kind": "ClusterRole"}
    assert (got["name"], got["namespace"], got["object"]) == ("admin", "", role)
    assert "oldObject" not in got


def test_is_admission_review() -> None:
    assert is_admission_review(admission({"object": POD}))
    assert is_admission_review({**admission({}), "apiVersion": "admission.k8s.io/v1beta1"})
    assert not is_admission_review({"apiVersion": "v1", "kind": "AdmissionReview"})
    assert not is_admission_review(POD)


def test_create_takes_the_request_over() -> None:
    user = {"username": "alice", "groups": ["devs"]}
    got = review_from_admission(admission({
        "uid": "u-1", "operation": "CREATE", "object": DEPLOY, "userInfo": user,
        "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
        "name": "from-request", "namespace": "request-ns", "dryRun": True,
    }))
    assert got["operation"] == "CREATE"
    assert got["object"] == DEPLOY and "oldObject" not in got
    assert got["kind"] == {"group": "apps", "version": "v1", "kind": "Deployment"}
    assert (got["name"], got["namespace"]) == ("from-request", "request-ns")
    assert got["userInfo"] == user
    assert (got["uid"], got["dryRun"]) == ("u-1", True)


def test_kind_name_and_namespace_default_to_the_object() -> None:
    got = review_from_admission(admission({"object": DEPLOY}))
    assert got["operation"] == "CREATE"
    assert got["kind"] == {"group": "apps", "version": "v1", "kind": "Deployment"}
    assert (got["name"], got["namespace"], got["userInfo"]) == ("api", "shop", {})


def test_update_has_object_and_old_object() -> None:
    old = {**DEPLOY, "spec": {"replicas": 1}}
    got = review_from_admission(admission({"operation": "UPDATE", "object": DEPLOY,
                                           "oldObject": old}))
    assert got["operation"] == "UPDATE"
    assert got["object"] == DEPLOY and got["oldObject"] == old


@pytest.mark.parametrize("request_object", [{}, {"object": None}], ids=["absent", "null"])
def test_delete_without_object_reviews_the_old_object(request_object: dict[str, Any]) -> None:
    got = review_from_admission(admission({
        "operation": "DELETE", "oldObject": POD, **request_object,
        "userInfo": {"username": "bob", "groups": ["system:masters"]},
    }))
    assert got["operation"] == "DELETE"
    assert got["object"] == POD and got["oldObject"] == POD
    assert got["kind"] == {"group": "", "version": "v1", "kind": "Pod"}
    assert (got["name"], got["namespace"]) == ("web", "prod")
    assert got["userInfo"]["groups"] == ["system:masters"]


@pytest.mark.parametrize(
    ("review", "message"),
    [
        ({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}, "has no request"),
        (admission({"operation": "CREATE"}), "neither object nor oldObject"),
        (admission({"operation": "PATCH", "object": POD}), "'PATCH' is not one of"),
    ],
    ids=["no-request", "no-object", "bad-operation"],
)
def test_malformed_admission_reviews_are_errors(review: dict[str, Any], message: str) -> None:
    with pytest.raises(KfixError, match=message):
        review_from_admission(review)


def test_inventory_places_cluster_and_namespaced_objects() -> None:
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "admin"}}
    newer_pod = {**POD, "spec": {"v": 2}}
    got = inventory([NS, POD, DEPLOY, role, newer_pod, "not a mapping",
                     {"kind": "ConfigMap", "metadata": {"name": "no-api"}}])
    assert got["cluster"] == {
        "v1": {"Namespace": {"prod": NS}},
        "rbac.authorization.k8s.io/v1": {"ClusterRole": {"admin": role}},
    }
    assert got["namespace"] == {
        "prod": {"v1": {"Pod": {"web": newer_pod}}},  # the later one replaces the earlier
        "shop": {"apps/v1": {"Deployment": {"api": DEPLOY}}},
    }


def test_inventory_reads_a_namespace_that_is_no_string_as_none() -> None:
    # as Gatekeeper's unstructured.GetNamespace: cluster-scoped, and no crash on a list
    odd = [{"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": f"cm{i}", "namespace": ns}}
           for i, ns in enumerate((["prod"], {"a": 1}, 5))]
    got = inventory(odd)
    assert got == {"cluster": {"v1": {"ConfigMap": {f"cm{i}": obj for i, obj in enumerate(odd)}}},
                   "namespace": {}}


def test_inventory_of_nothing() -> None:
    assert inventory([]) == {"cluster": {}, "namespace": {}}


def test_namespaces_of_picks_core_namespaces_by_name() -> None:
    lookalike = {"apiVersion": "example.com/v1", "kind": "Namespace",
                 "metadata": {"name": "fake"}}
    other = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev"}}
    assert namespaces_of([NS, POD, lookalike, other, 42]) == {"prod": NS, "dev": other}
