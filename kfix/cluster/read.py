"""Live objects of a cluster, read with GET requests only, ready to evaluate.

Which kinds: a fixed set of common workload, Service and RBAC kinds (KINDS); each is
looked up in its group version's discovery document (GET /api/v1, /apis/<group>/<version>)
for its URL name and scope, and listed in pages. Secrets are never read. An object
controlled by another (a Deployment's ReplicaSets and Pods, a CronJob's Jobs) is left out:
its findings belong to, and are fixed in, its controller.

Trouble with one kind (403 forbidden, 404, 410 Gone in the middle of a list, a timeout, a
refused connection) is one Problem and the other kinds are still read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import urllib3
from kubernetes.dynamic.exceptions import DynamicApiError

from kfix.cluster import REQUEST_TIMEOUT
from kfix.cluster.connect import Session, failure
from kfix.cluster.kinds import KINDS
from kfix.model import Problem

PAGE = 500  # objects per list request, as kubectl asks
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
# what the server keeps about an object, not what its owner wrote
SERVER_METADATA = ("managedFields", "uid", "resourceVersion", "creationTimestamp",
                   "generation", "selfLink")


@dataclass(frozen=True)
class Selection:
    """What to read: namespaces (none: the context's) or all of them, and kinds (none: the
    namespaced kinds of KINDS, and with all namespaces the cluster-wide ones too)."""

    namespaces: tuple[str, ...] = ()
    all_namespaces: bool = False
    kinds: tuple[str, ...] = ()
    request_timeout: float = REQUEST_TIMEOUT


@dataclass(frozen=True)
class Resource:
    """A kind as the cluster's discovery describes it."""

    group_version: str
    kind: str
    plural: str
    namespaced: bool

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        where = f"/namespaces/{namespace}" if namespace else ""
        return f"{_base(self.group_version)}{where}/{self.plural}" + (f"/{name}" if name else "")


@dataclass(frozen=True)
class LiveObject:
    """One object as read, without what the server manages."""

    address: str  # cluster:<context>/<namespace>/<kind>/<name>; no namespace if cluster-wide
    resource: Resource
    namespace: str | None
    name: str
    content: dict[str, Any]
    resource_version: str  # as read: an apply of a change to it must find the same


@dataclass
class Reading:
    objects: list[LiveObject] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)


def address(context: str, namespace: str | None, kind: str, name: str) -> str:
    return "/".join(["cluster:" + context, *([namespace] if namespace else []), kind, name])


def read(session: Session, selection: Selection) -> Reading:
    """Every selected object the context may list, sorted by address."""
    reading = Reading()
    for resource in _resources(session, selection, reading):
        scopes: Sequence[str | None] = (
            (None,) if not resource.namespaced or selection.all_namespaces
            else selection.namespaces or (session.namespace,))
        for namespace in scopes:
            where = address(session.context, namespace, resource.kind, "").rstrip("/")
            try:
                items = list(_pages(session, resource, namespace, selection.request_timeout))
            except (DynamicApiError, urllib3.exceptions.HTTPError) as error:
                message = f"cannot list {resource.plural}: " + failure(
                    error, selection.request_timeout)
                if isinstance(error, DynamicApiError) and error.status == 410:
                    message += " (the list changed while it was read; run again)"
                reading.problems.append(Problem(where, 0, message))
                continue
            reading.objects += [_live(session.context, resource, item) for item in items
                                if not _controlled(item)]
    reading.objects.sort(key=lambda o: o.address)
    return reading


def cleaned(item: Mapping[str, Any]) -> dict[str, Any]:
    """The object without status and the metadata the server keeps (SERVER_METADATA and
    kubectl's last-applied copy): what its owner wrote, and what a fix would change."""
    metadata: dict[str, Any] = {}
    for key, value in (item.get("metadata") or {}).items():
        if key == "annotations" and LAST_APPLIED in (value or {}):
            value = {k: v for k, v in value.items() if k != LAST_APPLIED}
            if not value:
                continue
        if key not in SERVER_METADATA:
            metadata[key] = value
    return {key: metadata if key == "metadata" else value for key, value in item.items()
            if key != "status"}


def served(session: Session, group_version: str, timeout: float) -> dict[str, Resource]:
    """The kinds of one group version the cluster serves, by kind, from its discovery
    document (GET /api/v1 or /apis/<group>/<version>); subresources left out."""
    answer = session.request("GET", _base(group_version), timeout=timeout)
    return {entry["kind"]: Resource(group_version, entry["kind"], entry["name"],
                                    bool(entry["namespaced"]))
            for entry in answer.get("resources", ()) if "/" not in entry["name"]}


def _resources(session: Session, selection: Selection, reading: Reading) -> Iterator[Resource]:
    """The selected kinds the cluster serves, in KINDS' order."""
    wanted = {kind.lower() for kind in selection.kinds}
    for group_version, kinds in KINDS.items():
        chosen = [k for k in kinds if k.lower() in wanted] if wanted else list(kinds)
        if not chosen:
            continue
        where = address(session.context, None, group_version, "").rstrip("/")
        try:
            by_kind = served(session, group_version, selection.request_timeout)
        except (DynamicApiError, urllib3.exceptions.HTTPError) as error:
            if isinstance(error, DynamicApiError) and error.status == 404:
                reading.notes.append(Problem(where, 0, f"not served by this cluster: "
                                             f"{', '.join(chosen)} not read"))
            else:
                reading.problems.append(Problem(where, 0, "cannot discover its kinds: " +
                                                failure(error, selection.request_timeout)))
            continue
        for kind in chosen:
            resource = by_kind.get(kind)
            if resource is None:
                reading.notes.append(Problem(where, 0, f"{kind} is not served by this "
                                             "cluster"))
            elif resource.namespaced or wanted or selection.all_namespaces:
                yield resource


def _pages(session: Session, resource: Resource, namespace: str | None,
           timeout: float) -> Iterator[dict[str, Any]]:
    """The items of a list, page by page; each item with the apiVersion and kind a list
    leaves out."""
    token = ""
    while True:
        query = [("limit", str(PAGE))] + ([("continue", token)] if token else [])
        answer = session.request("GET", resource.path(namespace), query=query, timeout=timeout)
        for item in answer.get("items") or ():
            yield {"apiVersion": resource.group_version, "kind": resource.kind, **item}
        token = (answer.get("metadata") or {}).get("continue") or ""
        if not token:
            return


def _base(group_version: str) -> str:
    """Where a group version's URLs start: the core group has its own."""
    return "/api/v1" if group_version == "v1" else f"/apis/{group_version}"


def _controlled(item: Mapping[str, Any]) -> bool:
    owners = (item.get("metadata") or {}).get("ownerReferences") or ()
    return any(owner.get("controller") for owner in owners)


def _live(context: str, resource: Resource, item: Mapping[str, Any]) -> LiveObject:
    metadata = item.get("metadata") or {}
    namespace = metadata.get("namespace") if resource.namespaced else None
    name = str(metadata.get("name", ""))
    return LiveObject(address(context, namespace, resource.kind, name), resource, namespace,
                      name, cleaned(item), str(metadata.get("resourceVersion", "")))


def read_object(session: Session, resource: Resource, namespace: str | None, name: str,
                timeout: float) -> LiveObject:
    """One object, now (GET); DynamicApiError or urllib3's HTTPError as for a request."""
    item = session.request("GET", resource.path(namespace, name), timeout=timeout)
    return _live(session.context, resource, item)
