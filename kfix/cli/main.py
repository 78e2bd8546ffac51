"""The `kfix` group and the one error edge: every command's exit code is decided here or
by its result, never by the library.

| code | meaning                                                                     |
| ---- | --------------------------------------------------------------------------- |
| 0    | clean: nothing fails                                                        |
| 1    | findings or failures remain (see each command for its own table)            |
| 2    | an error of input, policy, engine, write or usage: `kfix: error: ...`       |
| 130  | interrupted (Ctrl-C); temporary files are removed on the way out            |
| 141  | the reader of the output went away (`kfix ... | head`), as SIGPIPE would   |
| 143  | terminated (SIGTERM); temporary files are removed on the way out            |
| 3    | a bug in kfix: `kfix: unexpected error: ...`, a traceback with --debug      |
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
from typing import Any

import click

from kfix import __version__
from kfix.cli import (
    config,
    draft,
    engine,
    fix,
    parse,
    plan,
    policy,
    pull,
    report,
    scan,
    test,
    verify,
)
from kfix.errors import KfixError, PolicyError

ERROR_EXIT = 2
INTERRUPTED_EXIT = 130
CLOSED_PIPE_EXIT = 141  # 128 + SIGPIPE, what a shell shows for a tool its pipe ended
TERMINATED_EXIT = 143  # 128 + SIGTERM
BUG_EXIT = 3
# a command whose compatibility asks for another code for errors sets it here (kfix test: 1)
ERROR_EXIT_KEY = "kfix.error_exit"


def version_text() -> str:
    """kfix, engine and OPA versions, as `conftest --version` names its own and OPA's."""
    from kfix.engine import select_engine

    try:
        engine = select_engine()
    except KfixError as exc:
        return f"kfix {__version__}\nengine: none ({exc})"
    try:
        return f"kfix {__version__}\nengine: {engine.name}\nOPA: {engine.opa_version()}"
    finally:
        engine.close()


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(version_text())
        ctx.exit()


class KfixGroup(click.Group):
    """The error edge: a KfixError becomes `kfix: error: file:line: message` and exit 2;
    Ctrl-C exit 130; anything else is a bug, exit 3."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit):
            raise
        except Terminated:
            click.echo("\nkfix: terminated", err=True)
            ctx.exit(TERMINATED_EXIT)
        except (KeyboardInterrupt, click.exceptions.Abort):
            click.echo("\nkfix: interrupted", err=True)
            ctx.exit(INTERRUPTED_EXIT)
        except BrokenPipeError:  # quietly: nobody reads what is left to print
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(CLOSED_PIPE_EXIT)
        except KfixError as exc:
            errors = exc.all() if isinstance(exc, PolicyError) else (exc,)
            for error in errors:
                click.echo(f"kfix: error: {error}", err=True)
            ctx.exit(ctx.meta.get(ERROR_EXIT_KEY, ERROR_EXIT))
        except Exception as exc:  # a bug: say so plainly, with the traceback only on request
            if ctx.meta.get("kfix.debug"):
                traceback.print_exc()
            click.echo(f"kfix: unexpected error: {type(exc).__name__}: {exc} "
                       "(run with --debug for a traceback)", err=True)
            ctx.exit(BUG_EXIT)


@click.group(cls=KfixGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=_print_version, help="Show kfix, engine and OPA versions.")
@click.option("--debug", is_flag=True, envvar="KFIX_DEBUG",
              help="Show a traceback for unexpected errors.")
@click.option("--ensure-engine", is_flag=True,
              help="Run `kfix engine install` first when the engine is missing: for "
              "environments made for kfix by other tools (pre-commit, CI images).")
@click.pass_context
def cli(ctx: click.Context, debug: bool, ensure_engine: bool) -> None:
    """Policy-as-code for Kubernetes manifests on embedded OPA.

    Exit codes: 0 clean, 1 findings or failures remain, 2 errors (input, policy,
    engine, write, usage), 130 interrupted, 3 a bug in kfix. Each command's help
    gives its own table.
    """
    ctx.meta["kfix.debug"] = debug
    if ensure_engine:
        engine.ensure_engine()


for command in (scan.scan_command, fix.fix_command, test.test_command,
                verify.verify_command, draft.draft_command, policy.policy_group,
                policy.doc_command, report.report_group, pull.pull_command,
                parse.parse_command, plan.plan_group, plan.approve_command,
                plan.reject_command, plan.apply_command, plan.rollback_command,
                plan.audit_group, engine.engine_group):
    cli.add_command(command)
config.configure(cli)


class Terminated(KeyboardInterrupt):
    """SIGTERM, unwound like Ctrl-C, so every temporary file is removed on the way out."""


def _terminate(_signal: int, _frame: object) -> None:
    raise Terminated()


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    cli.main(prog_name="kfix")
