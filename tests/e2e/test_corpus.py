"""kfix on a corpus of 1,200 real-world manifests, with its built-in pack.

The corpus is scanned twice in all, both runs shared by every test here: once by
`python -m kfix scan` with --jobs 1 (a real process), once in-process with --jobs 2.
While the first run works, the test process asks PyYAML which files it cannot parse.
Every test here needs the whole corpus in ../shared/corpus: they are marked `corpus` and
skipped, saying so, on a clone without it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest
import yaml

from kfix.load import manifests
from kfix.model import EXCEPTION, FAILURE, WARNING, ScanResult
from kfix.output import ReportOptions
from kfix.output.scan import REPORTS
from kfix.runner.scan import ScanOptions, scan

REPO = Path(__file__).resolve().parents[2]
SARIF_SCHEMA = REPO / "tests" / "output" / "scan" / "data" / "sarif-schema-2.1.0.json"
ERR_LINE = re.compile(r"^ERR  - (?P<file>.+?)(?::(?P<line>\d+))? - (?P<message>.+)$")
SUMMARY = re.compile(
    r"^(?P<tests>\d+) tests, (?P<passed>\d+) passed, (?P<warnings>\d+) warnings?, "
    r"(?P<failures>\d+) failures?, (?P<exceptions>\d+) exceptions?, (?P<errors>\d+) errors?$"
)

pytestmark = pytest.mark.corpus


@dataclass(frozen=True)
class CorpusRuns:
    files: list[str]
    pyyaml_failures: set[str]
    duplicate_keys: set[str]
    code: int
    stdout: str
    stderr: str
    parallel: ScanResult


def _pyyaml_failures(files: list[str]) -> set[str]:
    """Files PyYAML's safe_load_all rejects (its C loader: same rules, quicker), but for
    a plain `=`, which PyYAML cannot construct and kfix reads as the text "="."""

    class Safe(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        pass

    Safe.add_constructor("tag:yaml.org,2002:value", yaml.SafeLoader.construct_yaml_str)
    failing = set()
    for path in files:
        try:
            with open(path, encoding="utf-8-sig") as handle:
                for _ in yaml.load_all(handle, Loader=Safe):
                    pass
        except (yaml.YAMLError, UnicodeDecodeError):
            failing.add(path)
    return failing


def _duplicate_keys(files: list[str]) -> set[str]:
    """Files with a plain key given twice in one mapping, read off libyaml's node trees
    (PyYAML itself takes the last value silently; kfix refuses the document)."""
    composer = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    found = set()
    for path in files:
        try:
            with open(path, encoding="utf-8-sig") as handle:
                stack = list(yaml.compose_all(handle, Loader=composer))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue  # PyYAML's list above decides about those
        while stack:
            node = stack.pop()
            if isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
            elif isinstance(node, yaml.MappingNode):
                keys = [(k.tag, k.value) for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
                if len(set(keys)) < len(keys):
                    found.add(path)
                    break
                stack.extend(value for _, value in node.value)
    return found


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> CorpusRuns:
    out_dir = tmp_path_factory.mktemp("corpus")
    out, err = out_dir / "stdout.txt", out_dir / "stderr.txt"
    with open(out, "w") as stdout, open(err, "w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "kfix", "scan", str(corpus_dir)],
            stdout=stdout,
            stderr=stderr,
            cwd=REPO,
        )
        try:
            files = manifests.discover([str(corpus_dir)])
            failing = _pyyaml_failures(files)
            code = process.wait(timeout=600)
        finally:
            if process.poll() is None:
                process.kill()
    parallel = scan([str(corpus_dir)], ScanOptions(jobs=2))
    return CorpusRuns(
        files=files,
        pyyaml_failures=failing,
        duplicate_keys=_duplicate_keys(files),
        code=code,
        stdout=out.read_text(),
        stderr=err.read_text(),
        parallel=parallel,
    )


def test_cli_scan_exits_2_for_the_unparseable_files_without_a_traceback(
    runs: CorpusRuns,
) -> None:
    assert runs.code == 2
    assert "Traceback" not in runs.stdout + runs.stderr
    assert runs.stderr == ""


def test_every_file_is_scanned_or_reported_unparseable(runs: CorpusRuns) -> None:
    assert len(runs.files) > 1000
    errors = [ERR_LINE.match(line) for line in runs.stdout.splitlines() if line.startswith("ERR")]
    assert all(errors)
    named = {m["file"] for m in errors if m}
    assert len(runs.pyyaml_failures) == 7
    assert len(runs.duplicate_keys) == 5
    assert named == runs.pyyaml_failures | runs.duplicate_keys
    assert all(m["line"] for m in errors if m), "every parse error names its line"

    result = runs.parallel
    scanned = {r.file for r in result.results}
    problems = {p.file for p in result.problems}
    assert scanned | problems == set(runs.files)
    assert scanned & problems <= runs.duplicate_keys  # their other documents are scanned
    assert result.files == len(runs.files)


def test_summary_line_is_present_and_adds_up(runs: CorpusRuns) -> None:
    *lines, chosen = runs.stdout.splitlines()  # no -p, no ./policy: the pack, and it says so
    assert chosen == "policies: kfix's built-in pack (no ./policy directory)"
    assert lines[-2] == ""
    summary = SUMMARY.match(lines[-1])
    assert summary, lines[-1]
    counts = {key: int(value) for key, value in summary.groupdict().items()}
    assert counts["errors"] == len(runs.pyyaml_failures | runs.duplicate_keys) == 12
    assert counts["failures"] == sum(line.startswith("FAIL - ") for line in lines) > 0
    assert counts["warnings"] == sum(line.startswith("WARN - ") for line in lines)
    assert counts["tests"] == (
        counts["passed"] + counts["warnings"] + counts["failures"] + counts["exceptions"]
    )


def test_jobs_2_output_is_byte_identical_to_jobs_1(runs: CorpusRuns) -> None:
    rendered = REPORTS["stdout"](runs.parallel, ReportOptions())
    assert rendered == runs.stdout


def test_json_output_parses(runs: CorpusRuns) -> None:
    entries = json.loads(REPORTS["json"](runs.parallel, ReportOptions()))
    assert isinstance(entries, list)
    failures = [f for e in entries for f in e.get("failures", [])]
    errors = [f for f in failures if f["metadata"].get("error") is True]
    assert len(errors) == len(runs.pyyaml_failures | runs.duplicate_keys)
    assert len(failures) - len(errors) == runs.parallel.count(FAILURE)
    assert all(isinstance(f["msg"], str) and f["msg"] for f in failures)


def test_sarif_output_parses_and_follows_the_schema(runs: CorpusRuns) -> None:
    sarif = json.loads(REPORTS["sarif"](runs.parallel, ReportOptions()))
    jsonschema.validate(sarif, json.loads(SARIF_SCHEMA.read_text()))
    (run,) = sarif["runs"]
    expected = sum(runs.parallel.count(kind) for kind in (FAILURE, WARNING, EXCEPTION))
    assert len(run["results"]) == expected
