"""Settings files and environment variables for every command (kfix/cli/config.py):
flags > KFIX_<FLAG> / CONFTEST_<FLAG> > the file, as conftest's viper layers them
(internal/commands/default.go: SetEnvPrefix("CONFTEST"), SetConfigName("conftest"),
AddConfigPath(".")); its docs/options.md's example file is the first test.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kfix.cli import cli
from kfix.cli.config import FILE_NAMES
from tests.cli.helpers import write

POLICY = """
package main
import rego.v1
deny contains sprintf("%s: no pods", [input.metadata.name]) if input.kind == "Pod"
warn contains sprintf("%s: a service", [input.metadata.name]) if input.kind == "Service"
"""
OTHER = """
package conftest
import rego.v1
deny contains sprintf("%s: from tests/", [input.metadata.name]) if input.kind == "Pod"
"""


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with policy/, tests/ (namespace conftest) and two inputs;
    no KFIX_ or CONFTEST_ variable leaks in from the test's own environment."""
    for name in list(os.environ):
        if name.startswith(("KFIX_", "CONFTEST_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "policy" / "main.rego", POLICY)
    write(tmp_path / "tests" / "other.rego", OTHER)
    write(tmp_path / "pod.yaml", "kind: Pod\nmetadata: {name: p}\n")
    write(tmp_path / "svc.yaml", "kind: Service\nmetadata: {name: s}\n")
    return tmp_path


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_conftests_documented_example_file(here: Path) -> None:
    """conftest docs/options.md: `policy = "tests"`, `namespace = "conftest"`."""
    write(here / "conftest.toml", """
        # You can override the directory in which to store and look for policies
        policy = "tests"

        # You can override the namespace which to search for rules
        namespace = "conftest"
    """)
    done = run("scan", "pod.yaml")
    assert done.exit_code == 1
    assert done.stdout == ("FAIL - pod.yaml - conftest - p: from tests/\n\n"
                           "1 test, 0 passed, 0 warnings, 1 failure, 0 exceptions\n")


def test_flags_beat_the_environment_which_beats_the_file(here: Path) -> None:
    write(here / "conftest.toml", 'output = "json"\n')
    assert json.loads(run("scan", "pod.yaml").stdout)[0]["filename"] == "pod.yaml"
    assert run("scan", "pod.yaml", env={"CONFTEST_OUTPUT": "tap"}).stdout.startswith("1..")
    assert run("scan", "pod.yaml", env={"KFIX_OUTPUT": "table",
                                        "CONFTEST_OUTPUT": "tap"}).stdout.startswith("┌")
    assert run("scan", "pod.yaml", "-o", "stdout",
               env={"KFIX_OUTPUT": "tap"}).stdout.startswith("FAIL - pod.yaml")


def test_booleans_and_lists_from_file_and_environment(here: Path) -> None:
    write(here / "conftest.toml", 'fail-on-warn = true\npolicy = ["policy"]\n')
    assert run("scan", "svc.yaml").exit_code == 1  # a warning fails with --fail-on-warn
    assert run("scan", "pod.yaml").exit_code == 2  # conftest's code for failures then
    done = run("scan", "pod.yaml", env={"KFIX_POLICY": "tests", "KFIX_NAMESPACE": "conftest",
                                        "KFIX_FAIL_ON_WARN": "false"})
    assert done.exit_code == 1 and "from tests/" in done.stdout


def test_kfix_yaml_comes_first_and_command_sections_win(here: Path) -> None:
    write(here / "conftest.toml", 'output = "tap"\n')
    write(here / "kfix.yaml", """
        output: json
        all-namespaces: true
        policy: [policy, tests]
        scan:
          output: table
        fix:
          output: json
    """)
    done = run("scan", "pod.yaml")
    assert done.stdout.startswith("┌")  # scan's own section
    assert "p: from tests/" in done.stdout and "p: no pods" in done.stdout  # all namespaces
    assert json.loads(run("fix", "pod.yaml").stdout)["summary"]["counts"]["total"] == 2


def test_pyproject_tool_kfix_table(here: Path) -> None:
    write(here / "pyproject.toml", """
        [project]
        name = "deploy"

        [tool.kfix]
        namespace = ["conftest"]
        policy = "tests"

        [tool.kfix.scan]
        output = "json"
    """)
    (entry,) = json.loads(run("scan", "pod.yaml").stdout)
    assert (entry["namespace"], entry["failures"][0]["msg"]) == ("conftest", "p: from tests/")


def test_a_pyproject_without_a_kfix_table_is_passed_over(here: Path) -> None:
    write(here / "pyproject.toml", '[project]\nname = "x"\n')
    write(here / "conftest.yaml", "output: tap\n")
    assert run("scan", "pod.yaml").stdout.startswith("1..2\n")
    assert FILE_NAMES.index("pyproject.toml") < FILE_NAMES.index("conftest.yaml")


@pytest.mark.parametrize("where", ["before", "after"])
def test_config_file_flag_before_or_after_the_command(here: Path, where: str) -> None:
    """`conftest -c FILE test` (a persistent flag) and kfix's `scan -c FILE`."""
    write(here / "ci" / "settings.toml", 'output = "tap"\n')
    write(here / "conftest.toml", 'output = "json"\n')
    args = (["-c", "ci/settings.toml", "scan", "pod.yaml"] if where == "before"
            else ["scan", "pod.yaml", "--config-file", "ci/settings.toml"])
    assert run(*args).stdout.startswith("1..2\n")
    assert run("scan", "pod.yaml", env={"KFIX_CONFIG_FILE": "ci/settings.toml"}
               ).stdout.startswith("1..2\n")


def test_test_keeps_opas_dash_c_for_coverage(here: Path) -> None:
    write(here / "tests" / "other_test.rego", """
        package conftest_test
        import rego.v1
        test_pod if data.conftest.deny with input as {"kind": "Pod", "metadata": {"name": "p"}}
    """)
    write(here / "settings.yaml", "verbose: true\n")
    done = run("test", "tests", "--config-file", "settings.yaml", "-c")
    assert done.exit_code == 0, done.output
    assert "test_pod" in done.stdout  # verbose, from the file
    assert "coverage" in done.stdout.lower() or "%" in done.stdout


def test_fix_params_and_llm_sections_live_in_the_same_file(here: Path) -> None:
    write(here / "policy" / "main.rego", """
        package main
        import rego.v1
        deny contains {"msg": "no team", "pointer": "/metadata/labels/team"} if {
            not input.metadata.labels.team
        }
    """)
    write(here / "fixes" / "main.deny.yaml.j2", """
        - op: add
          path: /metadata/labels
          value: {team: {{ params.team | default("nobody") }}}
    """)
    write(here / "kfix.yaml", "fixes: [fixes]\nparams: {team: platform}\n")
    done = run("fix", "pod.yaml")
    assert "+metadata: {name: p, labels: {team: platform}}" in done.stdout
    assert "nobody" not in done.stdout
    override = run("fix", "pod.yaml", "--set", "team=web")
    assert "team: web" in override.stdout


def test_conftest_only_and_unknown_keys_are_noted_and_ignored(here: Path) -> None:
    write(here / "conftest.toml", 'proto-file-dirs = ["p"]\ntls = false\nnamspace = "x"\n')
    done = run("scan", "pod.yaml")
    assert done.exit_code == 1 and "p: no pods" in done.stdout
    assert done.stderr == (
        "kfix: note: conftest.toml: `proto-file-dirs` is conftest's, not kfix's; ignored\n"
        "kfix: note: conftest.toml: `tls` is conftest's, not kfix's; ignored\n"
        "kfix: note: conftest.toml: `namspace` is no kfix setting; ignored\n")


@pytest.mark.parametrize("name,text,where", [
    ("conftest.toml", 'policy = "tests"\noutput = \n', "conftest.toml:2: cannot parse: "),
    ("kfix.yaml", "policy: tests\noutput: [json\n", "kfix.yaml:3: cannot parse: "),
    ("kfix.yaml", "- policy\n", "kfix.yaml: settings must be a mapping"),
    ("kfix.yaml", "params: [a]\n", "kfix.yaml: `params` must be a mapping"),
])
def test_a_broken_file_is_one_error_line_with_its_place(
        here: Path, name: str, text: str, where: str) -> None:
    write(here / name, text)
    done = run("fix" if "params" in text else "scan", "pod.yaml")
    assert done.exit_code == 2
    assert done.stderr.startswith(f"kfix: error: {where}")
    assert "Traceback" not in done.output


def test_a_file_of_comments_alone_sets_nothing(here: Path) -> None:
    write(here / "kfix.yaml", "# nothing yet\n")
    done = run("scan", "pod.yaml")
    assert done.exit_code == 1 and done.stderr == ""
    assert done.stdout.startswith("FAIL - pod.yaml - main - p: no pods")


def test_a_wrong_value_names_the_flag(here: Path) -> None:
    write(here / "conftest.toml", 'output = "yaml"\n')
    done = run("scan", "pod.yaml")
    assert done.exit_code == 2
    assert "Invalid value for '-o' / '--output': 'yaml' is not one of" in done.stderr
