"""The order of a plan: severity × exposure, highest first.

A workload's exposure is read from the inputs themselves, one point for each of:

- `exposed`: a Service of type LoadBalancer or NodePort selects its pods, or an Ingress
  routes to a Service that does;
- `host-namespaces`: its pods share the node's network, PID or IPC namespace;
- `privileged`: one of its containers runs privileged;
- `cluster-rbac`: a ClusterRoleBinding among the inputs binds its ServiceAccount.

score = severity weight (low 1, medium 2, high 3, critical 4; none 1) × (1 + exposures).
Ties go to the lower risk first (cheap wins), then file, document and policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kfix.k8s import CONTAINER_LISTS, POD_SPEC_PATHS, list_of, mapping_of, text_of
from kfix.model import RISKS, SEVERITIES
from kfix.patch.evidence import Bindings
from kfix.plan.model import Action

EXPOSED, HOST_NAMESPACES, PRIVILEGED, CLUSTER_RBAC = (
    "exposed", "host-namespaces", "privileged", "cluster-rbac")
_EXPOSING_TYPES = ("LoadBalancer", "NodePort")


def weight(severity: str) -> int:
    return SEVERITIES.index(severity) + 1 if severity in SEVERITIES else 1


@dataclass(frozen=True)
class _Service:
    namespace: str
    name: str
    selector: Mapping[str, Any]
    exposing: bool


@dataclass(frozen=True)
class Inventory:
    """What of the inputs exposes a workload: Services, Ingresses, cluster-wide bindings."""

    services: tuple[_Service, ...] = ()
    routed: frozenset[tuple[str, str]] = frozenset()  # (namespace, Service) an Ingress names
    cluster_bound: Bindings = field(default_factory=Bindings)

    @classmethod
    def of(cls, documents: Iterable[Any]) -> Inventory:
        documents = [d for d in documents if isinstance(d, Mapping)]
        services = []
        routed = set()
        for doc in documents:
            meta = mapping_of(doc.get("metadata"))
            namespace = text_of(meta.get("namespace"))
            spec = mapping_of(doc.get("spec"))
            if doc.get("kind") == "Service":
                services.append(_Service(namespace, text_of(meta.get("name")),
                                         mapping_of(spec.get("selector")),
                                         spec.get("type") in _EXPOSING_TYPES))
            elif doc.get("kind") == "Ingress":
                routed |= {(namespace, name) for name in _ingress_services(spec)}
        return cls(tuple(services), frozenset(routed),
                   Bindings.of(documents, kinds=("ClusterRoleBinding",)))

    def exposure(self, document: Any) -> tuple[str, ...]:
        """The exposures of a workload document; () for anything else."""
        if not isinstance(document, Mapping) or document.get("kind") not in POD_SPEC_PATHS:
            return ()
        path = POD_SPEC_PATHS[str(document["kind"])]
        pod = _at(document, path)
        labels = mapping_of(mapping_of(_at(document, path[:-1]).get("metadata")).get("labels"))
        namespace = text_of(mapping_of(document.get("metadata")).get("namespace"))
        found = []
        if any(self._selects(s, namespace, labels) and
               (s.exposing or (s.namespace, s.name) in self.routed) for s in self.services):
            found.append(EXPOSED)
        if any(pod.get(key) is True for key in ("hostNetwork", "hostPID", "hostIPC")):
            found.append(HOST_NAMESPACES)
        containers = [c for name in CONTAINER_LISTS for c in list_of(pod.get(name))]
        if any(mapping_of(mapping_of(c).get("securityContext")).get("privileged") is True
               for c in containers):
            found.append(PRIVILEGED)
        account = text_of(pod.get("serviceAccountName")) or text_of(pod.get("serviceAccount"))
        if self.cluster_bound.bound(namespace, account or "default"):
            found.append(CLUSTER_RBAC)
        return tuple(found)

    @staticmethod
    def _selects(service: _Service, namespace: str, labels: Mapping[str, Any]) -> bool:
        same_place = not service.namespace or not namespace or service.namespace == namespace
        return bool(service.selector) and same_place and all(
            labels.get(key) == value for key, value in service.selector.items())


def ranked(actions: Sequence[Action]) -> list[Action]:
    """The actions scored from their own exposure and severity, in order, ranks from 1."""
    scored = [replace(a, score=weight(a.severity) * (1 + len(a.exposure))) for a in actions]
    scored.sort(key=lambda a: (-a.score, -weight(a.severity), RISKS.index(a.risk), a.file,
                               getattr(a.target, "document", 0), a.policy, a.pointer))
    return [replace(a, rank=number) for number, a in enumerate(scored, 1)]


def _ingress_services(spec: Mapping[str, Any]) -> Iterable[str]:
    backends = [mapping_of(spec.get("defaultBackend")), mapping_of(spec.get("backend"))]
    for rule in list_of(spec.get("rules")):
        for path in list_of(mapping_of(mapping_of(rule).get("http")).get("paths")):
            backends.append(mapping_of(mapping_of(path).get("backend")))
    for backend in backends:
        name = text_of(mapping_of(backend.get("service")).get("name")) or text_of(
            backend.get("serviceName"))  # networking.k8s.io/v1, and v1beta1's
        if name:
            yield name


def _at(document: Mapping[str, Any], path: Sequence[str]) -> Mapping[str, Any]:
    node: Any = document
    for key in path:
        node = mapping_of(node).get(key)
    return mapping_of(node)
