"""`kfix scan`: conftest's `test`, on kfix's policies or the user's."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from kfix.cli import options, progress, pull
from kfix.cli.progress import ProgressBar
from kfix.cli.settings import cluster_source
from kfix.output.scan import REPORTS


@click.command("scan")
@options.inputs
@options.parser
@options.stdin_filename
@options.cluster
@options.policies
@options.update
@options.output(REPORTS, default="stdout")
@click.option("--fail-on-warn", is_flag=True,
              help="Exit 1 on warnings, 2 on failures (conftest's codes).")
@click.option("--no-fail", is_flag=True, help="Exit 0 even when policies fail.")
@click.option("--quiet", is_flag=True, help="Print nothing when every test passes.")
@click.option("--no-color", is_flag=True,
              help="No ANSI colours in the output (also when NO_COLOR is set and not empty).")
@click.option("--trace", is_flag=True, help="Show the engine's evaluation trace.")
@click.option("--suppress-exceptions", is_flag=True, help="Leave exceptions out of the output.")
@click.option("--junit-hide-message", is_flag=True,
              help="JUnit output: leave the message out of the test name.")
@click.option("--github-hide-passed", is_flag=True,
              help="GitHub output: no group for a file whose checks all passed (the summary "
                   "still counts them).")
def scan_command(paths: tuple[str, ...], output: str, fail_on_warn: bool, no_fail: bool,
                 quiet: bool, no_color: bool, suppress_exceptions: bool, trace: bool,
                 junit_hide_message: bool, github_hide_passed: bool,
                 update_urls: tuple[str, ...], **settings: Any) -> None:
    """Test manifests against policies, as `conftest test` does.

    PATHS are files, directories (searched recursively for .yaml, .yml and .json) or
    `-` for standard input. With --cluster, the live objects of a cluster instead, each
    reported as cluster:<context>/<namespace>/<kind>/<name>; kfix only reads them.

    Exit codes: 0 every test passes; 1 failures (with --fail-on-warn, conftest's: 1
    warnings, 2 failures; --no-fail: 0); 2 inputs that cannot be read or parsed, and
    policy, engine or usage errors; 130 interrupted.
    """
    from kfix.output import ReportOptions
    from kfix.output.scan.stdout import render_trace
    from kfix.runner.scan import ScanOptions, scan

    source = cluster_source(paths, settings)
    if not paths and source is None:
        raise click.UsageError("give at least one file, directory or - for stdin")
    settings["policy_paths"] = pull.update(update_urls, settings["policy_paths"])
    scan_options = ScanOptions(trace=trace, **settings)
    if source is not None:
        from kfix.runner.cluster import scan_cluster  # the Kubernetes client: 0.45 s to import

        result = scan_cluster(source, scan_options)
    else:
        with ProgressBar("scanning", progress.wanted(quiet)) as bar:
            result = scan(paths, scan_options, bar)
    for note in result.notes:
        click.echo(f"kfix: note: {note}", err=True)
    code = result.exit_code(fail_on_warn=fail_on_warn, no_fail=no_fail)
    if quiet and code == 0 and not result.count("warning"):
        sys.exit(0)
    # no-color.org: NO_COLOR set to anything but "" turns colour off
    color = (not no_color and not os.environ.get("NO_COLOR") and output == "stdout"
             and sys.stdout.isatty())
    shown = ReportOptions(color=color, suppress_exceptions=suppress_exceptions, trace=trace,
                          junit_hide_message=junit_hide_message,
                          github_hide_passed=github_hide_passed)
    click.echo(REPORTS[output](result, shown), nl=False)
    if output != "stdout":  # machine-readable stdout stays clean; people read stderr
        if trace:
            click.echo(render_trace(result, shown), err=True, nl=False)
        for problem in result.problems:
            click.echo(f"kfix: error: {problem}", err=True)
    sys.exit(code)
