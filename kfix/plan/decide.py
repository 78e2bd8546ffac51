"""`kfix approve` and `kfix reject`: a person's decision on actions, with who, when, why."""

from __future__ import annotations

import getpass
import subprocess
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from kfix.errors import UsageError
from kfix.model import APPROVED, PROPOSED, REJECTED, RISKS
from kfix.plan.model import Action, Decision, Plan

# a decision may change until the action is applied
DECIDABLE = (PROPOSED, APPROVED, REJECTED)


def decide(plan: Plan, ids: Sequence[str], state: str, decision: Decision, *,
           every: bool = False, max_risk: str | None = None,
           policy_ids: Sequence[str] = ()) -> tuple[Plan, list[Action]]:
    """The plan with the chosen actions set to `state` (APPROVED or REJECTED), and them.

    Actions are named by id (a unique prefix will do) or chosen with `every`; either way
    --max-risk and --policy-id narrow the choice. A named action that is applied, stale
    or failed is refused; `every` passes over those."""
    if bool(ids) == every:
        raise UsageError("name the actions by id, or give --all")
    chosen = [find(plan, i) for i in ids] if ids else [
        a for a in plan.actions if a.state in DECIDABLE]
    for action in chosen:
        if action.state not in DECIDABLE:
            raise UsageError(f"action {action.id} is {action.state}: it can no longer be "
                             "approved or rejected")
    if max_risk is not None:
        chosen = [a for a in chosen if RISKS.index(a.risk) <= RISKS.index(max_risk)]
    if policy_ids:
        chosen = [a for a in chosen if a.policy in policy_ids]
    changed = {a.id: replace(a, state=state, decision=decision) for a in chosen}
    return plan.with_actions(changed), list(changed.values())


def find(plan: Plan, prefix: str) -> Action:
    matches = [a for a in plan.actions if a.id.startswith(prefix.lower())]
    if len(matches) != 1:
        raise UsageError(f"no action {prefix!r} in the plan" if not matches else
                         f"{prefix!r} names {len(matches)} actions: give more of the id")
    return matches[0]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def who(given: str | None) -> str:
    """--by, else `git config user.name`, else the OS user."""
    if given:
        return given
    try:
        name = subprocess.run(["git", "config", "user.name"], capture_output=True, text=True,
                              timeout=10, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        name = ""
    return name or getpass.getuser()
