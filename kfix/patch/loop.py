"""detect → render → apply → verify, round by round to a fixpoint, all documents in step.

Each round renders one candidate patch per open finding. A document's candidates are
first stacked and verified together (schema, one batched engine call for every
document, idempotence); only where a stack fails is each candidate checked alone, and
the verified ones combined per document, re-rendered on the state they land on, and
verified again. Nothing here writes a file.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import jsonpatch

from kfix import pointer as jp
from kfix.model import (
    DEFAULT_MAX_RISK,
    FIXED,
    NO_FIX,
    REJECTED,
    RISKS,
    SKIPPED,
    SUGGESTED,
    Document,
    Finding,
    PolicyInfo,
    Resolution,
)
from kfix.patch import evidence
from kfix.patch.fragments import Declined, Fragment, FragmentError, Fragments, needs_decision
from kfix.patch.invariants import introduced
from kfix.patch.schema import SchemaValidator
from kfix.patch.verify import identity, new_violations, still_present, unsafe

MAX_ROUNDS = 6
Detect = Callable[[Sequence[Document]], list[list[Finding]]]
Operations = list[dict[str, Any]]


@dataclass
class DocumentState:
    """One document on its way through the rounds."""

    original: Document
    content: Any
    findings: list[Finding]
    operations: list[dict[str, Any]] = field(default_factory=list)  # applied, in order
    settled: dict[tuple[str, str, str], Resolution] = field(default_factory=dict)
    lost_to: dict[tuple[str, str, str], str] = field(default_factory=dict)
    schema_errors: frozenset[str] | None = None  # the original's, computed when first needed

    def open_findings(self) -> list[Finding]:
        return sorted(
            (f for f in self.findings if identity(f) not in self.settled),
            key=lambda f: (f.policy_id, f.pointer, f.message),
        )

    def as_document(self, content: Any) -> Document:
        return replace(self.original, content=content)


@dataclass(frozen=True)
class Candidate:
    state: DocumentState
    finding: Finding
    fragment: Fragment
    operations: Operations
    patched: Any
    # why it is verified, then reported, and never applied: a value the policy leaves to
    # people, or a risk above --max-risk
    suggestion: str = ""
    risk: str = ""
    effect: str = ""


Applied = tuple[Candidate, Operations]  # a candidate and the operations it applied


class FixLoop:
    def __init__(
        self,
        detect: Detect,
        fragments: Fragments,
        policies: Mapping[str, PolicyInfo],
        schema: SchemaValidator | None,
        selected: frozenset[str] = frozenset(),
        max_risk: str = DEFAULT_MAX_RISK,
    ) -> None:
        self._detect = detect
        self._fragments = fragments
        self._policies = policies
        self._schema = schema
        self._selected = selected  # --policy-id: fix only these (empty: all)
        self._max_risk = max_risk  # --max-risk: riskier fixes are only suggested
        self.timings: dict[str, float] = {}

    @contextmanager
    def _timed(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - started

    def run(self, documents: Sequence[Document]) -> list[DocumentState]:
        with self._timed("detect"):
            found = self._detect(documents)
        states = [DocumentState(d, d.content, f) for d, f in zip(documents, found, strict=True)]
        for state in states:
            for finding in state.findings:
                if self._selected and finding.policy_id not in self._selected:
                    self._settle(state, finding, SKIPPED, "not selected by --policy-id")
        for _ in range(MAX_ROUNDS):
            candidates = [c for s in states for c in self._candidates(s)]
            if not candidates:
                break
            suggestions = [c for c in candidates if c.suggestion]
            if suggestions:
                self._suggest(suggestions)
                candidates = [c for c in candidates if not c.suggestion]
                if not candidates:
                    continue
            doubtful = self._accept_whole_stacks(candidates)
            if doubtful:
                self._combine(self._verify_alone(doubtful))
        for state in states:  # whatever is still open ran out of rounds
            for finding in state.open_findings():
                self._settle(state, finding, SKIPPED, f"open after {MAX_ROUNDS} rounds")
        return states

    def _settle(self, state: DocumentState, finding: Finding, status: str, reason: str,
                fragment: str = "", patch: Sequence[Mapping[str, Any]] = (),
                candidate: Candidate | None = None) -> None:
        conflict = state.lost_to.get(identity(finding))
        if conflict and conflict not in reason:
            reason = f"{reason} (after a {conflict})" if reason else conflict
        risk, effect = (candidate.risk, candidate.effect) if candidate else _declared(
            self._policy(finding))
        state.settled[identity(finding)] = Resolution(finding, status, reason, tuple(patch),
                                                      fragment, risk, effect)

    def _policy(self, finding: Finding) -> PolicyInfo | None:
        return self._policies.get(finding.policy_id)

    def _candidates(self, state: DocumentState) -> list[Candidate]:
        found = []
        for finding in state.open_findings():
            policy = self._policy(finding)
            try:
                fragment = self._fragments.find(finding, policy, state.content)
                if fragment is None:
                    self._settle(state, finding, NO_FIX, _no_fix_reason(policy, "no fragment"))
                    continue
                with self._timed("render"):
                    operations = self._fragments.render(fragment, state.content, finding, policy)
            except Declined as declined:
                self._settle(state, finding, NO_FIX, declined.reason)
                continue
            except FragmentError as exc:
                self._settle(state, finding, REJECTED, f"template error: {exc}")
                continue
            if not operations:
                self._settle(state, finding, NO_FIX,
                             _no_fix_reason(policy, "the fragment made no change"), fragment.path)
                continue
            with self._timed("apply"):
                reason = None if fragment.allow_remove else unsafe(state.content, operations)
                patched = None if reason else apply_patch(state.content, operations)
            if reason or isinstance(patched, str):
                reason = f"unsafe: {reason}" if reason else f"patch does not apply: {patched}"
                self._settle(state, finding, REJECTED, reason, fragment.path, operations)
                continue
            found.append(self._candidate(state, finding, fragment, operations, patched, policy))
        return found

    def _candidate(self, state: DocumentState, finding: Finding, fragment: Fragment,
                   operations: Operations, patched: Any, policy: PolicyInfo | None) -> Candidate:
        """The candidate with its risk: the policy's, raised to high where the inputs show
        the workload uses what the fix takes away; above --max-risk it is a suggestion."""
        risk, effect = _declared(policy)
        why = evidence.reasons(state.content, operations)
        if why:
            risk = RISKS[max(RISKS.index(risk), RISKS.index("high"))]
            effect = "; ".join([*why, effect] if effect else why)
        decision = needs_decision(fragment, operations, policy)
        if decision:
            suggestion = f"{decision} needs a human decision"
        elif RISKS.index(risk) > RISKS.index(self._max_risk):
            suggestion = f"risk {risk} is above --max-risk {self._max_risk}"
        else:
            suggestion = ""
        return Candidate(state, finding, fragment, operations, patched, suggestion, risk,
                         effect)

    def _schema_error(self, state: DocumentState, content: Any) -> str | None:
        """Schema errors the patch brings; a manifest's own old errors are not the fix's."""
        if self._schema is None:
            return None
        with self._timed("schema"):
            if state.schema_errors is None:
                original = self._schema.validate(state.original.content)
                state.schema_errors = frozenset(original.errors)
            errors = [e for e in self._schema.validate(content).errors
                      if e not in state.schema_errors]
        return f"schema error {'; '.join(errors)}" if errors else None

    def _verify_alone(self, candidates: list[Candidate]) -> list[Candidate]:
        """Schema, target gone, no new finding of any policy, idempotent: one engine call
        for all. (The whole-stack pass checks a document's fixes together first, so only a
        document whose stack failed gets here.)"""
        checked = self._schema_checked(candidates)
        with self._timed("verify"):
            after = self._detect([c.state.as_document(c.patched) for c in checked])
        verified = []
        for candidate, findings in zip(checked, after, strict=True):
            reason = self._rejection(candidate, candidate.patched, findings)
            if reason:
                self._settle(candidate.state, candidate.finding, REJECTED, reason,
                             candidate.fragment.path, candidate.operations, candidate)
            else:
                verified.append(candidate)
        return verified

    def _schema_checked(self, candidates: list[Candidate]) -> list[Candidate]:
        """The candidates whose patch brings no schema error; the others are rejected."""
        checked = []
        for candidate in candidates:
            reason = self._schema_error(candidate.state, candidate.patched)
            if reason:
                self._settle(candidate.state, candidate.finding, REJECTED, reason,
                             candidate.fragment.path, candidate.operations, candidate)
            else:
                checked.append(candidate)
        return checked

    def _suggest(self, candidates: list[Candidate]) -> None:
        """A fix too risky for --max-risk, or a model's patch that sets a value left to
        people: verified like a fix, then reported with the patch, and never applied."""
        candidates = self._schema_checked(candidates)
        with self._timed("verify"):
            after = self._detect([c.state.as_document(c.patched) for c in candidates])
        for candidate, findings in zip(candidates, after, strict=True):
            reason = self._rejection(candidate, candidate.patched, findings)
            proposal = json.dumps(candidate.operations)
            if reason:
                self._settle(candidate.state, candidate.finding, REJECTED,
                             f"suggestion {reason}: {proposal}",
                             candidate.fragment.path, candidate.operations, candidate)
            else:
                self._settle(candidate.state, candidate.finding, SUGGESTED,
                             f"verified suggestion, not written: {candidate.suggestion}; "
                             f"{candidate.effect or 'it would apply'} {proposal}",
                             candidate.fragment.path, candidate.operations, candidate)

    def _rejection(self, candidate: Candidate, patched: Any, findings: list[Finding]) -> str:
        if still_present(candidate.finding, findings):
            return "still present"
        new = new_violations(candidate.state.findings, findings)
        if new:
            return "new violation " + ", ".join(sorted({f.policy_id for f in new}))
        broken = introduced(candidate.state.original.content, patched)
        if broken:
            return "; ".join(map(str, broken))
        if not self._idempotent(candidate, patched):
            return "not idempotent"
        return ""

    def _idempotent(self, candidate: Candidate, patched: Any) -> bool:
        """Rendering the fix again on the patched document changes nothing."""
        try:
            again = self._fragments.render(candidate.fragment, patched, candidate.finding,
                                           self._policy(candidate.finding))
        except (FragmentError, Declined):
            return False
        return bool(apply_patch(patched, again) == patched)

    def _accept_whole_stacks(self, candidates: list[Candidate]) -> list[Candidate]:
        """The common case first: every fix of a document stacked and verified at once.

        Each stacked fix must still meet every check on the result (its finding gone, no
        new finding, idempotent, schema); a document whose stack fails gets each fix
        checked alone instead, so a bad fix is found and named. Returns those candidates.
        """
        stacks = [self._stack(group, record_conflicts=False) for group in _by_state(candidates)]
        with self._timed("verify"):
            results = self._detect([g[0].state.as_document(c) for g, _, c in stacks])
        doubtful = []
        for (group, applied, content), findings in zip(stacks, results, strict=True):
            state = group[0].state
            if len(applied) == len(group) and self._holds(state, applied, content, findings):
                self._accept(state, applied, content, findings)
            else:
                doubtful += group
        return doubtful

    def _holds(self, state: DocumentState, applied: list[Applied], content: Any,
               findings: list[Finding]) -> bool:
        if any(still_present(c.finding, findings) for c, _ in applied):
            return False
        if new_violations(state.findings, findings) or self._schema_error(state, content):
            return False
        if introduced(state.original.content, content):
            return False
        return all(self._idempotent(candidate, content) for candidate, _ in applied)

    def _combine(self, verified: list[Candidate]) -> None:
        """Per document, stack the verified patches; verify the stack as a whole."""
        stacks = [self._stack(group) for group in _by_state(verified)]
        with self._timed("verify"):
            results = self._detect([g[0].state.as_document(c) for g, _, c in stacks])
        for (group, applied, content), findings in zip(stacks, results, strict=True):
            state = group[0].state
            broken = any(still_present(c.finding, findings) for c, _ in applied) or (
                new_violations(state.findings, findings) or self._schema_error(state, content)
                or introduced(state.original.content, content)
            )
            if broken and len(applied) > 1:  # take the first alone: it was verified alone
                first = group[0]
                applied, content = [(first, first.operations)], first.patched
                findings = self._detect([state.as_document(content)])[0]
            elif broken:
                continue
            self._accept(state, applied, content, findings)

    def _stack(self, group: list[Candidate], *, record_conflicts: bool = True
               ) -> tuple[list[Candidate], list[Applied], Any]:
        """Apply the group's fixes in order, each re-rendered on the state it lands on.

        A fix that would overwrite what an earlier fix of this round wrote waits for the
        next round (the report names the winner); so does one that no longer renders.
        """
        state = group[0].state
        content = state.content
        applied: list[Applied] = []
        for candidate in group:
            try:
                ops = self._fragments.render(candidate.fragment, content, candidate.finding,
                                             self._policy(candidate.finding))
            except (FragmentError, Declined):
                continue
            if not candidate.fragment.allow_remove and unsafe(content, ops):
                continue  # re-rendered on this state it would remove too much: not now
            clash = next((c for c, earlier in applied if _overwrites(ops, earlier)), None)
            patched = None if clash else apply_patch(content, ops)
            if clash is not None and record_conflicts:
                state.lost_to[identity(candidate.finding)] = (
                    f"conflict on {ops[0]['path']}, where the fix for "
                    f"{clash.finding.policy_id} won"
                )
            elif clash is None and not isinstance(patched, str):
                content = patched
                applied.append((candidate, ops))
        return group, applied, content

    def _accept(self, state: DocumentState, applied: list[Applied], content: Any,
                findings: list[Finding]) -> None:
        before = state.findings
        state.content, state.findings = content, findings
        winners = ", ".join(sorted({c.finding.policy_id for c, _ in applied}))
        for candidate, ops in applied:
            state.operations.extend(ops)
            self._settle(state, candidate.finding, FIXED, candidate.fragment.note,
                         candidate.fragment.path, ops, candidate)
        for finding in before:  # fixed along the way by another policy's patch
            if identity(finding) not in state.settled and not still_present(finding, findings):
                self._settle(state, finding, FIXED, f"resolved by the fix for {winners}")


def _by_state(candidates: list[Candidate]) -> list[list[Candidate]]:
    """Candidates grouped by document, each group in the order given."""
    groups: dict[int, list[Candidate]] = {}
    for candidate in candidates:
        groups.setdefault(id(candidate.state), []).append(candidate)
    return list(groups.values())


def apply_patch(content: Any, operations: Sequence[Mapping[str, Any]]) -> Any:
    """The patched copy, or the reason the patch does not apply (a str)."""
    try:
        return jsonpatch.JsonPatch(list(operations)).apply(jp.copied(content), in_place=True)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError) as exc:
        return str(exc)


def _overwrites(operations: Operations, earlier: Operations) -> bool:
    """Two fixes on one path: the later one targets a path the earlier one wrote, or a
    parent of it. Writing inside what the earlier one created is no conflict."""
    written = [op["path"] for op in earlier]
    return any(
        path == old or old.startswith(path + "/")
        for path in (op["path"] for op in operations) for old in written
    )


def _no_fix_reason(policy: PolicyInfo | None, default: str) -> str:
    stated = policy.custom.get("no_fix_reason") if policy else None
    return str(stated) if stated else default


def _declared(policy: PolicyInfo | None) -> tuple[str, str]:
    """The risk and effect a policy's METADATA declares for its fix. A fix that declares
    none counts as medium: written under the default --max-risk, as its author wrote it."""
    custom = policy.custom if policy is not None else {}
    risk = custom.get("risk")
    effect = custom.get("effect")
    return (risk if risk in RISKS else "medium"), (effect if isinstance(effect, str) else "")
