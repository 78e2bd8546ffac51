"""Approve and reject: which actions, and who decided."""

from __future__ import annotations

import getpass
import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from kfix.errors import UsageError
from kfix.model import APPROVED, PROPOSED, REJECTED, VERIFIED
from kfix.plan.decide import decide, who
from kfix.plan.model import Decision, Plan
from tests.plan.test_rank import action

DECISION = Decision("alice", "2026-01-01T00:00:00+00:00", "why")


def a_plan() -> Plan:
    actions = (action("aaaa-low", "low", "low", ()), action("aabb-medium", "medium", "medium", ()),
               action("bbbb-high", "high", "high", ()))
    return Plan("p", "2026-01-01T00:00:00+00:00", (), actions)


def states(plan: Plan) -> dict[str, str]:
    return {a.policy: a.state for a in plan.actions}


def test_ids_may_be_unique_prefixes() -> None:
    plan, chosen = decide(a_plan(), ["bbbb"], APPROVED, DECISION)
    assert [a.policy for a in chosen] == ["bbbb-high"]
    assert states(plan) == {"aaaa-low": PROPOSED, "aabb-medium": PROPOSED,
                            "bbbb-high": APPROVED}
    assert chosen[0].decision == DECISION
    with pytest.raises(UsageError, match="'aa' names 2 actions"):
        decide(a_plan(), ["aa"], APPROVED, DECISION)
    with pytest.raises(UsageError, match="no action 'ffff' in the plan"):
        decide(a_plan(), ["ffff"], APPROVED, DECISION)


def test_all_narrowed_by_risk_and_policy() -> None:
    plan, _ = decide(a_plan(), [], APPROVED, DECISION, every=True, max_risk="medium")
    assert states(plan) == {"aaaa-low": APPROVED, "aabb-medium": APPROVED,
                            "bbbb-high": PROPOSED}
    plan, _ = decide(plan, [], REJECTED, DECISION, every=True, policy_ids=["aabb-medium"])
    assert states(plan)["aabb-medium"] == REJECTED


def test_ids_or_all_not_both_and_not_neither() -> None:
    for ids, every in (([], False), (["aaaa"], True)):
        with pytest.raises(UsageError, match="by id, or give --all"):
            decide(a_plan(), ids, APPROVED, DECISION, every=every)


def test_an_applied_action_can_no_longer_be_decided() -> None:
    plan = a_plan()
    plan = replace(plan, actions=(replace(plan.actions[0], state=VERIFIED), *plan.actions[1:]))
    with pytest.raises(UsageError, match="is verified: it can no longer be approved"):
        decide(plan, ["aaaa"], REJECTED, DECISION)
    plan, chosen = decide(plan, [], REJECTED, DECISION, every=True)
    assert len(chosen) == 2 and states(plan)["aaaa-low"] == VERIFIED


def test_who_is_by_else_git_user_name_else_the_os_user(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert who("bob") == "bob"
    assert who(None) == getpass.getuser()
    subprocess.run(["git", "config", "--global", "user.name", "Grace Hopper"], check=True,
                   env={**os.environ, "HOME": str(tmp_path)})
    assert who(None) == "Grace Hopper"
