"""Reviews against constraints: matching in Python, then one engine call per batch.

Every template is in one engine; a batch lists (review, constraint) pairs that match,
and one fixed query answers all of them, each under Gatekeeper's input contract.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from kfix.engine import DEFAULT_TIMEOUT, Engine, select_engine
from kfix.engine.lint import LintOptions, check
from kfix.errors import EvalError, PolicyError
from kfix.evaluate.rules import BATCH_SIZE, Evaluation
from kfix.gatekeeper.match import matches
from kfix.gatekeeper.review import inventory, namespaces_of, review_of
from kfix.gatekeeper.templates import TEMPLATES_PACKAGE, Constraint, Library
from kfix.model import FAILURE, WARNING, CheckResult, Document, Finding, Problem, Resource

ACTION_OUTCOME = {"deny": FAILURE, "warn": WARNING}  # dryrun: reported by verify only


@dataclass(frozen=True)
class Violation:
    constraint: Constraint
    message: str
    details: Any = None


def _query(per_query_inventory: bool) -> str:
    """Each pair's violations, with input = {review, parameters}; with-values are plain
    variables, since OPA 1.20 lets a comprehension's `with` see the outer input otherwise."""
    inventory = " with data.inventory as inv" if per_query_inventory else ""
    bind = "inv := input.inventory; " if per_query_inventory else ""
    return (
        f"{bind}out := [r | some i; pair := input.pairs[i]; k := pair.kind; "
        'doc := {"review": input.reviews[pair.review], "parameters": pair.parameters}; '
        f"r := [v | some v in data.{TEMPLATES_PACKAGE}[k].violation] "
        f"with input as doc{inventory}]"
    )


class Checker:
    """One engine with every usable template of a library, and the constraints to apply."""

    def __init__(self, library: Library, engine: str | None = None,
                 lint: LintOptions | None = None, data: Mapping[str, Any] | None = None,
                 namespaces: Mapping[str, Mapping[str, Any]] | None = None,
                 coverage: bool = False, timeout: float | None = DEFAULT_TIMEOUT):
        self.problems: list[Problem] = list(library.problems)
        self.coverage = coverage
        self.coverage_reports: list[dict[str, Any]] = []  # by template file, not module
        self.library = library
        # Namespace objects for namespaceSelector: those of the run, also while a fix
        # is verified on a few patched documents
        self.namespaces = namespaces or {}
        self._timeout = timeout
        self._engine = self._open(library, engine, lint or LintOptions(), data or {})

    def _open(self, library: Library, name: str | None, lint: LintOptions,
              data: Mapping[str, Any]) -> Engine:
        """Templates that do not compile are reported and left out; the rest load."""
        errors = check(library.modules, lint)
        while True:
            if errors:
                self.problems += [Problem(library.origin(e.file), e.line, e.message)
                                  for e in errors]
                library = _without(library, {e.file for e in errors})
                self.library = library
            engine = select_engine(name, self._timeout)
            try:
                engine.load(library.modules, data, {})
                return engine
            except PolicyError as exc:
                engine.close()
                errors = list(exc.all())
                if not {e.file for e in errors} & set(library.modules):
                    raise  # not a template's fault: nothing to leave out
            except BaseException:
                engine.close()
                raise

    def close(self) -> None:
        self._engine.close()

    def review(self, reviews: Sequence[Mapping[str, Any]],
               namespaces: Mapping[str, Mapping[str, Any]] | None = None,
               inventory_data: Mapping[str, Any] | None = None,
               ) -> list[dict[Constraint, list[Violation]]]:
        """Per review, each constraint that matches it and its violations."""
        namespaces = self.namespaces if namespaces is None else namespaces
        pairs = [(index, constraint) for index, item in enumerate(reviews)
                 for constraint in self.library.constraints
                 if matches(constraint.match, item, namespaces)]
        found: list[dict[Constraint, list[Violation]]] = [{} for _ in reviews]
        for start in range(0, len(pairs), BATCH_SIZE):
            chunk = pairs[start:start + BATCH_SIZE]
            answers = self._ask(reviews, chunk, inventory_data)
            for (index, constraint), violations in zip(chunk, answers, strict=True):
                found[index][constraint] = violations
        return found

    def _ask(self, reviews: Sequence[Mapping[str, Any]], pairs: list[tuple[int, Constraint]],
             inventory_data: Mapping[str, Any] | None) -> list[list[Violation]]:
        """One query for the pairs; on an engine error, pair by pair, the failing one
        reported as a problem of its constraint and counted as no violation."""
        used = sorted({i for i, _ in pairs})
        position = {index: n for n, index in enumerate(used)}
        payload: dict[str, Any] = {
            "reviews": [reviews[i] for i in used],
            "pairs": [{"review": position[i], "kind": c.kind, "parameters": c.parameters}
                      for i, c in pairs],
        }
        if inventory_data is not None:
            payload["inventory"] = inventory_data
        try:
            answer = self._engine.query(_query(inventory_data is not None), payload,
                                        coverage=self.coverage)
        except EvalError as exc:
            if len(pairs) > 1:
                return [v for pair in pairs for v in self._ask(reviews, [pair], inventory_data)]
            (_, constraint), = pairs
            self.problems.append(Problem(constraint.file, constraint.line,
                                         f"{constraint.id}: policy error: {exc}"))
            return [[]]
        if answer.coverage:
            self.coverage_reports.append(self._by_file(answer.coverage))
        values = answer.bindings[0]["out"] if answer.bindings else [[] for _ in pairs]
        return [[self._violation(c, v) for v in results]
                for (_, c), results in zip(pairs, values, strict=True)]

    def _by_file(self, report: Mapping[str, Any]) -> dict[str, Any]:
        """A coverage report with modules folded into their YAML files; the padding of
        the modules makes the lines those of the files already."""
        files: dict[str, dict[str, list[Any]]] = {}
        for module, lines in (report.get("files") or {}).items():
            merged = files.setdefault(self.library.origin(module), {})
            for key in ("covered", "not_covered"):
                merged.setdefault(key, []).extend(lines.get(key) or [])
        return {"files": files}

    def _violation(self, constraint: Constraint, value: Any) -> Violation:
        if isinstance(value, Mapping) and isinstance(value.get("msg"), str):
            return Violation(constraint, value["msg"], value.get("details"))
        return Violation(constraint, f"violation without a string msg: {json.dumps(value)}")

    def check_documents(self, documents: Sequence[Document]
                        ) -> list[dict[Constraint, list[Finding]]]:
        """Per document, each matching constraint and its findings. dryrun constraints
        match but report nothing."""
        reviews = [review_of(d.content) if isinstance(d.content, Mapping) else {}
                   for d in documents]
        return [{c: [_finding(v, doc) for v in vs] if c.action in ACTION_OUTCOME else []
                 for c, vs in found.items()}
                for doc, found in zip(documents, self.review(reviews), strict=True)]

    def findings(self, documents: Sequence[Document]) -> list[list[Finding]]:
        return [[f for fs in found.values() for f in fs]
                for found in self.check_documents(documents)]

    def check_files(self, files: Sequence[tuple[str, Sequence[Document]]]) -> Evaluation:
        """conftest-style results: per file, one CheckResult per constraint; a document
        the constraint matches without a finding is a success."""
        per_doc = iter(self.check_documents([doc for _, docs in files for doc in docs]))
        evaluation = Evaluation()
        for path, docs in files:
            checked = [next(per_doc) for _ in docs]
            for constraint in self.library.constraints:
                own = [found[constraint] for found in checked if constraint in found]
                findings = [f for fs in own for f in fs]
                evaluation.results.append(CheckResult(
                    path, constraint.id,
                    successes=sum(1 for fs in own if not fs),
                    failures=tuple(f for f in findings if f.outcome == FAILURE),
                    warnings=tuple(f for f in findings if f.outcome == WARNING),
                ))
        evaluation.problems += self.problems
        return evaluation


def _finding(violation: Violation, doc: Document) -> Finding:
    constraint = violation.constraint
    metadata: dict[str, Any] = {"enforcementAction": constraint.action}
    if violation.details is not None:
        metadata["details"] = violation.details
    return Finding(
        outcome=ACTION_OUTCOME[constraint.action],
        policy_id=constraint.id,
        rule="violation",
        namespace=constraint.kind,
        message=violation.message,
        file=doc.file,
        document=doc.index,
        line=doc.line,
        resource=Resource.of(doc.content),
        metadata=metadata,
        item=doc.item,
    )


def _without(library: Library, modules: set[str]) -> Library:
    """The library less the templates these engine modules belong to."""
    kept = {k: t for k, t in library.templates.items() if not modules & set(t.modules)}
    return replace(library, templates=kept,
                   constraints=tuple(c for c in library.constraints if c.kind in kept))


@contextmanager
def checker(library: Library, engine: str | None, lint: LintOptions,
            documents: Sequence[Document] = (),
            timeout: float | None = DEFAULT_TIMEOUT) -> Iterator[Checker]:
    """A Checker for a run over these documents: they are `data.inventory`, and their
    Namespaces are what namespaceSelector sees. Closed after."""
    contents = [d.content for d in documents]
    uses = any(t.uses_inventory for t in library.templates.values())
    data = {"inventory": inventory(contents)} if uses else {}
    made = Checker(library, engine, lint, data, namespaces_of(contents), timeout=timeout)
    try:
        yield made
    finally:
        made.close()
