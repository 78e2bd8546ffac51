"""`kfix draft`: a model drafts a policy's fragment; it is kept only if verified."""

from __future__ import annotations

import sys
from typing import Any

import click

from kfix.cli import options, settings
from kfix.output.draft import REPORTS


@click.command("draft")
@click.argument("policy_id")
@options.policy_paths
@options.fixtures
@click.option("--replace", is_flag=True, help="Draft even though the policy has a fragment.")
@click.option("--retries", "redrafts", type=click.IntRange(min=0), default=2, show_default=True,
              help="Drafts to ask for again, with the verifier's reasons, after the first.")
@options.llm
def draft_command(policy_id: str, policy_paths: tuple[str, ...], fixtures: str | None,
                  replace: bool, redrafts: int, **flags: Any) -> None:
    """Ask a model to draft POLICY_ID's remediation fragment, and keep it only if verified.

    The draft must fix every positive fixture (finding gone, nothing new, idempotent,
    schema-valid) and change nothing on any negative one; then the fragment is written
    beside the policy, with fix pairs under the fixtures, and the diffs are shown.
    Otherwise it is asked again with the verifier's reasons.

    Exit codes: 0 written; 1 no draft passed (nothing written); 2 model, policy or
    usage errors; 130 interrupted.
    """
    from kfix.author.draft import DraftOptions, draft
    from kfix.llm.client import ChatClient
    from kfix.output import ReportOptions
    from kfix.pack.sources import parse
    from kfix.runner.scan import ScanOptions

    if any(parse(path).kind != "local" for path in policy_paths):
        raise click.UsageError("kfix draft writes beside the policy: give a local -p "
                               "(`kfix pull` fetches one)")
    llm, use_cache = settings.llm(flags, needed_by="draft")
    assert llm is not None  # needed_by makes sure
    scan_options = (ScanOptions(policy_paths=policy_paths, all_namespaces=True)
                    if policy_paths else ScanOptions())
    result = draft(policy_id, ChatClient(llm, use_cache=use_cache), DraftOptions(
        policy_root=policy_paths[0] if policy_paths else None, fixtures=fixtures,
        replace=replace, retries=redrafts, scan=scan_options),
        say=lambda text: click.echo(f"kfix: {text}", err=True))
    click.echo(REPORTS["text"](result, ReportOptions()), nl=False)
    sys.exit(0 if result.accepted else 1)
