"""Exposure is read from the inputs; the plan's order is severity × (1 + exposures)."""

from __future__ import annotations

from typing import Any

from kfix.model import Resource
from kfix.plan.model import Action, FileTarget
from kfix.plan.rank import Inventory, ranked


def deployment(name: str = "api", namespace: str = "shop", **pod: Any) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"template": {"metadata": {"labels": {"app": name, "tier": "web"}},
                                  "spec": {"containers": [{"name": "c", "image": "x:1"}],
                                           **pod}}}}


def service(kind: str, selector: dict[str, str], name: str = "api",
            namespace: str = "shop") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"type": kind, "selector": selector}}


def ingress(service_name: str, namespace: str = "shop") -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "in", "namespace": namespace},
            "spec": {"rules": [{"http": {"paths": [
                {"path": "/", "pathType": "Prefix",
                 "backend": {"service": {"name": service_name, "port": {"number": 80}}}}]}}]}}


def binding(kind: str, account: str, namespace: str = "shop") -> dict[str, Any]:
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind,
            "metadata": {"name": "b", "namespace": namespace},
            "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": namespace}]}


def test_a_load_balancer_or_node_port_service_selecting_the_pods_exposes_them() -> None:
    for kind in ("LoadBalancer", "NodePort"):
        work = deployment()
        assert Inventory.of([work, service(kind, {"app": "api"})]).exposure(work) == ("exposed",)


def test_a_cluster_ip_service_exposes_only_behind_an_ingress() -> None:
    work = deployment()
    inside = service("ClusterIP", {"app": "api"})
    assert Inventory.of([work, inside]).exposure(work) == ()
    assert Inventory.of([work, inside, ingress("api")]).exposure(work) == ("exposed",)
    assert Inventory.of([work, inside, ingress("other")]).exposure(work) == ()


def test_a_service_selects_by_every_label_and_in_its_namespace_only() -> None:
    work = deployment()
    assert Inventory.of([work, service("NodePort", {"app": "api", "tier": "db"})]
                        ).exposure(work) == ()
    assert Inventory.of([work, service("NodePort", {"app": "api"}, namespace="other")]
                        ).exposure(work) == ()
    assert Inventory.of([work, service("NodePort", {})]).exposure(work) == ()


def test_host_namespaces_privilege_and_cluster_wide_rbac_count() -> None:
    work = deployment(hostPID=True, serviceAccountName="robot",
                      initContainers=[{"name": "i", "image": "x:1",
                                       "securityContext": {"privileged": True}}])
    exposure = Inventory.of([work, binding("ClusterRoleBinding", "robot")]).exposure(work)
    assert exposure == ("host-namespaces", "privileged", "cluster-rbac")
    # a RoleBinding grants in one namespace only: not cluster-wide
    assert "cluster-rbac" not in Inventory.of([work, binding("RoleBinding", "robot")]
                                              ).exposure(work)


def test_the_default_service_account_is_the_one_bound_when_the_pod_names_none() -> None:
    work = deployment()
    assert Inventory.of([work, binding("ClusterRoleBinding", "default")]
                        ).exposure(work) == ("cluster-rbac",)


def test_only_workloads_have_exposure() -> None:
    lb = service("LoadBalancer", {"app": "api"})
    assert Inventory.of([lb]).exposure(lb) == ()


def action(policy: str, severity: str, risk: str, exposure: tuple[str, ...],
           path: str = "a.yaml") -> Action:
    return Action(id=policy[:12].ljust(12, "0"), target=FileTarget(path, 0, "", "0" * 64),
                  resource=Resource(kind="Deployment", name="api"), policy=policy,
                  severity=severity, risk=risk, effect="", pointer="", message="", reason="",
                  patch=({"op": "add", "path": "/x", "value": 1},), diff="",
                  exposure=exposure)


def test_ranked_by_severity_times_exposure_then_lower_risk_first() -> None:
    actions = [
        action("low-lone", "low", "low", ()),  # 1 × 1
        action("crit-lone", "critical", "high", ()),  # 4 × 1
        action("med-exposed", "medium", "high", ("exposed", "privileged")),  # 2 × 3
        action("high-exposed-hi", "high", "high", ("exposed",)),  # 3 × 2
        action("high-exposed-lo", "high", "low", ("exposed",)),  # 3 × 2, lower risk
    ]
    order = ranked(actions)
    assert [(a.policy, a.score) for a in order] == [
        ("high-exposed-lo", 6), ("high-exposed-hi", 6), ("med-exposed", 6), ("crit-lone", 4),
        ("low-lone", 1)]
    assert [a.rank for a in order] == [1, 2, 3, 4, 5]
