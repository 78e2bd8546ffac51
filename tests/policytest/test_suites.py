"""`kfix verify`: gator suites on kfix's engine, through the CLI."""

from __future__ import annotations

import json
import shutil
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from kfix.cli import cli

REPO = Path(__file__).resolve().parents[2]
LIBRARY = REPO / "fixtures" / "gatekeeper"
LABELS = LIBRARY / "requiredlabels"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["verify", *args], catch_exceptions=False)


def as_json(result: Result) -> dict[str, Any]:
    return json.loads(result.output)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def whole_library() -> dict[str, Any]:
    result = run(str(LIBRARY), "-o", "json")
    assert result.exit_code == 0, result.output
    return as_json(result)


def test_the_whole_library_passes(whole_library: dict[str, Any]) -> None:
    counts = whole_library["counts"]
    assert counts["suites"] == {"passed": 9, "failed": 0, "skipped": 0}
    assert counts["tests"]["failed"] == 0 and counts["tests"]["skipped"] > 0
    assert counts["cases"]["failed"] == 0 and counts["cases"]["skipped"] > 0
    assert counts["cases"]["passed"] > 50
    assert whole_library["failures"] == [] and whole_library["pass_rate"] == 100.0
    assert whole_library["coverage"] is None


def test_run_filter_test_and_case() -> None:
    data = as_json(run(str(LABELS), "-r", "owner-and-team//missing", "-o", "json", "-v"))
    (suite,) = data["suites"]
    tests = {t["name"]: t for t in suite["tests"]}
    assert tests["invalid-labels-type"]["status"] == "skipped"
    ran = [c["name"] for c in tests["owner-and-team"]["cases"] if c["status"] == "passed"]
    assert ran == ["missing-both-labels", "missing-team-only", "bad-owner-and-missing-team"]
    assert data["counts"]["cases"]["passed"] == 3


def test_run_filter_single_regex_matches_tests_or_cases() -> None:
    by_case = as_json(run(str(LABELS), "-r", "^owner-fails-regex$", "-o", "json", "-v"))
    (suite,) = by_case["suites"]
    passed = [(t["name"], c["name"]) for t in suite["tests"] for c in t["cases"]
              if c["status"] == "passed"]
    assert passed == [("owner-and-team", "owner-fails-regex")]
    by_test = as_json(run(str(LABELS), "-r", "^invalid-labels", "-o", "json"))
    assert by_test["counts"]["tests"] == {"passed": 1, "failed": 0, "skipped": 1}
    assert by_test["counts"]["cases"]["passed"] == 0


@pytest.mark.parametrize("pattern", ["(", "a//b//c", "a//("])
def test_a_bad_run_filter_is_a_usage_error(pattern: str) -> None:
    result = CliRunner().invoke(cli, ["verify", str(LABELS), "-r", pattern])
    assert result.exit_code == 2
    assert "--run" in result.output or "//" in result.output


def test_no_paths_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["verify"])
    assert result.exit_code == 2
    assert "give at least one suite" in result.output


def test_a_directory_without_suites_is_a_clear_error(tmp_path: Path) -> None:
    write(tmp_path / "x.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    result = CliRunner().invoke(cli, ["verify", str(tmp_path)])
    assert result.exit_code == 2
    assert "no Suite (test.gatekeeper.sh/v1alpha1) found" in result.output
    assert "Traceback" not in result.output


@pytest.fixture
def suite_dir(tmp_path: Path) -> Path:
    """The requiredlabels template, its constraints and sample objects, and no suite."""
    shutil.copy(LABELS / "template.yaml", tmp_path / "template.yaml")
    shutil.copytree(LABELS / "samples", tmp_path / "samples")
    return tmp_path


SUITE_HEAD = """
kind: Suite
apiVersion: test.gatekeeper.sh/v1alpha1
metadata:
  name: mine
tests:
  - name: labels
    template: template.yaml
    constraint: samples/owner-and-team/constraint.yaml
    cases:
"""
MISSING_BOTH = "samples/owner-and-team/example_disallowed_missing_both.yaml"
ALLOWED = "samples/owner-and-team/example_allowed.yaml"


def suite(directory: Path, cases: str, head: str = SUITE_HEAD) -> Path:
    body = textwrap.indent(textwrap.dedent(cases).strip("\n"), " " * 6)
    return write(directory / "suite.yaml", textwrap.dedent(head).lstrip("\n") + body + "\n")


def test_wrong_assertions_fail_with_expected_and_actual(suite_dir: Path) -> None:
    suite(suite_dir, f"""
        - name: wrong-count
          object: {MISSING_BOTH}
          assertions:
            - violations: 3
        - name: wrong-message
          object: {MISSING_BOTH}
          assertions:
            - violations: 1
              message: "no such message"
        - name: too-many
          object: {MISSING_BOTH}
          assertions:
            - violations: 1
        - name: right
          object: {MISSING_BOTH}
          assertions:
            - violations: 2
        """)
    result = run(str(suite_dir), "-o", "json")
    assert result.exit_code == 1
    data = as_json(result)
    assert data["counts"]["cases"] == {"passed": 1, "failed": 3, "skipped": 0}
    assert data["counts"]["suites"]["failed"] == 1
    failures = {f["case"]: f for f in data["failures"]}
    assert set(failures) == {"wrong-count", "wrong-message", "too-many"}
    assert failures["too-many"]["expected"] == "1 violation(s)"
    assert failures["too-many"]["actual"].startswith("2 matching of 2")
    count = failures["wrong-count"]
    assert count["test"] == "labels" and count["suite"] == str(suite_dir / "suite.yaml")
    assert count["expected"] == "3 violation(s)"
    assert count["actual"].startswith("2 matching of 2")
    assert "missing required label <owner>" in count["actual"]
    message = failures["wrong-message"]
    assert message["expected"] == "1 violation(s) matching /no such message/"
    assert message["actual"].startswith("0 matching of 2")
    assert data["pass_rate"] == 25.0


def test_pretty_output_shows_want_and_got(suite_dir: Path) -> None:
    suite(suite_dir, f"""
        - name: wrong-count
          object: {MISSING_BOTH}
          assertions:
            - violations: 3
        """)
    result = run(str(suite_dir))
    assert result.exit_code == 1
    assert "--- FAIL: wrong-count" in result.output
    assert "want 3 violation(s)" in result.output
    assert "got  2 matching of 2" in result.output
    assert f"FAIL\t{suite_dir / 'suite.yaml'}" in result.output


@pytest.mark.parametrize(
    ("word", "obj", "passes"),
    [("yes", MISSING_BOTH, True), ("no", ALLOWED, True),
     ("yes", ALLOWED, False), ("no", MISSING_BOTH, False)],
)
def test_unquoted_yes_and_no(suite_dir: Path, word: str, obj: str, passes: bool) -> None:
    suite(suite_dir, f"""
        - name: c
          object: {obj}
          assertions:
            - violations: {word}
        """)
    assert f"violations: {word}\n" in (suite_dir / "suite.yaml").read_text()
    result = run(str(suite_dir), "-o", "json")
    assert result.exit_code == (0 if passes else 1)
    assert as_json(result)["counts"]["cases"]["passed"] == (1 if passes else 0)


def test_a_case_without_assertions_expects_no_violations(suite_dir: Path) -> None:
    suite(suite_dir, f"""
        - name: clean
          object: {ALLOWED}
        - name: dirty
          object: {MISSING_BOTH}
        """)
    data = as_json(run(str(suite_dir), "-o", "json"))
    assert [f["case"] for f in data["failures"]] == ["dirty"]
    assert data["failures"][0]["expected"] == "0 violation(s)"
    assert data["counts"]["cases"] == {"passed": 1, "failed": 1, "skipped": 0}


def test_invalid_true_with_an_accepted_constraint_fails(suite_dir: Path) -> None:
    suite(suite_dir, "", head="""
        kind: Suite
        apiVersion: test.gatekeeper.sh/v1alpha1
        tests:
          - name: not-really-invalid
            template: template.yaml
            constraint: samples/owner-and-team/constraint.yaml
            invalid: true
          - name: really-invalid
            template: template.yaml
            constraint: samples/invalid-labels-type/constraint.yaml
            invalid: true
        """)
    result = run(str(suite_dir), "-o", "json")
    assert result.exit_code == 1
    data = as_json(result)
    assert data["counts"]["tests"] == {"passed": 1, "failed": 1, "skipped": 0}
    (failure,) = data["failures"]
    assert failure["test"] == "not-really-invalid" and failure["case"] == ""
    assert "schema must reject" in failure["actual"]


def test_invalid_true_does_not_excuse_a_non_schema_error(suite_dir: Path) -> None:
    bad = (suite_dir / "samples/owner-and-team/constraint.yaml").read_text().replace(
        "spec:\n", "spec:\n  enforcementAction: scream\n")
    write(suite_dir / "loud.yaml", bad)
    suite(suite_dir, "", head="""
        kind: Suite
        apiVersion: test.gatekeeper.sh/v1alpha1
        tests:
          - name: loud
            template: template.yaml
            constraint: loud.yaml
            invalid: true
        """)
    result = run(str(suite_dir), "-o", "json")
    assert result.exit_code == 1
    (failure,) = as_json(result)["failures"]
    assert failure["test"] == "loud" and "enforcementAction 'scream'" in failure["actual"]


def test_a_rejected_constraint_without_invalid_fails_the_test(suite_dir: Path) -> None:
    suite(suite_dir, f"""
        - name: c
          object: {ALLOWED}
        """, head=SUITE_HEAD.replace("owner-and-team/constraint", "invalid-labels-type/constraint"))
    data = as_json(run(str(suite_dir), "-o", "json"))
    (failure,) = data["failures"]
    assert failure["test"] == "labels"
    assert "spec.parameters.labels" in failure["actual"]


def test_an_object_file_with_two_documents_fails_the_case(suite_dir: Path) -> None:
    both = (suite_dir / ALLOWED).read_text() + "---\n" + (suite_dir / MISSING_BOTH).read_text()
    write(suite_dir / "two.yaml", both)
    suite(suite_dir, """
        - name: two-objects
          object: two.yaml
        """)
    result = run(str(suite_dir), "-o", "json")
    assert result.exit_code == 1
    (failure,) = as_json(result)["failures"]
    assert failure["case"] == "two-objects"
    assert "two.yaml: holds 2 object documents, not 1" in failure["actual"]


def test_junit_parses_with_the_failure_count(suite_dir: Path) -> None:
    suite(suite_dir, f"""
        - name: wrong-count
          object: {MISSING_BOTH}
          assertions:
            - violations: 3
        - name: wrong-message
          object: {MISSING_BOTH}
          assertions:
            - message: nothing like this
        - name: right
          object: {ALLOWED}
        - name: skipped
          skip: true
          object: {ALLOWED}
        """)
    result = run(str(suite_dir), "-o", "junit")
    assert result.exit_code == 1
    root = ET.fromstring(result.output.split("\n", 1)[1])  # past the XML declaration
    (element,) = root.findall("testsuite")
    assert element.get("failures") == "2" and element.get("tests") == "4"
    assert element.get("skipped") == "1"
    failed = [c.get("name") for c in element.iter("testcase") if c.find("failure") is not None]
    assert failed == ["labels//wrong-count", "labels//wrong-message"]


def test_coverage_reports_a_percent_by_template_file() -> None:
    result = run(str(LABELS), str(LIBRARY / "containerrules"), "--coverage", "-o", "json")
    assert result.exit_code == 0
    coverage = as_json(result)["coverage"]
    assert 0 < coverage["percent"] <= 100
    assert set(coverage["files"]) == {str(LABELS / "template.yaml"),
                                      str(LIBRARY / "containerrules" / "template.yaml")}
    pretty = run(str(LABELS), "-c")
    assert "COVERAGE: " in pretty.output and f"{LABELS / 'template.yaml'}: " in pretty.output


def test_verbose_lists_passing_cases() -> None:
    quiet = run(str(LABELS))
    loud = run(str(LABELS), "-v")
    assert quiet.exit_code == loud.exit_code == 0
    assert "--- PASS: missing-both-labels" in loud.output
    assert "--- SKIP: skipped-case" in loud.output
    assert "--- PASS" not in quiet.output
    assert f"ok\t{LABELS / 'suite.yaml'}" in quiet.output


def test_a_file_that_does_not_parse_fails_the_run_and_is_named(suite_dir: Path) -> None:
    """It may have been a suite: silently passing over it would lose its tests."""
    suite(suite_dir, f"""
        - name: right
          object: {ALLOWED}
    """)
    write(suite_dir / "broken.yaml", "kind: Suite\ntests: [\n")
    result = CliRunner().invoke(cli, ["verify", str(suite_dir)])
    assert result.exit_code == 2
    assert "ERR" in result.output and "broken.yaml:" in result.output
    assert "cases: 1 passed, 0 failed" in result.output


def test_a_namespace_selector_without_its_namespace_fails_the_case_as_in_gator(
        tmp_path: Path) -> None:
    """gator errors when a namespaceSelector meets an object whose Namespace it was not
    given; passing quietly as "no violation" would hide a missing inventory file."""
    home = tmp_path / "selector"
    shutil.copytree(LIBRARY / "matchselectors", home)
    write(home / "suite.yaml", """
        kind: Suite
        apiVersion: test.gatekeeper.sh/v1alpha1
        tests:
        - name: selector
          template: template.yaml
          constraint: samples/match-namespace-selector/constraint.yaml
          cases:
          - name: no-inventory
            object: samples/match-namespace-selector/example_pod_open.yaml
            assertions:
            - violations: no
          - name: with-inventory
            object: samples/match-namespace-selector/example_pod_open.yaml
            inventory: [samples/match-namespace-selector/inventory_namespaces.yaml]
            assertions:
            - violations: no
        """)
    result = run(str(home / "suite.yaml"), "-o", "json")
    assert result.exit_code == 1
    (failure,) = as_json(result)["failures"]
    assert failure["case"] == "no-inventory"
    assert "namespaceSelector needs Namespace" in failure["actual"]


def test_no_case_run_is_said_plainly_not_as_a_pass_rate(tmp_path: Path) -> None:
    home = tmp_path / "requiredlabels"
    shutil.copytree(REPO / "fixtures" / "gatekeeper" / "requiredlabels", home)
    (home / "template.yaml").unlink()  # every test fails to load
    pretty = run(str(home))
    assert pretty.exit_code == 1
    assert pretty.output.splitlines()[-1].startswith(
        "suites: 0 passed, 1 failed, 0 skipped, tests: 0 passed, 2 failed, 0 skipped, "
        "cases: 0 passed, 0 failed, 0 skipped; no case ran: 2 tests could not load in ")
    assert "pass rate" not in pretty.output
    document = as_json(run(str(home), "-o", "json"))
    assert document["pass_rate"] is None
    assert len(document["failures"]) == 2
