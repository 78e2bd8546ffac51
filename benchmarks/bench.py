"""kfix as users run it, on both corpus shapes, as ratios to parsing the same files.

For each shape (`corpus`: ../shared/corpus as it is; `per-document`: the same documents
one per file; `one-file`: 100,000 tiny documents in one file; see shapes.py) this
times, as whole commands in this one run:
- the baseline: PyYAML's C loader parsing every file (in process, no kfix);
- `kfix scan -o FORMAT --jobs J` for every output format and J in --jobs;
- `kfix fix --write -o json --jobs J` on a fresh copy of the shape.
Each figure is the median of --repeat runs; peak memory is the largest resident set of
the command's processes. Not a test: it prints numbers.

Usage: python benchmarks/bench.py [--shapes corpus per-document one-file] [--formats ...]
                                  [--jobs 1 2] [--repeat 3] [--no-fix] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from shapes import DEFAULT_CORPUS, one_file, per_document

from kfix.load import manifests
from kfix.output.scan import REPORTS


def parse_seconds(files: list[str]) -> float:
    """PyYAML's C loader over every file, as a user's own script would read them."""
    started = time.perf_counter()
    for path in files:
        try:
            with open(path, encoding="utf-8-sig") as handle:
                list(yaml.load_all(handle, Loader=yaml.CSafeLoader))
        except (yaml.YAMLError, UnicodeDecodeError):
            pass
    return time.perf_counter() - started


def timed(command: list[str], cwd: Path | None = None) -> tuple[float, float, int]:
    """(wall seconds, peak MiB, exit code) of one run; output thrown away."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               cwd=cwd, env={**os.environ, "CI": "1"})
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def median_run(command: list[str], repeat: int, prepare: object = None) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        cwd = prepare() if callable(prepare) else None
        wall, peak, _code = timed(command(cwd) if callable(command) else command)
        runs.append((wall, peak))
    return statistics.median(w for w, _ in runs), max(p for _, p in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--shapes", nargs="+", default=["corpus", "per-document", "one-file"],
                        choices=["corpus", "per-document", "one-file"])
    parser.add_argument("--formats", nargs="+", default=sorted(REPORTS))
    parser.add_argument("--jobs", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-fix", action="store_true")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    if not corpus.is_dir():
        raise SystemExit(f"{corpus} is not a directory: the benchmarks need ../shared/corpus")
    kfix = [sys.executable, "-m", "kfix"]
    rows: list[tuple[str, str, float, float, float]] = []
    for shape in args.shapes:
        root = {"corpus": lambda: corpus, "per-document": lambda: per_document(corpus),
                "one-file": one_file}[shape]()
        files = manifests.discover([str(root)])
        parse_seconds(files)  # warm the page cache
        baseline = statistics.median(parse_seconds(files) for _ in range(args.repeat))
        print(f"{shape}: {len(files)} files; PyYAML C parse {baseline:.2f} s", flush=True)
        for jobs in args.jobs:
            for fmt in args.formats:
                wall, peak = median_run([*kfix, "scan", "-o", fmt, "--jobs", str(jobs),
                                         str(root)], args.repeat)
                rows.append((shape, f"scan -o {fmt} --jobs {jobs}", wall, wall / baseline, peak))
                print(f"  {rows[-1][1]:<28} {wall:6.2f} s  {wall / baseline:5.2f}x  "
                      f"{peak:5.0f} MiB", flush=True)
            if args.no_fix:
                continue
            with tempfile.TemporaryDirectory(prefix="kfix-bench-") as scratch:
                def fresh(root: Path = root, scratch: str = scratch) -> Path:
                    copy = Path(scratch) / "copy"
                    shutil.rmtree(copy, ignore_errors=True)
                    shutil.copytree(root, copy)
                    return copy

                def command(copy: Path, jobs: int = jobs) -> list[str]:
                    return [*kfix, "fix", "--write", "-o", "json", "--jobs", str(jobs), str(copy)]

                wall, peak = median_run(command, args.repeat, fresh)
            rows.append((shape, f"fix --write --jobs {jobs}", wall, wall / baseline, peak))
            print(f"  {rows[-1][1]:<28} {wall:6.2f} s  {wall / baseline:5.2f}x  "
                  f"{peak:5.0f} MiB", flush=True)
    print("\n| shape | command | seconds | × parse | peak MiB |")
    print("| --- | --- | --- | --- | --- |")
    for shape, name, wall, ratio, peak in rows:
        print(f"| {shape} | `kfix {name}` | {wall:.2f} | {ratio:.2f} | {peak:.0f} |")


if __name__ == "__main__":
    main()
