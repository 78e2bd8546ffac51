"""`kfix plan --cluster`: verified fixes for a cluster's live objects, as a plan to review.

The objects are read as `kfix scan --cluster` reads them (GET only), each written to a
private temporary file so the fix run (fragments, verification, stacking) works on them
as on any manifest; every verified fix becomes an action whose target is the live object
and the resourceVersion it was read at. Nothing is sent to the cluster but reads.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Mapping
from typing import Any

import yaml

from kfix.cluster.connect import connect
from kfix.cluster.read import LiveObject, read
from kfix.model import FIXED, SUGGESTED, FixResult, Problem, Resolution
from kfix.patch.loop import apply_patch as patched
from kfix.plan.model import Action, ClusterTarget, Plan
from kfix.plan.order import in_order
from kfix.plan.propose import check_plannable, new_plan, proposed_action
from kfix.plan.rank import Inventory
from kfix.runner.cluster import ClusterSource
from kfix.runner.fix import FixOptions, fix
from kfix.writer.diff import unified_diff


def propose_live(source: ClusterSource, options: FixOptions
                 ) -> tuple[Plan, tuple[Problem, ...]]:
    """The plan for the selected live objects, and what could not be read or fixed."""
    check_plannable(options)
    session = connect(source.kubeconfig, source.context)
    reading = read(session, source.selection)
    with tempfile.TemporaryDirectory(prefix="kfix-live-") as scratch:
        objects: dict[str, LiveObject] = {}
        for number, live in enumerate(reading.objects):
            path = os.path.join(scratch, f"{number:06d}.yaml")
            with open(path, "w", encoding="utf-8") as handle:
                yaml.safe_dump(live.content, handle, sort_keys=False)
            objects[path] = live
        result = (fix(sorted(objects), dataclasses.replace(options, max_risk="high"))
                  if objects else FixResult())
    inventory = Inventory.of(live.content for live in reading.objects)
    by_object: dict[str, list[Resolution]] = {}
    for resolution in result.resolutions:
        if resolution.status in (FIXED, SUGGESTED) and resolution.patch:
            by_object.setdefault(resolution.finding.file, []).append(resolution)
    actions: list[Action] = []
    for path, resolutions in by_object.items():
        live = objects[path]
        target = ClusterTarget(session.context, live.namespace or "", live.resource.kind,
                               live.name, live.resource_version)
        proposed = [proposed_action(r, target, inventory.exposure(live.content))
                    for r in resolutions]
        by_id = {a.id: a for a in proposed}
        actions += [dataclasses.replace(a, diff=_diff(live, a, by_id))
                    for a in in_order(live.content, proposed)]
    problems = [*reading.problems, *(
        dataclasses.replace(p, file=objects[p.file].address if p.file in objects else p.file)
        for p in result.problems)]
    inputs = (f"cluster:{session.context}",)
    return new_plan(inputs, actions, options), tuple(problems)


def _diff(live: LiveObject, action: Action, by_id: Mapping[str, Action]) -> str:
    """The object, as YAML, as this action (and those it builds on) would change it."""
    operations = [op for a in [*(by_id[i] for i in action.after), action] for op in a.patch]
    after: Any = patched(live.content, operations)
    if isinstance(after, str):
        return f"(no diff: {after})\n"
    return unified_diff(live.address, _yaml(live.content), _yaml(after))


def _yaml(content: Any) -> str:
    return yaml.safe_dump(content, sort_keys=False)
