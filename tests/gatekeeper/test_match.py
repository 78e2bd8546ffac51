"""Gatekeeper's spec.match semantics, as pkg/mutation/match and its tests define them."""

from __future__ import annotations

from typing import Any

import pytest

from kfix.gatekeeper.match import match_errors, matches

NAMESPACES = {
    "prod": {"apiVersion": "v1", "kind": "Namespace",
             "metadata": {"name": "prod", "labels": {"env": "prod", "team": "a"}}},
    "kube-system": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}},
}


def obj(
    kind: str = "Pod",
    api_version: str = "v1",
    name: str = "web",
    namespace: str | None = "prod",
    labels: dict[str, str] | None = None,
    **metadata: Any,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, **metadata}
    if namespace is not None:
        meta["namespace"] = namespace
    if labels is not None:
        meta["labels"] = labels
    return {"apiVersion": api_version, "kind": kind, "metadata": meta}


def review(
    o: dict[str, Any] | None = None, operation: str = "CREATE", old: dict[str, Any] | None = None
) -> dict[str, Any]:
    """input.review for `o`, as kfix's caller builds it."""
    source = o or old or {}
    group, _, version = source.get("apiVersion", "v1").rpartition("/")
    meta = source.get("metadata", {})
    return {
        "kind": {"group": group, "version": version, "kind": source.get("kind", "")},
        "name": meta.get("name", ""),
        "namespace": meta.get("namespace", ""),
        "operation": operation,
        "object": o,
        "oldObject": old,
        "userInfo": {"username": "kfix"},
    }


def ns_obj(name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return obj("Namespace", name=name, namespace=None, labels=labels)


def check(match: dict[str, Any] | None, o: dict[str, Any]) -> bool:
    assert match_errors(match) == []
    return matches(match, review(o), NAMESPACES)


DEPLOYMENT = obj("Deployment", "apps/v1")
CLUSTER_ROLE = obj("ClusterRole", "rbac.authorization.k8s.io/v1", name="admin", namespace=None)


@pytest.mark.parametrize("match", [None, {}, {"kinds": []}, {"name": ""}, {"scope": ""}])
def test_missing_or_empty_criteria_match_everything(match: dict[str, Any] | None) -> None:
    assert check(match, obj())
    assert check(match, CLUSTER_ROLE)


@pytest.mark.parametrize(
    ("kinds", "o", "expected"),
    [
        ([{"apiGroups": [""], "kinds": ["Pod"]}], obj(), True),
        ([{"apiGroups": [""], "kinds": ["Service"]}], obj(), False),
        ([{"apiGroups": ["apps"], "kinds": ["Pod"]}], obj(), False),
        ([{"apiGroups": ["apps"], "kinds": ["Deployment"]}], DEPLOYMENT, True),
        ([{"apiGroups": [""], "kinds": ["Deployment"]}], DEPLOYMENT, False),
        ([{"apiGroups": ["*"], "kinds": ["Deployment"]}], DEPLOYMENT, True),
        ([{"apiGroups": ["apps"], "kinds": ["*"]}], DEPLOYMENT, True),
        ([{"apiGroups": ["apps"], "kinds": ["*"]}], obj(), False),
        # Gatekeeper: an empty or missing list in an entry allows anything.
        ([{}], CLUSTER_ROLE, True),
        ([{"apiGroups": [], "kinds": ["ClusterRole"]}], CLUSTER_ROLE, True),
        ([{"apiGroups": ["rbac.authorization.k8s.io"]}], CLUSTER_ROLE, True),
        ([{"kinds": ["Pod"]}], CLUSTER_ROLE, False),
        # Any entry suffices.
        (
            [{"apiGroups": [""], "kinds": ["Service"]}, {"apiGroups": ["apps"], "kinds": ["*"]}],
            DEPLOYMENT,
            True,
        ),
        # Kind and group must come from the same entry.
        ([{"apiGroups": [""], "kinds": ["Deployment"]}, {"apiGroups": ["apps"], "kinds": ["Pod"]}],
         DEPLOYMENT, False),
    ],
)
def test_kinds(kinds: list[dict[str, Any]], o: dict[str, Any], expected: bool) -> None:
    assert check({"kinds": kinds}, o) is expected


def test_kinds_fall_back_to_review_kind_when_the_object_has_none() -> None:
    bare = {"metadata": {"name": "web", "namespace": "prod"}}
    r = review(bare)
    r["kind"] = {"group": "apps", "version": "v1", "kind": "Deployment"}
    assert matches({"kinds": [{"apiGroups": ["apps"], "kinds": ["Deployment"]}]}, r, NAMESPACES)
    assert not matches({"kinds": [{"apiGroups": [""], "kinds": ["Pod"]}]}, r, NAMESPACES)


@pytest.mark.parametrize(
    ("scope", "pod", "cluster_role", "namespace"),
    [
        ("*", True, True, True),
        ("Cluster", False, True, True),
        ("Namespaced", True, False, False),
    ],
)
def test_scope(scope: str, pod: bool, cluster_role: bool, namespace: bool) -> None:
    match = {"scope": scope}
    assert check(match, obj()) is pod
    assert check(match, CLUSTER_ROLE) is cluster_role
    assert check(match, ns_obj("prod")) is namespace


def test_a_namespace_kind_in_another_group_is_not_a_namespace() -> None:
    fake = obj("Namespace", "example.com/v1", name="x", namespace=None)
    assert check({"scope": "Cluster"}, fake)
    assert check({"namespaces": ["prod"]}, fake)  # cluster-scoped, not its own namespace


def test_unknown_scope_matches_everything_but_is_an_error() -> None:
    assert matches({"scope": "cluster"}, review(obj()), NAMESPACES)
    assert matches({"scope": "cluster"}, review(CLUSTER_ROLE), NAMESPACES)
    assert match_errors({"scope": "cluster"}) == [
        "spec.match.scope: must be one of *, Cluster, Namespaced, not 'cluster'"
    ]


@pytest.mark.parametrize(
    ("patterns", "namespace", "expected"),
    [
        (["prod"], "prod", True),
        (["prod"], "production", False),
        (["kube-*"], "kube-system", True),
        (["kube-*"], "gatekeeper-system", False),
        (["*-system"], "kube-system", True),
        (["*-system"], "kube-public", False),
        (["*system*"], "system-kube", True),
        (["*-kube-*"], "test-dev-kube-dev-test", True),
        (["*-kube-*"], "my-kub-controller", False),
        (["kube-"], "kube-system", False),  # no asterisk, no glob
        (["*"], "anything", True),
        (["dev", "kube-*"], "kube-public", True),
    ],
)
def test_namespaces_and_excluded_namespaces_wildcards(
    patterns: list[str], namespace: str, expected: bool
) -> None:
    pod = obj(namespace=namespace)
    assert check({"namespaces": patterns}, pod) is expected
    assert check({"excludedNamespaces": patterns}, pod) is not expected


def test_namespace_objects_use_their_own_name_as_namespace() -> None:
    prod = ns_obj("prod")
    assert check({"namespaces": ["prod"]}, prod)
    assert not check({"namespaces": ["dev"]}, prod)
    assert not check({"excludedNamespaces": ["prod"]}, prod)
    assert check({"excludedNamespaces": ["kube-*"]}, prod)
    # Still a Namespace, not a cluster-scoped object, before the API server names it.
    unnamed = obj("Namespace", name="", namespace=None, generateName="team-")
    assert not check({"namespaces": ["prod"]}, unnamed)
    assert check({"namespaces": ["*"]}, unnamed)


def test_cluster_scoped_objects_pass_namespace_criteria() -> None:
    assert check({"namespaces": ["prod"]}, CLUSTER_ROLE)
    assert check({"excludedNamespaces": ["*"]}, CLUSTER_ROLE)
    assert check({"namespaceSelector": {"matchLabels": {"env": "prod"}}}, CLUSTER_ROLE)


def test_namespace_comes_from_the_review_or_the_object() -> None:
    pod = obj(namespace=None)
    r = review(pod)
    r["namespace"] = "prod"
    assert matches({"namespaces": ["prod"]}, r, NAMESPACES)
    assert not matches({"scope": "Cluster"}, r, NAMESPACES)
    assert matches({"scope": "Cluster"}, review(pod), NAMESPACES)
    from_object = review(obj(namespace="prod")) | {"namespace": ""}
    assert matches({"namespaces": ["prod"]}, from_object, NAMESPACES)
    assert not matches({"scope": "Cluster"}, from_object, NAMESPACES)


def test_unlisted_namespace_still_matches_by_name() -> None:
    assert check({"namespaces": ["dev"]}, obj(namespace="dev"))
    assert not check({"excludedNamespaces": ["dev"]}, obj(namespace="dev"))


SELECTOR_CASES = [
    ({}, {}, True),
    ({}, {"app": "web"}, True),
    ({"matchLabels": {"app": "web"}}, {"app": "web", "tier": "1"}, True),
    ({"matchLabels": {"app": "web"}}, {"app": "db"}, False),
    ({"matchLabels": {"app": "web"}}, {}, False),
    ({"matchLabels": {"app": ""}}, {}, False),
    ({"matchLabels": {"app": ""}}, {"app": ""}, True),
    ({"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "api"]}]},
     {"app": "api"}, True),
    ({"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]},
     {"app": "db"}, False),
    ({"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]}, {}, False),
    ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]},
     {"app": "db"}, True),
    ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]},
     {"app": "web"}, False),
    ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]}, {}, True),
    ({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, {"app": ""}, True),
    ({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, {"tier": "1"}, False),
    ({"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]}, {}, True),
    ({"matchExpressions": [{"key": "app", "operator": "DoesNotExist", "values": []}]},
     {"app": "web"}, False),
    # matchLabels and every expression are ANDed.
    ({"matchLabels": {"app": "web"},
      "matchExpressions": [{"key": "tier", "operator": "Exists"}]}, {"app": "web"}, False),
    ({"matchLabels": {"app": "web"},
      "matchExpressions": [{"key": "tier", "operator": "Exists"},
                           {"key": "legacy", "operator": "DoesNotExist"}]},
     {"app": "web", "tier": "1"}, True),
]


@pytest.mark.parametrize(("selector", "labels", "expected"), SELECTOR_CASES)
def test_label_selector(selector: dict[str, Any], labels: dict[str, str], expected: bool) -> None:
    assert check({"labelSelector": selector}, obj(labels=labels)) is expected


def test_label_selector_without_labels_on_the_object() -> None:
    assert not check({"labelSelector": {"matchLabels": {"app": "web"}}}, obj())
    assert check({"labelSelector": {"matchExpressions": [
        {"key": "app", "operator": "DoesNotExist"}]}}, obj())


@pytest.mark.parametrize(("selector", "labels", "expected"), SELECTOR_CASES)
def test_namespace_selector_on_the_namespace_labels(
    selector: dict[str, Any], labels: dict[str, str], expected: bool
) -> None:
    namespaces = {"ns": ns_obj("ns", labels)}
    pod = obj(namespace="ns", labels={"unrelated": "x"})
    assert matches({"namespaceSelector": selector}, review(pod), namespaces) is expected


def test_namespace_selector_on_a_namespace_uses_its_own_labels() -> None:
    # The object's labels win over whatever `namespaces` holds under that name.
    match = {"namespaceSelector": {"matchLabels": {"env": "staging"}}}
    assert check(match, ns_obj("prod", {"env": "staging"}))
    assert not check(match, ns_obj("prod"))
    assert not check({"namespaceSelector": {"matchLabels": {"env": "prod"}}}, ns_obj("prod"))


def test_namespace_selector_with_an_unknown_namespace_does_not_match() -> None:
    # Gatekeeper reports an error here; kfix treats it as not applying.
    assert not check({"namespaceSelector": {}}, obj(namespace="missing"))
    assert not check(
        {"namespaceSelector": {"matchExpressions": [{"key": "env", "operator": "DoesNotExist"}]}},
        obj(namespace="missing"),
    )


def test_namespace_without_labels_is_selected_by_empty_and_negative_selectors() -> None:
    pod = obj(namespace="kube-system")
    assert check({"namespaceSelector": {}}, pod)
    assert check({"namespaceSelector": {"matchExpressions": [
        {"key": "env", "operator": "NotIn", "values": ["prod"]}]}}, pod)
    assert not check({"namespaceSelector": {"matchLabels": {"env": "prod"}}}, pod)


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        ("web", "web", True),
        ("web", "web-1", False),
        ("web-*", "web-1", True),
        ("web-*", "api-1", False),
        ("*-pod", "a-pod", True),
        ("*-pod", "a-pods", False),
        ("*eb*", "web-1", True),
        ("*", "anything", True),
    ],
)
def test_name(pattern: str, name: str, expected: bool) -> None:
    assert check({"name": pattern}, obj(name=name)) is expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("web-*", True), ("*web*", True), ("*web-", False), ("web-", False), ("api-*", False)],
)
def test_name_against_generate_name(pattern: str, expected: bool) -> None:
    pod = obj(name="", generateName="web-")
    assert check({"name": pattern}, pod) is expected


def test_delete_uses_old_object() -> None:
    old = obj(labels={"app": "web"})
    r = review(None, "DELETE", old=old)
    assert matches({"labelSelector": {"matchLabels": {"app": "web"}}, "name": "web"}, r, NAMESPACES)
    assert not matches({"labelSelector": {"matchLabels": {"app": "db"}}}, r, NAMESPACES)
    r["object"] = {}
    assert matches({"name": "web"}, r, NAMESPACES)
    assert not matches({"name": "api"}, r, NAMESPACES)


def test_update_matches_when_either_object_or_old_object_does() -> None:
    new, old = obj(labels={"app": "web"}), obj(labels={"app": "db"})
    r = review(new, "UPDATE", old=old)
    assert matches({"labelSelector": {"matchLabels": {"app": "web"}}}, r, NAMESPACES)
    assert matches({"labelSelector": {"matchLabels": {"app": "db"}}}, r, NAMESPACES)
    assert not matches({"labelSelector": {"matchLabels": {"app": "api"}}}, r, NAMESPACES)


def test_review_without_any_object() -> None:
    r = review(None, "CONNECT")
    assert matches(None, r, NAMESPACES)
    assert not matches({"name": "web"}, r, NAMESPACES)


@pytest.mark.parametrize("source", ["All", "Generated", "Original"])
def test_source_is_accepted_and_ignored(source: str) -> None:
    assert check({"source": source}, obj())


def test_processes_are_accepted_and_excluded_namespaces_always_apply() -> None:
    match = {"processes": ["webhook"], "excludedNamespaces": ["prod"]}
    assert not check(match, obj())


COMBINED = {
    "kinds": [{"apiGroups": ["apps"], "kinds": ["Deployment"]}],
    "scope": "Namespaced",
    "namespaces": ["prod", "dev"],
    "excludedNamespaces": ["dev"],
    "labelSelector": {"matchLabels": {"app": "web"}},
    "namespaceSelector": {"matchExpressions": [{"key": "team", "operator": "In", "values": ["a"]}]},
    "name": "web*",
}


@pytest.mark.parametrize(
    ("o", "expected"),
    [
        (obj("Deployment", "apps/v1", labels={"app": "web"}), True),
        (obj("Deployment", "apps/v1", name="web-2", labels={"app": "web"}), True),
        (obj("Pod", labels={"app": "web"}), False),
        (obj("Deployment", "apps/v1", labels={"app": "db"}), False),
        (obj("Deployment", "apps/v1", name="api", labels={"app": "web"}), False),
        (obj("Deployment", "apps/v1", namespace="dev", labels={"app": "web"}), False),
        (obj("Deployment", "apps/v1", namespace="kube-system", labels={"app": "web"}), False),
        (obj("Deployment", "apps/v1", namespace=None, labels={"app": "web"}), False),
    ],
)
def test_combined_criteria_must_all_hold(o: dict[str, Any], expected: bool) -> None:
    namespaces = {**NAMESPACES, "dev": ns_obj("dev", {"team": "a"})}
    assert match_errors(COMBINED) == []
    assert matches(COMBINED, review(o), namespaces) is expected


@pytest.mark.parametrize(
    ("match", "expected"),
    [
        ("Pod", ["spec.match: must be an object"]),
        ({"kinds": {"apiGroups": [""]}}, ["spec.match.kinds: must be a list"]),
        ({"kinds": ["Pod"]}, ["spec.match.kinds[0]: must be an object"]),
        ({"kinds": [{"kinds": "Pod"}]}, ["spec.match.kinds[0].kinds: must be a list of strings"]),
        ({"kinds": [{"apiGroups": [""]}, {"apiGroups": [None]}]},
         ["spec.match.kinds[1].apiGroups: must be a list of strings"]),
        ({"namespaces": "prod"}, ["spec.match.namespaces: must be a list of strings"]),
        ({"excludedNamespaces": ["kube-*", "Kube_System"]},
         ["spec.match.excludedNamespaces[1]: 'Kube_System' is not a name with an optional "
          "leading or trailing '*'"]),
        ({"namespaces": ["ku*be"]},
         ["spec.match.namespaces[0]: 'ku*be' is not a name with an optional "
          "leading or trailing '*'"]),
        ({"name": ["web"]}, ["spec.match.name: must be a string"]),
        ({"scope": "Namespace"},
         ["spec.match.scope: must be one of *, Cluster, Namespaced, not 'Namespace'"]),
        ({"source": "original"},
         ["spec.match.source: must be one of All, Generated, Original, not 'original'"]),
        ({"processes": ["admission"]},
         ["spec.match.processes: must be a list of audit, webhook, sync, mutation-webhook, *"]),
        ({"labelSelector": ["app=web"]}, ["spec.match.labelSelector: must be an object"]),
        ({"labelSelector": {"matchLabels": {"app": True}}},
         ["spec.match.labelSelector.matchLabels['app']: label value must be a string"]),
        ({"labelSelector": {"matchLabels": {"bad key": "x"}}},
         ["spec.match.labelSelector.matchLabels: 'bad key' is not a valid label key"]),
        ({"labelSelector": {"matchLabels": {"app": "-web"}}},
         ["spec.match.labelSelector.matchLabels['app']: '-web' is not a valid label value"]),
        ({"namespaceSelector": {"matchExpressions": {"key": "env"}}},
         ["spec.match.namespaceSelector.matchExpressions: must be a list"]),
        ({"namespaceSelector": {"matchExpressions": [{"key": "env", "operator": "Equals",
                                                      "values": ["prod"]}]}},
         ["spec.match.namespaceSelector.matchExpressions[0].operator: 'Equals' is not one of "
          "In, NotIn, Exists, DoesNotExist"]),
        ({"namespaceSelector": {"matchExpressions": [{"key": "env", "operator": "In"}]}},
         ["spec.match.namespaceSelector.matchExpressions[0].values: must not be empty for In"]),
        ({"labelSelector": {"matchExpressions": [{"key": "env", "operator": "NotIn",
                                                  "values": []}]}},
         ["spec.match.labelSelector.matchExpressions[0].values: must not be empty for NotIn"]),
        ({"labelSelector": {"matchExpressions": [{"key": "env", "operator": "Exists",
                                                  "values": ["x"]}]}},
         ["spec.match.labelSelector.matchExpressions[0].values: must be empty for Exists"]),
        ({"labelSelector": {"matchExpressions": [{"operator": "Exists"}]}},
         ["spec.match.labelSelector.matchExpressions[0].key: label key must be a string"]),
        ({"labelSelector": {"matchExpressions": [{"key": "env", "operator": "In",
                                                  "values": "prod"}]}},
         ["spec.match.labelSelector.matchExpressions[0].values: must be a list of strings"]),
        ({"labelSelector": {"matchExpressions": ["env"]}},
         ["spec.match.labelSelector.matchExpressions[0]: must be an object"]),
        # Several problems are all reported.
        ({"scope": 1, "name": "Web"},
         ["spec.match.scope: must be one of *, Cluster, Namespaced, not 1",
          "spec.match.name: 'Web' is not a name with an optional leading or trailing '*'"]),
    ],
)
def test_match_errors(match: Any, expected: list[str]) -> None:
    assert match_errors(match) == expected


@pytest.mark.parametrize(
    "match",
    [
        None,
        {},
        {"kinds": [{}], "namespaces": [], "labelSelector": {}, "namespaceSelector": None},
        {"namespaces": ["*-system", "kube-*", "*sys*", "team:a", "*"], "name": ""},
        {"labelSelector": {"matchLabels": {"app.kubernetes.io/name": "web", "empty": ""}}},
        {"labelSelector": {"matchExpressions": [
            {"key": "example.com/tier", "operator": "NotIn", "values": ["a", "b.c_d-e"]},
            {"key": "legacy", "operator": "DoesNotExist"}]}},
        {"source": "All", "processes": ["audit", "*"], "scope": "Cluster"},
        {"unknownField": 1},  # pruned by the CRD, as in Gatekeeper
    ],
)
def test_valid_matches_have_no_errors(match: Any) -> None:
    assert match_errors(match) == []


@pytest.mark.parametrize(
    "key",
    ["a" * 64, "-app", "app-", "Example.com/app", "/app", "example.com/", "a/b/c"],
)
def test_invalid_label_keys(key: str) -> None:
    errors = match_errors({"labelSelector": {"matchExpressions": [
        {"key": key, "operator": "Exists"}]}})
    assert errors == [
        f"spec.match.labelSelector.matchExpressions[0].key: {key!r} is not a valid label key"
    ]


def test_unresolved_namespace_names_what_a_namespace_selector_lacks() -> None:
    from kfix.gatekeeper.match import unresolved_namespace

    selector = {"namespaceSelector": {"matchLabels": {"env": "prod"}}}
    pod = {"kind": {"group": "", "version": "v1", "kind": "Pod"}, "namespace": "shop",
           "object": {"apiVersion": "v1", "kind": "Pod",
                      "metadata": {"name": "p", "namespace": "shop"}}}
    shop = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
    assert unresolved_namespace(selector, pod, {}) == "shop"
    assert unresolved_namespace(selector, pod, {"shop": shop}) is None
    assert unresolved_namespace({"kinds": [{"kinds": ["Pod"]}]}, pod, {}) is None
    namespace = {"kind": {"group": "", "version": "v1", "kind": "Namespace"},
                 "object": shop}
    assert unresolved_namespace(selector, namespace, {}) is None  # its own labels
