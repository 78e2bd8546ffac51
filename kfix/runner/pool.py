"""One process pool for scan and fix: files cut into contiguous chunks of similar size.

Workers are spawned, never forked: the embedded Go runtime hangs in a forked child.
Chunks are contiguous, so concatenating the workers' results keeps the files' order.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def in_workers(work: Callable[[Sequence[str], Any], T], files: Sequence[str], jobs: int,
               options: Any) -> list[T]:
    """`work(chunk, options)` for each chunk of `files`, in up to `jobs` processes."""
    pieces = chunks(files, jobs)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=len(pieces), mp_context=context) as pool:
        return list(pool.map(work, pieces, [options] * len(pieces)))


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
