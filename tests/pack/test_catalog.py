"""`kfix policy list|show` and `kfix doc` describe the pack from its METADATA."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from kfix.cli import cli
from kfix.output import ReportOptions
from kfix.output.policy import markdown
from kfix.pack.catalog import catalog

REPO = Path(__file__).resolve().parents[2]


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_committed_policy_reference_is_current() -> None:
    committed = (REPO / "docs" / "policies.md").read_text(encoding="utf-8")
    assert markdown(catalog(), ReportOptions()) == committed, (
        "run `kfix doc --output docs/policies.md`")


def test_list_names_every_policy_with_its_fix() -> None:
    listed = json.loads(invoke("policy", "list", "-o", "json"))
    ids = {p["id"] for p in listed}
    assert ids == {path.parent.name for path in (REPO / "policies").glob("*/policy.rego")}
    for policy in listed:
        assert policy["severity"] and policy["profile"]
        has_fragment = (REPO / "policies" / policy["id"] / "fix.yaml.j2").is_file()
        says_no_fix = bool(policy["custom"].get("no_fix_reason"))
        assert policy["automatic_fix"] == (
            "no" if not has_fragment else "with parameters" if says_no_fix else "yes")
        assert policy["fixtures"]["positive"] >= 1 and policy["fixtures"]["negative"] >= 1
    table = invoke("policy", "list")
    assert table.splitlines()[0].split() == ["ID", "SEVERITY", "PROFILE", "AUTOMATIC", "FIX",
                                             "RISK"]


def test_the_catalog_says_automatic_fix_only_where_one_is_made_without_parameters() -> None:
    """A policy whose METADATA says there is no automatic fix is never listed as having
    one, even when its fragment can act on values a person gives."""
    listed = {p["id"]: p for p in json.loads(invoke("policy", "list", "-o", "json"))}
    assert listed["image-tag-latest"]["automatic_fix"] == "with parameters"
    assert listed["privileged-container"]["automatic_fix"] == "yes"
    for policy in listed.values():
        if policy["custom"].get("no_fix_reason"):
            assert policy["automatic_fix"] != "yes", policy["id"]
    reference = (REPO / "docs" / "policies.md").read_text(encoding="utf-8")
    row = "| [`image-tag-latest`](#image-tag-latest) | medium | best-practice | with parameters |"
    assert row in reference


def test_show_one_policy_and_refuse_an_unknown_one() -> None:
    shown = json.loads(invoke("policy", "show", "host-port"))
    assert shown["id"] == "host-port" and shown["profile"] == "baseline"
    result = CliRunner().invoke(cli, ["policy", "show", "no-such-policy"])
    assert result.exit_code == 2 and "no policy 'no-such-policy'" in result.output
