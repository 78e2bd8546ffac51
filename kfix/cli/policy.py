"""`kfix policy list|show` and `kfix doc`: the policy repository described from METADATA."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from kfix.author.scaffold import new_policy
from kfix.pack.catalog import PolicyEntry, catalog, render_markdown

_policy_paths = click.option(
    "-p", "--policy", "policy_paths", multiple=True,
    help="Policy file or directory (repeatable). Default: kfix's built-in pack.",
)
_fixtures = click.option(
    "--fixtures", type=click.Path(file_okay=False),
    help="Fixture directory. Default: `fixtures` beside the first policy directory.",
)


def _as_json(entry: PolicyEntry) -> dict[str, object]:
    info = asdict(entry.info)
    info["custom"] = dict(entry.info.custom)
    return {**info, "profile": entry.profile, "has_fix": bool(entry.fragment),
            "fragment": entry.fragment, "fixtures": {"positive": entry.positive,
                                                      "negative": entry.negative,
                                                      "fix_pairs": entry.fix_pairs}}


@click.group("policy")
def policy_group() -> None:
    """List and show policies by their METADATA."""


@policy_group.command("list")
@_policy_paths
@_fixtures
@click.option("-o", "--output", type=click.Choice(["json", "table"]), default="table",
              show_default=True, help="Output format.")
def list_command(policy_paths: tuple[str, ...], fixtures: str | None, output: str) -> None:
    """One line per policy: id, severity, profile, whether it has a fix."""
    entries = catalog(policy_paths, fixtures)
    if output == "json":
        click.echo(json.dumps([_as_json(e) for e in entries], indent=2))
        return
    rows = [("ID", "SEVERITY", "PROFILE", "FIX")] + [
        (e.info.id, e.info.severity, e.profile, "yes" if e.fragment else "no") for e in entries
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
                   .rstrip())


@policy_group.command("show")
@click.argument("policy_id")
@_policy_paths
@_fixtures
def show_command(policy_id: str, policy_paths: tuple[str, ...], fixtures: str | None) -> None:
    """Everything kfix knows of one policy."""
    found = {e.info.id: e for e in catalog(policy_paths, fixtures)}
    if policy_id not in found:
        raise click.BadParameter(f"no policy {policy_id!r}; `kfix policy list` names them",
                                 param_hint="POLICY_ID")
    click.echo(json.dumps(_as_json(found[policy_id]), indent=2))


@click.command("doc")
@_policy_paths
@_fixtures
@click.option("--output", "target", type=click.Path(dir_okay=False),
              help="Write the Markdown here instead of standard output.")
def doc_command(policy_paths: tuple[str, ...], fixtures: str | None, target: str | None) -> None:
    """Render the Markdown policy reference from METADATA."""
    text = render_markdown(catalog(policy_paths, fixtures))
    if target:
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        click.echo(text, nl=False)


@policy_group.command("new")
@click.argument("policy_id")
@click.option("--root", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Repository root holding policies/, rego_tests/ and fixtures/.")
def new_command(policy_id: str, root: str) -> None:
    """Scaffold a working policy: Rego, fix, unit tests, fixtures and a fix pair."""
    for path in new_policy(policy_id, root):
        click.echo(f"created {path}")
