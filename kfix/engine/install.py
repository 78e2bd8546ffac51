"""The embedded engine in kfix's own environment: find the installer, install, prove it.

`pip install kfix` cannot bring the engine: opa-golib-python-bindings 0.4.4 claims
Python >= 3.14 in its metadata and runs on 3.11, so no installer takes it as an ordinary
dependency. pip is told `--ignore-requires-python`; uv has no such flag and is told to
resolve for the Python the metadata names (`--python-version 3.14`: the wheel is
`py3-none`, so nothing else changes). `--no-deps` in both: it has none, and kfix's own
requirements must not be resolved again.

The environment is the interpreter running kfix (sys.executable): a venv, pipx's venv
(pip there is pipx's shared copy, reached by `python -m pip`) or a venv uv made (uv tool's
has no pip; `uv pip install --python` installs into it from outside).
"""

from __future__ import annotations

import importlib
import importlib.util
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from kfix.errors import EngineUnavailable

PACKAGE = "opa-golib-python-bindings"
VERSION = "0.4.4"
REQUIREMENT = f"{PACKAGE}=={VERSION}"
CLAIMED_PYTHON = "3.14"  # what the engine's metadata asks for

# a module and a query whose answer only a working engine computes
_PROBE_MODULE = "package kfix.probe\n\nanswer := count([x | some x in numbers.range(1, 42)])\n"
_PROBE_QUERY = "answer := data.kfix.probe.answer"
_PROBE_ANSWER = 42


@dataclass(frozen=True)
class Installer:
    """How to install the engine into one environment, and why this way."""

    name: str  # pip or uv
    argv: tuple[str, ...]
    environment: str  # what made the environment, in words


@dataclass(frozen=True)
class EngineStatus:
    """An engine that loaded a module and answered a query."""

    name: str
    opa_version: str
    package_version: str
    location: str


def choose_installer(python: str, prefix: Path, *, has_pip: bool, uv: str | None) -> Installer:
    """The installer for the environment at `prefix` whose interpreter is `python`:
    uv for a venv uv made (it may have no pip), else pip, else uv when it is on PATH."""
    environment = _environment(prefix)
    if (environment.startswith("uv") or not has_pip) and uv:
        return Installer("uv", (uv, "pip", "install", "--python", python, "--python-version",
                                CLAIMED_PYTHON, "--no-deps", REQUIREMENT), environment)
    if has_pip:
        return Installer("pip", (python, "-m", "pip", "install", "--no-deps",
                                 "--ignore-requires-python", REQUIREMENT), environment)
    raise EngineUnavailable(
        f"cannot install {REQUIREMENT} into {prefix}: it has no pip and `uv` is not on PATH; "
        f"install one of them, or run `{python} -m ensurepip` first")


def current_installer() -> Installer:
    """The installer for the environment running kfix."""
    return choose_installer(sys.executable, Path(sys.prefix),
                            has_pip=importlib.util.find_spec("pip") is not None,
                            uv=shutil.which("uv"))


def install(installer: Installer) -> EngineStatus:
    """Run the installer (its output goes to the terminal), then prove the engine works."""
    done = subprocess.run(installer.argv, check=False)
    if done.returncode != 0:
        raise EngineUnavailable(
            f"{installer.name} could not install {REQUIREMENT} (exit {done.returncode})")
    importlib.invalidate_caches()
    return probe()


def probe() -> EngineStatus:
    """Load the embedded engine, compile a module and check its answer; raise
    EngineUnavailable when the engine is missing or answers wrongly."""
    from kfix.engine.embedded import EmbeddedEngine

    engine = EmbeddedEngine(timeout=None)
    try:
        engine.load({"kfix_probe.rego": _PROBE_MODULE}, {}, {})
        bindings = engine.query(_PROBE_QUERY, None).bindings
        version = engine.opa_version()
    finally:
        engine.close()
    if [b.get("answer") for b in bindings] != [_PROBE_ANSWER]:
        raise EngineUnavailable(f"the embedded engine loaded but answered {bindings!r} "
                                f"to a query whose answer is {_PROBE_ANSWER}")
    import opa_bindings

    return EngineStatus("embedded", version, metadata.version(PACKAGE),
                        str(Path(opa_bindings.__file__).parent))


def installed_version() -> str | None:
    """The engine package's version in this environment, or None."""
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return None


def _environment(prefix: Path) -> str:
    """What made the environment at `prefix`: uv tool, uv, pipx, venv or Python itself."""
    if (prefix / "uv-receipt.toml").is_file():
        return "uv tool environment"
    if (prefix / "pipx_metadata.json").is_file():
        return "pipx environment"
    config = prefix / "pyvenv.cfg"
    if not config.is_file():
        return "Python installation"
    keys = {line.partition("=")[0].strip() for line in config.read_text().splitlines()}
    return "uv environment" if "uv" in keys else "virtual environment"
