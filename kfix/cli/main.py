"""The `kfix` command: flags → one library call → a formatter → an exit code."""

from __future__ import annotations

import os
import re
import sys
import traceback
from typing import Any

import click
import yaml

from kfix import __version__
from kfix.cli.options import input_options, llm_options, policy_options
from kfix.cli.policy import doc_command, policy_group
from kfix.engine import BACKENDS
from kfix.engine.lint import LintOptions
from kfix.errors import KfixError, PolicyError
from kfix.load import manifests
from kfix.model import FileChange
from kfix.output import FORMATTERS, OutputOptions
from kfix.output.diff import unified_diff
from kfix.output.fix_report import FIX_FORMATTERS
from kfix.output.stdout import render_trace
from kfix.output.test_report import FORMATTERS as TEST_FORMATTERS
from kfix.output.verify_report import FORMATTERS as VERIFY_FORMATTERS
from kfix.policytest.fixtures import default_root, run_fixtures
from kfix.policytest.regotest import TestOptions, run_tests
from kfix.policytest.suites import VerifyOptions, verify
from kfix.runner.scan import ScanOptions, scan
from kfix.writer.files import WriteMode, write_changes

UNEXPECTED_EXIT = 3
_debug = False


def version_text() -> str:
    """kfix, engine and OPA versions, as `conftest --version` names its own and OPA's."""
    from kfix.engine import select_engine

    try:
        engine = select_engine()
    except KfixError as exc:
        return f"kfix {__version__}\nengine: none ({exc})"
    try:
        return f"kfix {__version__}\nengine: {engine.name}\nOPA: {engine.opa_version()}"
    finally:
        engine.close()


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(version_text())
        ctx.exit()


class KfixGroup(click.Group):
    """The one error edge: KfixError → `kfix: error: file:line: message`, no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except PolicyError as exc:
            for error in exc.all():
                click.echo(f"kfix: error: {error}", err=True)
            ctx.exit(exc.exit_code)
        except KfixError as exc:
            click.echo(f"kfix: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except Exception as exc:  # a bug: say so plainly, with the traceback only on request
            if _debug:
                traceback.print_exc()
            click.echo(f"kfix: unexpected error: {type(exc).__name__}: {exc} "
                       "(run with --debug for a traceback)", err=True)
            ctx.exit(UNEXPECTED_EXIT)


@click.group(cls=KfixGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=_print_version, help="Show kfix, engine and OPA versions.")
@click.option("--debug", is_flag=True, envvar="KFIX_DEBUG",
              help="Show a traceback for unexpected errors.")
def cli(debug: bool) -> None:
    """Policy-as-code for Kubernetes manifests on embedded OPA."""
    global _debug
    _debug = debug


@cli.command("scan")
@input_options
@policy_options
@click.option("-o", "--output", type=click.Choice(sorted(FORMATTERS)), default="stdout",
              show_default=True, help="Output format.")
@click.option("--fail-on-warn", is_flag=True,
              help="Exit 1 on warnings, 2 on failures (conftest's codes).")
@click.option("--no-fail", is_flag=True, help="Exit 0 even when policies fail.")
@click.option("--quiet", is_flag=True, help="Print nothing when every test passes.")
@click.option("--no-color", is_flag=True, help="No ANSI colours in the output.")
@click.option("--trace", is_flag=True, help="Show the engine's evaluation trace.")
@click.option("--suppress-exceptions", is_flag=True, help="Leave exceptions out of the output.")
@click.option("--junit-hide-message", is_flag=True,
              help="JUnit output: leave the message out of the test name.")
def scan_command(paths: tuple[str, ...], output: str, fail_on_warn: bool, no_fail: bool,
                 quiet: bool, no_color: bool, suppress_exceptions: bool, trace: bool,
                 junit_hide_message: bool, **options: Any) -> None:
    """Test manifests against policies, as `conftest test` does.

    PATHS are files, directories (searched recursively for .yaml, .yml and .json) or
    `-` for standard input. Exit codes follow conftest: 0 pass, 1 failures (or, with
    --fail-on-warn, 1 warnings and 2 failures); unreadable inputs also give 1.
    """
    if not paths:
        raise click.UsageError("give at least one file, directory or - for stdin")
    result = scan(paths, ScanOptions(trace=trace, **options))
    for note in result.notes:
        click.echo(f"kfix: note: {note}", err=True)
    code = result.exit_code(fail_on_warn=fail_on_warn, no_fail=no_fail)
    if quiet and code == 0 and not result.count("warning"):
        sys.exit(0)
    color = not no_color and output == "stdout" and sys.stdout.isatty()
    shown = OutputOptions(color=color, suppress_exceptions=suppress_exceptions, trace=trace,
                          junit_hide_message=junit_hide_message)
    click.echo(FORMATTERS[output].render(result, shown), nl=False)
    if output != "stdout":  # machine-readable stdout stays clean; people read stderr
        if trace:
            click.echo(render_trace(result, shown), err=True, nl=False)
        for problem in result.problems:
            click.echo(f"kfix: error: {problem}", err=True)
    sys.exit(code)


@cli.command("fix")
@input_options
@policy_options
@click.option("--diff", "mode", flag_value=WriteMode.DIFF.value, default=True,
              help="Print a unified diff of the verified fixes; touch no file (default).")
@click.option("--write", "mode", flag_value=WriteMode.WRITE.value,
              help="Write the verified fixes into the files, atomically.")
@click.option("--output-dir", type=click.Path(file_okay=False),
              help="Write fixed copies into a mirrored tree here; leave the inputs alone.")
@click.option("--fixes", "fix_dirs", multiple=True, type=click.Path(file_okay=False),
              help="Directory of fragments named <policy id>.yaml.j2 or "
                   "<namespace>.<rule>.yaml.j2 (repeatable).")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="A fragment parameter, e.g. --set memory_request=256Mi (repeatable).")
@click.option("--config", type=click.Path(exists=True, dir_okay=False),
              help="YAML file whose `params` mapping sets fragment parameters.")
@click.option("--policy-id", "policy_ids", multiple=True,
              help="Fix only this policy's findings (repeatable).")
@click.option("--kube-version", help="Kubernetes version whose OpenAPI schema patched "
                                     "documents must satisfy. Default: the newest bundled.")
@click.option("--server-dry-run", is_flag=True,
              help="Also require a server-side apply with dryRun=All to succeed, through "
                   "the current kubeconfig.")
@click.option("--kubeconfig", type=click.Path(dir_okay=False),
              help="kubeconfig for --server-dry-run. Default: $KUBECONFIG or ~/.kube/config.")
@click.option("--context", help="kubeconfig context for --server-dry-run.")
@click.option("--interactive", is_flag=True, help="Show each file's change and ask first.")
@click.option("--llm", "use_llm", is_flag=True,
              help="Ask a model for a patch where no fragment exists; it is verified like "
                   "any fix, and values the policy leaves to people are only suggested.")
@llm_options
@click.option("-o", "--output", type=click.Choice(sorted(FIX_FORMATTERS)), default="table",
              show_default=True, help="Report format.")
def fix_command(paths: tuple[str, ...], mode: str, output_dir: str | None,
                fix_dirs: tuple[str, ...], settings: tuple[str, ...], config: str | None,
                policy_ids: tuple[str, ...], kube_version: str | None, server_dry_run: bool,
                kubeconfig: str | None, context: str | None, interactive: bool, output: str,
                use_llm: bool, **options: Any) -> None:
    """Fix findings with verified patches, as `kfix scan` finds them.

    Each fix is a JSON Patch rendered from the policy's fragment, accepted only when
    its finding is gone, no policy reports anything new, rendering it again changes
    nothing, it removes no container, volume or spec, and the result fits the
    Kubernetes schema (and, with --server-dry-run, the API server). Only changed
    documents are re-serialised; every other byte stays. Exit codes: 0 no unfixed
    failure remains, 1 some remain, 2 errors.
    """
    if not paths:
        raise click.UsageError("give at least one file, directory or - for stdin")
    write_mode = WriteMode.OUTPUT_DIR if output_dir else WriteMode(mode)
    if write_mode is not WriteMode.DIFF and "-" in paths:
        raise click.UsageError("standard input cannot be written back; use --diff")
    from kfix.runner.fix import FixOptions, fix  # the schema and API client load only for fix

    model, use_cache = model_settings(options, config, needed_by="--llm" if use_llm else "")
    result = fix(paths, FixOptions(
        scan=ScanOptions(**options), fix_dirs=fix_dirs,
        params={**_config_params(config), **_settings(settings)},
        policy_ids=policy_ids, kube_version=kube_version,
        server_dry_run=server_dry_run, kubeconfig=kubeconfig, context=context,
        model=model if use_llm else None, use_cache=use_cache,
    ))
    confirm = _confirm if interactive else None
    write_changes(result.changes, write_mode, paths, output_dir, confirm)
    if write_mode is WriteMode.DIFF and output != "json":
        click.echo("".join(unified_diff(c.path, c.before, c.after) for c in result.changes),
                   nl=False)
    click.echo(FIX_FORMATTERS[output](result), nl=False)
    sys.exit(result.exit_code())


@cli.command("test")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("-d", "--data", "data_paths", multiple=True,
              help="JSON/YAML data file or directory, mounted into `data` (repeatable).")
@click.option("--rego-version", type=click.Choice(["v0", "v1"]), default="v1",
              show_default=True, help="Rego syntax of the modules; v0 is converted.")
@click.option("--engine", type=click.Choice(sorted(BACKENDS)), default=None,
              help="Rego engine. Default: embedded, or `opa` on PATH if it is missing.")
@click.option("--allow-network", is_flag=True,
              help="Let policies call http.send and net.lookup_ip_addr.")
@click.option("--capabilities", type=click.Path(exists=True, dir_okay=False),
              help="OPA capabilities JSON: policies may only call the builtins it lists.")
@click.option("--strict", is_flag=True, help="OPA strict mode, as for scan.")
@click.option("-r", "--run", metavar="REGEX",
              help="Run only tests whose data.<package>.<name> matches.")
@click.option("-v", "--verbose", is_flag=True, help="List passing tests too.")
@click.option("-c", "--coverage", is_flag=True,
              help="Report line coverage of the non-test policy files.")
@click.option("--threshold", type=click.FloatRange(0, 100), default=None,
              help="Exit 2 when coverage is below this percentage (implies --coverage).")
@click.option("--fixtures", "fixtures_dir", type=click.Path(file_okay=False),
              help="Fixture suites: <policy id>/positive, negative and fix/ under this "
                   "directory. Default: `fixtures` beside the first path, if it exists.")
@click.option("--fix-threshold", type=click.FloatRange(0, 100), default=None,
              help="Exit 2 when fix coverage (fixable policies with positive and negative "
                   "fixtures, a fragment and a fix pair) is below this percentage.")
@click.option("-o", "--output", type=click.Choice(sorted(TEST_FORMATTERS)), default="pretty",
              show_default=True, help="Output format.")
def test_command(paths: tuple[str, ...], run: str | None, verbose: bool, coverage: bool,
                 threshold: float | None, fixtures_dir: str | None, fix_threshold: float | None,
                 output: str, **options: Any) -> None:
    """Run Rego unit tests, as `opa test` does.

    PATHS are .rego files or directories (searched recursively, `*_test.rego`
    included); default: the current directory. Every rule named `test_*` is a test
    that passes when it is true; `todo_*` rules are skipped. Loading is scan's:
    --rego-version v0 converts, and conftest's builtins (parse_config, ...) exist.
    Each policy with a directory under --fixtures is also checked against its
    fixtures: every positive/*.yaml document raises it, no negative/*.yaml document
    does, and fix/<case>.before.yaml is fixed into the content of <case>.after.yaml
    (parameters from <case>.params.yaml), which passes every policy. Fix coverage is
    the share of fixable policies having all four. Exit codes follow opa test: 0 all
    pass, 2 failures, errors, failing fixtures or coverage below --threshold or
    --fix-threshold, 1 modules that do not load.
    """
    if run is not None:
        try:
            re.compile(run)
        except re.error as exc:
            raise click.BadParameter(str(exc), param_hint="--run") from None
    scan_options = ScanOptions(**options)
    result = run_tests(paths, TestOptions(
        scan=scan_options, run=run, coverage=coverage or threshold is not None,
    ))
    root = fixtures_dir or default_root(paths)
    fixtures = None
    if os.path.isdir(root) or fix_threshold is not None:
        fixtures = run_fixtures(paths, root, scan_options)
    click.echo(TEST_FORMATTERS[output](result, verbose, fixtures=fixtures), nl=False)
    code = result.exit_code(threshold or 0.0)
    sys.exit(code or (fixtures.exit_code(fix_threshold or 0.0) if fixtures else 0))


@cli.command("verify")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("-r", "--run", metavar="REGEX",
              help="Run only matching tests and cases: TEST//CASE, or one regex for either.")
@click.option("-v", "--verbose", is_flag=True, help="List passing and skipped tests and cases.")
@click.option("-c", "--coverage", is_flag=True,
              help="Report line coverage of the templates' Rego exercised by the suites.")
@click.option("--engine", type=click.Choice(sorted(BACKENDS)), default=None,
              help="Rego engine. Default: embedded, or `opa` on PATH if it is missing.")
@click.option("--allow-network", is_flag=True,
              help="Let templates call http.send and net.lookup_ip_addr.")
@click.option("-o", "--output", type=click.Choice(sorted(VERIFY_FORMATTERS)), default="pretty",
              show_default=True, help="Output format.")
def verify_command(paths: tuple[str, ...], run: str | None, verbose: bool, coverage: bool,
                   engine: str | None, allow_network: bool, output: str) -> None:
    """Run Gatekeeper test suites, as `gator verify` does.

    PATHS are Suite files (test.gatekeeper.sh/v1alpha1) or directories searched
    recursively for them. Each test loads its ConstraintTemplate and Constraint (paths
    relative to the suite); `invalid: true` expects the template's schema to reject
    the constraint. Each case reviews one object (or AdmissionReview) with its
    inventory and checks its assertions: `violations: yes | no | N`, counting only
    violations whose message matches `message` when given; a case without assertions
    expects no violation. Exit 0 when everything run passes, 1 otherwise.
    """
    if not paths:
        raise click.UsageError("give at least one suite file or directory")
    result = verify(paths, VerifyOptions(run=run, engine=engine, coverage=coverage,
                                         lint=LintOptions(allow_network=allow_network)))
    click.echo(VERIFY_FORMATTERS[output](result, verbose), nl=False)
    sys.exit(result.exit_code)


@cli.command("draft")
@click.argument("policy_id")
@click.option("-p", "--policy", "policy_root", type=click.Path(exists=True, file_okay=False),
              help="Policy directory holding the policy. Default: kfix's built-in pack.")
@click.option("--fixtures", type=click.Path(file_okay=False),
              help="Fixture suites: <policy id>/positive and negative under this directory. "
                   "Default: `fixtures` beside the policy directory.")
@click.option("--replace", is_flag=True, help="Draft even though the policy has a fragment.")
@click.option("--retries", "redrafts", type=click.IntRange(min=0), default=2, show_default=True,
              help="Drafts to ask for again, with the verifier's reasons, after the first.")
@click.option("--config", type=click.Path(exists=True, dir_okay=False),
              help="YAML file whose `llm:` mapping configures the model.")
@llm_options
def draft_command(policy_id: str, policy_root: str | None, fixtures: str | None,
                  replace: bool, redrafts: int, config: str | None, **options: Any) -> None:
    """Ask a model to draft POLICY_ID's remediation fragment, and keep it only if verified.

    The draft must fix every positive fixture (finding gone, nothing new, idempotent,
    schema-valid) and change nothing on any negative one; then the fragment is written
    beside the policy, with fix pairs under the fixtures, and the diffs are shown.
    Otherwise it is asked again with the verifier's reasons. Exit codes: 0 written,
    1 no draft passed (nothing written) or a model error, 2 usage errors.
    """
    from kfix.author.draft import DraftOptions, DraftUsageError, draft, render
    from kfix.llm.client import ChatClient

    model, use_cache = model_settings(options, config, needed_by="draft")
    scan_options = (ScanOptions(policy_paths=(policy_root,), all_namespaces=True)
                    if policy_root else ScanOptions())
    try:
        result = draft(policy_id, ChatClient(model, use_cache=use_cache), DraftOptions(
            policy_root=policy_root, fixtures=fixtures, replace=replace, retries=redrafts,
            scan=scan_options), say=lambda text: click.echo(f"kfix: {text}", err=True))
    except DraftUsageError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(render(result), nl=False)
    sys.exit(0 if result.accepted else 1)


def _settings(settings: tuple[str, ...]) -> dict[str, Any]:
    """--set key=value, the value read as a YAML scalar (true, 3, 100m)."""
    params: dict[str, Any] = {}
    for setting in settings:
        key, sep, value = setting.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{setting!r} is not KEY=VALUE", param_hint="--set")
        params[key] = yaml.safe_load(value) if value else ""
    return params


def _config_section(path: str | None, section: str) -> dict[str, Any]:
    """One mapping of the --config file: `params:` for fragments, `llm:` for the model."""
    if path is None:
        return {}
    loaded = manifests.read(path)
    if loaded.problem:
        raise KfixError(loaded.problem.message, path, loaded.problem.line)
    content = loaded.documents[0].content if loaded.documents else {}
    value = content.get(section, {}) if isinstance(content, dict) else {}
    if not isinstance(value, dict):
        raise KfixError(f"`{section}` must be a mapping", path)
    return value


def _config_params(path: str | None) -> dict[str, Any]:
    return _config_section(path, "params")


LLM_FLAGS = ("base_url", "model", "api_key_env", "timeout", "retries", "max_tokens")


def model_settings(options: dict[str, Any], config: str | None,
                   needed_by: str = "") -> tuple[Any, bool]:
    """The model's settings (None: no model anywhere) and whether to use the cache; takes
    the llm_options flags out of `options`. `needed_by` names what cannot run without one."""
    from kfix.llm.client import ModelConfig

    flags = {name: options.pop(name) for name in LLM_FLAGS}
    use_cache = not options.pop("no_cache")
    section = _config_section(config, "llm")
    cache = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                         "kfix", "llm")
    model = ModelConfig.load(flags=flags, environ=os.environ,
                             config={"cache_dir": cache, **section})
    if needed_by and model is None:
        raise click.UsageError(f"{needed_by} needs a model: give --llm-url, "
                               "KFIX_LLM_BASE_URL or `llm: {base_url: ...}` in --config")
    return model, use_cache


def _confirm(change: FileChange) -> bool:
    click.echo(unified_diff(change.path, change.before, change.after), nl=False)
    return click.confirm(f"write {change.path}?", default=False)


cli.add_command(policy_group)
cli.add_command(doc_command)


def main() -> None:
    cli.main(prog_name="kfix")
