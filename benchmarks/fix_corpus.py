"""Fix a copy of the shared corpus and print throughput, the time per stage, and a re-scan.

Not a test: it prints numbers. Usage: python benchmarks/fix_corpus.py [CORPUS] [--jobs N ...]
Target: the whole corpus detected, fixed and verified in under 30 s with --jobs 2; a
re-scan of the written copy shows no finding that the report called fixed.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from kfix.model import FIX_STATUSES, FIXED
from kfix.patch.verify import identity
from kfix.runner.fix import FixOptions, fix
from kfix.runner.scan import ScanOptions, scan
from kfix.writer import tally
from kfix.writer.files import WriteMode, write_changes

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def run(corpus: str, jobs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="kfix-bench-") as scratch:
        copy = Path(scratch) / "corpus"
        shutil.copytree(corpus, copy)
        tally.reset()
        started = time.perf_counter()
        result = fix([str(copy)], FixOptions(scan=ScanOptions(jobs=jobs)))
        fixed_at = time.perf_counter()
        write_changes(result.changes, WriteMode.WRITE, [str(copy)], None)
        wall = time.perf_counter() - started
        write = time.perf_counter() - fixed_at
        total = len(result.resolutions)
        counts = ", ".join(f"{result.count(s)} {s}" for s in FIX_STATUSES)
        stages = {k: v for k, v in result.timings.items() if k != "total"}
        busy = sum(stages.values())
        split = ", ".join(f"{k} {v:.2f} s" for k, v in sorted(stages.items()))
        print(f"--jobs {jobs}: {wall:.2f} s wall, {result.documents / wall:.0f} documents/s, "
              f"{total / wall:.0f} findings/s")
        print(f"  findings {total}: {counts}; fix rate {result.fix_rate:.1%}; "
              f"{len(result.changes)} files changed, {len(result.problems)} problems")
        print(f"  stages, summed over workers: {split}; disk write {write:.2f} s; "
              f"other {max(wall * jobs - busy - write, 0):.2f} s")
        print(f"  {_ways(jobs)}")
        rescan = scan([str(copy)], ScanOptions(jobs=jobs))
        remaining = {
            (f.file, f.document, *identity(f))
            for check in rescan.results for f in check.failures + check.warnings
        }
        claimed = {
            (o.finding.file, o.finding.document, *identity(o.finding))
            for o in result.resolutions if o.status == FIXED
        }
        print(f"  re-scan: {rescan.count('failure')} failures remain; "
              f"{len(claimed & remaining)} of them were reported fixed")
        second = fix([str(copy)], FixOptions(scan=ScanOptions(jobs=jobs)))
        print(f"  second run: {len(second.changes)} files would change, "
              f"{second.count(FIXED)} findings fixed")


def _ways(jobs: int) -> str:
    """How the changed YAML documents were written (counted in this process only)."""
    if jobs > 1:
        return "documents written: counted in the workers, see --jobs 1"
    counts = tally.counts()
    spliced = counts.pop(tally.SPLICED, 0)
    fallback = sum(counts.values())
    reasons = ", ".join(f"{n} {k.removeprefix(tally.ROUND_TRIP)}"
                        for k, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    return (f"documents written: {spliced} spliced as text, {fallback} by the round trip"
            + (f" ({reasons})" if reasons else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    for jobs in args.jobs:
        run(args.corpus, jobs)


if __name__ == "__main__":
    main()
