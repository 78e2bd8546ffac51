"""Unit tests beside a template (gatekeeper-library's src.rego + src_test.rego, Rego v0)
run with `kfix test --rego-version v0`, and src.rego stays the template's Rego."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from click.testing import CliRunner

from kfix.cli import cli

HOME = Path(__file__).resolve().parents[2] / "fixtures" / "gatekeeper" / "requiredlabels"


def test_src_rego_is_the_templates_rego() -> None:
    template = yaml.safe_load((HOME / "template.yaml").read_text(encoding="utf-8"))
    assert template["spec"]["targets"][0]["rego"] == (HOME / "src.rego").read_text("utf-8")


def _kfix_test(path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["test", "--rego-version", "v0", str(path), "-c"])
    return result.exit_code, result.output


def test_v0_unit_tests_pass_with_full_coverage() -> None:
    code, output = _kfix_test(HOME)
    assert code == 0, output
    assert "PASS: 5/5" in output
    assert "src.rego: 100.00%" in output


def test_a_wrong_expectation_fails(tmp_path: Path) -> None:
    for name in ("src.rego", "src_test.rego"):
        shutil.copy(HOME / name, tmp_path / name)
    tests = tmp_path / "src_test.rego"
    tests.write_text(tests.read_text("utf-8").replace("count(results) == 2",
                                                      "count(results) == 3"), "utf-8")
    code, output = _kfix_test(tmp_path)
    assert code == 2
    assert "FAIL: data.kfixrequiredlabels.test_bad_owner_and_missing_team" in output


def test_v0_source_without_the_flag_is_a_located_error() -> None:
    result = CliRunner().invoke(cli, ["test", str(HOME)])
    assert result.exit_code == 1
    assert "src.rego:" in result.output or "src_test.rego:" in result.output
