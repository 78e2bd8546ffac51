"""`kfix policy list|show` and `kfix doc` describe the pack from its METADATA."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from kfix.cli import cli
from kfix.pack.catalog import catalog, render_markdown

REPO = Path(__file__).resolve().parents[2]


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_committed_policy_reference_is_current() -> None:
    committed = (REPO / "docs" / "policies.md").read_text(encoding="utf-8")
    assert render_markdown(catalog()) == committed, "run `kfix doc --output docs/policies.md`"


def test_list_names_every_policy_with_its_fix() -> None:
    listed = json.loads(invoke("policy", "list", "-o", "json"))
    ids = {p["id"] for p in listed}
    assert ids == {path.parent.name for path in (REPO / "policies").glob("*/policy.rego")}
    for policy in listed:
        assert policy["severity"] and policy["profile"]
        assert policy["has_fix"] == (REPO / "policies" / policy["id"] / "fix.yaml.j2").is_file()
        assert policy["fixtures"]["positive"] >= 1 and policy["fixtures"]["negative"] >= 1
    table = invoke("policy", "list")
    assert table.splitlines()[0].split() == ["ID", "SEVERITY", "PROFILE", "FIX"]


def test_show_one_policy_and_refuse_an_unknown_one() -> None:
    shown = json.loads(invoke("policy", "show", "host-port"))
    assert shown["id"] == "host-port" and shown["profile"] == "baseline"
    result = CliRunner().invoke(cli, ["policy", "show", "no-such-policy"])
    assert result.exit_code == 2 and "no policy 'no-such-policy'" in result.output
