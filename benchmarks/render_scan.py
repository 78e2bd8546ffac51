"""Time every `kfix scan` output format on a scan of a corpus, rendering only.

Not a test: it prints numbers. Usage:
    python benchmarks/render_scan.py [CORPUS ...] [--repeat N] [--save DIR] [--cache DIR]

Each corpus is scanned once (or its result read back from `--cache`, a pickle keyed on
the corpus path, so repeated runs skip the scan), then each format is rendered
`--repeat` times and the median printed with the output's size. `--save DIR` writes
every format's output (with default options and a few option variants) under
DIR/<corpus name>/, for a byte-for-byte comparison of two versions with `cmp -r`.
Target: each format a small fraction of the scan, about 0.3 s for 2,000 documents.
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import statistics
import time
from pathlib import Path

from kfix.model import ScanResult
from kfix.output import ReportOptions
from kfix.output.scan import REPORTS
from kfix.output.scan.stdout import render_trace
from kfix.runner.scan import ScanOptions, scan

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
VARIANTS = {
    "": ReportOptions(),
    ".color": ReportOptions(color=True),
    ".hide": ReportOptions(junit_hide_message=True, suppress_exceptions=True),
}


def scanned(corpus: str, cache: Path | None) -> ScanResult:
    if cache is None:
        return scan([corpus], ScanOptions())
    key = hashlib.sha256(str(Path(corpus).resolve()).encode()).hexdigest()[:12]
    path = cache / f"{Path(corpus).name}-{key}.pickle"
    if path.is_file():
        with path.open("rb") as handle:
            loaded: ScanResult = pickle.load(handle)
            return loaded
    result = scan([corpus], ScanOptions())
    cache.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        pickle.dump(result, handle)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpus", nargs="*", default=[str(DEFAULT_CORPUS)])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--save", type=Path)
    parser.add_argument("--cache", type=Path)
    args = parser.parse_args()
    for corpus in args.corpus:
        started = time.perf_counter()
        result = scanned(corpus, args.cache)
        print(f"{corpus}: {result.files} files, {result.documents} documents, "
              f"{len(result.problems)} problems, scan/load {time.perf_counter() - started:.2f} s")
        for name, render in REPORTS.items():
            runs = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                text = render(result, ReportOptions())
                runs.append(time.perf_counter() - started)
            size = len(text.encode("utf-8", "surrogateescape"))
            print(f"  {name:7} {statistics.median(runs):7.3f} s  (min {min(runs):.3f})"
                  f"  {size / 1e6:7.2f} MB")
        if args.save:
            folder = args.save / Path(corpus).name
            folder.mkdir(parents=True, exist_ok=True)
            for name, render in REPORTS.items():
                for suffix, options in VARIANTS.items():
                    (folder / f"{name}{suffix}.out").write_bytes(
                        render(result, options).encode("utf-8", "surrogateescape"))
            (folder / "trace.out").write_bytes(
                render_trace(result, ReportOptions()).encode("utf-8", "surrogateescape"))


if __name__ == "__main__":
    main()
