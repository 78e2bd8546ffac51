"""`kfix plan`: every verified fix of a fix run becomes a proposed, ranked action.

Fixes of every risk are proposed (the run uses --max-risk high: people decide with
`kfix approve --max-risk`), and so are verified suggestions that set a value left to
people: approving one is that decision. Findings without a patch of their own (no-fix,
rejected, or resolved by another fix) are not actions.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from kfix.errors import PlanError, UsageError, WriteError
from kfix.load import lists, manifests
from kfix.model import FIXED, SUGGESTED, Problem, Resolution
from kfix.plan.model import Action, ClusterTarget, FileTarget, Plan, action_id, sha256_hex
from kfix.plan.order import in_order
from kfix.plan.rank import Inventory, ranked
from kfix.runner.fix import FixOptions, fix
from kfix.writer.diff import unified_diff
from kfix.writer.text import apply_to_text


def propose(paths: Sequence[str], options: FixOptions, plan_path: str
            ) -> tuple[Plan, tuple[Problem, ...]]:
    """The plan for the inputs, with paths relative to the plan's directory, and the
    problems of the fix run (files that could not be read or fixed)."""
    check_plannable(options)
    files = manifests.discover(paths, options.scan.ignore)
    if manifests.STDIN in files:
        raise PlanError("a plan applies to files: standard input cannot be planned")
    digests = {f: _digest(f) for f in files}
    result = fix(paths, dataclasses.replace(options, max_risk="high"))
    loaded = {f.path: f for f in manifests.load(files) if not f.problems}
    if any(_digest(f) != digests[f] for f in files):  # the fix and this text are of them
        raise PlanError("an input changed while the plan was made; run kfix plan again")
    base = os.path.dirname(os.path.abspath(plan_path))
    inventory = Inventory.of(d.content for f in loaded.values() for d in f.documents)
    by_document: dict[tuple[str, int, str], list[Resolution]] = {}
    for resolution in result.resolutions:
        if resolution.status in (FIXED, SUGGESTED) and resolution.patch:
            finding = resolution.finding
            key = (finding.file, finding.document, finding.item)
            by_document.setdefault(key, []).append(resolution)
    actions: list[Action] = []
    for (file, index, item), resolutions in by_document.items():
        source = loaded.get(file)
        if source is None:
            continue
        document = next(d for d in source.documents if (d.index, d.item) == (index, item))
        target = FileTarget(os.path.relpath(os.path.abspath(file), base), index, item,
                            digests[file])
        proposed = [proposed_action(r, target, inventory.exposure(document.content))
                    for r in resolutions]
        for action in in_order(document.content, proposed):
            actions.append(dataclasses.replace(
                action, diff=_diff(source, target, action, {a.id: a for a in proposed})))
    return new_plan(paths, actions, options), result.problems


def check_plannable(options: FixOptions) -> None:
    """What a plan cannot hold yet is refused before any work."""
    if options.scan.gatekeeper_paths:
        raise UsageError("kfix plan does not take --gatekeeper yet: apply could not verify "
                         "its actions with the same constraints")


def new_plan(inputs: Sequence[str], actions: Sequence[Action], options: FixOptions) -> Plan:
    """The actions ranked, under a new plan id."""
    actions = ranked(actions)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    plan_id = sha256_hex(json.dumps([created, [(a.id, a.file) for a in actions]]).encode())
    return Plan(plan_id[:12], created, tuple(inputs), tuple(actions),
                options=recorded_options(options))


def _digest(path: str) -> str:
    """The file's sha256; "" for one that cannot be read (the fix run reports it)."""
    try:
        with open(path, "rb") as handle:
            return sha256_hex(handle.read())
    except OSError:
        return ""


def proposed_action(resolution: Resolution, target: FileTarget | ClusterTarget,
                    exposure: tuple[str, ...]) -> Action:
    finding = resolution.finding
    reason = resolution.reason
    if resolution.status == SUGGESTED:
        reason = f"suggestion: {reason}"
    return Action(
        id=action_id(target, finding.resource, finding.policy_id, finding.pointer,
                     finding.message),
        target=target, resource=finding.resource, policy=finding.policy_id,
        severity=finding.severity, risk=resolution.risk or "medium", effect=resolution.effect,
        pointer=finding.pointer, message=finding.message, reason=reason,
        patch=tuple(dict(op) for op in resolution.patch), diff="", exposure=exposure)


def _diff(source: manifests.LoadedFile, target: FileTarget, action: Action,
          by_id: Mapping[str, Action]) -> str:
    """The file as this action (and those it builds on) would change it."""
    ops = [op for a in [*(by_id[i] for i in action.after), action] for op in a.patch]
    try:
        after = apply_to_text(source.text, source.path,
                              {target.document: lists.operations(target.item, ops)})
    except WriteError as exc:  # the plan still lists it; apply says what fails
        return f"(no diff: {exc.message})\n"
    return unified_diff(target.path, source.text, after)


def recorded_options(options: FixOptions) -> dict[str, Any]:
    """What `apply` needs to verify with the same policies: paths made absolute."""
    scan = dataclasses.asdict(options.scan)
    for key in ("policy_paths", "data_paths", "gatekeeper_paths"):
        scan[key] = [os.path.abspath(p) for p in scan[key]]
    if scan["capabilities"]:
        scan["capabilities"] = os.path.abspath(scan["capabilities"])
    scan["shard"] = None
    scan["jobs"] = 1
    return {
        "scan": scan,
        "fix_dirs": [os.path.abspath(d) for d in options.fix_dirs],
        "params": dict(options.params),
        "policy_ids": list(options.policy_ids),
        "kube_version": options.kube_version,
    }
