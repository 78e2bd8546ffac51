"""Unpack a downloaded archive (tar, compressed or not, or zip) into a directory,
refusing what a hostile one could do: entries that leave the directory (absolute paths,
`..`), links that point out of it, device files and FIFOs, and more entries or bytes
than any policy repository needs. Checked before anything is written, then bounded again
while writing, since sizes in headers can lie.
"""

from __future__ import annotations

import os
import shutil
import stat
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from kfix.errors import SourceError

# name endings that mark an archive, as go-getter's decompressors name them
TAR_SUFFIXES = {".tar": "tar", ".tar.gz": "tar.gz", ".tgz": "tar.gz", ".tar.bz2": "tar.bz2",
                ".tbz2": "tar.bz2", ".tar.xz": "tar.xz", ".txz": "tar.xz"}
FORMATS = (*sorted(set(TAR_SUFFIXES.values())), "zip")
_CHUNK = 1 << 16


@dataclass(frozen=True)
class Limits:
    """The most an archive (or any fetched tree) may hold."""

    entries: int = 20_000
    total_bytes: int = 256 << 20  # unpacked
    download_bytes: int = 64 << 20  # one download, packed


LIMITS = Limits()


def archive_format(name: str) -> str | None:
    """The archive format a file or URL path names by its ending, or None."""
    lower = name.lower()
    if lower.endswith(".zip"):
        return "zip"
    for suffix in sorted(TAR_SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix):
            return TAR_SUFFIXES[suffix]
    return None


def extract(archive: Path, form: str, into: Path, limits: Limits = LIMITS) -> None:
    """Unpack `archive` (of format `form`) into the empty directory `into`; a refused
    entry raises SourceError naming it, and whatever was written is the caller's to drop."""
    try:
        if form == "zip":
            _extract_zip(archive, into, limits)
        else:
            _extract_tar(archive, into, limits)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as exc:
        raise SourceError(f"not a readable {form} archive: {exc}") from None


def _extract_tar(archive: Path, into: Path, limits: Limits) -> None:
    with tarfile.open(archive, mode="r:*") as tar:
        members = tar.getmembers()
        _check_count(len(members), limits)
        _check_size(sum(m.size for m in members if m.isfile()), limits)
        for member in members:
            target = entry_path(into, member.name)
            if member.issym() or member.islnk():
                _check_link(into, target, member.name, member.linkname, hard=member.islnk())
            elif not (member.isfile() or member.isdir()):
                raise SourceError(f"archive entry '{member.name}' is a device file or FIFO; "
                                  "refused")
        written = 0
        for member in members:
            target = entry_path(into, member.name)
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
            elif member.isfile():
                stream = tar.extractfile(member)
                assert stream is not None  # a regular file always has one
                written = _copy(stream, target, written, limits)
            else:
                _link(into, target, member.linkname, hard=member.islnk())


def _extract_zip(archive: Path, into: Path, limits: Limits) -> None:
    with zipfile.ZipFile(archive) as packed:
        infos = packed.infolist()
        _check_count(len(infos), limits)
        _check_size(sum(i.file_size for i in infos), limits)
        for info in infos:
            entry_path(into, info.filename)
            kind = stat.S_IFMT(info.external_attr >> 16)
            if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
                what = "a symbolic link" if kind == stat.S_IFLNK else "a device file or FIFO"
                raise SourceError(f"archive entry '{info.filename}' is {what}; refused")
        written = 0
        for info in infos:
            target = entry_path(into, info.filename)
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
            else:
                with packed.open(info) as stream:
                    written = _copy(stream, target, written, limits)


def _check_count(count: int, limits: Limits) -> None:
    if count > limits.entries:
        raise SourceError(f"archive has {count} entries, more than {limits.entries}; refused")


def _check_size(size: int, limits: Limits) -> None:
    if size > limits.total_bytes:
        raise SourceError(f"archive unpacks to {size} bytes, more than {limits.total_bytes}; "
                          "refused")


def entry_path(root: Path, name: str) -> Path:
    """Where an entry named `name` (relative, `/`-separated) lands under `root`;
    refused if that is not under it."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise SourceError(f"archive entry '{name}' would be written outside the directory; "
                          "refused")
    return root.joinpath(*path.parts)


def _check_link(root: Path, target: Path, name: str, link: str, *, hard: bool) -> None:
    """A link may only point at something inside `root` (a hard link's name is relative
    to the archive's root, a symbolic link's to its own directory)."""
    base = root if hard else target.parent
    pointed = os.path.normpath(os.path.join(base, link))
    if os.path.isabs(link) or not _under(root, Path(pointed)):
        raise SourceError(f"archive entry '{name}' links to '{link}', outside the directory; "
                          "refused")


def _link(root: Path, target: Path, link: str, *, hard: bool) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if hard:  # a copy: the files are read, never written, and a copy needs no checking
        shutil.copyfile(entry_path(root, link), target)
    else:
        os.symlink(link, target)


def _copy(stream: IO[bytes], target: Path, written: int, limits: Limits) -> int:
    """Copy one entry, counting what is really written against the limit."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "xb") as out:
        while chunk := stream.read(_CHUNK):
            written += len(chunk)
            if written > limits.total_bytes:
                raise SourceError(f"archive unpacks to more than {limits.total_bytes} bytes; "
                                  "refused")
            out.write(chunk)
    return written


def _under(root: Path, path: Path) -> bool:
    return path == root or root in path.parents


def check_tree(root: Path, limits: Limits = LIMITS) -> None:
    """A fetched tree (a git checkout, an unpacked archive) holds only regular files,
    directories and links that stay inside it, within the limits."""
    real_root = root.resolve()
    count = size = 0
    for path in _walk(root):
        count += 1
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            if not _under(real_root, path.resolve()):
                raise SourceError(f"'{path.relative_to(root)}' links to "
                                  f"'{os.readlink(path)}', outside the directory; refused")
        elif stat.S_ISREG(info.st_mode):
            size += info.st_size
        elif not stat.S_ISDIR(info.st_mode):
            raise SourceError(f"'{path.relative_to(root)}' is a device file or FIFO; refused")
    _check_count(count, limits)
    _check_size(size, limits)


def _walk(root: Path) -> Iterator[Path]:
    for directory, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            yield Path(directory) / name
