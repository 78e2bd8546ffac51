"""A stand-in Kubernetes API server, over real HTTP, for what kfix's server dry-run uses.

It serves /version, discovery (/api, /api/v1, /apis, /apis/apps/v1, /apis/batch/v1) and
server-side apply: PATCH on a resource URL with `application/apply-patch+yaml`. Like a
real API server it refuses (422, with a Status) a container without an image and a
container that is privileged but sets allowPrivilegeEscalation to false. Unlike one, it
answers 400 to any apply without dryRun=All, so a test proves kfix never changes a
cluster. Every request is recorded; every request needs the bearer token.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

TOKEN = "kfix-standin-token"
APPLY_PATCH = "application/apply-patch+yaml"

# group version → (plural, kind, namespaced, short names); subresources as the real lists.
RESOURCES: dict[str, list[tuple[str, str, bool, list[str]]]] = {
    "v1": [
        ("configmaps", "ConfigMap", True, ["cm"]),
        ("namespaces", "Namespace", False, ["ns"]),
        ("pods", "Pod", True, ["po"]),
        ("pods/status", "Pod", True, []),
        ("services", "Service", True, ["svc"]),
    ],
    "apps/v1": [
        ("daemonsets", "DaemonSet", True, ["ds"]),
        ("deployments", "Deployment", True, ["deploy"]),
        ("deployments/scale", "Scale", True, []),
        ("statefulsets", "StatefulSet", True, ["sts"]),
    ],
    "batch/v1": [
        ("cronjobs", "CronJob", True, ["cj"]),
        ("jobs", "Job", True, []),
    ],
}
VERSION = {"major": "1", "minor": "31", "gitVersion": "v1.31.0", "gitCommit": "0" * 40,
           "gitTreeState": "clean", "buildDate": "2024-08-13T07:28:49Z", "goVersion": "go1.22.5",
           "compiler": "gc", "platform": "linux/amd64"}
VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]
# Where each workload kind keeps its pod spec.
POD_SPEC = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
_OBJECT_URL = re.compile(
    r"/(?:api/(?P<core>v1)|apis/(?P<group>[^/]+/[^/]+))"
    r"(?:/namespaces/(?P<namespace>[^/]+))?/(?P<plural>[^/]+)/(?P<name>[^/]+)"
)


@dataclass(frozen=True)
class Recorded:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, str]
    content_type: str
    body: Any


def status(code: int, reason: str, message: str, details: Mapping[str, Any] | None = None,
           ) -> dict[str, Any]:
    """A metav1.Status, the body of every error the API server returns."""
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "details": dict(details or {}), "code": code}


Resources = Mapping[str, list[tuple[str, str, bool, list[str]]]]


def resource_list(group_version: str, resources_of: Resources = RESOURCES) -> dict[str, Any]:
    resources = [
        {"name": plural, "singularName": "" if "/" in plural else plural[:-1],
         "namespaced": namespaced, "kind": kind, "verbs": VERBS, "shortNames": short}
        for plural, kind, namespaced, short in resources_of[group_version]
    ]
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version,
            "resources": resources}


def group_list(resources_of: Resources = RESOURCES) -> dict[str, Any]:
    groups = []
    for group_version in resources_of:
        if "/" in group_version:
            version = {"groupVersion": group_version, "version": group_version.split("/")[1]}
            groups.append({"name": group_version.split("/")[0], "versions": [version],
                           "preferredVersion": version})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def invalid_fields(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, detail) for each rule broken, in the API server's words."""
    path = POD_SPEC.get(document.get("kind", ""), ())
    spec: Any = document
    for key in path:
        spec = spec.get(key) if isinstance(spec, Mapping) else None
    if not isinstance(spec, Mapping):
        return []
    found = []
    for group in ("initContainers", "containers"):
        for index, container in enumerate(spec.get(group) or []):
            field = f"{'.'.join(path)}.{group}[{index}]"
            if not container.get("image"):
                found.append((f"{field}.image", "Required value"))
            context = container.get("securityContext") or {}
            escalation = context.get("allowPrivilegeEscalation")
            if context.get("privileged") is True and escalation is False:
                found.append((f"{field}.securityContext", "Invalid value: cannot set "
                              "`allowPrivilegeEscalation` to false and `privileged` to true"))
    return found


def invalid(document: Mapping[str, Any], group: str, fields: list[tuple[str, str]],
            ) -> dict[str, Any]:
    """The 422 a real server gives: `Deployment.apps "web" is invalid: <field>: <detail>`."""
    kind, name = document["kind"], document["metadata"]["name"]
    causes = [f"{field}: {detail}" for field, detail in fields]
    listed = causes[0] if len(causes) == 1 else f"[{', '.join(causes)}]"
    qualified = f"{kind}.{group}" if group else kind
    details = {"name": name, "group": group, "kind": kind,
               "causes": [{"reason": "FieldValueRequired" if detail == "Required value"
                           else "FieldValueInvalid", "message": detail, "field": field}
                          for field, detail in fields]}
    return status(422, "Invalid", f'{qualified} "{name}" is invalid: {listed}', details)


class ApiServerStandin:
    """Runs on 127.0.0.1, on a port the OS picks, in a thread; a context manager."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        kwargs={"poll_interval": 0.02})  # a quick shutdown

    @property
    def requests(self) -> list[Recorded]:
        return self._server.requests

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def patches(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "PATCH"]

    def __enter__(self) -> ApiServerStandin:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def write_kubeconfig(path: Path, server: str, token: str = TOKEN, namespace: str | None = None,
                     ) -> Path:
    """A kubeconfig whose current context, `standin`, talks to `server` over plain HTTP with
    a token (and names `namespace`, if given)."""
    context = {"cluster": "standin", "user": "kfix", **({"namespace": namespace} if namespace
                                                         else {})}
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "preferences": {},
        "clusters": [{"name": "standin", "cluster": {"server": server}}],
        "users": [{"name": "kfix", "user": {"token": token}}],
        "contexts": [{"name": "standin", "context": context}],
        "current-context": "standin",
    }))
    return path


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    requests: list[Recorded]

    def server_activate(self) -> None:
        self.requests = []
        super().server_activate()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "k8s-api-standin"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: pytest shows what matters."""

    def do_GET(self) -> None:
        if not self._record_and_authorize():
            return
        path = urlsplit(self.path).path.rstrip("/")
        if path == "/version":
            self._reply(200, VERSION)
        elif path == "/api":
            self._reply(200, {"kind": "APIVersions", "versions": ["v1"],
                              "serverAddressByClientCIDRs": []})
        elif path == "/apis":
            self._reply(200, group_list())
        elif path.removeprefix("/api/").removeprefix("/apis/") in RESOURCES:
            self._reply(200, resource_list(path.removeprefix("/api/").removeprefix("/apis/")))
        else:
            self._not_found()

    def do_PATCH(self) -> None:
        if not self._record_and_authorize():
            return
        recorded = self.server.requests[-1]
        target = self._target()
        if target is None:
            return self._not_found()
        group_version, namespace, kind, name = target
        if recorded.content_type != APPLY_PATCH:
            return self._reply(415, status(415, "UnsupportedMediaType",
                                           "the body of the request was in an unknown format"
                                           f" - accepted media types include: {APPLY_PATCH}"))
        if recorded.query.get("dryRun") != "All":
            return self._reply(400, status(400, "BadRequest",
                                           "k8s-api-standin only takes dryRun=All applies"))
        if not recorded.query.get("fieldManager"):
            return self._reply(422, status(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is "
                                           "invalid: fieldManager: Required value: is required "
                                           "for apply patch"))
        document = recorded.body
        if document.get("kind") != kind:
            return self._reply(400, status(400, "BadRequest", f"the kind of the object "
                                           f"({document.get('kind')}) is not {kind}"))
        if (document.get("metadata") or {}).get("name") != name:
            return self._reply(400, status(400, "BadRequest", "the name of the object does not "
                                           "match the name on the URL"))
        fields = invalid_fields(document)
        if fields:
            group = group_version.rpartition("/")[0]
            return self._reply(422, invalid(document, group, fields))
        applied = {**document, "metadata": {**document["metadata"], "uid": "0000-standin"}}
        if namespace:
            applied["metadata"]["namespace"] = namespace
        self._reply(200, applied)

    def _record_and_authorize(self) -> bool:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        self.server.requests.append(Recorded(
            method=self.command, path=parts.path,
            query={k: v[-1] for k, v in parse_qs(parts.query).items()},
            content_type=self.headers.get("Content-Type", ""),
            body=yaml.safe_load(raw) if raw else None,
        ))
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._reply(401, status(401, "Unauthorized", "Unauthorized"))
            return False
        return True

    def _target(self) -> tuple[str, str | None, str, str] | None:
        """(group version, namespace, kind, name) of an object URL the server serves."""
        match = _OBJECT_URL.fullmatch(urlsplit(self.path).path)
        if not match:
            return None
        group_version = match["core"] or match["group"]
        for plural, kind, namespaced, _short in RESOURCES.get(group_version, []):
            if plural == match["plural"] and namespaced == bool(match["namespace"]):
                return group_version, match["namespace"], kind, match["name"]
        return None

    def _not_found(self) -> None:
        self._reply(404, status(404, "NotFound", "the server could not find the requested "
                                "resource"))

    def _reply(self, code: int, body: Mapping[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
