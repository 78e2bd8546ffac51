"""`kfix plan`, `approve`, `reject`, `apply`, `rollback` and `audit`: remediation as a
reviewed plan — propose → approve → apply → verify → record."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from kfix.cli import options, settings
from kfix.model import APPROVED, REJECTED


class PlanGroup(click.Group):
    """`kfix plan PATHS...` makes a plan; `kfix plan show|schema ...` are subcommands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["create", *args]
        return super().parse_args(ctx, args)


@click.group("plan", cls=PlanGroup, subcommand_metavar="PATHS... -o PLAN | COMMAND [ARGS]...")
def plan_group() -> None:
    """Propose verified fixes as a ranked plan to review: `kfix plan PATHS... -o plan.json`.

    Every verified fix (of any risk, and verified suggestions that set a value left to
    people) becomes an action with a stable id, its file, document, resource, policy,
    severity, risk and runtime effect, JSON Patch, diff, and the sha256 of the file it
    was computed on. Actions are ranked by severity × exposure (see README). Then
    `kfix approve`, `kfix apply`, `kfix audit verify`, `kfix rollback`.
    """


@plan_group.command("create", short_help="Make a plan of PATHS (`kfix plan PATHS...` runs it).")
@options.inputs
@options.cluster
@options.policies
@options.fragment_dirs
@click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE",
              help="A fragment parameter, e.g. --set memory_request=256Mi (repeatable).")
@options.policy_ids("Plan only this policy's fixes (repeatable).")
@click.option("--kube-version", help="Kubernetes version whose OpenAPI schema patched "
                                     "documents must satisfy. Default: the newest bundled.")
@options.use_llm
@options.llm
@options.plan_output
def create_command(paths: tuple[str, ...], fix_dirs: tuple[str, ...],
                   assignments: tuple[str, ...],
                   policy_ids: tuple[str, ...], kube_version: str | None, use_llm: bool,
                   plan_path: str, **flags: Any) -> None:
    """Make a plan (what `kfix plan PATHS... -o PLAN` runs); with --cluster, for the
    live objects of a cluster, read with GET requests only.

    Exit codes: 0 plan written; 2 inputs that cannot be read, policy, engine or usage
    errors (the plan is still written for the rest).
    """
    from kfix.plan import store
    from kfix.plan.propose import propose
    from kfix.plan.propose_live import propose_live
    from kfix.runner.fix import FixOptions
    from kfix.runner.scan import ScanOptions

    source = settings.cluster_source(paths, flags)
    if not paths and source is None:
        raise click.UsageError("give at least one file or directory, or --cluster")
    llm, use_cache = settings.llm(flags, needed_by="--llm" if use_llm else "")
    fix_options = FixOptions(
        scan=ScanOptions(**flags), fix_dirs=fix_dirs,
        params=settings.params(assignments), policy_ids=policy_ids,
        kube_version=kube_version, llm=llm if use_llm else None, use_cache=use_cache)
    if source is not None:
        plan, problems = propose_live(source, fix_options)
    else:
        plan, problems = propose(paths, fix_options, plan_path)
    store.write(store.Stored(plan_path, plan, None), plan)
    for problem in problems:
        click.echo(f"kfix: error: {problem}", err=True)
    click.echo(f"wrote {plan_path}: plan {plan.id}, {len(plan.actions)} actions")
    sys.exit(2 if problems else 0)


@plan_group.command("show")
@options.plan_path
@options.output(("table", "markdown", "json"), default="table")
def show_command(plan_path: str, output: str) -> None:
    """Print a plan, highest priority first."""
    from kfix.output import ReportOptions
    from kfix.output.plan import REPORTS
    from kfix.plan import store

    click.echo(REPORTS[output](store.read(plan_path).plan, ReportOptions()), nl=False)


@plan_group.command("schema")
def schema_command() -> None:
    """Print the JSON Schema every plan file satisfies."""
    from kfix.plan.store import schema_text

    click.echo(schema_text(), nl=False)


def _decide(plan_path: str, ids: tuple[str, ...], state: str, every: bool,
            max_risk: str | None, policy_ids: tuple[str, ...], by: str | None,
            reason: str) -> None:
    from kfix.plan import store
    from kfix.plan.decide import decide, now, who
    from kfix.plan.model import Decision

    stored = store.read(plan_path)
    decision = Decision(who(by), now(), reason)
    plan, chosen = decide(stored.plan, ids, state, decision,
                          every=every, max_risk=max_risk, policy_ids=policy_ids)
    store.write(stored, plan)
    for action in chosen:
        click.echo(f"{state} {action.id} {action.file} {action.policy} (risk {action.risk})")
    click.echo(f"{len(chosen)} {state} by {decision.by}")
    approved = {a.id for a in plan.actions if a.state == APPROVED}
    for action in plan.actions:
        missing = [i for i in action.after if i not in approved]
        if action.state == APPROVED and missing:
            click.echo(f"kfix: note: {action.id} builds on {', '.join(missing)}, not approved: "
                       "apply fails it unless they are approved too", err=True)


def _decision_options(function: Any) -> Any:
    return options.together(
        options.plan_path, options.action_ids, options.every,
        options.max_risk("Only actions up to this risk.", default=None),
        options.policy_ids("Only this policy's actions (repeatable)."),
        options.by, options.reason)(function)


@click.command("approve")
@_decision_options
def approve_command(plan_path: str, ids: tuple[str, ...], every: bool, max_risk: str | None,
                    policy_ids: tuple[str, ...], by: str | None, reason: str) -> None:
    """Approve actions of a plan (by id, a unique prefix will do, or --all), recording who,
    when and why. Exit codes: 0 recorded; 2 unknown ids, a plan that is not valid or
    that changed meanwhile."""
    _decide(plan_path, ids, APPROVED, every, max_risk, policy_ids, by, reason)


@click.command("reject")
@_decision_options
def reject_command(plan_path: str, ids: tuple[str, ...], every: bool, max_risk: str | None,
                   policy_ids: tuple[str, ...], by: str | None, reason: str) -> None:
    """Reject actions of a plan, recording who, when and why; apply passes over them.
    Exit codes as for approve."""
    _decide(plan_path, ids, REJECTED, every, max_risk, policy_ids, by, reason)


@click.command("apply")
@options.plan_path
@options.audit_log
@options.kubeconfig
@options.request_timeout
def apply_command(plan_path: str, audit_log: str | None, kubeconfig: str | None,
                  request_timeout: float) -> None:
    """Apply a plan's approved actions, verify them, and record each in the audit log.

    Only files whose bytes still match the planned sha256 are touched (else the action
    is `stale`); each document is verified again with every policy, invariant and the
    schema, written atomically, read back and scanned: `verified`, or `failed` with the
    reason and the file as it was.

    Actions on live objects (`kfix plan --cluster`) go to their context's cluster
    through --kubeconfig: only an object still at the planned resourceVersion is
    touched (else `stale`); it is patched and verified as a document is, sent by
    server-side apply (dryRun=All first, field manager kfix), read back and evaluated
    again: `verified`, `applied` with what the re-scan found, or `failed` (a conflict, a
    refusal, a timeout) with the object as it was.

    Exit codes: 0 every approved action applied and verified; 1 some stale or failed;
    2 a plan that is not valid or changed meanwhile, policy or engine errors.
    """
    from kfix.output.plan import run_lines
    from kfix.plan import audit, store
    from kfix.plan.apply import apply
    from kfix.plan.model import Plan

    stored = store.read(plan_path)

    def checkpoint(plan: Plan) -> None:  # a written file's actions are `applied` at once
        nonlocal stored
        stored = store.write(stored, plan)

    result = apply(stored.plan, os.path.dirname(os.path.abspath(plan_path)),
                   audit_log or audit.default_path(plan_path), checkpoint, kubeconfig,
                   request_timeout)
    store.write(stored, result.plan)
    click.echo(run_lines(result, "apply"), nl=False)
    sys.exit(result.exit_code)


@click.command("rollback")
@options.plan_path
@options.action_ids
@options.audit_log
def rollback_command(plan_path: str, ids: tuple[str, ...], audit_log: str | None) -> None:
    """Undo applied actions (all, or these ids): each file gets back the exact bytes it
    had before the apply, while it still holds what the apply wrote; every action written
    to that file in the same apply is rolled back with it. Recorded in the audit log.

    Exit codes: 0 all rolled back; 1 some file changed since the apply, or failed; 2
    errors.
    """
    from kfix.output.plan import run_lines
    from kfix.plan import audit, store
    from kfix.plan.apply import rollback

    stored = store.read(plan_path)
    result = rollback(stored.plan, os.path.dirname(os.path.abspath(plan_path)), ids,
                      audit_log or audit.default_path(plan_path))
    store.write(stored, result.plan)
    click.echo(run_lines(result, "roll back"), nl=False)
    sys.exit(result.exit_code)


@click.group("audit")
def audit_group() -> None:
    """Check and read the hash-chained audit log that apply and rollback append to."""


@audit_group.command("verify")
@click.argument("log", type=click.Path(dir_okay=False))
@click.option("--plan", "plan_path", type=click.Path(dir_okay=False),
              help="Also check the log still ends where this plan's last apply or rollback "
                   "left it (finds records deleted from the end).")
def audit_verify_command(log: str, plan_path: str | None) -> None:
    """Check every record's hash and the chain; name the first bad record.

    Exit codes: 0 intact; 1 a record was edited, deleted, inserted or moved; 2 the log
    or the plan cannot be read.
    """
    from kfix.plan import store
    from kfix.plan.audit import verify, verify_head

    head = store.read(plan_path).plan.audit if plan_path else None
    check = verify_head(log, head.records, head.hash) if head else verify(log)
    if check.bad:
        click.echo(f"{log}: record {check.bad} {check.reason}")
    else:
        click.echo(f"{log}: {check.records} records, chain intact")
    sys.exit(check.exit_code)


@audit_group.command("show")
@click.argument("log", type=click.Path(dir_okay=False))
def audit_show_command(log: str) -> None:
    """Print the audit log as a table, once its chain is checked."""
    from kfix.output.plan import audit_table
    from kfix.plan.audit import read

    click.echo(audit_table(read(log)), nl=False)
