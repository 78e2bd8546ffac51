"""`kfix engine install|status`, and what every command says when the engine is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MISSING = ("kfix: error: no Rego engine available: run `kfix engine install` to install the "
           "embedded one (or put the `opa` binary on PATH and pass --engine opa)\n")


def kfix(*args: str, engine: bool = True) -> subprocess.CompletedProcess[str]:
    """`python -m kfix`; engine=False hides the engine's package from the process, as an
    environment without it would, and leaves `opa` off PATH."""
    hide = "" if engine else "sys.modules['opa_bindings'] = None; "
    env = dict(os.environ)
    if not engine:
        env["PATH"] = str(Path(sys.executable).parent.parent / "no-such-bin")
    return subprocess.run(
        [sys.executable, "-c", f"import sys; {hide}from kfix.cli import main; "
         f"sys.argv = ['kfix', *sys.argv[1:]]; main()", *args],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=300)


@pytest.mark.parametrize("args", [("scan", "examples/"), ("fix", "examples/"),
                                  ("engine", "status")])
def test_a_missing_engine_exits_2_naming_the_one_command_that_installs_it(
        args: tuple[str, ...]) -> None:
    done = kfix(*args, engine=False)
    assert (done.returncode, done.stderr, done.stdout) == (2, MISSING, "")


def test_status_names_the_engine_that_answered() -> None:
    done = kfix("engine", "status")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        "engine: embedded, OPA 1.20.2, opa-golib-python-bindings 0.4.4 in ")
    assert done.stdout.endswith("opa_bindings: answers queries\n")


def test_install_with_the_pinned_engine_present_only_proves_it() -> None:
    done = kfix("engine", "install")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no installer ran
    assert done.stdout.endswith("opa_bindings: answers queries (already installed)\n")


def test_ensure_engine_with_the_engine_present_runs_the_command_alone() -> None:
    plain = kfix("scan", "examples/hardened-web.yaml")
    ensured = kfix("--ensure-engine", "scan", "examples/hardened-web.yaml")
    assert (ensured.returncode, ensured.stdout, ensured.stderr) == (
        plain.returncode, plain.stdout, "")
    assert plain.returncode == 0 and "0 failures" in plain.stdout
