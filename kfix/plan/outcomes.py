"""What an apply run did to a group of actions (a file's, or a live object's): each one's
new state and outcome, ready for the plan and the audit log."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

from kfix.model import FAILED
from kfix.patch.loop import apply_patch
from kfix.plan.decide import now
from kfix.plan.model import Action, Handled, Outcome


def settled(actions: Sequence[Action], state: str, message: str = "", before: str = "",
            after: str = "") -> list[Handled]:
    at = now()
    return [Handled(replace(a, state=state, outcome=Outcome(at, before, after, message)),
                    state, message) for a in actions]


def failed(actions: Sequence[Action], failures: Mapping[str, str], before: str,
           where: str) -> list[Handled]:
    """Every action of the group failed: its own reason, or the first failure's, since
    the group (of one `where`, "file" or "object") is written all or nothing."""
    first = next(iter(failures))
    done: list[Handled] = []
    for action in actions:
        reason = failures.get(action.id) or f"not written: action {first} of this {where} failed"
        done += settled([action], FAILED, reason, before)
    return done


def patched_in_turn(content: Any, actions: Sequence[Action], approved: Collection[str],
                    failures: dict[str, str]) -> Any:
    """The content with each action's patch applied in turn; an action that builds on one
    not approved, or whose patch does not apply, is put in `failures` instead."""
    for action in actions:
        missing = [i for i in action.after if i not in approved]
        result = apply_patch(content, action.patch)
        if missing:
            failures[action.id] = f"builds on {', '.join(missing)}, not approved"
        elif isinstance(result, str):
            failures[action.id] = f"patch does not apply: {result}"
        else:
            content = result
    return content
