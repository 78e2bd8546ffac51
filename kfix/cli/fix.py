"""`kfix fix`: verified patches for what `kfix scan` finds, as a diff or written back."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from kfix.cli import options, progress, settings
from kfix.cli.progress import ProgressBar
from kfix.output.fix import REPORTS
from kfix.writer.files import WriteMode

if TYPE_CHECKING:
    from kfix.model import FileChange


@click.command("fix")
@options.inputs
@options.policies
@click.option("--diff", "mode", flag_value=WriteMode.DIFF.value, default=True,
              help="Print a unified diff of the verified fixes; touch no file (default).")
@click.option("--write", "mode", flag_value=WriteMode.WRITE.value,
              help="Write the verified fixes into the files, atomically.")
@click.option("--output-dir", type=click.Path(file_okay=False),
              help="Write fixed copies into a mirrored tree here; leave the inputs alone.")
@options.fragment_dirs
@click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE",
              help="A fragment parameter, e.g. --set memory_request=256Mi (repeatable).")
@options.policy_ids("Fix only this policy's findings (repeatable).")
@options.max_risk("Write fixes up to this risk; riskier ones are verified and reported as "
                  "suggestions with what they would change at runtime.")
@click.option("--kube-version", help="Kubernetes version whose OpenAPI schema patched "
                                     "documents must satisfy. Default: the newest bundled.")
@click.option("--server-dry-run", is_flag=True,
              help="Also require a server-side apply with dryRun=All to succeed, through "
                   "the current kubeconfig.")
@options.kubeconfig
@options.context
@click.option("--interactive", is_flag=True,
              help="Show each file's change on the terminal and ask before writing it "
                   "(implies --write unless --output-dir is given).")
@options.use_llm
@options.llm
@options.output(REPORTS, default="table")
def fix_command(paths: tuple[str, ...], mode: str, output_dir: str | None,
                fix_dirs: tuple[str, ...], assignments: tuple[str, ...],
                policy_ids: tuple[str, ...], max_risk: str, kube_version: str | None,
                server_dry_run: bool,
                kubeconfig: str | None, context: str | None, interactive: bool, output: str,
                use_llm: bool, **flags: Any) -> None:
    """Fix findings with verified patches, as `kfix scan` finds them.

    Each fix is a JSON Patch rendered from the policy's fragment, accepted only when
    its finding is gone, no policy reports anything new, rendering it again changes
    nothing, it removes no container, volume or spec, and the result fits the
    Kubernetes schema (and, with --server-dry-run, the API server). Only changed
    documents are re-serialised; every other byte stays.

    Every fix declares its risk (low, medium, high) and what it may change at runtime;
    fixes above --max-risk (default medium: nothing that drops privileges, host
    namespaces or root) are verified and reported as `suggested`, not written. A fix
    is also rejected when it would break a runtime invariant the API server or the
    kubelet enforces beyond the schema.

    Before a file is replaced it must still hold what kfix read (else `changed on
    disk`), under an advisory lock; a file that cannot be written is reported and the
    others are still written.

    Exit codes: 0 no unfixed failure remains; 1 some remain (suggested or declined ones
    too); 2 inputs that cannot be read, fixed files that cannot be written, policy,
    engine, dry-run or usage errors; 130 interrupted.
    """
    from kfix.output import ReportOptions
    from kfix.runner.fix import FixOptions, after_writing, fix
    from kfix.runner.scan import ScanOptions
    from kfix.writer.diff import unified_diff
    from kfix.writer.files import check_output_dir, write_changes

    if not paths:
        raise click.UsageError("give at least one file, directory or - for stdin")
    if output_dir and mode == WriteMode.WRITE.value:
        raise click.UsageError("--write and --output-dir: give one of them")
    write_mode = WriteMode.OUTPUT_DIR if output_dir else WriteMode(mode)
    if interactive and write_mode is WriteMode.DIFF:
        write_mode = WriteMode.WRITE  # asking is asking before writing
    if write_mode is not WriteMode.DIFF and "-" in paths:
        raise click.UsageError("standard input cannot be written back; use --diff")
    if output_dir:
        check_output_dir(output_dir, paths)
    llm, use_cache = settings.llm(flags, needed_by="--llm" if use_llm else "")
    with ProgressBar("fixing", progress.wanted() and not interactive) as bar:
        result = fix(paths, FixOptions(
            scan=ScanOptions(**flags), fix_dirs=fix_dirs,
            params=settings.params(assignments),
            policy_ids=policy_ids, max_risk=max_risk, kube_version=kube_version,
            server_dry_run=server_dry_run, kubeconfig=kubeconfig, context=context,
            llm=llm if use_llm else None, use_cache=use_cache,
        ), bar)

    def confirm(change: FileChange) -> bool:  # on the terminal: stdout stays the report
        click.echo(unified_diff(change.path, change.before, change.after), nl=False, err=True)
        return click.confirm(f"write {change.path}?", default=False, err=True)

    written = write_changes(result.changes, write_mode, paths, output_dir,
                            confirm if interactive else None)
    if write_mode is not WriteMode.DIFF:
        result = after_writing(result, written)
    if write_mode is WriteMode.DIFF and output == "table":  # the other formats hold theirs
        click.echo("".join(unified_diff(c.path, c.before, c.after) for c in result.changes),
                   nl=False)
    click.echo(REPORTS[output](result, ReportOptions()), nl=False)
    sys.exit(result.exit_code())
