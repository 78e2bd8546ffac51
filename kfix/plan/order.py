"""The order a document's actions apply in, and which earlier ones each builds on.

The fix run stacks a document's patches, each rendered on the state the earlier ones
left: a fix that adds `securityContext.capabilities` may need the `securityContext` an
earlier fix added. The order is found again by applying, and an action whose patch does
not apply to the document alone records the earlier actions that wrote its parents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from kfix.patch.loop import apply_patch as patched
from kfix.plan.model import Action


def in_order(content: Any, actions: Sequence[Action]) -> list[Action]:
    """The actions in an order that applies, each with `after` filled in; an action that
    applies in no order comes last, with every other one before it."""
    pending, done = list(actions), list[Action]()
    state = content
    while pending:
        for action in pending:
            result = patched(state, action.patch)
            if not isinstance(result, str):
                break
        else:  # none applies: leave the rest for apply to report
            return done + [replace(a, after=tuple(d.id for d in done)) for a in pending]
        pending.remove(action)
        done.append(replace(action, after=_builds_on(content, action, done)))
        state = result
    return done


def _builds_on(content: Any, action: Action, earlier: Sequence[Action]) -> tuple[str, ...]:
    if not isinstance(patched(content, action.patch), str):
        return ()
    paths = [op["path"] for op in action.patch]
    parents = {a.id for a in earlier if any(
        path.startswith(op["path"] + "/") for op in a.patch for path in paths)}
    needed = parents | {i for a in earlier if a.id in parents for i in a.after}
    chosen = [a for a in earlier if a.id in needed]
    if not isinstance(patched(content, [op for a in chosen for op in a.patch]
                              + list(action.patch)), str):
        return tuple(a.id for a in chosen)
    return tuple(a.id for a in earlier)
