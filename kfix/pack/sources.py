"""Policy sources: what `-p/--policy` and `kfix pull` accept besides a local path, in
go-getter's syntax as conftest takes it, fetched into kfix's cache.

- a local file or directory: used where it is (a local archive is unpacked);
- `git::URL[//subdir][?ref=REF&depth=N]`: a git clone (any URL git takes);
- `https://` or `http://` (or `file://`) URL `[//subdir][?checksum=TYPE:HEX&archive=FORMAT]`:
  an archive (by its ending, or `archive=`) is unpacked, any other file kept as it is;
- `oci://REGISTRY/REPOSITORY[:TAG|@DIGEST]`, or a reference to a registry conftest
  recognises without the scheme (azurecr.io, gcr.io, ..., a loopback host:port).

A fetch is built in a temporary directory beside its place in the cache and renamed into
place only when it is complete and checked. A source pinned by a checksum or a full
commit id is reused from the cache; any other is fetched again on each use.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from kfix.cache import cache_dir
from kfix.errors import SourceError
from kfix.pack import archives, oci
from kfix.pack.archives import LIMITS, Limits

# go-getter's checksum types, with the hex digits of each
CHECKSUMS = {"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}
HTTP_TIMEOUT = 60.0  # seconds without an answer
_FORCED = re.compile(r"^([A-Za-z0-9]+)::(.+)$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_CHUNK = 1 << 16


@dataclass(frozen=True)
class Source:
    text: str  # as the user wrote it
    kind: str  # local, git, http, file (a local archive or file:// URL), oci
    location: str  # path, URL without kfix's query parameters, or OCI reference
    subdir: str = ""
    ref: str = ""  # git
    depth: int = 0  # git: a shallow clone of this many commits
    checksum: tuple[str, str] | None = None  # (type, hex) of the downloaded file
    archive: str | None = None  # its format; None: a plain file (or a tree: git, oci)

    @property
    def pinned(self) -> bool:
        """Whether what it names can never change, so a cached fetch may be reused."""
        return self.checksum is not None or bool(_COMMIT.match(self.ref))

    @property
    def shown(self) -> str:
        """The source as it may be printed: without a password or token in the URL."""
        return _without_secret(self.text)


def parse(text: str) -> Source:
    """What kind of source `text` is; a path that does not exist stays a local path (the
    loader then says it is missing)."""
    if os.path.exists(text):
        form = archives.archive_format(text) if os.path.isfile(text) else None
        if form is None:
            return Source(text, "local", text)
        return Source(text, "file", Path(os.path.abspath(text)).as_uri(), archive=form)
    forced = _FORCED.match(text)
    if forced:
        getter, rest = forced.group(1).lower(), forced.group(2)
        if getter != "git":
            raise SourceError(f"unsupported getter '{getter}::' (kfix fetches git::, "
                              "http(s)://, file:// and oci://)", _without_secret(text))
        url, subdir = _split_subdir(rest)
        return _git(text, url, subdir)
    scheme = urlsplit(text).scheme.lower() if "://" in text else ""
    if scheme == "oci":
        return Source(text, "oci", text.split("://", 1)[1])
    if scheme in ("http", "https", "file"):
        url, subdir = _split_subdir(text)
        return _download(text, url, subdir)
    if scheme:
        raise SourceError(f"unsupported URL scheme '{scheme}'", _without_secret(text))
    if oci.is_registry(text):
        return Source(text, "oci", text)
    path, _, query = text.partition("?")
    if query and os.path.isfile(path):  # a local archive with go-getter's parameters
        return _download(text, Path(os.path.abspath(path)).as_uri() + "?" + query, "")
    return Source(text, "local", text)


def _split_subdir(url: str) -> tuple[str, str]:
    """go-getter's SourceDirSubdir: `URL//subdir?query` → (`URL?query`, `subdir`)."""
    offset = url.index("://") + 3 if "://" in url else 0
    at = url.find("//", offset)
    if at < 0:
        return url, ""
    subdir, _, query = url[at + 2 :].partition("?")
    return url[:at] + ("?" + query if query else ""), subdir.strip("/")


def _params(text: str, url: str, known: Sequence[str]) -> tuple[str, dict[str, str]]:
    """The URL without go-getter's own parameters, and those parameters."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    ours = {k: v for k, v in query if k in known}
    rest = urlencode([(k, v) for k, v in query if k not in known])
    if "sshkey" in dict(query):
        raise SourceError("sshkey= is not supported; use an ssh agent", _without_secret(text))
    return urlunsplit(parts._replace(query=rest)), ours


def _git(text: str, url: str, subdir: str) -> Source:
    location, params = _params(text, url, ("ref", "depth"))
    depth = params.get("depth", "0")
    if not depth.isdigit():
        raise SourceError(f"depth={depth} is not a number", _without_secret(text))
    return Source(text, "git", location, subdir, ref=params.get("ref", ""), depth=int(depth))


def _download(text: str, url: str, subdir: str) -> Source:
    location, params = _params(text, url, ("checksum", "archive"))
    form = params.get("archive") or archives.archive_format(urlsplit(location).path)
    if form not in (None, "false", *archives.FORMATS):
        raise SourceError(f"archive={form} is not one of {', '.join(archives.FORMATS)}",
                          _without_secret(text))
    checksum = _checksum(text, params["checksum"]) if "checksum" in params else None
    kind = "file" if urlsplit(location).scheme == "file" else "http"
    return Source(text, kind, location, subdir, checksum=checksum,
                  archive=None if form == "false" else form)


def _checksum(text: str, value: str) -> tuple[str, str]:
    """go-getter's `checksum=TYPE:HEX`, or a bare HEX whose length names its type."""
    kind, sep, digest = value.partition(":")
    if not sep:
        kind, digest = next((k for k, n in CHECKSUMS.items() if n == len(value)), ""), value
    digest = digest.lower()
    if kind not in CHECKSUMS or not re.fullmatch(f"[0-9a-f]{{{CHECKSUMS[kind]}}}", digest):
        raise SourceError(f"checksum={value} is not TYPE:HEX with TYPE one of "
                          f"{', '.join(CHECKSUMS)}", _without_secret(text))
    return kind, digest


def _without_secret(text: str) -> str:
    return re.sub(r"(://)[^/@\s]+@", r"\1***@", text)


# -- fetching -------------------------------------------------------------------------------


def resolve(paths: Sequence[str], cache: Path | None = None,
            limits: Limits = LIMITS) -> tuple[str, ...]:
    """Each policy path as a local path: local ones as given (spelt as given, as messages
    name them), the others fetched."""
    found = []
    for path in paths:
        source = parse(path)
        found.append(path if source.kind == "local" else str(local(source, cache, limits)))
    return tuple(found)


def local(source: Source, cache: Path | None = None, limits: Limits = LIMITS) -> Path:
    """Where the source's policies are on this machine, fetching it if it is remote."""
    if source.kind == "local":
        return Path(source.location)
    root = fetch(source, cache or cache_dir("policies"), limits)
    found = archives.entry_path(root, source.subdir) if source.subdir else root
    if not found.exists():
        raise SourceError(f"no '{source.subdir}' in what was fetched", source.shown)
    return found


def fetch(source: Source, cache: Path, limits: Limits = LIMITS) -> Path:
    """The source's tree in the cache, fetched unless it is pinned and already there."""
    place = cache / hashlib.sha256(source.text.encode()).hexdigest()[:24]
    if source.pinned and place.is_dir():
        return place
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".fetch-", dir=cache))
    try:
        tree = work / "tree"
        _get(source, tree, work, limits)
        archives.check_tree(tree, limits)
        if place.exists():  # a rename cannot replace a directory: move the old one aside
            place.rename(work / "old")
        try:
            tree.rename(place)
        except OSError:  # another kfix put the same source there in the meantime
            if not place.is_dir():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return place


def _get(source: Source, tree: Path, work: Path, limits: Limits) -> None:
    try:
        if source.kind == "git":
            _clone(source, tree)
        elif source.kind == "oci":
            oci.pull(source.location, tree, limits)
        else:
            _file(source, tree, work, limits)
    except SourceError as exc:
        raise SourceError(exc.message, source.shown) from None


def _file(source: Source, tree: Path, work: Path, limits: Limits) -> None:
    """A downloaded (or local) file: checked against its checksum, then unpacked or kept."""
    name = os.path.basename(urlsplit(source.location).path) or "download"
    if source.kind == "http":
        downloaded = work / "download"
        _http_get(source.location, downloaded, limits)
    else:
        downloaded = Path(unquote(urlsplit(source.location).path))
        if not downloaded.is_file():
            raise SourceError("no such file")
    if source.checksum:
        _verify(downloaded, *source.checksum)
    tree.mkdir()
    if source.archive:
        archives.extract(downloaded, source.archive, tree, limits)
    else:
        shutil.copyfile(downloaded, tree / name)


def _http_get(url: str, target: Path, limits: Limits) -> None:
    import requests

    try:
        with requests.get(url, stream=True, timeout=HTTP_TIMEOUT) as response:
            if response.status_code != 200:
                raise SourceError(f"HTTP {response.status_code} {response.reason}")
            size = 0
            with open(target, "wb") as out:
                for chunk in response.iter_content(_CHUNK):
                    size += len(chunk)
                    if size > limits.download_bytes:
                        raise SourceError(f"download is larger than {limits.download_bytes} "
                                          "bytes; refused")
                    out.write(chunk)
    except requests.RequestException as exc:
        raise SourceError(f"cannot download: {_without_secret(str(exc))}") from None


def _verify(path: Path, kind: str, expected: str) -> None:
    digest = hashlib.new(kind)
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    if digest.hexdigest() != expected:
        raise SourceError(f"checksum mismatch: expected {kind}:{expected}, got "
                          f"{kind}:{digest.hexdigest()}; nothing was used")


def _clone(source: Source, tree: Path) -> None:
    """go-getter's git getter: a clone (shallow with depth=, then of ref= directly),
    checked out at ref=; without its .git directory."""
    clone = ["clone", "--quiet"]
    if source.depth:
        clone += ["--depth", str(source.depth)] + (["--branch", source.ref] if source.ref else [])
    _git_run([*clone, "--", source.location, str(tree)])
    if source.ref and not source.depth:
        _git_run(["-C", str(tree), "checkout", "--quiet", "--detach", source.ref, "--"])
    shutil.rmtree(tree / ".git")


def _git_run(args: list[str]) -> None:
    environ = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    try:
        done = subprocess.run(["git", "-c", "advice.detachedHead=false", *args], env=environ,
                              capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise SourceError("git is not installed") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        said = [line for line in lines if line.startswith(("fatal:", "error:"))] or lines
        reason = said[0] if said else f"exit {done.returncode}"
        raise SourceError(f"git {args[0] if args[0] != '-C' else args[2]} failed: "
                          f"{_without_secret(reason)}")
