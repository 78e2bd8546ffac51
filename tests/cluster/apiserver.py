"""A loopback Kubernetes API server, over real HTTP, for `kfix scan --cluster` and
server-side apply.

It holds objects and serves what the official client asks for: /version, discovery (/api,
/api/v1, /apis, /apis/<group>/<version>), list (namespaced and cluster-wide URLs, paged
with limit and continue; items without apiVersion and kind, as a real server sends them),
get, and server-side apply (PATCH `application/apply-patch+yaml` with a fieldManager;
dryRun=All answers without storing; a resourceVersion in the body must be the stored
one, else 409, as a real server does). Objects carry what a real server adds: status, uid,
resourceVersion, managedFields, creationTimestamp, generation.

Faults are injected per method and path: any status with the real Status body (403,
404, 409 apply conflict, 410 expired continue token), or a delay. Every request is
recorded (method, path, query, content type, body); every request needs the bearer token.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from tests.patch.k8s_api_standin import (
    APPLY_PATCH,
    TOKEN,
    VERSION,
    Recorded,
    group_list,
    resource_list,
    status,
)

# group version → (plural, kind, namespaced, short names)
RESOURCES: dict[str, list[tuple[str, str, bool, list[str]]]] = {
    "v1": [("namespaces", "Namespace", False, ["ns"]), ("pods", "Pod", True, ["po"]),
           ("services", "Service", True, ["svc"]),
           ("serviceaccounts", "ServiceAccount", True, ["sa"]),
           ("secrets", "Secret", True, []), ("pods/status", "Pod", True, [])],
    "apps/v1": [("daemonsets", "DaemonSet", True, ["ds"]),
                ("deployments", "Deployment", True, ["deploy"]),
                ("replicasets", "ReplicaSet", True, ["rs"]),
                ("statefulsets", "StatefulSet", True, ["sts"]),
                ("deployments/scale", "Scale", True, [])],
    "batch/v1": [("cronjobs", "CronJob", True, ["cj"]), ("jobs", "Job", True, [])],
    "networking.k8s.io/v1": [("ingresses", "Ingress", True, ["ing"]),
                             ("networkpolicies", "NetworkPolicy", True, ["netpol"])],
    "policy/v1": [("poddisruptionbudgets", "PodDisruptionBudget", True, ["pdb"])],
    "rbac.authorization.k8s.io/v1": [
        ("clusterroles", "ClusterRole", False, []),
        ("clusterrolebindings", "ClusterRoleBinding", False, []),
        ("roles", "Role", True, []), ("rolebindings", "RoleBinding", True, [])],
}
USER = "kfix"
_URL = re.compile(r"/(?:api/(?P<core>v1)|apis/(?P<group>[^/]+/[^/]+))"
                  r"(?:/namespaces/(?P<namespace>[^/]+)(?=/))?/(?P<plural>[^/]+)"
                  r"(?:/(?P<name>[^/]+))?")
EXPIRED = ("The provided continue parameter is too old to display a consistent list result. "
           "You can start a new list without the continue parameter.")


@dataclass(frozen=True)
class Fault:
    """Answer requests of `method` to `path` with `code` (and the Status a real server
    gives), after `delay` seconds; `dry_run` narrows a PATCH fault to dry runs (True) or
    real applies (False); `query` to requests carrying that parameter."""

    method: str
    path: str
    code: int = 0  # 0: the normal answer, only delayed
    delay: float = 0.0
    dry_run: bool | None = None
    query: str = ""


def resource_of(group_version: str, plural: str) -> tuple[str, bool] | None:
    for name, kind, namespaced, _short in RESOURCES.get(group_version, []):
        if name == plural:
            return kind, namespaced
    return None


class ApiServer:
    """Runs on 127.0.0.1, on a port the OS picks, in a thread; a context manager."""

    def __init__(self, page: int | None = None) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.page = page  # at most this many items per list answer, whatever limit
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        kwargs={"poll_interval": 0.02})

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> list[Recorded]:
        return self._server.requests

    @property
    def objects(self) -> dict[tuple[str, str, str | None, str], dict[str, Any]]:
        return self._server.objects

    def add(self, content: Mapping[str, Any], **server_fields: Any) -> dict[str, Any]:
        """Store an object as a real server would hold it, with the fields it manages."""
        stored = _stamped(content, self._server, "kubectl-client-side-apply")
        stored.update(server_fields)
        self.objects[_key(stored)] = stored
        return stored

    def fail(self, fault: Fault) -> None:
        self._server.faults.append(fault)

    def __enter__(self) -> ApiServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.closing.set()  # delayed answers stop waiting
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def _key(content: Mapping[str, Any]) -> tuple[str, str, str | None, str]:
    group_version, kind = content["apiVersion"], content["kind"]
    plural, namespaced = next((p, n) for p, k, n, _ in RESOURCES[group_version] if k == kind)
    metadata = content["metadata"]
    return group_version, plural, metadata.get("namespace") if namespaced else None, \
        metadata["name"]


def _stamped(content: Mapping[str, Any], server: _Server, manager: str) -> dict[str, Any]:
    server.version += 1
    stored = copy.deepcopy(dict(content))
    metadata = stored.setdefault("metadata", {})
    metadata.update({
        "uid": f"00000000-0000-0000-0000-{server.version:012d}",
        "resourceVersion": str(server.version), "generation": 1,
        "creationTimestamp": "2026-12-01T10:00:00Z",
        "managedFields": [{"manager": manager, "operation": "Apply", "apiVersion":
                           stored["apiVersion"], "fieldsType": "FieldsV1", "fieldsV1": {}}],
    })
    if stored["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"):
        stored.setdefault("status", {"observedGeneration": 1, "replicas": 1})
    return stored


def _merged(old: Any, new: Any) -> Any:
    """Server-side apply, roughly: maps merge, anything else is replaced."""
    if isinstance(old, dict) and isinstance(new, dict):
        return {**old, **{k: _merged(old.get(k), v) for k, v in new.items()}}
    return copy.deepcopy(new)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    requests: list[Recorded]
    objects: dict[tuple[str, str, str | None, str], dict[str, Any]]
    faults: list[Fault]
    page: int | None
    version: int
    closing: threading.Event

    def server_activate(self) -> None:
        self.requests, self.objects, self.faults = [], {}, []
        self.version = 1000
        self.closing = threading.Event()
        super().server_activate()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "k8s-apiserver-double"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: pytest shows what matters."""

    def do_GET(self) -> None:
        recorded = self._record()
        if recorded is None or self._faulted(recorded):
            return
        path = recorded.path.rstrip("/")
        if path == "/version":
            return self._reply(200, VERSION)
        if path == "/api":
            return self._reply(200, {"kind": "APIVersions", "versions": ["v1"],
                                     "serverAddressByClientCIDRs": []})
        if path == "/apis":
            return self._reply(200, group_list(RESOURCES))
        group_version = path.removeprefix("/api/").removeprefix("/apis/")
        if group_version in RESOURCES and path.startswith(("/api/", "/apis/")):
            return self._reply(200, resource_list(group_version, RESOURCES))
        target = self._target(path)
        if target is None:
            return self._not_found(path)
        group_version, plural, namespace, name = target
        if name is None:
            return self._list(recorded, group_version, plural, namespace)
        stored = self.server.objects.get((group_version, plural, namespace, name))
        if stored is None:
            return self._reply(404, _missing(group_version, plural, name))
        self._reply(200, stored)

    def do_PATCH(self) -> None:
        recorded = self._record()
        if recorded is None or self._faulted(recorded):
            return
        target = self._target(recorded.path)
        if target is None or target[3] is None:
            return self._not_found(recorded.path)
        group_version, plural, namespace, name = target
        if recorded.content_type != APPLY_PATCH:
            return self._reply(415, status(415, "UnsupportedMediaType", "the body of the "
                                           "request was in an unknown format - accepted media "
                                           f"types include: {APPLY_PATCH}"))
        manager = recorded.query.get("fieldManager")
        if not manager:
            return self._reply(422, status(422, "Invalid", 'PatchOptions.meta.k8s.io "" is '
                                           "invalid: fieldManager: Required value: is required "
                                           "for apply patch"))
        body = recorded.body
        if (body.get("metadata") or {}).get("name") != name:
            return self._reply(400, status(400, "BadRequest", "the name of the object does not "
                                           "match the name on the URL"))
        key = (group_version, plural, namespace, name)
        old = self.server.objects.get(key)
        version = (body.get("metadata") or {}).get("resourceVersion")
        if version and old is None:
            return self._reply(404, _missing(group_version, plural, name))
        if version and version != old["metadata"]["resourceVersion"]:
            group = group_version.rpartition("/")[0]
            return self._reply(409, status(409, "Conflict", "Operation cannot be fulfilled on "
                                           f'{plural}{"." + group if group else ""} "{name}": '
                                           "the object has been modified; please apply your "
                                           "changes to the latest version and try again"))
        body = {**body, "metadata": {k: v for k, v in body["metadata"].items()
                                     if k != "resourceVersion"}}
        applied = _stamped(_merged(old or {}, body), self.server, manager)
        if old is not None:
            applied["metadata"]["uid"] = old["metadata"]["uid"]
        if recorded.query.get("dryRun") != "All":
            self.server.objects[key] = applied
        self._reply(200, applied)

    def do_POST(self) -> None:
        self._refuse()

    def do_PUT(self) -> None:
        self._refuse()

    def do_DELETE(self) -> None:
        self._refuse()

    def _refuse(self) -> None:
        if self._record() is not None:
            self._reply(405, status(405, "MethodNotAllowed", "the double takes GET and apply"))

    def _list(self, recorded: Recorded, group_version: str, plural: str,
              namespace: str | None) -> None:
        kind, _namespaced = resource_of(group_version, plural) or ("", False)
        items = [{k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
                 for (gv, p, ns, _name), obj in sorted(self.server.objects.items(),
                                                       key=lambda i: str(i[0]))
                 if gv == group_version and p == plural and namespace in (None, ns)]
        start = int(recorded.query.get("continue") or 0)
        limits = [int(recorded.query["limit"])] if "limit" in recorded.query else []
        size = min([*limits, *([self.server.page] if self.server.page else []), len(items)])
        end = start + size if limits or self.server.page else len(items)
        metadata = {"resourceVersion": str(self.server.version),
                    **({"continue": str(end)} if end < len(items) else {})}
        self._reply(200, {"kind": f"{kind}List", "apiVersion": group_version,
                          "metadata": metadata, "items": items[start:end]})

    def _record(self) -> Recorded | None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        recorded = Recorded(method=self.command, path=parts.path,
                            query={k: v[-1] for k, v in parse_qs(parts.query).items()},
                            content_type=self.headers.get("Content-Type", ""),
                            body=yaml.safe_load(raw) if raw else None)
        self.server.requests.append(recorded)
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._reply(401, status(401, "Unauthorized", "Unauthorized"))
            return None
        return recorded

    def _faulted(self, recorded: Recorded) -> bool:
        """Delay, or answer with an injected error; True when answered."""
        for fault in self.server.faults:
            dry = recorded.query.get("dryRun") == "All"
            if (fault.method == recorded.method and fault.path == recorded.path
                    and fault.dry_run in (None, dry)
                    and (not fault.query or fault.query in recorded.query)):
                if fault.delay and self.server.closing.wait(fault.delay):
                    return True  # shutting down: nobody waits for the answer
                if fault.code:
                    self._reply(fault.code, _fault_status(fault.code, recorded))
                    return True
        return False

    def _target(self, path: str) -> tuple[str, str, str | None, str | None] | None:
        match = _URL.fullmatch(path)
        if not match:
            return None
        group_version = match["core"] or match["group"]
        found = resource_of(group_version, match["plural"])
        if found is None or (match["namespace"] and not found[1]):
            return None
        return group_version, match["plural"], match["namespace"], match["name"]

    def _not_found(self, path: str) -> None:
        self._reply(404, status(404, "NotFound", "the server could not find the requested "
                                "resource", {"path": path}))

    def _reply(self, code: int, body: Mapping[str, Any]) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
            pass


def _missing(group_version: str, plural: str, name: str) -> dict[str, Any]:
    group = group_version.rpartition("/")[0]
    qualified = f"{plural}.{group}" if group else plural
    return status(404, "NotFound", f'{qualified} "{name}" not found',
                  {"name": name, "group": group, "kind": plural})


def _fault_status(code: int, recorded: Recorded) -> dict[str, Any]:
    """The Status a real API server sends with this code, for this request."""
    match = _URL.fullmatch(recorded.path)
    group = (match["group"] or "").rpartition("/")[0] if match else ""
    plural = match["plural"] if match else ""
    name = match["name"] if match else None
    qualified = f"{plural}.{group}" if group else plural
    if code == 403:
        verb = {"GET": "get" if name else "list", "PATCH": "patch"}.get(recorded.method, "get")
        where = (f' in the namespace "{match["namespace"]}"' if match and match["namespace"]
                 else " at the cluster scope")
        named = f' "{name}"' if name else ""
        return status(403, "Forbidden", f'{qualified}{named} is forbidden: User "{USER}" '
                      f'cannot {verb} resource "{plural}" in API group "{group}"{where}',
                      {"name": name or "", "group": group, "kind": plural})
    if code == 404:
        return _missing(match["core"] or match["group"], plural, name or "") if match else \
            status(404, "NotFound", "the server could not find the requested resource")
    if code == 409:
        return status(409, "Conflict", 'Apply failed with 1 conflict: conflict with '
                      '"kubectl-client-side-apply" using apps/v1: '
                      '.spec.template.spec.containers[name="web"].image',
                      {"causes": [{"reason": "FieldManagerConflict", "message": 'conflict '
                                   'with "kubectl-client-side-apply" using apps/v1',
                                   "field": '.spec.template.spec.containers[name="web"].image'}]})
    if code == 410:
        return status(410, "Expired", EXPIRED)
    return status(code, "InternalError", f"injected {code}")
