"""Files written atomically, and only over the bytes that were read.

Each file is replaced in one step (a temporary file in the same directory, flushed, then
renamed over it), under an advisory lock on the file, and only if it still holds the text
kfix read: a file another run or a person changed meanwhile is refused, never
overwritten. A file that cannot be written is reported and the others are still
written. Hard links (a rename would split them), read-only files and symlinks that lead
out of the inputs are refused, not written through. Temporary files are named
`.NAME.kfix-PID-XXXX`: removed on any error, on Ctrl-C and on SIGTERM; after a SIGKILL,
the next run that writes NAME removes those of processes that are gone.
"""

from __future__ import annotations

import contextlib
import enum
import fcntl
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from kfix.errors import UsageError, WriteError
from kfix.model import FileChange

_TEMPORARY = re.compile(r"\.(?P<name>.+)\.kfix-(?P<pid>\d+)-[^.]+$")


class WriteMode(enum.Enum):
    """Where `kfix fix` puts its changes."""

    DIFF = "diff"  # unified diff to stdout, no file touched (the default)
    WRITE = "write"  # in place
    OUTPUT_DIR = "output-dir"  # mirrored tree under a directory


@dataclass(frozen=True)
class Written:
    """What became of one change: written to `target`, declined at the prompt, or not
    written for `error`."""

    change: FileChange
    target: str = ""
    declined: bool = False
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.declined and not self.error


def write_changes(
    changes: Sequence[FileChange],
    mode: WriteMode,
    roots: Sequence[str],
    output_dir: str | None,
    confirm: Callable[[FileChange], bool] | None = None,
) -> list[Written]:
    """Carry out the write mode for verified changes, each file on its own; DIFF mode
    writes nothing. `confirm` (for --interactive) sees each change first."""
    if mode is WriteMode.DIFF:
        return []
    done = []
    for change in changes:
        if confirm is not None and not confirm(change):
            done.append(Written(change, declined=True))
            continue
        try:
            if mode is WriteMode.OUTPUT_DIR and output_dir is not None:
                target = output_path(change.path, roots, output_dir)
                write_atomic(target, change.after)
            else:
                target = change.path
                write_atomic(target, change.after, expected=change.before, roots=roots)
        except WriteError as exc:
            done.append(Written(change, error=exc.message))
            continue
        done.append(Written(change, target))
    return done


def check_output_dir(output_dir: str, roots: Sequence[str]) -> None:
    """--output-dir may be neither an input nor inside one (the next scan would read
    the copies), and no input may be inside it."""
    out = os.path.realpath(output_dir)
    for root in roots:
        if root == "-":
            continue
        real = os.path.realpath(root)
        base = real if os.path.isdir(real) else os.path.dirname(real)
        if out == base or _inside(out, base):
            raise UsageError(f"--output-dir {output_dir} is inside the input {root}: the "
                             "copies would overwrite or join the inputs")
        if _inside(real, out):
            raise UsageError(f"the input {root} is inside --output-dir {output_dir}")


def write_atomic(path: str, text: str, *, expected: str | None = None,
                 roots: Sequence[str] = ()) -> None:
    """Replace the file in one step, so a crash or a full disk never leaves half a manifest.

    With `expected`, the file must still hold that text, checked under an advisory lock
    held until the rename. The file keeps its permission bits (and owner, where the
    process may set it). On any failure the original is untouched and the temporary
    file is gone.
    """
    target = os.path.realpath(path)
    directory = os.path.dirname(target)
    try:
        status = os.stat(target)
    except FileNotFoundError:
        status = None
    except OSError as exc:
        raise WriteError(f"cannot write: {exc.strerror}", path) from None
    if status is not None:
        _refuse_unsafe(path, target, status, roots)
    _remove_temporaries(directory, os.path.basename(target))
    temporary = ""
    try:
        with _locked(target if status is not None else None) as current:
            if expected is not None and current != expected:
                raise WriteError("changed on disk since kfix read it: not written", path)
            os.makedirs(directory, exist_ok=True)
            handle, temporary = tempfile.mkstemp(
                dir=directory, prefix=f".{os.path.basename(target)}.kfix-{os.getpid()}-")
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, stat.S_IMODE(status.st_mode) if status else
                     0o666 & ~_umask())
            if status is not None and (status.st_uid, status.st_gid) != (os.getuid(),
                                                                       os.getgid()):
                with contextlib.suppress(PermissionError):
                    os.chown(temporary, status.st_uid, status.st_gid)
            os.replace(temporary, target)
            temporary = ""
    except BaseException as exc:
        if temporary:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
        else:  # a signal inside mkstemp: the file may exist before its name was returned
            _remove_temporaries(directory, os.path.basename(target), mine=True)
        if not isinstance(exc, OSError | UnicodeError):
            raise
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise WriteError(f"cannot write: {reason}", path) from None
    _fsync_directory(directory)


def _refuse_unsafe(path: str, target: str, status: os.stat_result,
                   roots: Sequence[str]) -> None:
    if not stat.S_ISREG(status.st_mode):
        raise WriteError("not a regular file: not written", path)
    if status.st_nlink > 1:
        raise WriteError(f"has {status.st_nlink} hard links, which a rename would split: "
                         "not written", path)
    if not status.st_mode & 0o222:
        raise WriteError("the file is read-only: not written", path)
    outside = [r for r in roots if r != "-"]
    if os.path.islink(path) and outside and not any(
            _inside(target, os.path.realpath(r)) or target == os.path.realpath(r)
            for r in outside):
        raise WriteError(f"a symlink to {target}, outside the inputs: not written", path)


@contextlib.contextmanager
def _locked(target: str | None) -> Iterator[str | None]:
    """An advisory lock on the file while it is checked and replaced, and its text. A
    run that waited for the lock finds the file replaced (a new inode under the name):
    it locks and reads that one instead."""
    if target is None:
        yield None
        return
    while True:
        with open(target, encoding="utf-8", newline="", errors="surrogateescape") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            if os.fstat(handle.fileno()).st_ino != os.stat(target).st_ino:
                continue  # replaced while we waited: the lock guards a name no longer there
            try:
                yield handle.read()
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            return


def _remove_temporaries(directory: str, name: str, *, mine: bool = False) -> None:
    """Temporary files of NAME left by a kfix that was killed (SIGKILL), or with `mine`
    this process's own."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            match = _TEMPORARY.match(entry.name)
            if not match or match["name"] != name:
                continue
            pid = int(match["pid"])
            if pid == os.getpid() if mine else not _alive(pid):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _inside(path: str, directory: str) -> bool:
    return os.path.commonpath([path, directory]) == directory and path != directory


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
