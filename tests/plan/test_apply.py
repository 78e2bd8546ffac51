"""`kfix apply` and `kfix rollback` refuse, and say why, whenever a write could not be
proved: nothing of a refused file is written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.plan.planned import action, copied, digests, kfix, load, make_plan


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_plan(tmp_path_factory.mktemp("planned"))


@pytest.fixture
def work(planned: Path, tmp_path: Path) -> Path:
    return copied(planned, tmp_path)


def save(work: Path, plan: dict[str, Any]) -> None:
    (work / "plan.json").write_text(json.dumps(plan, indent=2), encoding="utf-8")


def by_id(work: Path) -> dict[str, dict[str, Any]]:
    return {a["id"]: a for a in load(work)["actions"]}


def test_an_action_built_on_one_not_approved_fails_and_its_file_stays(work: Path) -> None:
    plan = load(work)
    dependent = next(a for a in plan["actions"] if a["after"])
    before = digests(work)
    approved = kfix("approve", str(work / "plan.json"), dependent["id"], "--by", "carol")
    assert "builds on" in approved.stderr and "not approved" in approved.stderr
    result = kfix("apply", str(work / "plan.json"))
    assert result.exit_code == 1
    assert f"builds on {', '.join(dependent['after'])}, not approved" in result.stdout
    assert digests(work) == before
    assert by_id(work)[dependent["id"]]["state"] == "failed"


def test_it_applies_together_with_what_it_builds_on(work: Path) -> None:
    plan = load(work)
    dependent = next(a for a in plan["actions"] if a["after"])
    ids = [dependent["id"], *dependent["after"]]
    assert kfix("approve", str(work / "plan.json"), *ids, "--by", "carol").exit_code == 0
    result = kfix("apply", str(work / "plan.json"))
    assert result.exit_code == 0, result.output
    assert {a["id"] for a in load(work)["actions"] if a["state"] == "verified"} == set(ids)


def test_a_patch_that_brings_a_new_violation_is_refused_at_apply(work: Path) -> None:
    plan = load(work)
    pull = action(plan, "worker-pod.json", "image-pull-policy")
    seccomp = action(plan, "worker-pod.json", "seccomp")
    pull["patch"].append({"op": "add", "path": "/spec/hostPID", "value": True})
    save(work, plan)
    before = digests(work)
    kfix("approve", str(work / "plan.json"), pull["id"], seccomp["id"], "--by", "dan")
    result = kfix("apply", str(work / "plan.json"))
    assert result.exit_code == 1
    states = by_id(work)
    assert states[pull["id"]]["state"] == "failed"
    assert "new violation host-namespaces" in states[pull["id"]]["outcome"]["message"]
    assert states[seccomp["id"]]["state"] == "failed"  # same file: nothing half-written
    assert digests(work) == before


def test_rollback_leaves_a_file_changed_since_the_apply(work: Path) -> None:
    plan = load(work)
    pull = action(plan, "worker-pod.json", "image-pull-policy")
    kfix("approve", str(work / "plan.json"), pull["id"], "--by", "erin")
    assert kfix("apply", str(work / "plan.json")).exit_code == 0
    pod = work / "worker-pod.json"
    pod.write_text(pod.read_text().replace("image-resizer", "image-resizer-2"))
    edited = pod.read_bytes()
    result = kfix("rollback", str(work / "plan.json"))
    assert result.exit_code == 1
    assert "the file changed since the apply: not rolled back" in result.stdout
    assert pod.read_bytes() == edited
    assert action(load(work), "worker-pod.json", "image-pull-policy")["state"] == "verified"


def test_rolling_back_one_action_takes_its_whole_write_with_it(work: Path) -> None:
    plan = load(work)
    pull = action(plan, "worker-pod.json", "image-pull-policy")
    token = action(plan, "worker-pod.json", "automount-service-account-token")
    original = (work / "worker-pod.json").read_bytes()
    kfix("approve", str(work / "plan.json"), pull["id"], token["id"], "--by", "erin")
    assert kfix("apply", str(work / "plan.json")).exit_code == 0
    result = kfix("rollback", str(work / "plan.json"), pull["id"])
    assert result.exit_code == 0, result.output
    assert (work / "worker-pod.json").read_bytes() == original
    assert {a["state"] for a in load(work)["actions"]
            if a["id"] in (pull["id"], token["id"])} == {"rolled-back"}


def test_nothing_approved_is_nothing_to_apply(work: Path) -> None:
    before = digests(work)
    result = kfix("apply", str(work / "plan.json"))
    assert (result.exit_code, result.stdout) == (0, "nothing to apply\n")
    assert digests(work) == before
    assert not (work / "plan.audit.jsonl").exists()


def test_a_written_file_is_checkpointed_applied_before_its_re_scan(work: Path) -> None:
    from kfix.plan import store
    from kfix.plan.apply import apply
    from kfix.plan.model import Plan

    plan = load(work)
    pull = action(plan, "worker-pod.json", "image-pull-policy")
    kfix("approve", str(work / "plan.json"), pull["id"], "--by", "erin")
    original = (work / "worker-pod.json").read_text(encoding="utf-8")
    seen: list[Plan] = []
    result = apply(store.read(str(work / "plan.json")).plan, str(work),
                   str(work / "plan.audit.jsonl"), seen.append)
    assert len(seen) == 1
    checkpointed = {a.id: a for a in seen[0].actions}[pull["id"]]
    assert checkpointed.state == "applied" and checkpointed.outcome is not None
    assert seen[0].originals[checkpointed.outcome.before_sha256] == original
    assert [(h.action.id, h.result) for h in result.handled] == [(pull["id"], "verified")]


def test_a_file_changed_between_write_and_re_scan_fails_and_is_left_alone(work: Path) -> None:
    from kfix.plan import store
    from kfix.plan.apply import apply
    from kfix.plan.model import Plan

    plan = load(work)
    pull = action(plan, "worker-pod.json", "image-pull-policy")
    kfix("approve", str(work / "plan.json"), pull["id"], "--by", "erin")
    pod = work / "worker-pod.json"

    def meddle(_plan: Plan) -> None:  # someone edits the file just after kfix wrote it
        pod.write_text(pod.read_text().replace('"spec": {', '"spec": {"hostPID": true, ', 1))

    result = apply(store.read(str(work / "plan.json")).plan, str(work),
                   str(work / "plan.audit.jsonl"), meddle)
    (handled,) = result.handled
    assert handled.result == "failed"
    assert handled.message.startswith("re-scan after writing: new violation host-namespaces")
    assert "original bytes not put back: changed on disk since kfix read it" in handled.message
    assert '"hostPID": true' in pod.read_text()
