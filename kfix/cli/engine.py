"""`kfix engine install|status`: the embedded engine in kfix's own environment."""

from __future__ import annotations

import shlex
import sys

import click

from kfix.engine.install import EngineStatus


@click.group("engine")
def engine_group() -> None:
    """Install and check the embedded Rego engine.

    Exit codes: 0 the engine works; 2 it is missing, cannot be installed, or does not
    answer a query.
    """


@engine_group.command("install")
def install_command() -> None:
    """Install the pinned engine into the environment kfix runs in, then prove it works.

    `pip install kfix`, `pipx install kfix` and `uv tool install kfix` cannot bring it
    (its metadata claims Python >= 3.14; it runs on 3.11): this runs pip, or uv for an
    environment uv made, with the flags it needs. Nothing happens when the pinned
    version is there and answers a query.
    """
    from kfix.engine.install import probe

    status = ensure_engine()
    click.echo(_describe(status or probe()) + ("" if status else " (already installed)"))


@engine_group.command("status")
def status_command() -> None:
    """Load the embedded engine, have it answer a query, and say which one it is."""
    from kfix.engine.install import probe

    click.echo(_describe(probe()))


def ensure_engine() -> EngineStatus | None:
    """Install the pinned engine unless it is there (saying so on stderr, with the
    installer's command); the engine that then answered, or None if nothing was done."""
    from kfix.engine import install

    if install.installed_version() == install.VERSION:
        return None
    installer = install.current_installer()
    click.echo(f"kfix: installing {install.REQUIREMENT} into {sys.prefix} "
               f"({installer.environment}): {shlex.join(installer.argv)}", err=True)
    return install.install(installer)


def _describe(status: EngineStatus) -> str:
    return (f"engine: {status.name}, OPA {status.opa_version}, opa-golib-python-bindings "
            f"{status.package_version} in {status.location}: answers queries")
