"""`kfix report merge`: the JSON reports of sharded runs joined into one."""

from __future__ import annotations

import sys

import click

from kfix.errors import KfixError


@click.group("report")
def report_group() -> None:
    """Work with JSON reports of earlier runs."""


@report_group.command("merge")
@click.argument("reports", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, allow_dash=True))
def merge_command(reports: tuple[str, ...]) -> None:
    """Join the JSON reports of `kfix scan -o json --shard I/N` (or of `kfix fix -o json
    --shard I/N`) runs into the report one run over every file prints, on stdout.

    Entries come in path order: for runs over one directory, the order one run gives.

    Exit codes, as the command whose reports they are: 0 nothing fails; 1 failures
    (unfixed failures, for fix reports); 2 reports that cannot be read or merged, or
    inputs the runs could not read.
    """
    from kfix.output.merge import merge

    texts = []
    for name in reports:
        try:
            with click.open_file(name, encoding="utf-8") as handle:
                texts.append((name, handle.read()))
        except (OSError, UnicodeDecodeError) as exc:
            raise KfixError(f"cannot read: {exc}", name) from None
    text, code = merge(texts)
    click.echo(text, nl=False)
    sys.exit(code)
