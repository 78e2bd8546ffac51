"""conftest's acceptance.bats cases on its examples/kubernetes, data, exceptions and print.

Each test ports one `@test` of conftest's acceptance.bats (commit in
tests/data/conftest/SOURCES.md), named in its docstring, and runs the real CLI as a
subprocess from tests/data/conftest, which keeps conftest's repository layout, so the
paths are the bats file's. `./conftest test` is `kfix scan`; `./conftest verify` is
`kfix test` (its policy paths are arguments, as `opa test`'s, and it reports `PASS: n/n`
where conftest says `n tests, n passed`). Like bats' `run`, `output` is stdout and stderr
together and `lines` are its non-empty lines.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

CONFTEST = Path(__file__).resolve().parents[1] / "data" / "conftest"
EXAMPLES = ("kubernetes", "data", "exceptions", "report/policy_print")


@dataclass(frozen=True)
class Run:
    status: int
    output: str

    @property
    def lines(self) -> list[str]:
        return [line for line in self.output.split("\n") if line]


def run(*args: str, stdin: str | None = None, cwd: Path = CONFTEST) -> Run:
    """bats' `run ./conftest ...`, with kfix in conftest's place."""
    done = subprocess.run(
        [sys.executable, "-m", "kfix", *args], cwd=cwd, input=stdin, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300,
    )
    assert "Traceback" not in done.stdout, done.stdout
    return Run(done.returncode, done.stdout)


def example(path: str) -> str:
    return (CONFTEST / path).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_vendored_examples_are_there(name: str) -> None:
    folder = CONFTEST / "examples" / name
    assert sorted(folder.rglob("*.rego")), f"{folder} has no policies: vendored copy missing"
    assert (CONFTEST / "LICENSE").read_text().count("Apache License") >= 1


# --- examples/kubernetes: conftest test ----------------------------------------------------


def test_not_fail_when_testing_a_service_with_a_warning() -> None:
    """Not fail when testing a service with a warning"""
    done = run("scan", "-p", "examples/kubernetes/policy", "examples/kubernetes/service.yaml")
    assert done.status == 0
    assert "WARN - examples/kubernetes/service.yaml - main - " in done.output


def test_not_fail_when_passed_an_explicit_blank_filename() -> None:
    """Not fail when passed an explicit blank filename"""
    done = run("scan", "-p", "examples/kubernetes/policy", "examples/kubernetes/service.yaml",
               "")
    assert done.status == 0
    assert done.lines[-1] == "5 tests, 4 passed, 1 warning, 0 failures, 0 exceptions"


def test_fail_when_testing_a_deployment_with_root_containers() -> None:
    """Fail when testing a deployment with root containers"""
    done = run("scan", "-p", "examples/kubernetes/policy", "examples/kubernetes/deployment.yaml")
    assert done.status == 1
    assert "Containers must not run as root in Deployment hello-kubernetes" in done.output


def test_fail_when_testing_a_service_with_warnings() -> None:
    """Fail when testing a service with warnings"""
    done = run("scan", "--fail-on-warn", "-p", "examples/kubernetes/policy",
               "examples/kubernetes/service.yaml")
    assert done.status == 1


def test_fail_when_testing_with_no_policies_path(tmp_path: Path) -> None:
    """Fail when testing with no policies path

    `-p internal/` is conftest's Go source folder: no .rego in it. Here a folder of Go
    source beside a copy of the examples. conftest exits 1 on this error; kfix's errors
    exit 2 (1 is findings), with conftest's words.
    """
    shutil.copytree(CONFTEST / "examples", tmp_path / "examples")
    (tmp_path / "internal").mkdir()
    (tmp_path / "internal" / "main.go").write_text("package main\n")
    done = run("scan", "-p", "internal/", "examples/kubernetes/deployment.yaml", cwd=tmp_path)
    assert done.status == 2
    assert done.output == "kfix: error: no policies found in internal/\n"


def test_pass_when_testing_a_blank_namespace() -> None:
    """Pass when testing a blank namespace

    kfix adds a note on stderr that no policy of the folder is in that namespace.
    """
    done = run("scan", "--namespace", "notpresent", "-p", "examples/kubernetes/policy",
               "examples/kubernetes/deployment.yaml")
    assert done.status == 0
    assert "0 tests, 0 passed, 0 warnings, 0 failures, 0 exceptions" in done.lines
    assert "no policies found in namespace notpresent (their rules are in main)" in done.output


def test_stdin_is_parsed_as_yaml_without_a_parser_flag() -> None:
    """when testing a YAML document via stdin, default parser should be yaml if no parser
    flag is passed"""
    done = run("scan", "-p", "examples/kubernetes/policy", "-",
               stdin=example("examples/kubernetes/service.yaml"))
    assert done.status == 0
    assert "WARN - - main - Found service hello-kubernetes but services are not allowed" in (
        done.lines)


def test_pass_when_testing_a_yaml_document_via_stdin() -> None:
    """Pass when testing a YAML document via stdin"""
    done = run("scan", "--parser", "yaml", "-p", "examples/kubernetes/policy", "-",
               stdin=example("examples/kubernetes/service.yaml"))
    assert done.status == 0
    assert done.lines[-1] == "5 tests, 4 passed, 1 warning, 0 failures, 0 exceptions"


def test_test_command_has_trace_flag() -> None:
    """Test command has trace flag"""
    done = run("scan", "-p", "examples/kubernetes/policy", "examples/kubernetes/service.yaml",
               "--trace")
    assert done.status == 0
    assert "data.kubernetes.is_service" in done.output


def test_can_disable_color() -> None:
    """Can disable color"""
    done = run("scan", "-p", "examples/kubernetes/policy", "examples/kubernetes/service.yaml",
               "--no-color")
    assert done.status == 0
    assert "[33m" not in done.output
    assert done.lines[0].startswith("WARN - ")


def test_output_results_only_once() -> None:
    """Output results only once"""
    done = run("scan", "-p", "examples/kubernetes/policy", "examples/kubernetes/deployment.yaml")
    assert len(done.lines) == 5


def test_can_output_tap_format_in_test_command() -> None:
    """Can output tap format in test command"""
    done = run("scan", "-p", "examples/kubernetes/policy/", "-o", "tap",
               "examples/kubernetes/deployment.yaml")
    assert "not ok" in done.output
    assert done.lines[0] == "1..5"


def test_can_output_table_format_in_test_command() -> None:
    """Can output table format in test command"""
    done = run("scan", "-p", "examples/kubernetes/policy/", "-o", "table",
               "examples/kubernetes/deployment.yaml")
    assert "failure" in done.output


def test_multi_file_tests_correctly_fail_when_last_file_is_fine() -> None:
    """Multi-file tests correctly fail when last file is fine"""
    done = run("scan", "-p", "examples/kubernetes/policy", "examples/kubernetes/deployment.yaml",
               "examples/kubernetes/service.yaml")
    assert done.status == 1


def test_the_number_of_tests_run_is_accurate() -> None:
    """The number of tests run is accurate"""
    done = run("scan", "-p", "examples/kubernetes/policy", "examples/kubernetes/service.yaml",
               "--no-color")
    assert done.status == 0
    assert done.lines[1] == "5 tests, 4 passed, 1 warning, 0 failures, 0 exceptions"


def test_should_not_show_any_output_with_quiet_flag_and_all_tests_succeeds() -> None:
    """Should not show any output with quiet flag and all tests succeeds"""
    done = run("scan", "-p", "examples/kubernetes/policy/deny.rego",
               "examples/kubernetes/deployment.yaml", "--quiet")
    assert done.status == 0
    assert done.output == ""


def test_should_show_output_because_of_failure() -> None:
    """Should show output because of failure"""
    done = run("scan", "-p", "examples/kubernetes/policy/", "examples/kubernetes/deployment.yaml",
               "--all-namespaces", "--quiet")
    assert done.status == 1
    assert "5 tests, 1 passed, 0 warnings, 4 failures, 0 exceptions" in done.output


# --- examples/report/policy_print: print() ---------------------------------------------------


def test_supports_print_output() -> None:
    """Supports print() output"""
    done = run("scan", "-p", "examples/report/policy_print/labels.rego",
               "examples/kubernetes/deployment.yaml", "--no-color")
    assert done.status == 1
    assert done.lines[0] == "PRNT   examples/report/policy_print/labels.rego:14: hello-kubernetes"


# --- examples/kubernetes: conftest verify ----------------------------------------------------


def test_can_verify_rego_tests() -> None:
    """Can verify rego tests"""
    done = run("test", "./examples/kubernetes/policy")
    assert done.status == 0
    assert done.lines[-1] == "PASS: 4/4"


# conftest verify --namespace takes globs of packages; kfix test's -r takes a regex of
# data.<package>.<rule>, so the glob is written as that regex.
@pytest.mark.parametrize(("case", "pattern", "passed"), [
    ("Verify command matches a namespace literally", r"^data\.main\.", 4),
    ("Verify command matches namespaces with a wildcard", r"^data\.ma[^.]*\.", 4),
    ("Verify command filters out non-matching namespaces", r"^data\.doesnotexist\.", 0),
])
def test_verify_command_namespaces(case: str, pattern: str, passed: int) -> None:
    done = run("test", "./examples/kubernetes/policy", "-r", pattern)
    assert done.status == 0, case
    assert done.lines[-1] == f"PASS: {passed}/{passed}", case


def test_can_verify_rego_tests_that_uses_parse_combined_config_files() -> None:
    """Can verify rego tests that uses parse_combined_config_files"""
    done = run("test", "./examples/kubernetes/combine")
    assert done.status == 0, done.output
    assert done.lines[-1] == "PASS: 2/2"


# --- examples/data ---------------------------------------------------------------------------


def test_can_load_data_along_with_rego_policies() -> None:
    """Can load data along with rego policies"""
    done = run("scan", "-p", "examples/data/policy", "-d", "examples/data/exclusions",
               "examples/data/service.yaml")
    assert done.status == 1
    assert "Cannot expose port" in done.output


def test_can_load_data_in_unit_tests() -> None:
    """Can load data in unit tests

    conftest verify ignores its argument examples/data/service.yaml (it takes policies by
    -p); kfix test's arguments are the policies.
    """
    done = run("test", "examples/data/policy", "-d", "examples/data/exclusions")
    assert done.status == 0, done.output
    assert done.lines[-1] == "PASS: 1/1"


# --- examples/exceptions ---------------------------------------------------------------------


def test_exceptions_reported_correctly() -> None:
    """Exceptions reported correctly"""
    done = run("scan", "-p", "examples/exceptions/policy", "examples/exceptions/deployments.yaml",
               "--no-color")
    assert done.status == 1
    assert done.lines[2] == "2 tests, 0 passed, 0 warnings, 1 failure, 1 exception"


def test_exceptions_output() -> None:
    """Exceptions output"""
    done = run("scan", "-p", "examples/exceptions/policy", "examples/exceptions/deployments.yaml",
               "--no-color")
    assert done.status == 1
    assert ('EXCP - examples/exceptions/deployments.yaml - main - '
            'data.main.exception[_][_] == "run_as_root"') in done.lines[1]


def test_suppress_exceptions_output() -> None:
    """Suppress exceptions output"""
    done = run("scan", "-p", "examples/exceptions/policy", "examples/exceptions/deployments.yaml",
               "--no-color", "--suppress-exceptions")
    assert done.status == 1
    assert done.lines[1] == "2 tests, 0 passed, 0 warnings, 1 failure, 1 exception"
