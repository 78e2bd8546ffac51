"""`kfix verify`: Gatekeeper suites, as `gator verify` runs them."""

from __future__ import annotations

import sys

import click

from kfix.cli import options
from kfix.output.verify import REPORTS


@click.command("verify")
@click.argument("paths", nargs=-1)
@options.run
@options.verbose
@options.coverage
@options.engine
@options.timeout
@options.allow_network
@options.output(REPORTS, default="pretty")
def verify_command(paths: tuple[str, ...], run: str | None, verbose: bool, coverage: bool,
                   engine: str | None, timeout: float, allow_network: bool,
                   output: str) -> None:
    """Run Gatekeeper test suites, as `gator verify` does.

    PATHS are Suite files (test.gatekeeper.sh/v1alpha1) or directories searched
    recursively for them, or sources to fetch as scan's -p takes them. Each test
    loads its ConstraintTemplate and Constraint (paths relative to the suite);
    `invalid: true` expects the template's schema to reject the constraint. Each case
    reviews one object (or AdmissionReview) with its inventory and checks its
    assertions: `violations: yes | no | N`, counting only violations whose message
    matches `message` when given; a case without assertions expects no violation.

    Exit codes: 0 everything run passes; 1 a suite, test or case fails; 2 files under
    PATHS that cannot be read or parsed, and usage errors; 130 interrupted.
    """
    from kfix.engine.lint import LintOptions
    from kfix.output import ReportOptions
    from kfix.policytest.suites import VerifyOptions, verify

    if not paths:
        raise click.UsageError("give at least one suite file or directory")
    result = verify(paths, VerifyOptions(run=run, engine=engine, coverage=coverage,
                                         lint=LintOptions(allow_network=allow_network),
                                         timeout=timeout))
    click.echo(REPORTS[output](result, ReportOptions(verbose=verbose)), nl=False)
    sys.exit(result.exit_code)
