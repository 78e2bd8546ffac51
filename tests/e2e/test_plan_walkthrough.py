"""The README's walk-through, run for real on a copy of examples/: plan (ranked), approve
two actions, apply (two files written, the rest untouched byte for byte), a tampered
file's action stale, an edited audit log named, and rollback restoring the bytes exactly."""

from __future__ import annotations

import json
from pathlib import Path

import kfix as api
from tests.plan.planned import REPO, action, digests, kfix, load, make_plan


def test_plan_approve_apply_tamper_audit_rollback(tmp_path: Path) -> None:
    work = make_plan(tmp_path)
    plan_file, log = str(work / "plan.json"), str(work / "plan.audit.jsonl")
    originals = digests(work)
    assert originals == digests(REPO / "examples")

    # plan: ranked, every action proposed on the file's current bytes
    plan = load(work)
    actions = plan["actions"]
    assert len(actions) >= 10
    assert [a["rank"] for a in actions] == list(range(1, len(actions) + 1))
    assert [a["score"] for a in actions] == sorted((a["score"] for a in actions), reverse=True)
    assert actions[0]["exposure"], "the first action should be an exposed workload's"
    for a in actions:
        assert a["state"] == "proposed"
        assert a["target"]["file"]["sha256"] == originals[a["target"]["file"]["path"]]
        assert a["diff"].startswith(f"--- a/{a['target']['file']['path']}")
    # the DaemonSet shares the host's network: its actions outrank the bare Pod's
    agent = action(plan, "node-agent-daemonset.yaml", "host-namespaces")
    pull = action(plan, "worker-pod.json", "image-pull-policy")
    assert agent["exposure"] == ["host-namespaces"] and pull["exposure"] == []
    assert agent["rank"] < pull["rank"]

    shown = kfix("plan", "show", plan_file)
    assert shown.exit_code == 0 and agent["id"] in shown.stdout.splitlines()[1]
    markdown = kfix("plan", "show", plan_file, "-o", "markdown").stdout
    assert f"`{pull['id']}` image-pull-policy" in markdown and "```diff" in markdown
    assert json.loads(kfix("plan", "show", plan_file, "-o", "json").stdout) == plan

    # approve two
    approved = kfix("approve", plan_file, agent["id"], pull["id"][:6], "--by", "alice",
                    "--reason", "CHG-1042")
    assert approved.exit_code == 0, approved.output
    plan = load(work)
    decided = [a for a in plan["actions"] if a["state"] == "approved"]
    assert {a["id"] for a in decided} == {agent["id"], pull["id"]}
    assert all(a["decision"]["by"] == "alice" and a["decision"]["reason"] == "CHG-1042"
               for a in decided)

    # apply: the two files written and verified, every other byte as it was
    applied = kfix("apply", plan_file)
    assert applied.exit_code == 0, applied.output
    assert applied.stdout.count("verified") == 3  # two lines and the count
    after = digests(work)
    changed = {name for name in originals if after[name] != originals[name]}
    assert changed == {"node-agent-daemonset.yaml", "worker-pod.json"}
    assert "hostNetwork: false" in (work / "node-agent-daemonset.yaml").read_text()
    assert '"imagePullPolicy": "IfNotPresent"' in (work / "worker-pod.json").read_text()
    rescan = api.scan([str(work / "node-agent-daemonset.yaml"), str(work / "worker-pod.json")])
    left = {(f.file.rsplit("/", 1)[-1], f.policy_id) for r in rescan.results for f in r.failures}
    assert ("node-agent-daemonset.yaml", "host-namespaces") not in left
    assert ("worker-pod.json", "image-pull-policy") not in left
    assert ("node-agent-daemonset.yaml", "seccomp") in left  # not approved: still there
    plan = load(work)
    for a in plan["actions"]:
        if a["id"] in (agent["id"], pull["id"]):
            assert a["state"] == "verified"
            assert a["outcome"]["before_sha256"] == originals[a["target"]["file"]["path"]]
            assert a["outcome"]["after_sha256"] == after[a["target"]["file"]["path"]]

    # a file changed after the plan: its approved action is stale and nothing is written
    privileged = action(plan, "shop-api.yaml", "privileged-container")
    assert kfix("approve", plan_file, privileged["id"], "--by", "bob").exit_code == 0
    shop = work / "shop-api.yaml"
    shop.write_bytes(shop.read_bytes() + b"# edited by hand\n")
    tampered = shop.read_bytes()
    stale = kfix("apply", plan_file)
    assert stale.exit_code == 1
    assert f"{privileged['id']}  stale" in stale.stdout
    assert shop.read_bytes() == tampered
    assert action(load(work), "shop-api.yaml", "privileged-container")["state"] == "stale"

    # the audit log: one record per action handled, chained
    verified = kfix("audit", "verify", log)
    assert (verified.exit_code, verified.stdout) == (0, f"{log}: 3 records, chain intact\n")
    records = [json.loads(line) for line in Path(log).read_text().splitlines()]
    assert [(r["action"], r["result"], r["approver"]["by"]) for r in records] == [
        (agent["id"], "verified", "alice"), (pull["id"], "verified", "alice"),
        (privileged["id"], "stale", "bob")]
    assert all(r["plan"] == plan["id"] for r in records)
    assert agent["id"] in kfix("audit", "show", log).stdout

    # rollback: the exact bytes come back, recorded like the apply
    rolled = kfix("rollback", plan_file)
    assert rolled.exit_code == 0, rolled.output
    restored = digests(work)
    assert restored["node-agent-daemonset.yaml"] == originals["node-agent-daemonset.yaml"]
    assert restored["worker-pod.json"] == originals["worker-pod.json"]
    assert {a["state"] for a in load(work)["actions"]
            if a["id"] in (agent["id"], pull["id"])} == {"rolled-back"}
    assert kfix("audit", "verify", log).stdout == f"{log}: 5 records, chain intact\n"
    assert load(work)["audit"]["records"] == 5
    assert kfix("audit", "verify", log, "--plan", plan_file).exit_code == 0
    # dropping the last record leaves a valid chain: the plan knows how long it was
    short = work / "short.jsonl"
    short.write_text("".join(Path(log).read_text().splitlines(keepends=True)[:4]))
    assert kfix("audit", "verify", str(short)).exit_code == 0
    cut = kfix("audit", "verify", str(short), "--plan", plan_file)
    assert cut.exit_code == 1
    assert cut.stdout == (f"{short}: record 5 is missing: the plan saw 5 records, the log "
                          "holds 4 (deleted from the end)\n")

    # an edited audit record is named, exit 1
    text = Path(log).read_text().splitlines(keepends=True)
    text[1] = text[1].replace('"alice"', '"mallory"')
    Path(log).write_text("".join(text))
    broken = kfix("audit", "verify", log)
    assert broken.exit_code == 1
    assert broken.stdout == f"{log}: record 2 was edited: its content does not match its hash\n"
