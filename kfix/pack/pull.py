"""`kfix pull` and --update: the files of fetched policy sources copied into a local
directory, as conftest pull downloads into ./policy."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from kfix.errors import SourceError
from kfix.pack.archives import LIMITS, Limits
from kfix.pack.sources import local, parse


def install(texts: Sequence[str], into: str, *, overwrite: bool = False,
            cache: Path | None = None, limits: Limits = LIMITS) -> list[str]:
    """`kfix pull`: fetch each source and copy its files into the directory `into`, as
    conftest pull does. A file there with other content is an error (before anything is
    written) unless `overwrite`; each file is replaced atomically. Returns what changed."""
    if parse(into).kind != "local" or os.path.isfile(into):
        raise SourceError("policies are pulled into a local directory", into)
    planned: dict[Path, Path] = {}
    for text in texts:
        found = local(parse(text), cache, limits)
        for name, path in _files(found):
            planned[Path(into, name)] = path
    changed = [target for target, path in planned.items() if _differs(target, path)]
    if not overwrite:
        for target in changed:
            if target.exists():
                raise SourceError("already exists with other content; refusing to overwrite "
                                  "(kfix scan --update replaces it)", str(target))
    for target in changed:
        _write(target, planned[target])
    return [str(target) for target in changed]


def _files(found: Path) -> Iterator[tuple[str, Path]]:
    if found.is_file():
        yield found.name, found
        return
    if not found.is_dir():
        raise SourceError("no such file or directory", str(found))
    for directory, dirs, files in os.walk(found):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in sorted(files):
            path = Path(directory, name)
            if path.is_file():
                yield str(path.relative_to(found)), path


def _differs(target: Path, path: Path) -> bool:
    return not (target.is_file() and target.read_bytes() == path.read_bytes())


def _write(target: Path, path: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        os.fchmod(handle, 0o644)
        with os.fdopen(handle, "wb") as out, open(path, "rb") as source:
            shutil.copyfileobj(source, out)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
