"""conftest's rule semantics over kfix's evaluation.

conftest builds one query per document × rule; kfix asks one query per document (many
documents per query where the query is small, or each call starts a process), which
returns every rule's value and every exception count at once, and then applies
conftest's rules for counting, exceptions and results in Python. Rules whose METADATA scopes them to
other kinds are left out of a document's query, and only the top-level keys its rules
read are sent (pack.policies.Scope).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
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
from kfix.pack.policies import FAILURE_RULE, Rule, Scope, exception_name

BATCH_SIZE = 128
# In a document's answer, the fields whose rule raised: conftest counts them as neither
# passed nor failed (it stops; kfix reports them and goes on).
ERRORED = "!errored"


@dataclass(frozen=True)
class Field:
    """One thing each query asks: a rule's values, or how often its findings are excepted."""

    key: str  # data.<namespace>.<rule>, with "!" after it for the exception count
    expression: str
    scope: Scope


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
    # a policy may read data.conftest.file: each document's query must carry its file
    conftest_file: bool = True

    @cached_property
    def rules_of(self) -> dict[str, tuple[Rule, ...]]:
        found: dict[str, list[Rule]] = {}
        for rule in self.rules:
            found.setdefault(rule.namespace, []).append(rule)
        return {namespace: tuple(rules) for namespace, rules in found.items()}

    @cached_property
    def rule_counts(self) -> dict[str, int]:
        """conftest's tests per namespace and document: each definition of each rule."""
        return {namespace: sum(r.count for r in rules)
                for namespace, rules in self.rules_of.items()}

    @cached_property
    def fields(self) -> tuple[Field, ...]:
        """Each rule's values and, where it can have any, its exception count."""
        found = []
        for rule in self.rules:
            ref = f"data.{rule.namespace}"
            scope = Scope.of(self.policy_of.get((rule.namespace, rule.name)))
            found.append(Field(f"{ref}.{rule.name}", f"[v | v := {ref}.{rule.name}]", scope))
            if rule.namespace in self.excepting:
                name = json.dumps(exception_name(rule.name))
                found.append(Field(f"{ref}.{rule.name}!",
                                   f"count([1 | {ref}.exception[_][_] == {name}])", scope))
        return tuple(found)

    def selection(self, content: Any) -> Selection:
        """The fields that can say anything about this document, and the part of it they
        read; the same object for every document of a kind."""
        kind = content.get("kind") if isinstance(content, Mapping) else None
        kind = kind if isinstance(kind, str) else None
        if kind not in self._selections:
            chosen = tuple(f for f in self.fields if f.scope.covers(kind))
            keys: frozenset[str] | None = frozenset()
            for item in chosen:
                keys = None if keys is None or item.scope.input_keys is None else (
                    keys | item.scope.input_keys)
            asked = {f.key.removeprefix("data.").rpartition(".")[0] for f in chosen}
            namespaces = tuple(n for n in self.namespaces if n in asked)
            self._selections[kind] = Selection(chosen, keys, namespaces)
        return self._selections[kind]

    @cached_property
    def _selections(self) -> dict[str | None, Selection]:
        return {}


# A query of at most this many rules costs the engine less than the call itself, so
# such documents go many to a call (a ConfigMap: 0.15 ms each in a batch, 0.24 ms alone);
# a query of more rules runs faster over one plain document (see query_for).
SMALL_QUERY = 8
PROGRESS_EVERY = 1000  # documents between two reports of how far evaluation is


@dataclass(frozen=True)
class Selection:
    fields: tuple[Field, ...]
    input_keys: frozenset[str] | None  # None: the whole document
    namespaces: tuple[str, ...]  # those the fields belong to, in the plan's order
    _queries: dict[tuple[bool, bool], str] = field(default_factory=dict, compare=False,
                                                   repr=False)

    def input(self, content: Any) -> Any:
        if self.input_keys is None or not isinstance(content, Mapping):
            return content
        return {key: content[key] for key in self.input_keys if key in content}

    def query(self, *, batched: bool, conftest_file: bool) -> str:
        key = (batched, conftest_file)
        if key not in self._queries:
            self._queries[key] = query_for(self.fields, batched=batched,
                                           conftest_file=conftest_file)
        return self._queries[key]

    def batch_size(self, engine: Engine) -> int:
        if engine.plain_input_faster and len(self.fields) > SMALL_QUERY:
            return 1
        return engine.batch_size


def query_for(fields: Sequence[Field], *, batched: bool, conftest_file: bool) -> str:
    """One query answering every field for one document (input: the document), or for a
    batch of them (input: [doc, ...], or [{doc, file}, ...] where a policy reads the file).

    Asked one document at a time, the engine evaluates the policies against the input
    itself, which lets it index rules and cache helpers; `with input as ...` undoes that
    (2.4x slower), so it is used only where a policy reads data.conftest.file. Inside a
    comprehension, `with input as d.doc` sees the outer input in OPA 1.20: with-values
    must be plain variables, hence `doc` and `file`.
    """
    body = "{" + ", ".join(f"{json.dumps(f.key)}: {f.expression}" for f in fields) + "}"
    if batched and conftest_file:
        return (f"out := [r | some i; doc := input[i].doc; file := input[i].file; r := {body} "
                "with input as doc with data.conftest.file as file]")
    if batched:  # input: [doc, ...]; the file's `with` cost a sixth of a small document's time
        return f"out := [r | some i; doc := input[i]; r := {body} with input as doc]"
    if conftest_file:
        return (f"doc := input.doc; file := input.file; out := {body} "
                "with input as doc with data.conftest.file as file")
    return f"out := {body}"


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
             *, trace: bool = False,
             answered: Callable[[int], None] | None = None) -> Evaluation:
    """Evaluate every document of every file; one CheckResult per file and namespace.
    `answered(n)` hears of each n documents the engine has answered, as it goes."""
    evaluation = Evaluation()
    documents = [doc for _, docs in files for doc in docs]
    values = _values(engine, plan, documents, evaluation, answered)
    if trace:
        for doc in documents:
            _trace(engine, plan, doc, evaluation.traces)
    for path, docs in files:
        tallies = {namespace: _Tally() for namespace in plan.namespaces}
        selections: dict[int, Selection] = {}
        counts: Counter[int] = Counter()  # documents per selection
        for doc in docs:  # document by document: lines are read in one pass over the file
            answer = values.get(id(doc), {})
            selection = plan.selection(doc.content)
            for namespace in selection.namespaces:
                _check(plan, namespace, doc, answer, tallies[namespace], evaluation)
            selections[id(selection)] = selection
            counts[id(selection)] += 1
        for key, selection in selections.items():  # namespaces none of whose rules were
            for namespace, tally in tallies.items():  # asked about a document: each passes
                if namespace not in selection.namespaces:
                    tally.successes += counts[key] * plan.rule_counts.get(namespace, 0)
        evaluation.results.extend(
            CheckResult(path, namespace, tally.successes, tuple(tally.failures),
                        tuple(tally.warnings), tuple(tally.exceptions),
                        tuple(evaluation.traces.get((path, namespace), ())))
            for namespace, tally in tallies.items())
    return evaluation


def detect(
    engine: Engine, plan: Plan, documents: Sequence[Document]
) -> tuple[list[list[Finding]], Evaluation]:
    """Failures and warnings per document, in order, for documents held in memory."""
    evaluation = Evaluation()
    values = _values(engine, plan, documents, evaluation)
    found = []
    for doc in documents:
        tally = _Tally()
        answer = values.get(id(doc), {})
        asked = plan.selection(doc.content).namespaces
        for namespace in plan.namespaces:
            if namespace in asked:
                _check(plan, namespace, doc, answer, tally, evaluation)
        found.append(tally.failures + tally.warnings)
    return found, evaluation


@dataclass
class _Tally:
    """conftest's counts for one file and namespace, as documents are checked."""

    successes: int = 0
    failures: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    exceptions: list[Finding] = field(default_factory=list)


def _values(
    engine: Engine, plan: Plan, documents: Sequence[Document], evaluation: Evaluation,
    answered: Callable[[int], None] | None = None,
) -> dict[int, dict[str, Any]]:
    """Every document's answer, keyed by the document object's identity. A document no
    rule can say anything about is not sent at all: every rule passes on it."""
    values: dict[int, dict[str, Any]] = {}
    pending: dict[int, tuple[Selection, list[Document]]] = {}
    for position, doc in enumerate(documents, 1):
        if answered is not None and position % PROGRESS_EVERY == 0:
            answered(PROGRESS_EVERY)  # taken up: answered now or with its batch
        selection = plan.selection(doc.content)
        if not selection.fields:
            values[id(doc)] = {}
            continue
        size = 1 if plan.per_document else selection.batch_size(engine)
        if size == 1:
            _answer_batch(engine, plan, selection, [doc], False, values, evaluation)
            continue
        _, batch = pending.setdefault(id(selection), (selection, []))
        batch.append(doc)
        if len(batch) >= size:
            _answer_batch(engine, plan, selection, batch, True, values, evaluation)
            del pending[id(selection)]
    for selection, batch in pending.values():
        _answer_batch(engine, plan, selection, batch, True, values, evaluation)
    if answered is not None:
        answered(len(documents) % PROGRESS_EVERY)
    return values


def _answer_batch(engine: Engine, plan: Plan, selection: Selection, batch: Sequence[Document],
                  batched: bool, values: dict[int, dict[str, Any]],
                  evaluation: Evaluation) -> None:
    asked = _Asking(engine, plan, selection, batched, evaluation)
    for doc, answer in zip(batch, _answers(asked, selection.fields, batch), strict=True):
        values[id(doc)] = answer


@dataclass(frozen=True)
class _Asking:
    """How the documents of one selection are asked about."""

    engine: Engine
    plan: Plan
    selection: Selection
    batched: bool  # one query over a list of documents, or over one plain document
    evaluation: Evaluation

    def ask(self, fields: Sequence[Field], batch: Sequence[Document]) -> list[dict[str, Any]]:
        conftest_file = self.plan.conftest_file
        if fields is self.selection.fields:
            query = self.selection.query(batched=self.batched, conftest_file=conftest_file)
        else:
            query = query_for(fields, batched=self.batched, conftest_file=conftest_file)
        source = self.selection.input
        if self.batched and conftest_file:
            payload: Any = [{"doc": source(d.content), "file": _file_data(d.file)}
                            for d in batch]
        elif self.batched:
            payload = [source(d.content) for d in batch]
        elif conftest_file:
            payload = {"doc": source(batch[0].content), "file": _file_data(batch[0].file)}
        else:
            payload = source(batch[0].content)
        answer = self.engine.query(query, payload)
        if answer.prints:
            self.evaluation.prints.extend(Print(batch[0].file, location, message)
                                          for message, location in answer.prints)
        if not answer.bindings:
            return [{} for _ in batch]
        out = answer.bindings[0]["out"]
        return list(out) if self.batched else [out]


def _answers(asked: _Asking, fields: Sequence[Field],
             batch: Sequence[Document]) -> list[dict[str, Any]]:
    """Rule values per document, narrowing to one document, one field, one definition.

    The embedded engine always raises builtin errors, where OPA's default leaves the
    expression undefined; asking field by field keeps one failing rule (or exception
    rule) from hiding the others, and the splitter keeps one failing definition of a
    rule from hiding its other definitions.
    """
    try:
        return asked.ask(fields, batch)
    except EvalError:
        if len(batch) > 1:
            return [a for doc in batch for a in _answers(asked, fields, [doc])]
    (doc,) = batch
    plan, evaluation = asked.plan, asked.evaluation
    merged: dict[str, Any] = {}
    for item in fields:
        try:
            merged.update(asked.ask([item], batch)[0])
        except EvalError as exc:
            if not exc.builtin or plan.show_builtin_errors:
                evaluation.problems.append(Problem(doc.file, doc.line, f"policy error: {exc}"))
                merged.setdefault(ERRORED, []).append(item.key)
            elif plan.splitter is not None and not item.key.endswith("!"):
                namespace, _, rule = item.key.removeprefix("data.").rpartition(".")
                values = plan.splitter.values(namespace, rule, _one_ref(asked, doc))
                if values is not None:
                    merged[item.key] = [values]
    return [merged]


def _one_ref(asked: _Asking, doc: Document) -> Callable[[Engine, str], list[Any]]:
    """How the splitter asks for one reference's value on this document."""

    def ask(engine: Engine, ref: str) -> list[Any]:
        probe = Field("v", f"[v | v := {ref}]", Scope())
        with_engine = _Asking(engine, asked.plan, asked.selection, asked.batched,
                              asked.evaluation)
        return list(with_engine.ask([probe], [doc])[0].get("v", []))

    return ask


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


def _check(plan: Plan, namespace: str, doc: Document, answer: Mapping[str, Any],
           tally: _Tally, evaluation: Evaluation) -> None:
    """conftest's checks of one document against one namespace's rules."""
    rules = plan.rules_of.get(namespace, ())
    found = 0
    doc_successes = 0
    errored = 0  # definitions whose rule raised: neither passed nor failed
    for rule in rules:
        key = f"data.{namespace}.{rule.name}"
        if key in answer.get(ERRORED, ()):
            errored += rule.count
            continue
        excepted = int(answer.get(key + "!", 0))
        if excepted:
            name = json.dumps(exception_name(rule.name))
            query = f"data.{namespace}.exception[_][_] == {name}"
            for _ in range(excepted):
                tally.exceptions.append(_finding(plan, EXCEPTION, rule, query, {}, doc))
            found += excepted
            continue
        results = list(_results(answer.get(key, [])))
        if not results:
            doc_successes += 1
            continue
        kind, target = (
            (FAILURE, tally.failures) if FAILURE_RULE.match(rule.name)
            else (WARNING, tally.warnings)
        )
        for value in results:
            message, extra = _message(value)
            if message is None:
                evaluation.problems.append(Problem(
                    doc.file, doc.line, f"data.{namespace}.{rule.name}: result has no string msg"
                ))
                continue
            if message == "":
                doc_successes += 1
                continue
            target.append(_finding(plan, kind, rule, message, extra, doc))
            found += 1
    shortfall = sum(r.count for r in rules) - (found + doc_successes + errored)
    tally.successes += doc_successes + max(shortfall, 0)


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
        item=doc.item,
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
