"""conftest's rule semantics over batched evaluation.

conftest builds one query per document × rule; kfix asks one fixed query per batch of
documents, which returns every rule's value and every exception count at once, and
then applies conftest's rules for counting, exceptions and results in Python.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kfix.engine import Engine
from kfix.errors import EvalError
from kfix.evaluate.split import DefinitionSplitter
from kfix.model import (
    EXCEPTION,
    FAILURE,
    WARNING,
    CheckResult,
    Document,
    Finding,
    PolicyInfo,
    Print,
    Problem,
    Resource,
)
from kfix.pack.policies import FAILURE_RULE, Rule, exception_name

BATCH_SIZE = 128


@dataclass(frozen=True)
class Plan:
    """Which rules to ask about; fixed for the run, so the query strings are too."""

    rules: tuple[Rule, ...]
    namespaces: tuple[str, ...]
    policy_of: Mapping[tuple[str, str], PolicyInfo] = field(default_factory=dict)
    show_builtin_errors: bool = False
    per_document: bool = False  # print() output must be attributed to one file at a time
    splitter: DefinitionSplitter | None = None
    # namespaces that define `exception` rules; only they need exception counts asked for
    excepting: frozenset[str] = frozenset()

    def fields(self) -> list[tuple[str, str]]:
        """(key, expression) for each rule's values and, where it can have any, for its
        exception count."""
        found = []
        for rule in self.rules:
            ref = f"data.{rule.namespace}"
            found.append((f"{ref}.{rule.name}", f"[v | v := {ref}.{rule.name}]"))
            if rule.namespace in self.excepting:
                name = json.dumps(exception_name(rule.name))
                found.append(
                    (f"{ref}.{rule.name}!", f"count([1 | {ref}.exception[_][_] == {name}])")
                )
        return found


def query_for(fields: Sequence[tuple[str, str]]) -> str:
    """One query over a batch of {doc, file} inputs, answering every field per document.

    `with input as d.doc` inside a comprehension sees the outer input in OPA 1.20;
    with-values must be plain variables, hence `doc` and `file`.
    """
    body = "{" + ", ".join(f"{json.dumps(key)}: {expr}" for key, expr in fields) + "}"
    return (
        f"out := [r | some i; doc := input[i].doc; file := input[i].file; r := {body} "
        "with input as doc with data.conftest.file as file]"
    )


@dataclass
class Evaluation:
    """What evaluating some documents produced, ready to merge into a ScanResult."""

    results: list[CheckResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    prints: list[Print] = field(default_factory=list)
    traces: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (file, namespace)
    timings: dict[str, float] = field(default_factory=dict)
    documents: int = 0

    def time(self, stage: str, seconds: float) -> None:
        self.timings[stage] = self.timings.get(stage, 0.0) + seconds

    def merge(self, other: Evaluation) -> None:
        self.results += other.results
        self.problems += other.problems
        self.prints += other.prints
        self.documents += other.documents
        for stage, seconds in other.timings.items():
            self.time(stage, seconds)


def evaluate(engine: Engine, plan: Plan, files: Sequence[tuple[str, Sequence[Document]]],
             *, trace: bool = False) -> Evaluation:
    """Evaluate every document of every file; one CheckResult per file and namespace."""
    evaluation = Evaluation()
    documents = [doc for _, docs in files for doc in docs]
    values = _values(engine, plan, documents, evaluation)
    if trace:
        for doc in documents:
            _trace(engine, plan, doc, evaluation.traces)
    for path, docs in files:
        for namespace in plan.namespaces:
            evaluation.results.append(_check(plan, namespace, path, docs, values, evaluation))
    return evaluation


def detect(
    engine: Engine, plan: Plan, documents: Sequence[Document]
) -> tuple[list[list[Finding]], Evaluation]:
    """Failures and warnings per document, in order, for documents held in memory."""
    evaluation = Evaluation()
    values = _values(engine, plan, documents, evaluation)
    found = []
    for doc in documents:
        findings: list[Finding] = []
        for namespace in plan.namespaces:
            check = _check(plan, namespace, doc.file, [doc], values, evaluation)
            findings += check.failures + check.warnings
        found.append(findings)
    return found, evaluation


def _values(
    engine: Engine, plan: Plan, documents: Sequence[Document], evaluation: Evaluation
) -> dict[int, dict[str, Any]]:
    """Every document's answer, keyed by the document object's identity."""
    values: dict[int, dict[str, Any]] = {}
    size = 1 if plan.per_document else BATCH_SIZE
    for start in range(0, len(documents), size):
        batch = documents[start : start + size]
        for doc, answer in zip(batch, _answers(engine, plan, batch, evaluation), strict=True):
            values[id(doc)] = answer
    return values


def _answers(
    engine: Engine, plan: Plan, batch: Sequence[Document], evaluation: Evaluation
) -> list[dict[str, Any]]:
    """Rule values per document, narrowing to one document, one field, one definition.

    The embedded engine always raises builtin errors, where OPA's default leaves the
    expression undefined; asking field by field keeps one failing rule (or exception
    rule) from hiding the others, and the splitter keeps one failing definition of a
    rule from hiding its other definitions.
    """
    fields = plan.fields()
    try:
        return _ask(engine, query_for(fields), batch, evaluation)
    except EvalError:
        if len(batch) > 1:
            return [a for doc in batch for a in _answers(engine, plan, [doc], evaluation)]
    (doc,) = batch
    merged: dict[str, Any] = {}
    for key, expression in fields:
        try:
            merged.update(_ask(engine, query_for([(key, expression)]), batch, evaluation)[0])
        except EvalError as exc:
            if not exc.builtin or plan.show_builtin_errors:
                evaluation.problems.append(Problem(doc.file, doc.line, f"policy error: {exc}"))
            elif plan.splitter is not None and not key.endswith("!"):
                namespace, _, rule = key.removeprefix("data.").rpartition(".")
                values = plan.splitter.values(namespace, rule, _one_ref(doc, evaluation))
                if values is not None:
                    merged[key] = [values]
    return [merged]


def _one_ref(doc: Document, evaluation: Evaluation) -> Callable[[Engine, str], list[Any]]:
    """How the splitter asks for one reference's value on this document."""

    def ask(engine: Engine, ref: str) -> list[Any]:
        answer = _ask(engine, query_for([("v", f"[v | v := {ref}]")]), [doc], evaluation)
        return list(answer[0].get("v", []))

    return ask


def _ask(
    engine: Engine, query: str, batch: Sequence[Document], evaluation: Evaluation
) -> list[dict[str, Any]]:
    payload = [{"doc": d.content, "file": _file_data(d.file)} for d in batch]
    answer = engine.query(query, payload)
    if answer.prints:
        evaluation.prints.extend(Print(batch[0].file, loc, msg) for msg, loc in answer.prints)
    return answer.bindings[0]["out"] if answer.bindings else [{} for _ in batch]


def _trace(
    engine: Engine, plan: Plan, doc: Document, traces: dict[tuple[str, str], list[str]]
) -> None:
    """conftest's --trace: each rule queried alone, so the trace reads like the policy."""
    for rule in plan.rules:
        lines = traces.setdefault((doc.file, rule.namespace), [])
        try:
            engine.query(f"data.{rule.namespace}.{rule.name}", doc.content, trace=True)
        except EvalError as exc:
            lines.append(f"error: {exc}")
        lines.extend(engine.last_trace())


def _file_data(path: str) -> dict[str, str]:
    """`data.conftest.file`, as conftest provides it to policies."""
    return {"name": path, "dir": os.path.dirname(path)}


def _check(
    plan: Plan,
    namespace: str,
    path: str,
    docs: Sequence[Document],
    values: Mapping[int, Mapping[str, Any]],
    evaluation: Evaluation,
) -> CheckResult:
    """conftest's per-file result for one namespace: each document checked on its own."""
    rules = [r for r in plan.rules if r.namespace == namespace]
    rule_count = sum(r.count for r in rules)
    failures: list[Finding] = []
    warnings: list[Finding] = []
    exceptions: list[Finding] = []
    successes = 0
    for doc in docs:
        answer = values.get(id(doc), {})
        found = 0
        doc_successes = 0
        for rule in rules:
            key = f"data.{namespace}.{rule.name}"
            excepted = int(answer.get(key + "!", 0))
            if excepted:
                name = json.dumps(exception_name(rule.name))
                query = f"data.{namespace}.exception[_][_] == {name}"
                for _ in range(excepted):
                    exceptions.append(_finding(plan, EXCEPTION, rule, query, {}, doc))
                found += excepted
                continue
            results = list(_results(answer.get(key, [])))
            if not results:
                doc_successes += 1
                continue
            kind, target = (
                (FAILURE, failures) if FAILURE_RULE.match(rule.name) else (WARNING, warnings)
            )
            for value in results:
                message, extra = _message(value)
                if message is None:
                    evaluation.problems.append(Problem(
                        path, doc.line, f"data.{namespace}.{rule.name}: result has no string msg"
                    ))
                    continue
                if message == "":
                    doc_successes += 1
                    continue
                target.append(_finding(plan, kind, rule, message, extra, doc))
                found += 1
        shortfall = rule_count - (found + doc_successes)
        successes += doc_successes + max(shortfall, 0)
    return CheckResult(path, namespace, successes, tuple(failures), tuple(warnings),
                       tuple(exceptions), tuple(evaluation.traces.get((path, namespace), ())))


def _results(value: Any) -> Iterator[Any]:
    """A rule's value as conftest reads it: only a collection carries results."""
    for item in value:  # [] when undefined, else [the rule's value]
        if isinstance(item, list):
            yield from (v for v in item if isinstance(v, str | dict))


def _message(value: Any) -> tuple[str | None, dict[str, Any]]:
    if isinstance(value, str):
        return value, {}
    message = value.get("msg")
    extra = {k: v for k, v in value.items() if k != "msg"}
    return (message if isinstance(message, str) else None), extra


def _finding(
    plan: Plan, outcome: str, rule: Rule, message: str, extra: Mapping[str, Any], doc: Document
) -> Finding:
    policy = plan.policy_of.get((rule.namespace, rule.name))
    given = extra.get("pointer")
    pointer = given if isinstance(given, str) else ""
    return Finding(
        outcome=outcome,
        policy_id=policy.id if policy else f"{rule.namespace}.{rule.name}",
        rule=rule.name,
        namespace=rule.namespace,
        message=message,
        file=doc.file,
        document=doc.index,
        line=_line(extra.get("_loc"), pointer, doc),
        resource=Resource.of(doc.content),
        pointer=pointer,
        severity=_severity(extra.get("severity"), policy),
        metadata=dict(extra),
    )


def _line(loc: Any, pointer: str, doc: Document) -> int:
    """`_loc: {line: N}` (or `row`) from the policy wins; then the pointer; then the document."""
    if isinstance(loc, Mapping):
        for key in ("line", "row"):
            if isinstance(loc.get(key), int) and loc[key] > 0:
                return int(loc[key])
    return doc.line_of(pointer) if pointer else doc.line


def _severity(value: Any, policy: PolicyInfo | None) -> str:
    if isinstance(value, str):
        return value
    return policy.severity if policy else ""
