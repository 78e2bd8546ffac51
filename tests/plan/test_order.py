"""A document's actions come back in an order that applies, each naming what it needs."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from kfix.patch.loop import apply_patch as patched
from kfix.plan.order import in_order
from tests.plan.test_rank import action


def with_patch(name: str, *ops: dict[str, Any]) -> Any:
    return replace(action(name, "low", "low", ()), patch=tuple(ops))


def test_an_action_on_what_another_created_comes_after_it_and_names_it() -> None:
    content = {"spec": {"containers": [{"name": "c"}]}}
    caps = with_patch("caps", {"op": "add", "path": "/spec/containers/0/securityContext/"
                                                   "capabilities", "value": {"drop": ["ALL"]}})
    context = with_patch("context", {"op": "add", "path": "/spec/containers/0/securityContext",
                                     "value": {"privileged": False}})
    other = with_patch("other", {"op": "add", "path": "/spec/hostPID", "value": False})
    ordered = in_order(content, [caps, other, context])
    assert [a.policy for a in ordered] == ["other", "context", "caps"]
    assert [a.after for a in ordered] == [(), (), (context.id,)]
    final = patched(content, [op for a in ordered for op in a.patch])
    assert final["spec"]["containers"][0]["securityContext"] == {
        "privileged": False, "capabilities": {"drop": ["ALL"]}}


def test_an_action_that_applies_in_no_order_comes_last_after_all() -> None:
    content = {"spec": {}}
    good = with_patch("good", {"op": "add", "path": "/spec/a", "value": 1})
    bad = with_patch("bad", {"op": "replace", "path": "/spec/missing/x", "value": 1})
    ordered = in_order(content, [bad, good])
    assert [(a.policy, a.after) for a in ordered] == [("good", ()), ("bad", (good.id,))]
    assert isinstance(patched(content, bad.patch), str)
