"""What the engine costs per document, by kind of document and by policy.

Evaluates every document of a corpus shape (default: the one-document-per-file copy of
../shared/corpus, see shapes.py) the way `kfix scan` does (each document's own query,
small queries batched), and then each policy alone on every document it applies to, so
the per-policy table says where evaluation time goes. Not a test: it prints numbers.

Usage: python benchmarks/engine_cost.py [FOLDER]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from shapes import DEFAULT_CORPUS, per_document

from kfix import collector
from kfix.evaluate.rules import Evaluation, _values
from kfix.k8s import WORKLOAD_KINDS
from kfix.load import manifests
from kfix.runner.scan import ScanOptions, evaluator, policy_set


def group(content: object) -> str:
    kind = content.get("kind") if isinstance(content, dict) else None
    if kind in WORKLOAD_KINDS:
        return "workload"
    return "CRD" if kind == "CustomResourceDefinition" else "other"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?")
    args = parser.parse_args()
    folder = Path(args.folder) if args.folder else per_document(DEFAULT_CORPUS)
    documents = [d for f in manifests.load(manifests.discover([str(folder)]))
                 for d in f.documents]
    options = ScanOptions()
    # as kfix scan does: the collector paused (kfix/collector.py); left running, it
    # walked every document again and again, and doubled the figures here
    with collector.paused(), evaluator(policy_set(options), options) as (engine, plan):
        _values(engine, plan, documents[:50], Evaluation())  # warm the query cache
        spent: Counter[str] = Counter()
        counted: Counter[str] = Counter()
        for doc in documents:  # one at a time, to split the time by group
            started = time.perf_counter()
            _values(engine, plan, [doc], Evaluation())
            spent[group(doc.content)] += time.perf_counter() - started
            counted[group(doc.content)] += 1
        started = time.perf_counter()
        _values(engine, plan, documents, Evaluation())
        whole = time.perf_counter() - started
        print(f"{folder}: {len(documents)} documents, {len(plan.fields)} fields asked")
        print(f"evaluation as kfix scan does it: {whole:.2f} s, "
              f"{whole / len(documents) * 1000:.2f} ms per document")
        for name in sorted(counted):
            print(f"  {name}: {counted[name]} documents, "
                  f"{spent[name] / counted[name] * 1000:.2f} ms each (alone)")
        print("\n| policy | documents it applies to | ms per document |")
        print("| --- | --- | --- |")
        rows = []
        for field in plan.fields:
            if field.key.endswith("!"):
                continue
            applies = [d for d in documents if field.scope.covers(
                d.content.get("kind") if isinstance(d.content, dict) else None)]
            if not applies:
                continue
            query = f"out := {{\"v\": {field.expression}}}"
            started = time.perf_counter()
            for doc in applies:
                engine.query(query, doc.content)
            empty_started = time.perf_counter()
            for doc in applies:
                engine.query("out := 1", doc.content)  # the call and its input alone
            ended = time.perf_counter()
            own = (empty_started - started) - (ended - empty_started)
            rows.append((own / len(applies) * 1000, field.key, len(applies)))
        for cost, key, count in sorted(rows, reverse=True):
            print(f"| {key.removeprefix('data.kfix.policies.')} | {count} | {cost:.3f} |")


if __name__ == "__main__":
    main()
