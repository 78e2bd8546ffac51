"""Real HTTP servers on loopback for the policy sources: a static file server, and an OCI
registry speaking the distribution API (GET /v2/, manifests, blobs, the anonymous Bearer
token flow) from an OCI image layout on disk, as `oras push --oci-layout` writes one.

    with FileServer({"/p.tgz": data}) as base:            # http://127.0.0.1:PORT
        ...
    layout = write_layout(tmp / "layout", "v1", [Layer.file("deny.rego", text)])
    with Registry({"team/policies": layout}) as host:     # 127.0.0.1:PORT
        ...  # oci://127.0.0.1:PORT/team/policies:v1
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"
CONFTEST_CONFIG = "application/vnd.unknown.config.v1+json"  # oras.MediaTypeUnknownConfig
CONFTEST_POLICY = "application/vnd.cncf.openpolicyagent.policy.layer.v1+rego"
ORAS_DIRECTORY = "application/vnd.oci.image.layer.v1.tar+gzip"
TITLE = "org.opencontainers.image.title"
TOKEN = "standin-token-123"


@dataclass(frozen=True)
class Layer:
    media_type: str
    data: bytes
    annotations: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def file(cls, title: str, text: str, media_type: str = CONFTEST_POLICY) -> Layer:
        """A layer as `conftest push` makes one of each policy file."""
        return cls(media_type, text.encode(), {TITLE: title})

    @classmethod
    def directory(cls, title: str, files: Mapping[str, str]) -> Layer:
        """A directory as `oras push dir/` packs it: a tar.gz marked to be unpacked."""
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            for name, text in files.items():
                data = text.encode()
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return cls(ORAS_DIRECTORY, buffer.getvalue(),
                   {TITLE: title, "io.deis.oras.content.unpack": "true"})


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _descriptor(media_type: str, data: bytes,
                annotations: Mapping[str, str] = {}) -> dict[str, Any]:
    found: dict[str, Any] = {"mediaType": media_type, "digest": digest_of(data),
                             "size": len(data)}
    if annotations:
        found["annotations"] = dict(annotations)
    return found


def write_layout(root: Path, tag: str, layers: list[Layer]) -> Path:
    """An OCI image layout holding one artifact, tagged `tag`, shaped as conftest push's."""
    blobs = root / "blobs" / "sha256"
    blobs.mkdir(parents=True)

    def put(data: bytes) -> None:
        (blobs / hashlib.sha256(data).hexdigest()).write_bytes(data)

    config = b"{}"
    put(config)
    for layer in layers:
        put(layer.data)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": MANIFEST,
        "config": _descriptor(CONFTEST_CONFIG, config),
        "layers": [_descriptor(layer.media_type, layer.data, layer.annotations)
                   for layer in layers],
    }).encode()
    put(manifest)
    (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    (root / "index.json").write_text(json.dumps({
        "schemaVersion": 2, "mediaType": INDEX,
        "manifests": [_descriptor(MANIFEST, manifest,
                                  {"org.opencontainers.image.ref.name": tag})],
    }))
    return root


@contextmanager
def _serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _Quiet(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send(self, status: int, body: bytes, headers: Mapping[str, str] = {}) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class FileServer:
    """GET of a path answers its bytes; any other path 404. `requests` lists the paths asked."""

    def __init__(self, files: Mapping[str, bytes]) -> None:
        self.files = dict(files)
        self.requests: list[str] = []
        self._serving: Any = None

    def __enter__(self) -> str:
        standin = self

        class Handler(_Quiet):
            def do_GET(self) -> None:
                standin.requests.append(self.path)
                body = standin.files.get(self.path)
                self.send(200, body) if body is not None else self.send(404, b"not found")

        self._serving = _serving(Handler)
        server = self._serving.__enter__()
        return f"http://127.0.0.1:{server.server_address[1]}"

    def __exit__(self, *exc: object) -> None:
        self._serving.__exit__(*exc)


class Registry:
    """An OCI registry serving image layouts by repository name. With `token`, every /v2
    request needs `Authorization: Bearer TOKEN`, which GET /token hands out anonymously.
    `tamper` serves other bytes for a blob digest (a corrupted or malicious registry)."""

    def __init__(self, layouts: Mapping[str, Path], *, token: bool = False,
                 tamper: Mapping[str, bytes] = {}) -> None:
        self.layouts = dict(layouts)
        self.token = token
        self.tamper = dict(tamper)
        self.requests: list[str] = []
        self._serving: Any = None

    def _manifest(self, layout: Path, reference: str) -> tuple[bytes, str] | None:
        index = json.loads((layout / "index.json").read_text())
        for entry in index["manifests"]:
            names = (entry["digest"], entry.get("annotations", {}).get(
                "org.opencontainers.image.ref.name"))
            if reference in names:
                return self._blob(layout, entry["digest"]), entry["mediaType"]
        return None

    def _blob(self, layout: Path, digest: str) -> bytes:
        if digest in self.tamper:
            return self.tamper[digest]
        path = layout / "blobs" / "sha256" / digest.removeprefix("sha256:")
        return path.read_bytes() if path.is_file() else b""

    def __enter__(self) -> str:
        standin = self

        class Handler(_Quiet):
            def do_GET(self) -> None:
                standin.requests.append(self.path)
                port = self.server.server_address[1]
                if self.path.startswith("/token"):
                    self.send(200, json.dumps({"token": TOKEN}).encode())
                    return
                if standin.token and self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    challenge = (f'Bearer realm="http://127.0.0.1:{port}/token",'
                                 'service="standin"')
                    self.send(401, b'{"errors": [{"code": "UNAUTHORIZED"}]}',
                              {"WWW-Authenticate": challenge})
                    return
                if self.path == "/v2/":
                    self.send(200, b"{}", {"Docker-Distribution-API-Version": "registry/2.0"})
                    return
                self.answer(self.path.removeprefix("/v2/"))

            def answer(self, path: str) -> None:
                for name, layout in standin.layouts.items():
                    if path.startswith(f"{name}/manifests/"):
                        found = standin._manifest(layout, path.rsplit("/", 1)[1])
                        if found:
                            body, media_type = found
                            self.send(200, body, {"Content-Type": media_type,
                                                  "Docker-Content-Digest": digest_of(body)})
                            return
                    if path.startswith(f"{name}/blobs/"):
                        body = standin._blob(layout, path.rsplit("/", 1)[1])
                        if body:
                            self.send(200, body, {"Content-Type": "application/octet-stream"})
                            return
                self.send(404, b'{"errors": [{"code": "NAME_UNKNOWN"}]}')

        self._serving = _serving(Handler)
        server = self._serving.__enter__()
        return f"127.0.0.1:{server.server_address[1]}"

    def __exit__(self, *exc: object) -> None:
        self._serving.__exit__(*exc)
