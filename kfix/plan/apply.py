"""`kfix apply` and `kfix rollback`: approved actions written, proved, recorded; and undone.

Apply works file by file. A file whose bytes no longer match the sha256 its actions were
planned on is not touched (`stale`). Otherwise its approved actions are applied in the
order they were computed, every document is verified again (checker.py), the new text is
proved by parsing it back, and the file is replaced atomically, only over the bytes that
were read (kfix.writer.files); then it is read back and scanned (`applied`, then
`verified`). One failing action leaves its whole file as it was; a re-scan that fails
puts the original bytes back. Each action handled is one audit record.

Rollback puts back the exact bytes a file had before its apply (kept in the plan by
sha256), only while the file still holds what the apply wrote; every action that apply
wrote in the file is rolled back with it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from kfix.cluster import REQUEST_TIMEOUT
from kfix.errors import WriteError
from kfix.load import lists, manifests
from kfix.model import APPLIED, APPROVED, FAILED, ROLLED_BACK, STALE, VERIFIED, Document
from kfix.plan import audit
from kfix.plan.apply_live import apply_live
from kfix.plan.check import Checker, checker
from kfix.plan.decide import find, now
from kfix.plan.model import (
    Action,
    AuditHead,
    ClusterTarget,
    FileTarget,
    Handled,
    Outcome,
    Plan,
    sha256_hex,
)
from kfix.plan.outcomes import failed, patched_in_turn, settled
from kfix.writer.files import write_atomic
from kfix.writer.text import apply_to_text


@dataclass(frozen=True)
class RunResult:
    plan: Plan
    handled: tuple[Handled, ...] = ()

    @property
    def exit_code(self) -> int:
        return 1 if any(h.result in (STALE, FAILED) for h in self.handled) else 0


def apply(plan: Plan, base: str, audit_log: str,
          checkpoint: Callable[[Plan], None] = lambda plan: None,
          kubeconfig: str | None = None, request_timeout: float = REQUEST_TIMEOUT,
          ) -> RunResult:
    """Apply the plan's approved actions; `base` is the plan's directory.

    `checkpoint` is given the plan as soon as a file is written (its actions `applied`,
    its old text kept), so a run that dies before its re-scan still leaves a plan that
    can roll the file back. Actions on live objects go to their context's cluster
    through `kubeconfig` (kfix.plan.apply_live)."""
    approved = [a for a in plan.actions if a.state == APPROVED]
    if not approved:
        return RunResult(plan)
    by_file: dict[str, list[Action]] = {}
    for action in approved:
        if isinstance(action.target, FileTarget):
            by_file.setdefault(action.file, []).append(action)
    live = [a for a in _ordered(approved, plan) if isinstance(a.target, ClusterTarget)]
    handled: list[Handled] = []
    with checker(plan.options) as check:
        if live:
            handled += apply_live(live, check, kubeconfig, request_timeout)
        for path, actions in by_file.items():
            prepared = _prepare(os.path.join(base, path), actions, check, plan)
            if not isinstance(prepared, _Write):
                handled += prepared
                continue
            try:
                write_atomic(prepared.path, prepared.after, expected=prepared.before)
            except WriteError as exc:
                handled += settled(actions, FAILED, exc.message, prepared.digest)
                continue
            written = sha256_hex(prepared.after.encode())
            plan = replace(plan, originals={**plan.originals,
                                            prepared.digest: prepared.before})
            plan = plan.with_actions({h.action.id: h.action for h in settled(
                actions, APPLIED, "", prepared.digest, written)})
            checkpoint(plan)
            rescan = _rescan(prepared, check)
            if rescan:
                try:
                    write_atomic(prepared.path, prepared.before, expected=prepared.after)
                    undone = "original bytes put back"
                except WriteError as exc:  # the plan keeps them: `kfix rollback` can
                    undone = f"original bytes not put back: {exc.message}"
                handled += settled(actions, FAILED, f"re-scan after writing: {rescan}; "
                                   f"{undone}", prepared.digest, written)
            else:
                handled += settled(actions, VERIFIED, "", prepared.digest, written)
    updated = replace(plan.with_actions({h.action.id: h.action for h in handled}),
                      audit=_record(audit_log, base, plan, "apply", handled))
    return RunResult(updated, tuple(handled))


@dataclass(frozen=True)
class _Write:
    """A file's verified new text, ready to be written over the text it was made from."""

    path: str
    before: str
    after: str
    digest: str  # of `before`'s bytes: the planned sha256
    documents: Mapping[tuple[int, str], Document]
    groups: Mapping[tuple[int, str], Sequence[Action]]


def _prepare(path: str, actions: Sequence[Action], check: Checker,
             plan: Plan) -> _Write | list[Handled]:
    """The file's new text, verified and proved; or why its actions cannot be applied."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        return settled(actions, FAILED, f"cannot read: {exc.strerror}")
    digest = sha256_hex(raw)
    planned = actions[0].target
    assert isinstance(planned, FileTarget)
    if digest != planned.sha256:
        return settled(actions, STALE,
                        "the file changed since the plan was made: nothing written", digest)
    text = raw.decode("utf-8")
    bom = manifests.BOM if text.startswith(manifests.BOM) else ""
    loaded = lists.expanded(manifests.parse(path, text[len(bom):]))
    documents = {(d.index, d.item): d for d in loaded.documents}
    groups: dict[tuple[int, str], list[Action]] = {}
    for action in _ordered(actions, plan):
        target = action.target
        assert isinstance(target, FileTarget)
        groups.setdefault((target.document, target.item), []).append(action)
    failures: dict[str, str] = {}
    contents: dict[tuple[int, str], Any] = {}
    approved = {a.id for a in actions}
    for key, group in groups.items():
        document = documents.get(key)
        if document is None:
            failures.update({a.id: "its document is not in the file" for a in group})
            continue
        content = patched_in_turn(document.content, group, approved, failures)
        contents[key] = content
        if not failures:
            failures.update(check.reasons(document, content, group))
    if failures:
        return failed(actions, failures, digest, "file")
    patches: dict[int, list[Any]] = {}
    for (index, item), group in groups.items():
        ops = [op for a in group for op in a.patch]
        patches.setdefault(index, []).extend(lists.operations(item, ops))
    try:
        after = apply_to_text(loaded.text, path, patches)
    except WriteError as exc:
        return settled(actions, FAILED, f"cannot write back: {exc.message}", digest)
    expected = manifests.contents(loaded)
    expected.update(contents)
    if manifests.reread(loaded, after) != expected:
        return settled(actions, FAILED,
                        "write-back would not give the verified documents back", digest)
    return _Write(path, text, bom + after, digest, documents, groups)


def _ordered(actions: Sequence[Action], plan: Plan) -> list[Action]:
    """The approved actions in the order they were computed: each after those it builds on
    (the plan lists them by rank)."""
    position = {a.id: n for n, a in enumerate(plan.actions)}
    pending = sorted(actions, key=lambda a: (len(a.after), position[a.id]))
    placed: list[Action] = []
    ids = {a.id for a in actions}
    while pending:
        ready = next((a for a in pending if all(i in {p.id for p in placed} or i not in ids
                                                 for i in a.after)), pending[0])
        pending.remove(ready)
        placed.append(ready)
    return placed


def _rescan(written: _Write, check: Checker) -> str:
    """Read the written file back and check each changed document again; "" when clean."""
    reread = lists.expanded(manifests.read(written.path))
    if reread.problems:
        return str(reread.problems[0])
    now_there = {(d.index, d.item): d for d in reread.documents}
    for key, group in written.groups.items():
        document = now_there.get(key)
        if document is None:
            return f"document {key[0]} is gone"
        reasons = check.reasons(written.documents[key], document.content, group)
        if reasons:
            return next(iter(reasons.values()))
    return ""


def rollback(plan: Plan, base: str, ids: Sequence[str], audit_log: str) -> RunResult:
    """Put back the bytes of the files the chosen applied actions changed (all, without ids)."""
    applied = [a for a in plan.actions if a.state in (APPLIED, VERIFIED) and a.outcome]
    chosen = [find(plan, i) for i in ids] if ids else applied
    live = [a for a in chosen if isinstance(a.target, ClusterTarget)]
    chosen = [a for a in chosen if a not in live]
    applied = [a for a in applied if a not in live]
    keys = {(a.file, a.outcome.after_sha256) for a in chosen if a.outcome and a in applied}
    handled: list[Handled] = [Handled(a, FAILED, f"it is {a.state}, not applied")
                              for a in chosen if a not in applied]
    handled += [Handled(a, FAILED, "a live object is not rolled back: make a plan for it "
                        "with kfix plan --cluster") for a in live]
    for file, after_sha in sorted(keys):
        group = [a for a in applied if a.outcome and (a.file, a.outcome.after_sha256)
                 == (file, after_sha)]
        handled += _rollback_file(os.path.join(base, file), group, plan.originals)
    changed = {h.action.id: h.action for h in handled if h.result == ROLLED_BACK}
    return RunResult(replace(plan.with_actions(changed),
                             audit=_record(audit_log, base, plan, "rollback", handled)),
                     tuple(handled))


def _rollback_file(path: str, group: Sequence[Action],
                   originals: Mapping[str, str]) -> list[Handled]:
    at = now()
    outcome = group[0].outcome
    assert outcome is not None

    def settle(result: str, message: str, after: str = "") -> list[Handled]:
        state = ROLLED_BACK if result == ROLLED_BACK else None
        return [Handled(replace(a, state=state or a.state,
                                outcome=Outcome(at, outcome.after_sha256, after, message)
                                if state else a.outcome), result, message) for a in group]

    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        return settle(FAILED, f"cannot read: {exc.strerror}")
    if sha256_hex(raw) != outcome.after_sha256:
        return settle(STALE, "the file changed since the apply: not rolled back")
    before = originals.get(outcome.before_sha256)
    if before is None:
        return settle(FAILED, "the plan holds no copy of the file before the apply")
    try:
        write_atomic(path, before, expected=raw.decode("utf-8"))
    except WriteError as exc:
        return settle(FAILED, exc.message)
    with open(path, "rb") as handle:
        restored = sha256_hex(handle.read())
    if restored != outcome.before_sha256:
        return settle(FAILED, "the restored file does not match the bytes before the apply")
    also = "" if len(group) == 1 else f"with {', '.join(a.id for a in group)} (one write)"
    return settle(ROLLED_BACK, also, restored)


def _record(log: str, base: str, plan: Plan, operation: str,
            handled: Sequence[Handled]) -> AuditHead | None:
    """Append the run's records; the log's new end, for the plan to keep."""
    if not handled:
        return plan.audit
    records = []
    for h in handled:
        action, outcome = h.action, h.action.outcome
        records.append({
            "operation": operation,
            "at": outcome.at if outcome else now(),
            "plan": plan.id,
            "action": action.id,
            "approver": vars(action.decision) if action.decision else None,
            "file": action.file,
            **({"object": action.target.address} if isinstance(action.target, ClusterTarget)
               else {}),
            "policy": action.policy,
            "before_sha256": outcome.before_sha256 if outcome else "",
            "after_sha256": outcome.after_sha256 if outcome else "",
            "patch": [dict(op) for op in action.patch],
            "result": h.result,
            "message": h.message,
        })
    count, head = audit.append(log, records)
    return AuditHead(os.path.relpath(os.path.abspath(log), base), count, head)
