"""`kfix scan --cluster`: read a cluster's live objects (GET only) → evaluate → ScanResult.

Each object is one input named `cluster:<context>/<namespace>/<kind>/<name>`, so every
report format shows it where a file name would be. What could not be read is a Problem
of the result (exit 2); the rest is still evaluated.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from kfix.cluster.connect import connect
from kfix.cluster.read import LiveObject, Selection, read
from kfix.model import Document, ScanResult
from kfix.runner.scan import (
    ScanOptions,
    evaluate_together,
    evaluator,
    gatekeeper_library,
    policy_set,
)


@dataclass(frozen=True)
class ClusterSource:
    """Which cluster (kubeconfig and context; none: the current one) and what to read."""

    kubeconfig: str | None = None
    context: str | None = None
    selection: Selection = field(default_factory=Selection)


def scan_cluster(source: ClusterSource, options: ScanOptions) -> ScanResult:
    policies = policy_set(options)
    library = gatekeeper_library(options)
    began = time.perf_counter()
    reading = read(connect(source.kubeconfig, source.context), source.selection)
    loading = time.perf_counter() - began
    inputs = [(live.address, (document(live),)) for live in reading.objects]
    with evaluator(policies, options) as (engine, plan):
        evaluation = evaluate_together(engine, plan, inputs, options, library)
    evaluation.time("load", loading)
    evaluation.time("evaluate", time.perf_counter() - began - loading)
    return ScanResult(
        results=tuple(evaluation.results),
        problems=(*reading.problems, *evaluation.problems),
        prints=tuple(evaluation.prints),
        policies={**policies.by_id, **(library.policies() if library else {})},
        notes=(*reading.notes, *(library.notes if library else ())),
        files=len(inputs),
        documents=evaluation.documents,
        timings=evaluation.timings,
    )


def document(live: LiveObject) -> Document:
    """The object as the engine sees an input document; it has no lines to point at."""
    return Document(file=live.address, index=0, line=0, content=live.content,
                    line_of=lambda _pointer: 0)
