"""One process pool for scan and fix: files cut into contiguous chunks of similar size.

Workers are spawned, never forked: the embedded Go runtime hangs in a forked child.
Chunks are contiguous, so concatenating the workers' results keeps the files' order.
"""

from __future__ import annotations

import multiprocessing
import os
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, TypeVar

T = TypeVar("T")


def in_workers(work: Callable[[Sequence[str], Any], T], files: Sequence[str], jobs: int,
               options: Any, *, per_job: int = 1,
               done: Callable[[Sequence[str], T], None] | None = None) -> list[T]:
    """`work(chunk, options)` for chunks of `files`, in up to `jobs` processes: `per_job`
    chunks a process (more chunks balance the load and report progress more often; `work`
    keeps its set-up between the chunks of one process). `done(chunk, result)` is called
    in this process as each chunk finishes; the results come back in file order."""
    pieces = chunks(files, min(len(files), jobs * per_job))
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(pieces)), mp_context=context) as pool:
        futures = {pool.submit(work, piece, options): piece for piece in pieces}
        if done is not None:
            for future in as_completed(futures):
                done(futures[future], future.result())
        return [future.result() for future in futures]


def chunks(files: Sequence[str], jobs: int) -> list[list[str]]:
    sizes = [max(os.path.getsize(f), 1) if os.path.isfile(f) else 1 for f in files]
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
