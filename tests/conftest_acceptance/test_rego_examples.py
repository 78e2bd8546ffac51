"""conftest's acceptance cases for strict mode, capabilities and builtin errors
(`acceptance.bats` at conftest 6a3fd60), run through the real `kfix` CLI from
tests/data/conftest, which keeps conftest's layout (see its SOURCES.md).

Where kfix differs on purpose, the test says so: a policy that does not load or a
builtin error is exit 2 in `kfix scan` (conftest: 1; `kfix test` keeps opa test's 1), and
network builtins need --allow-network.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HOME = Path(__file__).resolve().parents[1] / "data" / "conftest"
SCAN_ERROR_EXIT = 2
TEST_LOAD_ERROR_EXIT = 1

STRICT_ERRORS = (
    "rego_compile_error: assigned var b unused",
    "rego_compile_error: assigned var x unused",
    "rego_compile_error: assigned var c unused",
    "rego_compile_error: unused argument y",
)


def kfix(*args: str) -> subprocess.CompletedProcess[str]:
    for arg in args:  # a missing example fails the test, never passes it empty
        if arg.startswith("examples/"):
            assert (HOME / arg).exists(), f"{arg} is not vendored under {HOME}"
    done = subprocess.run([sys.executable, "-m", "kfix", *args], cwd=HOME,
                          capture_output=True, text=True, timeout=300, check=False)
    assert "Traceback" not in done.stdout + done.stderr
    return done


def test_strict_reports_unused_variables_and_arguments() -> None:
    # "Should fail if strict is set and there are unused variables in the policy"
    done = kfix("scan", "-p", "examples/strict-rules/policy/",
                "examples/kubernetes/deployment.yaml", "--strict")
    assert done.returncode == SCAN_ERROR_EXIT
    for expected in STRICT_ERRORS:
        assert expected in done.stderr
    assert "examples/strict-rules/policy/lenient.rego:7: rego_compile_error: assigned var b " \
        "unused" in done.stderr


def test_strict_in_unit_tests_reports_the_same() -> None:
    # "Should fail when verifying if strict is set and there are unused variables in the
    # policy" (conftest verify: kfix test)
    done = kfix("test", "examples/strict-rules/policy/", "--strict")
    assert done.returncode == TEST_LOAD_ERROR_EXIT
    for expected in STRICT_ERRORS:
        assert expected in done.stderr


def test_without_strict_the_lenient_policy_loads() -> None:
    done = kfix("scan", "-p", "examples/strict-rules/policy/",
                "examples/kubernetes/deployment.yaml")
    assert done.returncode == 0, done.stderr
    assert "rego_compile_error" not in done.stdout + done.stderr


def test_capabilities_file_leaves_functions_undefined() -> None:
    # "Should fail if an opa function is not defined given capabilities file"
    done = kfix("scan", "examples/kubernetes/deployment.yaml", "-p",
                "examples/kubernetes/policy/", "-p", "examples/capabilities/malicious.rego",
                "--capabilities", "examples/capabilities/capabilities.json")
    assert done.returncode == SCAN_ERROR_EXIT
    assert "undefined function opa.runtime" in done.stderr
    assert "undefined function http.send" in done.stderr
    assert "examples/capabilities/malicious.rego:10: rego_type_error: undefined function " \
        "http.send" in done.stderr


@pytest.mark.parametrize("show", [True, False])
def test_builtin_error_is_shown_only_when_asked(show: bool) -> None:
    # "Should fail evaluation if a builtin function returns error". The lookup of
    # not-real-domainxyz fails with or without a network: a builtin error either way.
    flags = ["--show-builtin-errors"] if show else []
    done = kfix("scan", *flags, "--allow-network", "-p", "examples/builtin-errors/invalid-dns.rego",
                "examples/kubernetes/deployment.yaml")
    if show:
        assert done.returncode == SCAN_ERROR_EXIT
        assert "built-in error" in done.stdout
        assert "eval_builtin_error" not in done.stdout
        # the errored rule is neither passed nor failed
        assert done.stdout.splitlines()[-1] == (
            "0 tests, 0 passed, 0 warnings, 0 failures, 0 exceptions, 1 error")
    else:  # OPA's default: the call is undefined, so the rule is
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.splitlines()[-1] == (
            "1 test, 1 passed, 0 warnings, 0 failures, 0 exceptions")
