"""Files written atomically: in place, or into a mirrored output directory."""

from __future__ import annotations

import contextlib
import enum
import os
import stat
import tempfile
from collections.abc import Callable, Sequence
from typing import Any

from kfix.errors import WriteError


class WriteMode(enum.Enum):
    """Where `kfix fix` puts its changes."""

    DIFF = "diff"  # unified diff to stdout, no file touched (the default)
    WRITE = "write"  # in place
    OUTPUT_DIR = "output-dir"  # mirrored tree under a directory


def write_atomic(path: str, text: str) -> None:
    """Replace the file in one step, so a crash or a full disk never leaves half a manifest.

    The text goes to a temporary file in the same directory, is flushed to disk and then
    renamed over the file (its target, for a symlink), which keeps its permission bits.
    On any failure the original is untouched and the temporary file is gone.
    """
    target = os.path.realpath(path)
    directory = os.path.dirname(target)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    except OSError as exc:
        raise WriteError(f"cannot write: {exc.strerror}", path) from None
    temporary = ""
    try:
        os.makedirs(directory, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(target)}.")
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException as exc:
        if temporary:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
        if not isinstance(exc, OSError | UnicodeError):
            raise
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise WriteError(f"cannot write: {reason}", path) from None
    _fsync_directory(directory)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable; not every platform lets a directory be opened."""
    with contextlib.suppress(OSError):
        handle = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def output_path(path: str, roots: Sequence[str], output_dir: str) -> str:
    """Where `path` goes under --output-dir: its place under the first input root holding
    it (a root that is the file itself puts it at the top)."""
    absolute = os.path.abspath(path)
    for root in roots:
        relative = os.path.relpath(absolute, os.path.abspath(root))
        if relative == ".":
            return os.path.join(output_dir, os.path.basename(absolute))
        if relative != os.pardir and not relative.startswith(os.pardir + os.sep):
            return os.path.join(output_dir, relative)
    raise WriteError("not under any input path, so it has no place in the output directory", path)


def write_changes(
    changes: Sequence[Any],
    mode: WriteMode,
    roots: Sequence[str],
    output_dir: str | None,
    confirm: Callable[[Any], bool] | None = None,
) -> None:
    """Carry out the write mode for verified changes; DIFF mode writes nothing.

    `changes` are `kfix.model.FileChange`s; `confirm` (for --interactive) sees each one
    before it is written and may decline it.
    """
    if mode is WriteMode.DIFF:
        return
    for change in changes:
        if confirm is None or confirm(change):
            target = change.path
            if mode is WriteMode.OUTPUT_DIR and output_dir is not None:
                target = output_path(change.path, roots, output_dir)  # write_atomic makes dirs
            write_atomic(target, change.after)
