"""Every option of every command, each declared once; commands pick what they take.

Cheap to import: `kfix --help` and `kfix scan --help` load this and nothing of the
engine, the fix machinery or the model client.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from kfix.cluster import REQUEST_TIMEOUT
from kfix.cluster.kinds import KIND_NAMES
from kfix.engine import BACKENDS, DEFAULT_TIMEOUT
from kfix.model import ALL_PROFILES, DEFAULT_MAX_RISK, PARSERS, PROFILES, RISKS, SEVERITIES

F = TypeVar("F", bound=Callable[..., Any])
Decorator = Callable[[F], F]


def together(*options: Callable[[Any], Any]) -> Callable[[F], F]:
    """Several options as one decorator, in the order they are listed (for --help)."""

    def decorate(function: F) -> F:
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


def output(reports: Iterable[str], default: str) -> Callable[[F], F]:
    """-o/--output, offering exactly the keys of the command's report registry."""
    return click.option("-o", "--output", type=click.Choice(sorted(reports)), default=default,
                        show_default=True, help="Output format.")


# -- inputs ---------------------------------------------------------------------------------

# not click's readable check: a path that cannot be read is an ERR line of the run, as a
# missing one is, and the other paths are still checked
paths = click.argument("paths", nargs=-1, type=click.Path(allow_dash=True, readable=False))
ignore = click.option("--ignore", metavar="REGEX",
                      help="Skip files and directories whose path matches.")
combine = click.option("--combine", is_flag=True,
                       help="Evaluate all inputs together as one list of {path, contents}.")
# conftest's parsers (parser.Parsers() and jsonc) that kfix does not have
CONFTEST_ONLY_PARSERS = ("cue", "cyclonedx", "dockerfile", "dotenv", "edn", "groovy", "hcl1",
                         "hcl2", "hocon", "ignore", "ini", "jsonc", "jsonnet", "nginx",
                         "properties", "spdx", "textproto", "toml", "vcl", "xml")


class ParserType(click.Choice):  # type: ignore[type-arg]
    """yaml or json; conftest's other parsers are named as such, not as typos."""

    def __init__(self) -> None:
        super().__init__(PARSERS)

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        if value in CONFTEST_ONLY_PARSERS:
            self.fail(f"kfix reads only yaml and json; conftest's {value} parser is not "
                      "available", param, ctx)
        return super().convert(value, param, ctx)


parser = click.option(
    "--parser", type=ParserType(), default=None,
    help="Read every input as this, whatever its name (conftest's flag). Default: .json "
         "files as JSON, the rest (and stdin) as YAML. conftest's other parsers (toml, "
         "hcl2, dockerfile, ...) kfix does not have.")
stdin_filename = click.option(
    "--stdin-filename", default="", metavar="NAME",
    help="Name standard input (`-`) by this in every output.")
jobs = click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
                    help="Processes to scan or fix in (this one and JOBS-1 workers), and engines "
                         "evaluating the parts of a file of over 1,000 documents at once; "
                         "output is identical to --jobs 1.")


if TYPE_CHECKING:  # generic in click's stubs and newer releases, not in click 8.1
    _ShardBase = click.ParamType[tuple[int, int]]
else:
    _ShardBase = click.ParamType


class ShardType(_ShardBase):
    name = "I/N"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> tuple[int, int]:
        if isinstance(value, tuple):
            return value
        index, _, count = str(value).partition("/")
        if not (index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count)):
            self.fail(f"{value!r} is not I/N with 1 <= I <= N", param, ctx)
        return int(index), int(count)


shard = click.option(
    "--shard", type=ShardType(), default=None,
    help="Only part I of N of the input files, split stably by path, so N machines or CI "
         "jobs can share one repository; `kfix report merge` joins their JSON reports.")

# -- policies and the engine ------------------------------------------------------------------

policy_paths = click.option(
    "-p", "--policy", "policy_paths", multiple=True,
    help="Policy file or directory, or a source to fetch: git::URL, an archive or file "
         "URL, oci://REF (repeatable; see README, Sharing policies). Default: ./policy "
         "where it exists (scan and fix, as conftest), else kfix's built-in pack.")
PULL_DIRECTORY = "policy"  # conftest's
pull_directory = click.option(
    "-p", "--policy", "directory", default=PULL_DIRECTORY, show_default=True,
    type=click.Path(file_okay=False), help="Directory to download the policies to.")
update = click.option(
    "-u", "--update", "update_urls", multiple=True, metavar="URL",
    help="Download policies from URL into the first policy path (default: ./policy) before "
         "running, replacing files of the same name (repeatable).")
namespaces = click.option(
    "-n", "--namespace", "namespaces", multiple=True,
    help="Namespace to test, glob allowed (repeatable). Default: main and kfix.policies.* "
         "(the packages `kfix policy new` writes), or every namespace of the built-in pack.")
all_namespaces = click.option("--all-namespaces", is_flag=True, help="Test every namespace.")
gatekeeper_paths = click.option(
    "--gatekeeper", "gatekeeper_paths", multiple=True, type=click.Path(exists=True),
    help="Gatekeeper ConstraintTemplates and Constraints in this file or directory "
         "(repeatable); without -p, only these are checked.")
data_paths = click.option(
    "-d", "--data", "data_paths", multiple=True,
    help="JSON/YAML data file or directory, mounted into `data` (repeatable).")
rego_version = click.option(
    "--rego-version", type=click.Choice(["v0", "v1"]), default="v1", show_default=True,
    help="Rego syntax of the policies; v0 is converted.")
engine = click.option(
    "--engine", type=click.Choice(sorted(BACKENDS)), default=None,
    help="Rego engine. Default: embedded, or `opa` on PATH if it is missing.")
show_builtin_errors = click.option(
    "--show-builtin-errors", is_flag=True,
    help="Report errors from builtin functions instead of treating them as undefined.")
allow_network = click.option(
    "--allow-network", is_flag=True,
    help="Let policies call http.send and net.lookup_ip_addr.")
capabilities = click.option(
    "--capabilities", type=click.Path(exists=True, dir_okay=False),
    help="OPA capabilities JSON: policies may only call the builtins it lists and use its "
         "features and future keywords.")
profile = click.option(
    "--profile", type=click.Choice([*PROFILES, ALL_PROFILES]),
    help="Only policies of this profile (restricted includes baseline), by their METADATA.")
min_severity = click.option(
    "--severity", "min_severity", type=click.Choice(SEVERITIES),
    help="Only policies of at least this severity.")
timeout = click.option(
    "--timeout", type=click.FloatRange(min=0), default=DEFAULT_TIMEOUT, show_default=True,
    metavar="SECONDS",
    help="Stop with an error when one query of the engine takes longer (a policy that does "
         "not terminate); 0: no limit.")
strict = click.option(
    "--strict", is_flag=True,
    help="OPA strict mode: reject unused imports, unused local assignments and unused "
         "function arguments (v1 already rejects the rest).")

# -- policy repositories --------------------------------------------------------------------

fixtures = click.option(
    "--fixtures", type=click.Path(file_okay=False),
    help="Fixture directory: <policy id>/positive, negative and fix/ under it. Default: "
         "`fixtures` beside the first policy path.")
fragment_dirs = click.option(
    "--fixes", "fix_dirs", multiple=True, type=click.Path(file_okay=False),
    help="Directory of fragments named <policy id>.yaml.j2 or <namespace>.<rule>.yaml.j2 "
         "(repeatable).")

# -- a live cluster ---------------------------------------------------------------------------

kubeconfig = click.option(
    "--kubeconfig", type=click.Path(dir_okay=False),
    help="kubeconfig for the cluster. Default: $KUBECONFIG or ~/.kube/config.")
context = click.option("--context", help="kubeconfig context. Default: its current context.")
request_timeout = click.option(
    "--request-timeout", type=click.FloatRange(min=0, min_open=True), default=REQUEST_TIMEOUT,
    show_default=True, metavar="SECONDS",
    help="Give up on one request to the API server after this long.")
cluster = together(
    click.option("--cluster", is_flag=True,
                 help="Scan the live objects of a cluster instead of files, reading them "
                      "through the kubeconfig with GET requests only."),
    click.option("--cluster-namespace", "cluster_namespaces", multiple=True, metavar="NAME",
                 help="--cluster: read this namespace (repeatable). Default: the context's "
                      "namespace."),
    click.option("--all-cluster-namespaces", is_flag=True,
                 help="--cluster: read every namespace, and the cluster-wide kinds "
                      "(Namespace, ClusterRole, ClusterRoleBinding)."),
    click.option("--kind", "kinds", multiple=True, metavar="KIND",
                 type=click.Choice(KIND_NAMES, case_sensitive=False),
                 help=f"--cluster: read only this kind (repeatable): {', '.join(KIND_NAMES)}. "
                      "Default: all of them."),
    kubeconfig, context, request_timeout,
)

# -- test runs --------------------------------------------------------------------------------

run = click.option(
    "-r", "--run", metavar="REGEX",
    help="Run only the tests whose name matches: data.<package>.<rule> for Rego tests, "
         "TEST//CASE (or one regex for either) for Gatekeeper suites.")
verbose = click.option("-v", "--verbose", is_flag=True,
                       help="List what passed and what was skipped too.")
coverage = click.option("-c", "--coverage", is_flag=True,
                        help="Report line coverage of the Rego the tests exercise.")

# -- the model (optional) ---------------------------------------------------------------------

use_llm = click.option(
    "--llm", "use_llm", is_flag=True,
    help="Ask a model for a patch where no fragment exists; it is verified like any fix, and "
         "values the policy leaves to people are only suggested.")
LLM_FLAGS = ("base_url", "model", "api_key_env", "timeout", "retries", "max_tokens")
llm = together(
    click.option("--llm-url", "base_url", metavar="URL",
                 help="Chat-completions base URL, e.g. http://127.0.0.1:8080/v1 "
                      "(env KFIX_LLM_BASE_URL)."),
    click.option("--llm-model", "model", help="Model name sent to the endpoint."),
    click.option("--llm-key-env", "api_key_env", metavar="VAR",
                 help="Environment variable holding the API key (default OPENAI_API_KEY; "
                      "empty: send none)."),
    click.option("--llm-timeout", "timeout", type=float, help="Seconds per request."),
    click.option("--llm-retries", "retries", type=int,
                 help="Retries on 429, 5xx and connection errors."),
    click.option("--llm-max-tokens", "max_tokens", type=int, help="Longest answer to ask for."),
    click.option("--no-cache", is_flag=True,
                 help="Ask the model again instead of reusing cached answers."),
)

# -- groups, as scan and fix take them ----------------------------------------------------------

inputs = together(paths, ignore, combine, jobs, shard)
policies = together(policy_paths, namespaces, all_namespaces, gatekeeper_paths, data_paths,
                    rego_version, engine, timeout, show_builtin_errors, allow_network,
                    capabilities, profile, min_severity, strict)

# -- choosing fixes (fix) and actions (approve, reject) ------------------------------------------


def policy_ids(help: str) -> Callable[[F], F]:
    return click.option("--policy-id", "policy_ids", multiple=True, help=help)


def max_risk(help: str, default: str | None = DEFAULT_MAX_RISK) -> Callable[[F], F]:
    return click.option("--max-risk", type=click.Choice(RISKS), default=default,
                        show_default=default is not None, help=help)


# -- plans ------------------------------------------------------------------------------------

plan_output = click.option("-o", "--output", "plan_path", required=True,
                           type=click.Path(dir_okay=False),
                           help="Write the plan here (JSON, see `kfix plan schema`).")
plan_path = click.argument("plan_path", type=click.Path(dir_okay=False))
action_ids = click.argument("ids", nargs=-1)
every = click.option("--all", "every", is_flag=True, help="Every action still open to decision.")
by = click.option("--by", help="Who decides. Default: `git config user.name`, else the OS user.")
reason = click.option("--reason", default="", help="Why, recorded with the decision.")
audit_log = click.option("--audit-log", type=click.Path(dir_okay=False),
                         help="Audit log (JSON Lines) to append to. Default: beside the plan, "
                              "PLAN.audit.jsonl for PLAN.json.")
