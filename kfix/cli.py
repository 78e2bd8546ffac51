"""The `kfix` command: flags → one library call → a formatter → an exit code."""

from __future__ import annotations

import sys
import traceback
from typing import Any

import click

from kfix import __version__
from kfix.cli_options import input_options, policy_options
from kfix.errors import KfixError, PolicyError
from kfix.output import FORMATTERS, OutputOptions
from kfix.output.stdout import render_trace
from kfix.runner import ScanOptions, scan

UNEXPECTED_EXIT = 3
_debug = False


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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=_print_version, help="Show kfix, engine and OPA versions.")
@click.option("--debug", is_flag=True, envvar="KFIX_DEBUG",
              help="Show a traceback for unexpected errors.")
def cli(debug: bool) -> None:
    """Policy-as-code for Kubernetes manifests on embedded OPA."""
    global _debug
    _debug = debug


@cli.command("scan")
@input_options
@policy_options
@click.option("-o", "--output", type=click.Choice(sorted(FORMATTERS)), default="stdout",
              show_default=True, help="Output format.")
@click.option("--fail-on-warn", is_flag=True,
              help="Exit 1 on warnings, 2 on failures (conftest's codes).")
@click.option("--no-fail", is_flag=True, help="Exit 0 even when policies fail.")
@click.option("--quiet", is_flag=True, help="Print nothing when every test passes.")
@click.option("--no-color", is_flag=True, help="No ANSI colours in the output.")
@click.option("--trace", is_flag=True, help="Show the engine's evaluation trace.")
@click.option("--suppress-exceptions", is_flag=True, help="Leave exceptions out of the output.")
@click.option("--junit-hide-message", is_flag=True,
              help="JUnit output: leave the message out of the test name.")
def scan_command(paths: tuple[str, ...], output: str, fail_on_warn: bool, no_fail: bool,
                 quiet: bool, no_color: bool, suppress_exceptions: bool, trace: bool,
                 junit_hide_message: bool, **options: Any) -> None:
    """Test manifests against policies, as `conftest test` does.

    PATHS are files, directories (searched recursively for .yaml, .yml and .json) or
    `-` for standard input. Exit codes follow conftest: 0 pass, 1 failures (or, with
    --fail-on-warn, 1 warnings and 2 failures); unreadable inputs also give 1.
    """
    if not paths:
        raise click.UsageError("give at least one file, directory or - for stdin")
    result = scan(paths, ScanOptions(trace=trace, **options))
    code = result.exit_code(fail_on_warn=fail_on_warn, no_fail=no_fail)
    if quiet and code == 0 and not result.count("warning"):
        sys.exit(0)
    color = not no_color and output == "stdout" and sys.stdout.isatty()
    shown = OutputOptions(color=color, suppress_exceptions=suppress_exceptions, trace=trace,
                          junit_hide_message=junit_hide_message)
    click.echo(FORMATTERS[output].render(result, shown), nl=False)
    if output != "stdout":  # machine-readable stdout stays clean; people read stderr
        if trace:
            click.echo(render_trace(result, shown), err=True, nl=False)
        for problem in result.problems:
            click.echo(f"kfix: error: {problem}", err=True)
    sys.exit(code)


def main() -> None:
    """The one error edge: KfixError → `kfix: error: file:line: message`, never a traceback."""
    try:
        cli.main(prog_name="kfix")
    except PolicyError as exc:
        for error in exc.all():
            click.echo(f"kfix: error: {error}", err=True)
        sys.exit(exc.exit_code)
    except KfixError as exc:
        click.echo(f"kfix: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except Exception as exc:  # a bug: say so plainly, with the traceback only on request
        if _debug:
            traceback.print_exc()
        click.echo(f"kfix: unexpected error: {type(exc).__name__}: {exc} "
                   "(run with --debug for a traceback)", err=True)
        sys.exit(UNEXPECTED_EXIT)
