"""The integration files in ci/ and .pre-commit-hooks.yaml agree with the CLI they drive.

`make integration` (ci/check-integrations.sh) runs them with the real tools; these checks
are the quick part: every hook and every input reaches a real command and option.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import yaml

from kfix.cli import cli

REPO = Path(__file__).resolve().parents[1]


def option_names(command: click.Command) -> set[str]:
    return {name for param in command.params for name in getattr(param, "opts", [])}


def test_every_pre_commit_hook_runs_a_kfix_command_with_its_engine_ensured() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [hook["id"] for hook in hooks] == ["kfix-scan", "kfix-fix", "kfix-test", "kfix-verify"]
    for hook in hooks:
        program, ensure, name, *flags = shlex.split(hook["entry"])
        assert (program, ensure) == ("kfix", "--ensure-engine"), hook["id"]
        assert ensure in option_names(cli)
        assert hook["id"] == f"kfix-{name}" and name in cli.commands
        assert set(flags) <= option_names(cli.commands[name]), hook["id"]
        assert hook["language"] == "python"


def test_every_action_input_reaches_the_run_step_and_every_variable_is_read() -> None:
    action = yaml.safe_load((REPO / "ci" / "action.yml").read_text(encoding="utf-8"))
    steps = yaml.safe_dump(action["runs"]["steps"])
    for name in action["inputs"]:
        assert f"inputs.{name} " in steps or f"inputs.{name}}}" in steps, name
    script = (REPO / "ci" / "action.sh").read_text(encoding="utf-8")
    passed = {key for step in action["runs"]["steps"] for key in step.get("env", {})
              if "action.sh" in step.get("run", "")}
    assert passed == set(re.findall(r"\$\{(KFIX_[A-Z_]+)", script))


# the other programs' flags in those files: tee -a, read -r, tr -s, mapfile -t, python -m,
# pip --quiet
NOT_KFIX = {"-a", "-r", "-s", "-t", "-m", "--quiet"}


def test_the_action_and_the_gitlab_template_use_real_scan_and_fix_options() -> None:
    known = option_names(cli.commands["scan"]) | option_names(cli.commands["fix"])
    for path in ("ci/action.sh", "ci/gitlab-ci.yml"):
        text = (REPO / path).read_text(encoding="utf-8")
        used = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+|-[a-z])\b", text)) - NOT_KFIX
        assert {"--fail-on-warn", "--no-fail", "-o"} <= used, path
        assert used <= known, (path, used - known)
