"""Options shared by the commands, each declared once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from kfix.engine import BACKENDS

F = TypeVar("F", bound=Callable[..., Any])


def _apply(options: list[Callable[[F], F]]) -> Callable[[F], F]:
    def decorate(function: F) -> F:
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


def policy_options(function: F) -> F:
    """Where policies and data come from, and how to read and run them (as conftest)."""
    return _apply([
        click.option("-p", "--policy", "policy_paths", multiple=True,
                     help="Policy file or directory (repeatable). Default: kfix's built-in pack."),
        click.option("-n", "--namespace", "namespaces", multiple=True,
                     help="Namespace to test, glob allowed (repeatable). Default: main, or every "
                          "namespace of the built-in pack."),
        click.option("--all-namespaces", is_flag=True, help="Test every namespace."),
        click.option("--gatekeeper", "gatekeeper_paths", multiple=True,
                     type=click.Path(exists=True),
                     help="Gatekeeper ConstraintTemplates and Constraints in this file or "
                          "directory (repeatable); without -p, only these are checked."),
        click.option("-d", "--data", "data_paths", multiple=True,
                     help="JSON/YAML data file or directory, mounted into `data` (repeatable)."),
        click.option("--rego-version", type=click.Choice(["v0", "v1"]), default="v1",
                     show_default=True, help="Rego syntax of the policies; v0 is converted."),
        click.option("--engine", type=click.Choice(sorted(BACKENDS)), default=None,
                     help="Rego engine. Default: embedded, or `opa` on PATH if it is missing."),
        click.option("--show-builtin-errors", is_flag=True,
                     help="Report errors from builtin functions instead of treating them as "
                          "undefined."),
        click.option("--allow-network", is_flag=True,
                     help="Let policies call http.send and net.lookup_ip_addr."),
        click.option("--capabilities", type=click.Path(exists=True, dir_okay=False),
                     help="OPA capabilities JSON: policies may only call the builtins it lists."),
        click.option("--profile", type=click.Choice(["baseline", "restricted", "best-practice",
                                                      "all"]),
                     help="Only policies of this profile (restricted includes baseline), "
                          "by their METADATA."),
        click.option("--severity", "min_severity",
                     type=click.Choice(["low", "medium", "high", "critical"]),
                     help="Only policies of at least this severity."),
        click.option("--strict", is_flag=True,
                     help="OPA strict mode: reject unused imports and unused local "
                          "assignments (v1 already rejects the rest)."),
    ])(function)


def input_options(function: F) -> F:
    """Which manifests to read."""
    return _apply([
        click.argument("paths", nargs=-1, type=click.Path(allow_dash=True)),
        click.option("--ignore", metavar="REGEX",
                     help="Skip files and directories whose path matches."),
        click.option("--combine", is_flag=True,
                     help="Evaluate all inputs together as one list of {path, contents}."),
        click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
                     help="Worker processes; output is identical to --jobs 1."),
    ])(function)


def llm_options(function: F) -> F:
    """Where the optional model is; flags win over KFIX_LLM_* and the config's `llm:`."""
    return _apply([
        click.option("--llm-url", "base_url", metavar="URL",
                     help="Chat-completions base URL, e.g. http://127.0.0.1:8080/v1 "
                          "(env KFIX_LLM_BASE_URL)."),
        click.option("--llm-model", "model", help="Model name sent to the endpoint."),
        click.option("--llm-key-env", "api_key_env", metavar="VAR",
                     help="Environment variable holding the API key (default "
                          "OPENAI_API_KEY; empty: send none)."),
        click.option("--llm-timeout", "timeout", type=float, help="Seconds per request."),
        click.option("--llm-retries", "retries", type=int,
                     help="Retries on 429, 5xx and connection errors."),
        click.option("--llm-max-tokens", "max_tokens", type=int,
                     help="Longest answer to ask for."),
        click.option("--no-cache", is_flag=True,
                     help="Ask the model again instead of reusing cached answers."),
    ])(function)
