"""Time the writer alone on the patches a fix of the corpus makes, and say how it wrote them.

Not a test: it prints numbers. fix_corpus.py's `write` stage also holds the fix runner's
own proof (every changed file parsed again whole); this isolates `apply_to_text`.
Usage: python benchmarks/write_corpus.py [CORPUS] [--repeat N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import kfix.runner.fix as runner
from kfix.errors import WriteError
from kfix.runner.fix import FixOptions, fix
from kfix.runner.scan import ScanOptions
from kfix.writer import tally
from kfix.writer.text import apply_to_text

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

Call = tuple[str, str, dict[int, list[dict[str, Any]]]]


def writer_inputs(corpus: str) -> list[Call]:
    """(path, text, patches) of every apply_to_text call a fix of the corpus makes."""
    calls: list[Call] = []

    def recording(text: str, path: str, patches: Mapping[int, Sequence[Mapping[str, Any]]]) -> str:
        calls.append((path, text, {i: [dict(op) for op in ops] for i, ops in patches.items()}))
        return text  # the fix's own result does not matter here

    with tempfile.TemporaryDirectory(prefix="kfix-bench-") as scratch:
        copy = Path(scratch) / "corpus"
        shutil.copytree(corpus, copy)
        real = getattr(runner, "apply_to_text")  # noqa: B009 (not exported, patched here)
        setattr(runner, "apply_to_text", recording)  # noqa: B010
        try:
            fix([str(copy)], FixOptions(scan=ScanOptions(jobs=1)))
        finally:
            setattr(runner, "apply_to_text", real)  # noqa: B010
    return calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    calls = writer_inputs(args.corpus)
    documents = sum(len(patches) for _, _, patches in calls)
    seconds, refused = [], 0
    for _ in range(args.repeat):
        tally.reset()
        refused = 0
        started = time.perf_counter()
        for path, text, patches in calls:
            try:
                apply_to_text(text, path, patches)
            except WriteError:
                refused += 1
        seconds.append(time.perf_counter() - started)
    counts = tally.counts()
    spliced = counts.pop(tally.SPLICED, 0)
    reasons = ", ".join(f"{n} {k.removeprefix(tally.ROUND_TRIP)}" for k, n in counts.items())
    print(f"{len(calls)} files, {documents} documents: writer median "
          f"{statistics.median(seconds):.2f} s (min {min(seconds):.2f} s) over {args.repeat} runs")
    print(f"  {spliced} spliced as text, {sum(counts.values())} by the round trip"
          + (f" ({reasons})" if reasons else "") + f"; {refused} files refused (WriteError)")


if __name__ == "__main__":
    main()
