"""The process pool: chunks shared out among this process and spawned workers."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import pytest

from kfix.runner import pool


@contextmanager
def _setup(fail_on: str) -> Iterator[Callable[[Sequence[str]], tuple[int, list[str]]]]:
    """What a process does with a chunk: says which process it is and what it got."""
    def work(files: Sequence[str]) -> tuple[int, list[str]]:
        if fail_on in files:
            raise ValueError(f"cannot do {fail_on}")
        return os.getpid(), list(files)

    yield work


FILES = [f"/nowhere/{n:03}.yaml" for n in range(48)]


def test_every_chunk_comes_back_once_in_file_order_from_both_processes() -> None:
    reported: list[list[str]] = []
    results = pool.in_workers(_setup, FILES, 2, "", per_job=8,
                              done=lambda chunk, _result: reported.append(list(chunk)))
    assert [f for _, files in results for f in files] == FILES
    assert sorted(map(tuple, reported)) == sorted(tuple(files) for _, files in results)
    assert len(results) == 16
    processes = {pid for pid, _ in results}
    assert os.getpid() in processes, "this process did no chunk while the worker started"


def test_three_jobs_use_two_workers_beside_this_process() -> None:
    results = pool.in_workers(_setup, FILES, 3, "", per_job=8)
    assert [f for _, files in results for f in files] == FILES
    assert len({pid for pid, _ in results}) <= 3


@pytest.mark.parametrize("failing", [FILES[0], FILES[-1]])
def test_a_failing_chunk_raises_its_error_here(failing: str) -> None:
    with pytest.raises(ValueError, match="cannot do"):
        pool.in_workers(_setup, FILES, 2, failing, per_job=8)
