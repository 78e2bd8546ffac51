"""What every format owes the CLI, checked for all of REPORTS at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from kfix.model import ScanResult
from kfix.output import ReportOptions
from kfix.output.scan import REPORTS


def test_the_formats_are_conftests_and_kfixs_own() -> None:
    conftests = ["azuredevops", "github", "json", "junit", "sarif", "stdout", "table", "tap"]
    assert sorted(REPORTS) == sorted([*conftests, "gitlab", "markdown"])


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_every_format_has_its_own_test_module(name: str) -> None:
    assert (Path(__file__).parent / f"test_{name}.py").is_file(), f"format {name!r} is untested"


@pytest.mark.parametrize("name", sorted(REPORTS))
@pytest.mark.parametrize("options", [
    ReportOptions(), ReportOptions(True, True, True, True, github_hide_passed=True)])
def test_every_format_returns_its_text_and_prints_nothing(
    name: str,
    options: ReportOptions,
    scan: ScanResult,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for result in (scan, ScanResult()):
        text = REPORTS[name](result, options)
        assert text == "" or text.endswith("\n")
    assert capsys.readouterr() == ("", "")
