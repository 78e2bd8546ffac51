"""One process pool for scan and fix: files cut into contiguous chunks of similar weight,
shared out among this process and the workers as each becomes free.

Workers are spawned, never forked: the embedded Go runtime hangs in a forked child.
Chunks are contiguous, so concatenating the workers' results keeps the files' order.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
Opts = TypeVar("Opts")
# What a process needs to do chunks of work: `setup(options)` opens it (an engine, the
# policies, ...) and gives the function that does one chunk with it.
Setup = Callable[[Opts], AbstractContextManager[Callable[[Sequence[str]], T]]]


def in_workers(setup: Setup[Opts, T], files: Sequence[str], jobs: int, options: Opts, *,
               per_job: int = 1,
               done: Callable[[Sequence[str], T], object] | None = None) -> list[T]:
    """Chunks of `files`, done in `jobs` processes: this one and `jobs - 1` spawned
    workers, each set up once by `setup(options)` and kept for all its chunks. This
    process sets itself up while the workers start, so `--jobs 2` pays for no idle one.
    `per_job` chunks a process: more even out the load and report progress more often.
    `done(chunk, result)` is called here as each chunk finishes; the results come back
    in file order."""
    pieces = chunks(files, min(len(files), jobs * per_job))
    results: dict[int, T] = {}

    def finished(index: int, result: T) -> None:
        results[index] = result
        if done is not None:
            done(pieces[index], result)

    context = multiprocessing.get_context("spawn")
    workers = max(1, min(jobs - 1, len(pieces) - 1))
    lock = threading.Lock()
    waiting = iter(range(len(pieces)))
    sent: list[tuple[int, Future[T]]] = []
    stopped = False

    def take() -> int | None:
        with lock:
            return None if stopped else next(waiting, None)

    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:

        def send(_finished: object = None) -> None:
            """The next chunk to a worker, as soon as one is free (a done-callback)."""
            with lock:
                index = None if stopped else next(waiting, None)
                if index is None:
                    return
                future = pool.submit(_in_worker, setup, pieces[index], options)
                sent.append((index, future))
            future.add_done_callback(send)

        def collect(*, block: bool) -> None:
            with lock:
                pending = [(i, f) for i, f in sent if i not in results and (block or f.done())]
            for index, future in pending:
                finished(index, future.result())

        before = set(multiprocessing.active_children())
        try:
            with _interrupts_left_to_this_process():
                for _ in range(workers):  # each submit starts a worker
                    send()
            with setup(options) as here:
                while (index := take()) is not None:
                    finished(index, here(pieces[index]))
                    collect(block=False)
            collect(block=True)
        except BaseException:  # Ctrl-C, or a chunk failed: the workers' work is lost
            for worker in set(multiprocessing.active_children()) - before:
                worker.terminate()
            raise
        finally:
            with lock:
                stopped = True
    return [results[index] for index in range(len(pieces))]


@contextmanager
def _interrupts_left_to_this_process() -> Iterator[None]:
    """Workers started here never see SIGINT: it is blocked while they start, and a
    blocked signal stays blocked across exec (in Python and in the engine's Go threads
    alike). Ctrl-C reaches this process alone, which stops them, where each would
    otherwise print a KeyboardInterrupt traceback of its own. A Ctrl-C that comes while
    they start waits, blocked, and is taken the moment they have started."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


# a worker process's set-up, made for its first chunk and kept for the others
_kept: tuple[ExitStack, Callable[[Sequence[str]], Any]] | None = None


def _in_worker(setup: Setup[Opts, T], piece: Sequence[str], options: Opts) -> T:
    global _kept
    if _kept is None:
        stack = ExitStack()
        _kept = (stack, stack.enter_context(setup(options)))
    result: T = _kept[1](piece)
    return result


# What a file costs beyond its bytes, in bytes: evaluating, fixing and verifying a document
# costs about what parsing 16 KiB of YAML does, so by bytes alone a chunk of many small
# workload files (359 of them in one chunk of the per-document shape) took a quarter of a fix.
FILE_WEIGHT = 16 << 10


def chunks(files: Sequence[str], jobs: int) -> list[list[str]]:
    """`jobs` contiguous chunks of `files` of similar weight (bytes, plus FILE_WEIGHT a file)."""
    sizes = [(os.path.getsize(f) if os.path.isfile(f) else 0) + FILE_WEIGHT for f in files]
    share = sum(sizes) / jobs
    pieces: list[list[str]] = [[]]
    filled = 0.0
    for path, size in zip(files, sizes, strict=True):
        if filled >= share * len(pieces) and len(pieces) < jobs:
            pieces.append([])
        pieces[-1].append(path)
        filled += size
    return [c for c in pieces if c]


def shard(files: Sequence[str], part: tuple[int, int] | None) -> list[str]:
    """--shard I/N: the files whose path hashes to part I of N. The split is stable: a
    file's part depends on its path alone, so adding a file moves no other."""
    if part is None:
        return list(files)
    index, count = part
    return [f for f in files if zlib.crc32(f.encode("utf-8", "surrogateescape")) % count
            == index - 1]
