"""`kfix draft` against the chat stand-in: only a verified fragment is ever written."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kfix.cli import cli

sys.path.insert(0, str(Path(__file__).parent))
from chat_standin import Answer, ChatStandin

REPO = Path(__file__).resolve().parents[2]
POLICY = "automount-service-account-token"
GOOD = (REPO / "policies" / POLICY / "fix.yaml.j2").read_text(encoding="utf-8")
LEAVES_IT = "- {{ set(finding.pointer, true) }}\n"  # the violation stays
BROKEN = "- {{ set(finding.pointer, false) \n{% if %}"  # not Jinja


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    """One policy with its fixtures and the lib, its fragment deleted."""
    shutil.copytree(REPO / "policies" / POLICY, tmp_path / "policies" / POLICY)
    shutil.copytree(REPO / "policies" / "lib", tmp_path / "policies" / "lib")
    for kind in ("positive", "negative"):
        shutil.copytree(REPO / "fixtures" / POLICY / kind, tmp_path / "fixtures" / POLICY / kind)
    (tmp_path / "policies" / POLICY / "fix.yaml.j2").unlink()
    return tmp_path


def fragment(text: str) -> str:
    return json.dumps({"fragment": text})


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def run(pack: Path, url: str, *extra: str) -> Result:
    return CliRunner().invoke(cli, ["draft", POLICY, "-p", str(pack / "policies"),
                                    "--llm-url", url, "--llm-key-env", "", "--no-cache",
                                    *extra])


def test_a_valid_draft_is_written_with_its_fix_pairs(pack: Path) -> None:
    standin = ChatStandin([fragment(GOOD)])
    with standin as url:
        result = run(pack, url)
    assert result.exit_code == 0, result.output
    assert (pack / "policies" / POLICY / "fix.yaml.j2").read_text() == GOOD
    home = pack / "fixtures" / POLICY / "fix"
    before = (home / "draft-1.before.yaml").read_text()
    after = (home / "draft-1.after.yaml").read_text()
    assert before == (pack / "fixtures" / POLICY / "positive" / "mounted.yaml").read_text()
    assert "automountServiceAccountToken: true" not in after
    assert after.count("automountServiceAccountToken: false") == 2
    assert "+- {{ set(finding.pointer, false) }}" in result.output  # the fragment's diff
    assert "+      automountServiceAccountToken: false" in result.output  # the pair's diff
    assert len(standin.chat_requests) == 1
    # the written pairs pass kfix's own fixture check
    check = CliRunner().invoke(cli, ["test", str(pack / "policies")])
    assert check.exit_code == 0, check.output


def test_a_draft_leaving_the_violation_is_retried_with_the_reasons(pack: Path) -> None:
    standin = ChatStandin([fragment(LEAVES_IT), fragment(GOOD)])
    with standin as url:
        result = run(pack, url)
    assert result.exit_code == 0, result.output
    assert "attempt 1: rejected" in result.output
    first, second = standin.chat_requests
    assert "Attempt 1 was rejected" not in first.messages[1]["content"]
    retry = second.messages[1]["content"]
    assert "Attempt 1 was rejected" in retry
    assert LEAVES_IT.strip() in retry
    assert ("positive/mounted.yaml: rejected at /spec/template/spec/"
            "automountServiceAccountToken: still present") in retry
    assert (pack / "policies" / POLICY / "fix.yaml.j2").read_text() == GOOD


def test_broken_drafts_fail_every_attempt_and_write_nothing(pack: Path) -> None:
    before = snapshot(pack)
    standin = ChatStandin([fragment(BROKEN), fragment("not: [a, patch"), "{\"fragment\": 3}"])
    with standin as url:
        result = run(pack, url)
    assert result.exit_code == 1, result.output
    assert len(standin.chat_requests) == 3  # the first and --retries 2
    assert "nothing written" in result.output
    assert "attempt 1:" in result.output and "attempt 3:" in result.output
    assert "template syntax" in result.output
    assert snapshot(pack) == before


def test_retries_counts_the_extra_attempts(pack: Path) -> None:
    standin = ChatStandin([fragment(LEAVES_IT)])
    with standin as url:
        result = run(pack, url, "--retries", "0")
    assert result.exit_code == 1, result.output
    assert "still present" in result.output
    assert not (pack / "policies" / POLICY / "fix.yaml.j2").exists()
    assert not (pack / "fixtures" / POLICY / "fix").exists()


def test_a_draft_changing_a_negative_fixture_is_rejected(pack: Path) -> None:
    negative = pack / "fixtures" / POLICY / "negative" / "automount-false.yaml"
    shutil.copyfile(pack / "fixtures" / POLICY / "positive" / "mounted.yaml", negative)
    standin = ChatStandin([fragment(GOOD)])
    with standin as url:
        result = run(pack, url, "--retries", "0")
    assert result.exit_code == 1, result.output
    assert "negative/automount-false.yaml" in result.output
    assert not (pack / "policies" / POLICY / "fix.yaml.j2").exists()


def test_an_existing_fragment_needs_replace(pack: Path) -> None:
    (pack / "policies" / POLICY / "fix.yaml.j2").write_text(GOOD)
    standin = ChatStandin()
    with standin as url:
        result = run(pack, url)
    assert result.exit_code == 2, result.output
    assert "--replace" in result.output
    assert standin.chat_requests == []
    with ChatStandin([fragment(GOOD)]) as url:
        replaced = run(pack, url, "--replace")
    assert replaced.exit_code == 0, replaced.output


def test_an_unknown_policy_is_named(pack: Path) -> None:
    with ChatStandin() as url:
        result = CliRunner().invoke(cli, ["draft", "no-such-policy", "-p",
                                          str(pack / "policies"), "--llm-url", url])
    assert result.exit_code == 2
    assert "no-such-policy" in result.output


def test_a_model_error_is_reported_and_nothing_written(pack: Path) -> None:
    before = snapshot(pack)
    with ChatStandin([Answer.error(401, "bad key")]) as url:
        result = run(pack, url)
    assert result.exit_code == 2
    assert result.output.startswith("kfix: error:")
    assert snapshot(pack) == before


def test_the_prompt_holds_rego_fixtures_examples_and_pointers(pack: Path) -> None:
    standin = ChatStandin([fragment(GOOD)])
    with standin as url:
        assert run(pack, url).exit_code == 0
    (request,) = standin.chat_requests
    system, user = (m["content"] for m in request.messages)
    assert "fragment" in system
    assert (pack / "policies" / POLICY / "policy.rego").read_text() in user
    assert "automount-false.yaml" in user and "mounted.yaml" in user
    assert "name: report" in user  # a positive fixture's text
    assert "Example fragment of policy read-only-root-filesystem" in user
    assert "Example fragment of policy run-as-non-root" in user
    assert f"Example fragment of policy {POLICY}" not in user
    assert '"/spec/jobTemplate/spec/template/spec/automountServiceAccountToken"' in user
    assert request.json["response_format"]["json_schema"]["schema"]["required"] == ["fragment"]


def test_a_draft_must_reproduce_the_fix_pairs_the_policy_already_has(pack: Path) -> None:
    """Finding gone, nothing new, idempotent: yet it also writes a label nobody asked
    for, which the existing before/after pairs catch."""
    shutil.copytree(REPO / "fixtures" / POLICY / "fix", pack / "fixtures" / POLICY / "fix")
    extra = GOOD + '- {{ set("/metadata/labels/touched-by", "kfix") }}\n'
    before = snapshot(pack)
    standin = ChatStandin([fragment(extra)])
    with standin as url:
        result = run(pack, url, "--retries", "0")
    assert result.exit_code == 1, result.output
    assert "deployment-missing.before.yaml" in result.output
    assert "expected the content of" in result.output
    assert snapshot(pack) == before


def test_a_pair_that_cannot_be_written_leaves_no_fragment(pack: Path) -> None:
    (pack / "fixtures" / POLICY / "fix").write_text("a file where the fix/ directory goes")
    standin = ChatStandin([fragment(GOOD)])
    with standin as url:
        result = run(pack, url)
    assert result.exit_code == 2
    assert "kfix: error:" in result.output
    assert not (pack / "policies" / POLICY / "fix.yaml.j2").exists()
