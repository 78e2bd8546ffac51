"""`kfix test`: Rego unit tests as `opa test` runs them, on the real embedded engine."""

from __future__ import annotations

import json
import os
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kfix.cli import cli
from kfix.engine.opa_binary import OpaBinaryEngine
from kfix.errors import KfixError, PolicyError
from kfix.policytest import regotest
from kfix.policytest.regotest import ERROR, FAILED, PASSED, SKIPPED, run_tests
from kfix.runner.scan import ScanOptions

REPO = Path(__file__).resolve().parents[2]

POLICY = """\
package p

allow if {
\tinput.x == data.settings.limit
}

deny contains "no" if {
\tinput.y
\tinput.z
}
"""

TESTS = """\
package p_test

import data.p

test_allow if {
\tp.allow with input as {"x": 1} with data.settings.limit as 1
}

test_fail if {
\ty := 3
\tp.allow with input as {"x": y} with data.settings.limit as 1
}

test_err if {
\tx := {"k": v | some v in [1, 2]}
\tcount(x) > 0
}

test_dup if {
\ttrue
}

test_dup if {
\tfalse
}

todo_later if {
\tfalse
}
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.fixture
def suite(tmp_path: Path) -> Iterator[Path]:
    """A policy and its tests in tmp_path, which is also the working directory."""
    write(tmp_path, {"p.rego": POLICY, "p_test.rego": TESTS})
    old = os.getcwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(old)


def kfix_test(*args: str) -> Result:
    return CliRunner().invoke(cli, ["test", *args])


def statuses(result: regotest.TestRunResult) -> dict[str, str]:
    return {test.name: test.status for test in result.tests}


def test_each_test_passes_fails_errs_or_is_skipped(suite: Path) -> None:
    result = run_tests(["."])
    assert statuses(result) == {
        "test_allow": PASSED, "test_fail": FAILED, "test_err": ERROR,
        "test_dup": PASSED, "test_dup#01": FAILED, "todo_later": SKIPPED,
    }
    assert result.exit_code() == 2
    by_name = {test.name: test for test in result.tests}
    assert by_name["test_err"].error == (
        "p_test.rego:15: eval_conflict_error: object keys must be unique")
    failed = by_name["test_fail"]
    assert (failed.file, failed.line) == ("p_test.rego", 9)
    assert failed.full_name == "data.p_test.test_fail"
    assert failed.failed_at == "p_test.rego:11"
    assert failed.locals == {"y": 3}


def test_pretty_output_is_opa_tests(suite: Path) -> None:
    shown = kfix_test()
    assert shown.exit_code == 2
    assert shown.output.splitlines()[:3] == [
        "FAIL: data.p_test.test_fail (p_test.rego:9)",
        # as written, as opa test shows it (the engine's node says `{"x": __local2__}`)
        '  p_test.rego:11: p.allow with input as {"x": y} with data.settings.limit as 1',
        "    y = 3",
    ]
    assert shown.output.endswith("PASS: 2/6\nFAIL: 2/6\nERROR: 1/6\nSKIPPED: 1/6\n")
    assert "PASS: data.p_test.test_allow (p_test.rego:5)" in kfix_test("-v").output


def test_run_filters_on_the_full_name(suite: Path) -> None:
    assert statuses(run_tests(["."], regotest.TestOptions(run=r"p_test\.test_(allow|dup)"))) == {
        "test_allow": PASSED, "test_dup": PASSED, "test_dup#01": FAILED,
    }
    assert kfix_test("-r", "allow").exit_code == 0


def test_data_files_and_with_mocking(tmp_path: Path) -> None:
    write(tmp_path, {
        "p.rego": POLICY,
        "settings.json": '{"settings": {"limit": 7}}',
        "p_test.rego": """\
            package p_test

            import data.p

            test_data_file if p.allow with input as {"x": 7}

            test_data_mocked if p.allow with input as {"x": 2} with data.settings.limit as 2

            test_input_mocked if p.deny == {"no"} with input as {"y": true, "z": 1}
        """,
    })
    options = regotest.TestOptions(scan=ScanOptions(data_paths=(str(tmp_path / "settings.json"),)))
    result = run_tests([str(tmp_path / "p.rego"), str(tmp_path / "p_test.rego")], options)
    assert set(statuses(result).values()) == {PASSED}
    assert len(result.tests) == 3


def test_coverage_counts_the_policy_lines_the_tests_reach(suite: Path) -> None:
    result = run_tests(["."], regotest.TestOptions(run="test_allow", coverage=True))
    assert result.coverage is not None
    assert list(result.coverage.files) == ["p.rego"]  # test files are left out
    covered = result.coverage.files["p.rego"]
    assert (covered.covered, covered.total, covered.uncovered) == (2, 5, ((7, 9),))
    assert result.coverage.percent == pytest.approx(40.0)
    assert "p.rego: 40.00% (not covered: 7-9)" in kfix_test("-r", "allow", "-c").output


def test_threshold_below_coverage_exits_2(suite: Path) -> None:
    assert kfix_test("-r", "allow", "--threshold", "30").exit_code == 0
    assert kfix_test("-r", "allow", "--threshold", "50").exit_code == 2


def test_a_syntax_error_is_a_located_error_with_exit_1(tmp_path: Path) -> None:
    write(tmp_path, {"q.rego": "package q\n\nallow if {\n\tinput.x ==\n}\n"})
    with pytest.raises(PolicyError):
        run_tests([str(tmp_path)])
    shown = kfix_test(str(tmp_path))
    assert shown.exit_code == 1
    assert shown.stderr.startswith(f"kfix: error: {tmp_path / 'q.rego'}:5: rego_parse_error")
    assert "Traceback" not in shown.output


def test_json_output_shape(suite: Path) -> None:
    document = json.loads(kfix_test("-o", "json", "-c").output)
    assert document["counts"] == {"passed": 2, "failed": 2, "skipped": 1, "errors": 1}
    assert document["tests"][0] == {
        "name": "test_allow", "package": "p_test", "file": "p_test.rego", "line": 5,
        "status": "passed", "error": "",
    }
    assert document["coverage"]["files"]["p.rego"]["uncovered"] == [[7, 9]]
    assert json.loads(kfix_test("-o", "json", "-r", "allow").output)["coverage"] is None


def test_junit_output_parses(suite: Path) -> None:
    suites = ET.fromstring(kfix_test("-o", "junit").output)
    suite_element = suites.find("testsuite")
    assert suite_element is not None
    assert suite_element.get("name") == "data.p_test"
    assert (suite_element.get("tests"), suite_element.get("failures"),
            suite_element.get("errors"), suite_element.get("skipped")) == ("6", "2", "1", "1")
    failure = suites.find(".//testcase[@name='test_fail']/failure")
    assert failure is not None and "y = 3" in (failure.text or "")


def test_conftest_style_tests_run_with_parse_config(tmp_path: Path) -> None:
    write(tmp_path, {
        "policy.rego": """\
            package main

            deny contains msg if {
            \tinput.kind == "Pod"
            \tnot input.spec.securityContext.runAsNonRoot
            \tmsg := "pods must run as non-root"
            }
        """,
        "policy_test.rego": """\
            package main

            test_root_pod_denied if {
            \tcfg := parse_config("yaml", "kind: Pod\\nspec: {}\\n")
            \tdeny["pods must run as non-root"] with input as cfg
            }

            test_non_root_pod_allowed if {
            \tcfg := parse_config("json", `{"kind": "Pod",
            \t\t"spec": {"securityContext": {"runAsNonRoot": true}}}`)
            \tcount(deny) == 0 with input as cfg
            }
        """,
    })
    assert statuses(run_tests([str(tmp_path)])) == {
        "test_root_pod_denied": PASSED, "test_non_root_pod_allowed": PASSED,
    }


def test_v0_test_files_with_rego_version_v0(tmp_path: Path) -> None:
    write(tmp_path, {
        "p.rego": """\
            package p

            allow { input.x == 1 }

            deny[msg] { input.x == 2; msg := "two" }
        """,
        "p_test.rego": """\
            package p_test

            import data.p

            test_allow { p.allow with input as {"x": 1} }

            test_deny { p.deny["two"] with input as {"x": 2} }
        """,
    })
    options = regotest.TestOptions(scan=ScanOptions(rego_version="v0"))
    assert statuses(run_tests([str(tmp_path)], options)) == {
        "test_allow": PASSED, "test_deny": PASSED}
    with pytest.raises(PolicyError):
        run_tests([str(tmp_path)])


def test_coverage_needs_the_embedded_engine() -> None:
    with pytest.raises(KfixError, match="coverage needs the embedded engine"):
        OpaBinaryEngine(binary="opa").query("x := true", None, coverage=True)


def test_our_policy_pack_passes_its_unit_tests() -> None:
    old = os.getcwd()
    os.chdir(REPO)
    try:
        result = run_tests(["policies", "rego_tests"], regotest.TestOptions(coverage=True))
    finally:
        os.chdir(old)
    assert len(result.tests) >= 100
    assert {test.status for test in result.tests} == {PASSED}, [
        f"{t.full_name}: {t.error or t.failed_at}" for t in result.tests if t.status != PASSED
    ]
    assert result.exit_code() == 0
    assert result.coverage is not None and result.coverage.percent > 50


BUILTIN_ERRORS = """\
package b_test

exempt(name) if {
\tprefixes := object.get(input.params, "prefixes", [])
\tsome prefix in prefixes
\tstartswith(name, prefix)
}

flagged contains name if {
\tsome name in input.names
\tnot exempt(name)
}

test_null_prefixes_exempt_nothing if {
\tcount(flagged) == 2 with input as {"names": ["a", "b"], "params": null}
}

test_bad_number_is_undefined if {
\tnot to_number("x") == 1
}

test_division_by_zero_fails if {
\tx := 1 / 0
\tx > 0
}

test_multi_line_expression_shown_on_one_line if {
\tcount(flagged) == 3 with input as {
\t\t"names": ["a"],
\t}
}
"""


def test_builtin_errors_are_undefined_as_in_opa_test(tmp_path: Path) -> None:
    write(tmp_path, {"b_test.rego": BUILTIN_ERRORS})
    result = run_tests([str(tmp_path)])
    by_name = {test.name: test for test in result.tests}
    # object.get(null, ...) in exempt(): undefined, so `not exempt(name)` holds for both
    assert by_name["test_null_prefixes_exempt_nothing"].status == PASSED
    # to_number("x") fails in a negated expression: `not` of undefined is true
    assert by_name["test_bad_number_is_undefined"].status == PASSED
    # 1 / 0 is undefined, so the test is: a failure, not an error
    divided = by_name["test_division_by_zero_fails"]
    assert (divided.status, divided.error) == (FAILED, "")
    multi = by_name["test_multi_line_expression_shown_on_one_line"]
    assert multi.status == FAILED
    assert multi.failed_expr == 'count(flagged) == 3 with input as { "names": ["a"], }'


def test_show_builtin_errors_reports_them_as_errors(tmp_path: Path) -> None:
    write(tmp_path, {"b_test.rego": BUILTIN_ERRORS})
    shown = kfix_test(str(tmp_path), "--show-builtin-errors", "-r", "null_prefixes|division")
    assert shown.exit_code == 2
    assert f"{tmp_path / 'b_test.rego'}:4: built-in error: object.get: operand 1 must be " \
        "object but got null" in shown.output
    assert f"{tmp_path / 'b_test.rego'}:23: built-in error: div: divide by zero" in shown.output
    assert shown.output.endswith("PASS: 0/2\nERROR: 2/2\n")
