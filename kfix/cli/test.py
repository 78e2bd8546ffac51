"""`kfix test`: Rego unit tests as `opa test` runs them, and each policy's fixtures."""

from __future__ import annotations

import re
import sys
from typing import Any

import click

from kfix.cli import options, pull
from kfix.output.test import REPORTS

OPA_TEST_ERROR_EXIT = 1  # opa test exits 1 when policies do not load, 2 when tests fail


@click.command("test")
@click.argument("paths", nargs=-1)
@options.update
@options.data_paths
@options.rego_version
@options.engine
@options.timeout
@options.allow_network
@options.capabilities
@options.strict
@options.run
@options.verbose
@options.coverage
@click.option("--threshold", type=click.FloatRange(0, 100), default=None,
              help="Exit 2 when coverage is below this percentage (implies --coverage).")
@options.fixtures
@click.option("--fix-threshold", type=click.FloatRange(0, 100), default=None,
              help="Exit 2 when fix coverage (fixable policies with positive and negative "
                   "fixtures, a fragment and a fix pair) is below this percentage.")
@options.output(REPORTS, default="pretty")
def test_command(paths: tuple[str, ...], update_urls: tuple[str, ...], run: str | None,
                 verbose: bool, coverage: bool,
                 threshold: float | None, fixtures: str | None, fix_threshold: float | None,
                 output: str, **settings: Any) -> None:
    """Run Rego unit tests, as `opa test` does.

    PATHS are .rego files or directories (searched recursively, `*_test.rego`
    included), or sources to fetch as -p takes them; default: the current directory
    (with --update: ./policy). Every rule named `test_*` is a test
    that passes when it is true; `todo_*` rules are skipped. Loading is scan's:
    --rego-version v0 converts, and conftest's builtins (parse_config, ...) exist.
    Each policy with a directory under --fixtures is also checked against its
    fixtures: every positive/*.yaml document raises it, no negative/*.yaml document
    does, and fix/<case>.before.yaml is fixed into the content of <case>.after.yaml
    (parameters from <case>.params.yaml), which passes every policy. Fix coverage is
    the share of fixable policies having all four.

    Exit codes, as opa test's: 0 all pass; 2 failing or erroring tests, failing
    fixtures, or coverage below --threshold or --fix-threshold; 1 policies that do not
    load and other errors (usage errors: 2); 130 interrupted.
    """
    from kfix.cli.main import ERROR_EXIT_KEY
    from kfix.output import ReportOptions
    from kfix.policytest.regotest import TestOptions, run_policy_tests
    from kfix.runner.scan import ScanOptions

    click.get_current_context().meta[ERROR_EXIT_KEY] = OPA_TEST_ERROR_EXIT
    if run is not None:
        try:
            re.compile(run)
        except re.error as exc:
            raise click.BadParameter(str(exc), param_hint="--run") from None
    result = run_policy_tests(pull.update(update_urls, paths), TestOptions(
        scan=ScanOptions(**settings), run=run, coverage=coverage or threshold is not None,
        fixtures=fixtures, fix_coverage=fix_threshold is not None,
    ))
    click.echo(REPORTS[output](result, ReportOptions(verbose=verbose)), nl=False)
    sys.exit(result.exit_code(threshold or 0.0, fix_threshold or 0.0))
