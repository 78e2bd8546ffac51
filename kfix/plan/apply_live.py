"""`kfix apply` for approved actions on live objects: re-read, re-verify, server-side
apply (dry run first), read back, re-evaluate.

Object by object: it is read again (GET) and must still have the resourceVersion the plan
was made on, else its actions are `stale` and nothing is sent. Its approved actions are
applied to it in the order they were computed and verified with the plan's policies, as
for a file; then kfix.cluster.apply sends it (dryRun=All, then for real, both with that
resourceVersion, so a change in between is a conflict, not an overwrite) and reads it
back. The object as read back is checked again: `verified` when the findings are gone
and nothing new appears, `applied` (with the reason) when not. Any failure before the
apply leaves the object untouched.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import urllib3
from kubernetes.dynamic.exceptions import DynamicApiError

from kfix.cluster.apply import server_side_apply
from kfix.cluster.connect import ClusterUnavailable, Session, connect, failure
from kfix.cluster.read import read_object, served
from kfix.model import APPLIED, FAILED, STALE, VERIFIED, Document
from kfix.plan.check import Checker
from kfix.plan.model import Action, ClusterTarget, Handled, sha256_hex
from kfix.plan.outcomes import failed, patched_in_turn, settled


def apply_live(actions: Sequence[Action], check: Checker, kubeconfig: str | None,
               timeout: float) -> list[Handled]:
    """The approved cluster actions, in the order to apply them, handled object by object."""
    by_object: dict[str, list[Action]] = {}
    for action in actions:
        assert isinstance(action.target, ClusterTarget)
        by_object.setdefault(action.target.address, []).append(action)
    sessions: dict[str, Session | str] = {}  # by context; a str: why it cannot be reached
    handled: list[Handled] = []
    for group in by_object.values():
        target = group[0].target
        assert isinstance(target, ClusterTarget)
        if target.context not in sessions:
            try:
                sessions[target.context] = connect(kubeconfig, target.context)
            except ClusterUnavailable as error:
                sessions[target.context] = error.message
        session = sessions[target.context]
        if isinstance(session, str):
            handled += settled(group, FAILED, f"context {target.context}: {session}")
        else:
            handled += _apply_object(session, target, group, check, timeout)
    return handled


def _apply_object(session: Session, target: ClusterTarget, actions: Sequence[Action],
                  check: Checker, timeout: float) -> list[Handled]:
    def settle(state: str, message: str = "", before: str = "", after: str = ""
               ) -> list[Handled]:
        return settled(actions, state, message, before, after)

    resource_of = actions[0].resource
    try:
        resource = served(session, resource_of.api_version, timeout).get(target.kind)
        if resource is None:
            return settle(FAILED, f"{target.kind} is not served by the cluster")
        live = read_object(session, resource, target.namespace or None, target.name, timeout)
    except (DynamicApiError, urllib3.exceptions.HTTPError) as error:
        if isinstance(error, DynamicApiError) and error.status == 404:
            return settle(STALE, "the object is gone since the plan was made: nothing applied")
        return settle(FAILED, f"cannot read the object: {failure(error, timeout)}")
    before = _digest(live.content)
    if live.resource_version != target.resource_version:
        return settle(STALE, f"the object changed since the plan was made (resourceVersion "
                      f"{target.resource_version} → {live.resource_version}): nothing applied",
                      before)
    failures: dict[str, str] = {}
    content = patched_in_turn(live.content, actions, {a.id for a in actions}, failures)
    document = Document(file=live.address, index=0, line=0, content=live.content,
                        line_of=lambda _pointer: 0)
    if not failures:
        failures.update(check.reasons(document, content, actions))
    if failures:
        return failed(actions, failures, before, "object")
    applied = server_side_apply(session, resource, content,
                                resource_version=live.resource_version, timeout=timeout)
    if not applied.applied:
        return settle(FAILED, f"{applied.failure} at the {applied.stage}: {applied.message}",
                      before)
    if applied.live is None:
        return settle(APPLIED, applied.message, before)
    reasons = check.reasons(document, applied.live, actions)
    if reasons:
        return settle(APPLIED, f"re-scan of the object read back: "
                      f"{next(iter(reasons.values()))}", before, _digest(applied.live))
    return settle(VERIFIED, "", before, _digest(applied.live))


def _digest(content: Mapping[str, Any]) -> str:
    """sha256 of the object's canonical JSON, for the audit log's before and after."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return sha256_hex(canonical.encode())
