"""The fix run's checks, again, on the documents an apply is about to write or wrote.

Set up from the options the plan recorded, so an apply verifies with the policies the
plan was made with: the action's finding is gone, no policy reports anything new, no
runtime invariant breaks and no schema error appears (kfix.patch.verify, invariants,
schema).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from kfix.engine import Engine
from kfix.evaluate.rules import Plan as RulePlan
from kfix.evaluate.rules import detect
from kfix.model import Document
from kfix.patch.invariants import introduced
from kfix.patch.schema import DEFAULT_KUBE_VERSION, SchemaValidator
from kfix.patch.verify import new_violations
from kfix.plan.model import Action
from kfix.runner.scan import ScanOptions, evaluator, policy_set


@dataclass(frozen=True)
class Checker:
    engine: Engine
    rules: RulePlan
    schema: SchemaValidator

    def reasons(self, document: Document, content: Any,
                actions: Sequence[Action]) -> dict[str, str]:
        """Why each action fails on `content`, the document's new state; {} when all pass."""
        before, after = detect(self.engine, self.rules,
                               [document, replace(document, content=content)])[0]
        present = {(f.policy_id, f.pointer, f.message) for f in after}
        found = {a.id: "its finding is still present" for a in actions
                 if (a.policy, a.pointer, a.message) in present}
        shared = []
        new = new_violations(before, after)
        if new:
            shared.append("new violation " + ", ".join(sorted({f.policy_id for f in new})))
        shared += map(str, introduced(document.content, content))
        old = set(self.schema.validate(document.content).errors)
        errors = [e for e in self.schema.validate(content).errors if e not in old]
        if errors:
            shared.append("schema error " + "; ".join(errors))
        if shared:
            found.update({a.id: "; ".join(shared) for a in actions if a.id not in found})
        return found


@contextmanager
def checker(options: Mapping[str, Any]) -> Iterator[Checker]:
    scan = scan_options(options.get("scan", {}))
    schema = SchemaValidator(options.get("kube_version") or DEFAULT_KUBE_VERSION)
    with evaluator(policy_set(scan), scan) as (engine, rules):
        yield Checker(engine, rules, schema)


def scan_options(recorded: Mapping[str, Any]) -> ScanOptions:
    """ScanOptions from their JSON form (lists back to tuples)."""
    fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
                              for k, v in recorded.items()}
    return ScanOptions(**fields)
