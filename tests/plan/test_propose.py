"""`kfix plan --llm`: a model's patch that sets a value left to people is proposed as a
suggestion; approving it is the human decision, and apply verifies and writes it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tests.plan.planned import REPO, kfix, load

sys.path.insert(0, str(REPO / "tests" / "llm"))
from chat_standin import ChatStandin
from test_fix_llm import patch, policies_without_fragments, write_pod


def test_a_suggestion_is_proposed_and_applied_once_approved(tmp_path: Path) -> None:
    policies = policies_without_fragments(tmp_path, "image-tag-latest")
    pod = write_pod(tmp_path, image="nginx:latest")
    fix = patch({"op": "replace", "path": "/spec/containers/0/image", "value": "nginx:1.27.2"})

    def respond(request: dict[str, Any]) -> str:
        assert "Policy image-tag-latest" in request["messages"][1]["content"]
        return fix

    plan_file = str(tmp_path / "plan.json")
    with ChatStandin(respond=respond) as url:
        made = kfix("plan", "-p", str(policies), "--all-namespaces", "--llm", "--llm-url", url,
                    "--llm-key-env", "", "--llm-retries", "0", "--no-cache", str(pod),
                    "-o", plan_file)
    assert made.exit_code == 0, made.output
    (suggestion,) = load(tmp_path)["actions"]
    assert suggestion["policy"] == "image-tag-latest"
    assert suggestion["reason"].startswith("suggestion: verified suggestion, not written")
    assert suggestion["patch"] == json.loads(fix)["operations"]
    assert load(tmp_path)["options"]["scan"]["policy_paths"] == [str(policies)]
    assert kfix("approve", plan_file, suggestion["id"], "--by", "ops").exit_code == 0
    applied = kfix("apply", plan_file)  # verified with the plan's own policies
    assert applied.exit_code == 0, applied.output
    assert "image: nginx:1.27.2" in pod.read_text(encoding="utf-8")
    assert "# the shop's front end" in pod.read_text(encoding="utf-8")


def test_gatekeeper_constraints_and_standard_input_cannot_be_planned(tmp_path: Path) -> None:
    plan_file = str(tmp_path / "plan.json")
    refused = kfix("plan", "--gatekeeper", str(REPO / "examples" / "gatekeeper"),
                   str(REPO / "examples"), "-o", plan_file)
    assert refused.exit_code == 2
    assert "kfix plan does not take --gatekeeper yet" in refused.stderr
    stdin = kfix("plan", "-", "-o", plan_file)
    assert stdin.exit_code == 2 and "standard input cannot be planned" in stdin.stderr
    assert not (tmp_path / "plan.json").exists()
