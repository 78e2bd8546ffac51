from __future__ import annotations

from dataclasses import replace

from kfix.model import CheckResult, ScanResult
from kfix.output import ReportOptions
from kfix.output.scan import table

# A table is as wide as its widest message.
FULL_TABLE = """\
┌───────────┬───────────────┬───────────┬─────────────────────────────────────────────────────┐
│  RESULT   │     FILE      │ NAMESPACE │                       MESSAGE                       │
├───────────┼───────────────┼───────────┼─────────────────────────────────────────────────────┤
│ success   │ deploy.yaml   │ main      │ SUCCESS                                             │
│ success   │ deploy.yaml   │ main      │ SUCCESS                                             │
│ success   │ deploy.yaml   │ main      │ SUCCESS                                             │
│ warning   │ deploy.yaml   │ main      │ Deployment/web: image uses the latest tag           │
│ failure   │ deploy.yaml   │ main      │ Deployment/web: container "app" is privileged       │
│ failure   │ deploy.yaml   │ main      │ Deployment/web: container "app" has no memory limit │
│ success   │ deploy.yaml   │ security  │ SUCCESS                                             │
│ exception │ deploy.yaml   │ security  │ data.security.exception[_][_] == "run_as_root"      │
│ success   │ svc.yaml      │ main      │ SUCCESS                                             │
│ success   │ svc.yaml      │ main      │ SUCCESS                                             │
│ success   │ svc.yaml      │ main      │ SUCCESS                                             │
│ success   │ svc.yaml      │ main      │ SUCCESS                                             │
│ error     │ broken.yaml:3 │           │ mapping values are not allowed here                 │
└───────────┴───────────────┴───────────┴─────────────────────────────────────────────────────┘
"""


def test_rows_in_conftests_order_with_kfixs_error_row(scan: ScanResult) -> None:
    assert table.render(scan, ReportOptions()) == FULL_TABLE


def test_headers_centre_with_the_odd_space_on_the_right_as_conftest(scan: ScanResult) -> None:
    # conftest's own table test: a 7-wide RESULT column and a 32-wide FILE column.
    finding = scan.results[0].warnings[0]
    long_name = "examples/kubernetes/service.yaml"
    one = ScanResult(
        results=(CheckResult(file=long_name, namespace="namespace", warnings=(finding,)),)
    )
    header = table.render(one, ReportOptions()).splitlines()[1]
    assert header.startswith("│ RESULT  │               FILE               │ NAMESPACE │")


def test_a_message_of_several_lines_makes_a_taller_row(scan: ScanResult) -> None:
    finding = replace(scan.results[0].failures[0], message="first\nsecond line")
    one = ScanResult(results=(CheckResult(file="a.yaml", namespace="main", failures=(finding,)),))
    assert table.render(one, ReportOptions()).splitlines()[3:5] == [
        "│ failure │ a.yaml │ main      │ first       │",
        "│         │        │           │ second line │",
    ]


def test_wide_characters_keep_the_columns_aligned(scan: ScanResult) -> None:
    finding = replace(scan.results[0].failures[0], message="コンテナ")
    one = ScanResult(results=(CheckResult(file="a.yaml", namespace="main", failures=(finding,)),))
    lines = table.render(one, ReportOptions()).splitlines()
    assert lines[3] == "│ failure │ a.yaml │ main      │ コンテナ │"
    assert lines[0] == "┌─────────┬────────┬───────────┬──────────┐"


def test_nothing_to_show_prints_nothing() -> None:
    assert (
        table.render(
            ScanResult(results=(CheckResult(file="a.yaml", namespace="main"),)), ReportOptions()
        )
        == ""
    )
