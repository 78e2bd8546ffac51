"""Plans are read and written valid under the published schema, and never over a plan
that changed since it was read."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from kfix.errors import PlanError
from kfix.model import APPROVED, Resource
from kfix.plan import store
from kfix.plan.model import Action, ClusterTarget, Decision, FileTarget, Plan, from_json, to_json
from tests.plan.planned import SCHEMA, kfix


def a_plan() -> Plan:
    patch = ({"op": "replace", "path": "/spec/hostNetwork", "value": False},)
    file_action = Action(
        id="0123456789ab", target=FileTarget("a.yaml", 1, "/items/0", "a" * 64),
        resource=Resource("apps/v1", "DaemonSet", "ops", "agent"), policy="host-namespaces",
        severity="high", risk="high", effect="the pods lose the node's network",
        pointer="/spec/hostNetwork", message="shares the host network", reason="",
        patch=patch, diff="--- a/a.yaml\n", rank=1, score=6, exposure=("host-namespaces",),
        state=APPROVED, decision=Decision("alice", "2026-01-01T00:00:00+00:00", "ok"))
    cluster_action = Action(
        id="ba9876543210", target=ClusterTarget("kind-dev", "ops", "DaemonSet", "agent"),
        resource=Resource("apps/v1", "DaemonSet", "ops", "agent"), policy="host-namespaces",
        severity="high", risk="high", effect="", pointer="/spec/hostNetwork", message="m",
        reason="", patch=patch, diff="", rank=2, score=6)
    return Plan("p1", "2026-01-01T00:00:00+00:00", ("a.yaml",),
                (file_action, cluster_action), {"scan": {}}, {"b" * 64: "kind: X\n"})


def test_the_schema_is_valid_and_kfix_plan_schema_prints_it() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    result = kfix("plan", "schema")
    assert result.exit_code == 0 and json.loads(result.stdout) == SCHEMA


def test_file_and_cluster_targets_survive_the_round_trip(tmp_path: Path) -> None:
    plan = a_plan()
    jsonschema.validate(to_json(plan), SCHEMA, cls=jsonschema.Draft202012Validator)
    assert from_json(to_json(plan)) == plan
    path = str(tmp_path / "plan.json")
    store.write(store.Stored(path, plan, None), plan)
    assert store.read(path).plan == plan


def test_a_plan_that_breaks_the_schema_is_refused_naming_where(tmp_path: Path) -> None:
    data = to_json(a_plan())
    data["actions"][0]["state"] = "done"
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(PlanError, match=r"not a valid kfix plan: \.actions\[0\]\.state: "
                                        "'done' is not one of"):
        store.read(str(path))
    result = kfix("plan", "show", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"kfix: error: {path}: not a valid kfix plan")


def test_a_plan_that_is_not_json_is_named_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text('{\n  "id": \n}\n', encoding="utf-8")
    with pytest.raises(PlanError) as raised:
        store.read(str(path))
    assert (raised.value.file, raised.value.line) == (str(path), 3)


def test_a_plan_changed_since_it_was_read_is_not_overwritten(tmp_path: Path) -> None:
    path = str(tmp_path / "plan.json")
    plan = a_plan()
    first = store.write(store.Stored(path, plan, None), plan)
    mine = store.read(path)
    store.write(first, plan.with_actions({}))  # someone else writes the same text: fine
    theirs = store.read(path)
    store.write(theirs, Plan(**{**vars(plan), "id": "p2"}))
    with pytest.raises(PlanError, match="the plan changed since this run read it"):
        store.write(mine, Plan(**{**vars(plan), "id": "p3"}))
    assert store.read(path).plan.id == "p2"
