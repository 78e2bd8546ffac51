"""Gatekeeper's input contract: `input.review` for an object or an AdmissionReview, and
`data.inventory` from the objects a policy may look up."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kfix.errors import KfixError

ADMISSION_GROUP = "admission.k8s.io"
OPERATIONS = ("CREATE", "UPDATE", "DELETE", "CONNECT")


def group_version(api_version: Any) -> tuple[str, str]:
    """("apps", "v1") for apps/v1; ("", "v1") for the core group."""
    text = api_version if isinstance(api_version, str) else ""
    group, _, version = text.rpartition("/")
    return group, version


def _metadata(obj: Any) -> Mapping[str, Any]:
    meta = obj.get("metadata") if isinstance(obj, Mapping) else None
    return meta if isinstance(meta, Mapping) else {}


def review_of(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A manifest as an admission request creating it, as `gator` and audit present it."""
    group, version = group_version(obj.get("apiVersion"))
    meta = _metadata(obj)
    return {
        "kind": {"group": group, "version": version, "kind": obj.get("kind", "")},
        "name": meta.get("name", ""),
        "namespace": meta.get("namespace", ""),
        "operation": "CREATE",
        "object": obj,
        "userInfo": {},
    }


def is_admission_review(obj: Any) -> bool:
    return (isinstance(obj, Mapping) and obj.get("kind") == "AdmissionReview"
            and group_version(obj.get("apiVersion"))[0] == ADMISSION_GROUP)


def review_from_admission(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The request of an AdmissionReview; on DELETE the object under review is the old one."""
    request = obj.get("request")
    if not isinstance(request, Mapping):
        raise KfixError("AdmissionReview has no request")
    current, old = request.get("object"), request.get("oldObject")
    if not isinstance(current, Mapping) and not isinstance(old, Mapping):
        raise KfixError("AdmissionReview request has neither object nor oldObject")
    operation = request.get("operation") or "CREATE"
    if operation not in OPERATIONS:
        raise KfixError(f"AdmissionReview operation {operation!r} is not one of "
                        f"{', '.join(OPERATIONS)}")
    if operation == "DELETE" and not isinstance(current, Mapping):
        current = old
    shown = current if isinstance(current, Mapping) else old
    assert isinstance(shown, Mapping)
    group, version = group_version(shown.get("apiVersion"))
    kind = request.get("kind")
    kind = kind if isinstance(kind, Mapping) else {"group": group, "version": version,
                                                   "kind": shown.get("kind", "")}
    meta = _metadata(shown)
    review = {
        "kind": dict(kind),
        "name": request.get("name") or meta.get("name", ""),
        "namespace": request.get("namespace") or meta.get("namespace", ""),
        "operation": operation,
        "object": current,
        "userInfo": request.get("userInfo") or {},
    }
    if isinstance(old, Mapping):
        review["oldObject"] = old
    for key in ("uid", "dryRun", "options", "resource", "subResource"):
        if key in request:
            review[key] = request[key]
    return review


def inventory(objects: Iterable[Any]) -> dict[str, Any]:
    """`data.inventory`: cluster[apiVersion][kind][name], or namespace[ns][apiVersion]…
    for objects that name a namespace; later objects replace earlier ones."""
    cluster: dict[str, Any] = {}
    namespaced: dict[str, Any] = {}
    for obj in objects:
        if not isinstance(obj, Mapping):
            continue
        meta = _metadata(obj)
        name, kind, api = meta.get("name"), obj.get("kind"), obj.get("apiVersion")
        if not (isinstance(name, str) and isinstance(kind, str) and isinstance(api, str)
                and name and kind and api):
            continue
        namespace = meta.get("namespace")  # not a string: none, as Gatekeeper reads it
        root: dict[str, Any] = (namespaced.setdefault(namespace, {})
                                if isinstance(namespace, str) and namespace else cluster)
        root.setdefault(api, {}).setdefault(kind, {})[name] = obj
    return {"cluster": cluster, "namespace": namespaced}


def namespaces_of(objects: Iterable[Any]) -> dict[str, Mapping[str, Any]]:
    """Namespace objects by name, for namespaceSelector."""
    found = {}
    for obj in objects:
        if isinstance(obj, Mapping) and obj.get("kind") == "Namespace" \
                and group_version(obj.get("apiVersion"))[0] == "":
            name = _metadata(obj).get("name")
            if isinstance(name, str):
                found[name] = obj
    return found
