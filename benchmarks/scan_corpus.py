"""Scan the shared corpus with the built-in pack and print throughput and the time split.

Not a test: it prints numbers. Usage: python benchmarks/scan_corpus.py [CORPUS] [--repeat N]
The baseline is PyYAML's C loader merely parsing the same files; the target is kfix at
most 2.5x that baseline per process.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import yaml

from kfix.load import manifests
from kfix.runner.scan import ScanOptions, scan

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def pyyaml_parse_seconds(files: list[str]) -> float:
    started = time.perf_counter()
    for path in files:
        try:
            with open(path, encoding="utf-8-sig") as handle:
                list(yaml.load_all(handle, Loader=yaml.CSafeLoader))
        except yaml.YAMLError:
            pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = manifests.discover([args.corpus])
    baseline = statistics.median(pyyaml_parse_seconds(files) for _ in range(args.repeat))
    print(f"corpus: {args.corpus} ({len(files)} files)")
    print(f"PyYAML C loader, parse only: {baseline:.2f} s")
    for jobs in (1, 2):
        runs = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            result = scan([args.corpus], ScanOptions(jobs=jobs))
            runs.append((time.perf_counter() - started, result))
        wall, result = sorted(runs, key=lambda run: run[0])[len(runs) // 2]
        cpu = sum(result.timings.values())
        split = ", ".join(
            f"{stage} {seconds:.2f} s ({seconds / cpu:.0%})"
            for stage, seconds in sorted(result.timings.items())
        )
        print(
            f"--jobs {jobs}: {wall:.2f} s wall (median of {args.repeat}), "
            f"{result.documents / wall:.0f} documents/s, {result.files / wall:.0f} files/s, "
            f"{result.count('failure')} failures"
        )
        print(f"  time in stages, summed over workers: {split}; "
              f"process start-up and merging {max(wall * jobs - cpu, 0):.2f} s")
        print(f"  vs PyYAML parse: {wall / baseline:.2f}x wall, "
              f"{wall * jobs / baseline:.2f}x per process")


if __name__ == "__main__":
    main()
