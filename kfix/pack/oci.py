"""Pull an OCI artifact (what `conftest push` and `oras push` store) into a directory,
over the OCI distribution API: the manifest, then each layer's blob, every blob checked
against its digest and size. A layer is written at its `org.opencontainers.image.title`
(a layer without one is skipped, as ORAS does); a directory layer (ORAS's
`io.deis.oras.content.unpack`) is unpacked with the same refusals as any archive.

Loopback registries are spoken to over plain HTTP, others over HTTPS, as conftest does
without --tls. A registry that answers 401 with a Bearer challenge is asked for an
anonymous token (public repositories on ghcr.io, Docker Hub, quay.io); credentials are
not read.

Not the `oras` package (PyPI oras 0.2): it writes blobs without checking their digest
or size, unpacks directory layers with tarfile.extractall after a name check only (a
symbolic link can point anywhere), raises bare Exceptions and ships no type hints.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kfix.errors import SourceError
from kfix.pack import archives
from kfix.pack.archives import Limits

MANIFEST_TYPES = ("application/vnd.oci.image.manifest.v1+json",
                  "application/vnd.docker.distribution.manifest.v2+json")
INDEX_TYPES = ("application/vnd.oci.image.index.v1+json",
               "application/vnd.docker.distribution.manifest.list.v2+json")
TITLE = "org.opencontainers.image.title"
UNPACK = "io.deis.oras.content.unpack"
TIMEOUT = 60.0  # seconds without an answer
_MANIFEST_BYTES = 4 << 20  # the registries' own limit for a manifest
# conftest's OCIDetector: registries recognised without oci://
_REGISTRIES = re.compile(r"azurecr\.io|gcr\.io|registry\.gitlab\.com|pkg\.dev"
                         r"|[0-9]{12}\.dkr\.ecr\.[a-z0-9-]*\.amazonaws\.com|^quay\.io"
                         r"|(?:::1|127\.0\.0\.1|(?i:localhost)):\d{1,5}")
_LOOPBACK = re.compile(r"^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$", re.IGNORECASE)
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_CHUNK = 1 << 16


def is_registry(text: str) -> bool:
    """conftest's detection of an OCI reference written without `oci://`."""
    return "/" in text and bool(_REGISTRIES.search(text))


@dataclass(frozen=True)
class Reference:
    host: str
    repository: str
    reference: str  # a tag or sha256:... digest

    @classmethod
    def parse(cls, text: str) -> Reference:
        host, _, path = text.partition("/")
        if not host or not path:
            raise SourceError(f"'{text}' is not REGISTRY/REPOSITORY[:TAG|@DIGEST]")
        if "@" in path:
            path, _, reference = path.partition("@")
        else:
            head, _, last = path.rpartition("/")
            name, _, reference = last.partition(":")
            path = f"{head}/{name}" if head else name
        return cls(host, path, reference or "latest")

    @property
    def base(self) -> str:
        scheme = "http" if _LOOPBACK.match(self.host) else "https"
        return f"{scheme}://{self.host}/v2/{self.repository}"


def pull(text: str, into: Path, limits: Limits) -> None:
    """Pull the artifact `text` names into the directory `into` (created here)."""
    import requests

    reference = Reference.parse(text)
    registry = _Registry(reference)
    try:
        manifest = registry.manifest(reference.reference)
        layers = manifest.get("layers")
        if not isinstance(layers, list):
            raise SourceError("the manifest lists no layers")
        if len(layers) > limits.entries:
            raise SourceError(f"{len(layers)} layers, more than {limits.entries}; refused")
        into.mkdir()
        total = 0
        for layer in layers:
            digest, size, title = _layer(layer)
            total += size
            if size > limits.download_bytes or total > limits.total_bytes:
                raise SourceError(f"layer {title or digest} makes the artifact larger than "
                                  "the limit; refused")
            if title:
                _place(registry, layer, digest, size, archives.entry_path(into, title), limits)
    except requests.RequestException as exc:
        raise SourceError(f"cannot reach the registry: {exc}") from None


def _layer(layer: Any) -> tuple[str, int, str]:
    if not isinstance(layer, dict):
        raise SourceError("a layer of the manifest is not an object")
    digest, size = layer.get("digest"), layer.get("size")
    if not (isinstance(digest, str) and _DIGEST.match(digest)) or not isinstance(size, int):
        raise SourceError(f"layer {digest!r} has no sha256 digest and size")
    title = (layer.get("annotations") or {}).get(TITLE, "")
    return digest, size, title if isinstance(title, str) else ""


def _place(registry: _Registry, layer: dict[str, Any], digest: str, size: int, target: Path,
           limits: Limits) -> None:
    """One layer's blob at `target`, or unpacked there when ORAS packed a directory."""
    unpack = (layer.get("annotations") or {}).get(UNPACK) == "true"
    if target.exists():
        raise SourceError(f"two layers are titled '{target.name}'")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".blob-") as scratch:
        blob = Path(scratch, "blob")
        registry.blob(digest, size, blob)
        if unpack:
            target.mkdir()
            archives.extract(blob, "tar.gz", target, limits)
        else:
            blob.rename(target)


class _Registry:
    """GETs against one repository, with an anonymous Bearer token when asked for one."""

    def __init__(self, reference: Reference) -> None:
        import requests

        self.reference = reference
        self.session = requests.Session()

    def manifest(self, tag_or_digest: str) -> dict[str, Any]:
        accept = ", ".join((*MANIFEST_TYPES, *INDEX_TYPES))
        with self._get(f"/manifests/{tag_or_digest}", {"Accept": accept}) as response:
            body = response.raw.read(_MANIFEST_BYTES + 1, decode_content=True)
        if len(body) > _MANIFEST_BYTES:
            raise SourceError("the manifest is larger than 4 MiB; refused")
        if _DIGEST.match(tag_or_digest):
            _check_digest(hashlib.sha256(body).hexdigest(), tag_or_digest, "the manifest")
        try:
            manifest = json.loads(body)
        except ValueError:
            raise SourceError("the manifest is not JSON") from None
        if not isinstance(manifest, dict):
            raise SourceError("the manifest is not a JSON object")
        if manifest.get("mediaType") in INDEX_TYPES or "manifests" in manifest:
            raise SourceError("this is an image index (several artifacts); name one by its "
                              "digest")
        return manifest

    def blob(self, digest: str, size: int, target: Path) -> None:
        hashed, written = hashlib.sha256(), 0
        with self._get(f"/blobs/{digest}", {}) as response, open(target, "wb") as out:
            for chunk in response.iter_content(_CHUNK):
                written += len(chunk)
                if written > size:
                    raise SourceError(f"blob {digest} is larger than its manifest says")
                hashed.update(chunk)
                out.write(chunk)
        _check_digest(hashed.hexdigest(), digest, f"blob {digest}")

    def _get(self, path: str, headers: dict[str, str]) -> Any:
        url = self.reference.base + path
        response = self.session.get(url, headers=headers, stream=True, timeout=TIMEOUT)
        if response.status_code == 401 and "Authorization" not in self.session.headers:
            response.close()
            self._authorize(response.headers.get("WWW-Authenticate", ""))
            response = self.session.get(url, headers=headers, stream=True, timeout=TIMEOUT)
        if response.status_code != 200:
            response.close()
            raise SourceError(f"GET {url}: HTTP {response.status_code} {response.reason}")
        return response

    def _authorize(self, challenge: str) -> None:
        """The token flow of the distribution spec, anonymously."""
        scheme, _, rest = challenge.partition(" ")
        params = dict(re.findall(r'(\w+)="([^"]*)"', rest))
        if scheme.lower() != "bearer" or "realm" not in params:
            raise SourceError("the registry asks for credentials; kfix pulls anonymously")
        realm = params.pop("realm")
        params.setdefault("scope", f"repository:{self.reference.repository}:pull")
        answer = self.session.get(realm, params=params, timeout=TIMEOUT)
        try:
            body = answer.json() if answer.status_code == 200 else {}
        except ValueError:
            body = {}
        token = (body.get("token") or body.get("access_token")) if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise SourceError(f"the registry gave no anonymous token (HTTP "
                              f"{answer.status_code} from {realm})")
        self.session.headers["Authorization"] = f"Bearer {token}"


def _check_digest(found: str, expected: str, what: str) -> None:
    if f"sha256:{found}" != expected:
        raise SourceError(f"{what} does not match its digest (got sha256:{found}); refused")
