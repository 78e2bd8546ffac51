"""Finding the installer for kfix's environment, installing, and proving the engine works."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kfix.engine import install
from kfix.errors import EngineUnavailable

PYTHON = "/env/bin/python"
UV = "/usr/local/bin/uv"
PIP_ARGV = (PYTHON, "-m", "pip", "install", "--no-deps", "--ignore-requires-python",
            "opa-golib-python-bindings==0.4.4")
UV_ARGV = (UV, "pip", "install", "--python", PYTHON, "--python-version", "3.14", "--no-deps",
           "opa-golib-python-bindings==0.4.4")


def environment(tmp_path: Path, config: str, *marks: str) -> Path:
    """A directory laid out as the tool that made it leaves it: pyvenv.cfg and its marks."""
    (tmp_path / "pyvenv.cfg").write_text(config, encoding="utf-8")
    for mark in marks:
        (tmp_path / mark).write_text("", encoding="utf-8")
    return tmp_path


VENV_CFG = "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.7\n"
# what `uv venv` and `uv tool install` write
UV_CFG = ("home = /usr/bin\nimplementation = CPython\nuv = 0.13.9\nversion_info = 3.11.7\n"
          "include-system-site-packages = false\n")


def test_a_venv_with_pip_gets_pip_with_the_flags_the_engine_needs(tmp_path: Path) -> None:
    chosen = install.choose_installer(PYTHON, environment(tmp_path, VENV_CFG),
                                      has_pip=True, uv=UV)
    assert chosen == install.Installer("pip", PIP_ARGV, "virtual environment")


def test_pipx_environments_use_pipx_shared_pip(tmp_path: Path) -> None:
    prefix = environment(tmp_path, VENV_CFG, "pipx_metadata.json")
    chosen = install.choose_installer(PYTHON, prefix, has_pip=True, uv=None)
    assert chosen == install.Installer("pip", PIP_ARGV, "pipx environment")


def test_uv_tool_environments_have_no_pip_and_get_uv_from_outside(tmp_path: Path) -> None:
    prefix = environment(tmp_path, UV_CFG, "uv-receipt.toml")
    chosen = install.choose_installer(PYTHON, prefix, has_pip=False, uv=UV)
    assert chosen == install.Installer("uv", UV_ARGV, "uv tool environment")


def test_a_venv_uv_made_gets_uv_even_with_pip_in_it(tmp_path: Path) -> None:
    chosen = install.choose_installer(PYTHON, environment(tmp_path, UV_CFG), has_pip=True, uv=UV)
    assert chosen == install.Installer("uv", UV_ARGV, "uv environment")


def test_a_venv_uv_made_falls_back_to_its_pip_without_uv_on_path(tmp_path: Path) -> None:
    chosen = install.choose_installer(PYTHON, environment(tmp_path, UV_CFG),
                                      has_pip=True, uv=None)
    assert chosen == install.Installer("pip", PIP_ARGV, "uv environment")


def test_no_pip_and_no_uv_is_an_error_naming_the_environment(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailable) as raised:
        install.choose_installer(PYTHON, environment(tmp_path, VENV_CFG), has_pip=False, uv=None)
    assert str(raised.value) == (
        f"cannot install opa-golib-python-bindings==0.4.4 into {tmp_path}: it has no pip and "
        f"`uv` is not on PATH; install one of them, or run `{PYTHON} -m ensurepip` first")


def test_the_running_environment_is_found(tmp_path: Path) -> None:
    chosen = install.current_installer()
    assert chosen.argv[0] in (sys.executable, install.shutil.which("uv"))
    assert sys.executable in chosen.argv


def test_probe_runs_a_query_on_the_installed_engine() -> None:
    status = install.probe()
    assert (status.name, status.opa_version, status.package_version) == (
        "embedded", "1.20.2", install.VERSION)
    assert (Path(status.location) / "__init__.py").is_file()


def test_an_installer_that_fails_is_an_engine_error() -> None:
    failing = install.Installer("pip", (sys.executable, "-c", "raise SystemExit(3)"), "venv")
    with pytest.raises(EngineUnavailable) as raised:
        install.install(failing)
    assert str(raised.value) == "pip could not install opa-golib-python-bindings==0.4.4 (exit 3)"


def test_an_installer_that_succeeds_is_followed_by_the_probe() -> None:
    done = install.Installer("pip", (sys.executable, "-c", "pass"), "venv")
    assert install.install(done) == install.probe()
