"""gatekeeper-library's Rego unit tests pass under `kfix test --rego-version v0`, folder
by folder, as its CI runs `opa test` (tests/data/gatekeeper-library/SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kfix.model import ERROR, FAILED, PASSED
from kfix.policytest import regotest
from kfix.policytest.regotest import run_tests
from kfix.runner.scan import ScanOptions

SRC = Path(__file__).resolve().parents[1] / "data" / "gatekeeper-library" / "src"
FOLDERS = sorted({path.parent for path in SRC.glob("*/*/*_test.rego")})
V0 = ScanOptions(rego_version="v0")


def test_every_folder_with_unit_tests_is_here() -> None:
    assert len(FOLDERS) == 51, f"expected gatekeeper-library's 51 folders under {SRC}"


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda path: path.name)
def test_unit_tests_pass(folder: Path) -> None:
    result = run_tests([str(folder)], regotest.TestOptions(scan=V0))
    assert result.tests, f"no tests found in {folder}"
    failing = [f"{t.full_name}: {t.status} {t.error or ''}" for t in result.tests
               if t.status != PASSED]
    assert failing == []


PROC_MOUNT = SRC / "pod-security-policy" / "proc-mount"
NULL_PARAMETERS = "data.k8spspprocmount.test_input_container_proc_mount_not_allowed_null_param"


def test_a_builtin_error_is_undefined_as_in_opa_test() -> None:
    # object.get(null, ...) in lib_exempt_container.rego: OPA leaves `is_exempt`
    # undefined, so `not is_exempt(c)` holds and the violation the test expects is found.
    result = run_tests([str(PROC_MOUNT)], regotest.TestOptions(scan=V0, run=NULL_PARAMETERS))
    (test,) = result.tests
    assert (test.status, test.error) == (PASSED, "")


def test_show_builtin_errors_makes_it_the_tests_error() -> None:
    shown = ScanOptions(rego_version="v0", show_builtin_errors=True)
    result = run_tests([str(PROC_MOUNT)], regotest.TestOptions(scan=shown, run=NULL_PARAMETERS))
    (test,) = result.tests
    assert test.status == ERROR
    assert test.error == (f"{PROC_MOUNT / 'lib_exempt_container.rego'}:4: built-in error: "
                          "object.get: operand 1 must be object but got null")
    assert FAILED not in {t.status for t in result.tests}
