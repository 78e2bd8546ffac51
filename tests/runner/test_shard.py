"""--shard I/N splits the inputs stably; `kfix report merge` joins the shards' reports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from kfix.cli import cli
from kfix.runner.pool import shard

REPO = Path(__file__).resolve().parents[2]
VENDORED = REPO / "tests" / "data" / "corpus"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_every_file_lands_in_exactly_one_part_and_stays_there() -> None:
    files = [f"deploy/app-{n}.yaml" for n in range(200)]
    parts = [shard(files, (i, 4)) for i in range(1, 5)]
    assert sorted(f for part in parts for f in part) == sorted(files)
    assert all(len(part) > 20 for part in parts)  # a split, not all in one
    grown = [*files, "deploy/new.yaml"]  # adding a file moves no other
    assert [[f for f in shard(grown, (i, 4)) if f in files] for i in range(1, 5)] == parts
    assert shard(files, None) == files


def test_merged_scan_reports_are_the_report_of_one_run(tmp_path: Path) -> None:
    assert len(list(VENDORED.rglob("*.yaml"))) >= 20, "vendored corpus missing"
    code, whole = run("scan", "-o", "json", str(VENDORED))
    paths = []
    for part in (1, 2, 3):
        _, text = run("scan", "-o", "json", "--shard", f"{part}/3", str(VENDORED))
        assert 0 < len(json.loads(text)) < len(json.loads(whole))
        paths.append(tmp_path / f"{part}.json")
        paths[-1].write_text(text, encoding="utf-8")
    merged_code, merged = run("report", "merge", *map(str, paths))
    assert merged == whole and merged_code == code == 1


def test_merged_fix_reports_are_the_report_of_one_run(tmp_path: Path) -> None:
    work = tmp_path / "work"
    shutil.copytree(REPO / "fixtures" / "run-as-non-root", work)
    code, whole = run("fix", "-o", "json", str(work))
    paths = []
    for part in (1, 2):
        _, text = run("fix", "-o", "json", "--shard", f"{part}/2", str(work))
        paths.append(tmp_path / f"{part}.json")
        paths[-1].write_text(text, encoding="utf-8")
    merged_code, merged = run("report", "merge", *map(str, paths))
    assert json.loads(merged) == json.loads(whole)
    assert merged_code == code


def test_merged_reports_name_every_file_written(tmp_path: Path) -> None:
    work, out = tmp_path / "work", tmp_path / "out"
    shutil.copytree(REPO / "fixtures" / "run-as-non-root", work)
    _, whole = run("fix", "-o", "json", "--output-dir", str(out), str(work))
    assert len(json.loads(whole)["written"]) > 1
    shutil.rmtree(out)
    paths = []
    for part in (1, 2):
        _, text = run("fix", "-o", "json", "--output-dir", str(out), "--shard", f"{part}/2",
                      str(work))
        paths.append(tmp_path / f"{part}.json")
        paths[-1].write_text(text, encoding="utf-8")
    _, merged = run("report", "merge", *map(str, paths))
    assert json.loads(merged)["written"] == sorted(json.loads(whole)["written"])


def test_reports_that_cannot_be_merged_are_errors(tmp_path: Path) -> None:
    scan_report = tmp_path / "scan.json"
    scan_report.write_text("[]\n")
    fix_report = tmp_path / "fix.json"
    fix_report.write_text(json.dumps({"findings": [], "files": [], "problems": [],
                                      "summary": {"files": 0, "documents": 0}}))
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    assert run("report", "merge", str(scan_report), str(fix_report)) == (
        2, "kfix: error: cannot merge scan reports with fix reports\n")
    code, output = run("report", "merge", str(broken))
    assert code == 2 and "broken.json:1: not JSON" in output
    assert run("report", "merge", str(scan_report))[0] == 0
