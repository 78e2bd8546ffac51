"""`kfix policy list|show|new` and `kfix doc`: a policy repository, from its METADATA."""

from __future__ import annotations

import json

import click

from kfix.cli import options
from kfix.output.policy import REPORTS


@click.group("policy")
def policy_group() -> None:
    """List, show and scaffold policies.

    Exit codes: 0 done; 2 policies that do not load, an unknown id, usage errors.
    """


@policy_group.command("list")
@options.policy_paths
@options.fixtures
@options.output(REPORTS, default="table")
def list_command(policy_paths: tuple[str, ...], fixtures: str | None, output: str) -> None:
    """One line per policy: id, severity, profile, automatic fix.

    An automatic fix is `yes`, `no`, or `with parameters`: the policy's fragment acts
    only on values a person gives (--set or --config `params:`).
    """
    from kfix.output import ReportOptions
    from kfix.pack.catalog import catalog

    click.echo(REPORTS[output](catalog(policy_paths, fixtures), ReportOptions()), nl=False)


@policy_group.command("show")
@click.argument("policy_id")
@options.policy_paths
@options.fixtures
def show_command(policy_id: str, policy_paths: tuple[str, ...], fixtures: str | None) -> None:
    """Everything kfix knows of one policy, as JSON."""
    from kfix.output.policy import entry_json
    from kfix.pack.catalog import catalog

    found = {e.info.id: e for e in catalog(policy_paths, fixtures)}
    if policy_id not in found:
        raise click.BadParameter(f"no policy {policy_id!r}; `kfix policy list` names them",
                                 param_hint="POLICY_ID")
    click.echo(json.dumps(entry_json(found[policy_id]), indent=2))


@policy_group.command("new")
@click.argument("policy_id")
@click.option("--root", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Repository root holding policies/, rego_tests/ and fixtures/.")
def new_command(policy_id: str, root: str) -> None:
    """Scaffold a working policy: Rego, fix, unit tests, fixtures and a fix pair.

    Its package is kfix.policies.<id with _ for ->, a namespace `kfix scan -p` tests
    without --namespace, as it does main.
    """
    from kfix.author.scaffold import new_policy, next_steps

    for path in new_policy(policy_id, root):
        click.echo(f"created {path}")
    click.echo("\nnext steps:")
    steps = next_steps(policy_id, root)
    width = max(len(what) for what, _ in steps)
    for what, command in steps:
        click.echo(f"  {what:<{width}}  {command}")


@click.command("doc")
@options.policy_paths
@options.fixtures
@click.option("--output", "target", type=click.Path(dir_okay=False),
              help="Write the Markdown here instead of standard output.")
def doc_command(policy_paths: tuple[str, ...], fixtures: str | None, target: str | None) -> None:
    """Render the Markdown policy reference from METADATA (`kfix policy list -o markdown`).

    Exit codes: 0 done; 2 policies that do not load, a file that cannot be written.
    """
    from kfix.output import ReportOptions
    from kfix.pack.catalog import catalog
    from kfix.writer.files import write_atomic

    text = REPORTS["markdown"](catalog(policy_paths, fixtures), ReportOptions())
    if target:
        write_atomic(target, text)
    else:
        click.echo(text, nl=False)
