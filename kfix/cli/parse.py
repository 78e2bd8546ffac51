"""`kfix parse`: conftest's `parse`, the inputs as the policies see them, as JSON."""

from __future__ import annotations

import sys

import click

from kfix.cli import options


@click.command("parse")
@options.paths
@options.parser
@options.combine
@options.ignore
def parse_command(paths: tuple[str, ...], parser: str | None, combine: bool,
                  ignore: str | None) -> None:
    """Print inputs as the policies' `input` sees them, as `conftest parse` does.

    One file prints its document (a list for several documents); several files print
    an object keyed by path; --combine prints conftest's combined input, a list of
    {"path", "contents"}. A List is shown as written, not expanded into its items.

    Exit codes: 0 every input parsed; 2 some could not be read or parsed (each named on
    stderr with its line; the others are printed) or a usage error.
    """
    from kfix.load.manifests import Reading
    from kfix.output.parse import render
    from kfix.runner.parse import parse

    if not paths:
        raise click.UsageError("give at least one file, directory or - for stdin")
    result = parse(paths, Reading(parser=parser), ignore)
    if result.contents:
        click.echo(render(result, combine), nl=False)
    for problem in result.problems:
        click.echo(f"kfix: error: {problem}", err=True)
    sys.exit(result.exit_code())
