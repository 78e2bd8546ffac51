"""conftest users' habits, run as a user runs them: a real `python -m kfix` process in a
directory of real files, with real policies (issue 14, "a true drop-in").

Where conftest's behaviour is exact, the test's docstring names the conftest source file
it follows (open-policy-agent/conftest@6a3fd60).
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.cli.helpers import no_traceback, write

REPO = Path(__file__).resolve().parents[2]


def kfix(*args: str, cwd: Path, stdin: str | None = None,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith(("KFIX_", "CONFTEST_")) and k != "NO_COLOR"}
    environ["PYTHONPATH"] = str(REPO)
    return subprocess.run([sys.executable, "-m", "kfix", *args], capture_output=True,
                          text=True, cwd=cwd, input=stdin, timeout=300,
                          env={**environ, **(env or {})})


POLICY = """
package main
import rego.v1
deny contains msg if {
    input.kind == "Deployment"
    msg := sprintf("%s: no deployments", [input.metadata.name])
}
warn contains msg if {
    input.kind == "Service"
    msg := sprintf("%s: a service", [input.metadata.name])
}
"""
DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
"""
SERVICE = """
apiVersion: v1
kind: Service
metadata:
  name: svc
"""
CONFIGMAP = """
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A conftest user's repository: policy/ (conftest's default -p) and deploy/."""
    write(tmp_path / "policy" / "main.rego", POLICY)
    write(tmp_path / "deploy" / "web.yaml", DEPLOYMENT)
    write(tmp_path / "deploy" / "svc.yaml", SERVICE)
    write(tmp_path / "deploy" / "cm.yaml", CONFIGMAP)
    return tmp_path


# --- output flags ------------------------------------------------------------------------


def test_github_hide_passed_leaves_out_passing_files(repo: Path) -> None:
    """conftest's --github-hide-passed (internal/commands/test.go, output/github.go)."""
    shown = kfix("scan", "-p", "policy", "deploy", "-o", "github", cwd=repo)
    hidden = kfix("scan", "-p", "policy", "deploy", "-o", "github", "--github-hide-passed",
                  cwd=repo)
    no_traceback(hidden)
    assert hidden.returncode == shown.returncode == 1
    assert '"deploy/cm.yaml"' in shown.stdout
    assert "cm.yaml" not in hidden.stdout
    assert '"deploy/web.yaml"' in hidden.stdout and '"deploy/svc.yaml"' in hidden.stdout
    assert hidden.stdout.splitlines()[-1] == shown.stdout.splitlines()[-1] == (
        "6 tests, 4 passed, 1 warning, 1 failure, 0 exceptions")


def test_azure_devops_output(repo: Path) -> None:
    """conftest's -o azuredevops (output/azuredevops.go)."""
    done = kfix("scan", "-p", "policy", "deploy/web.yaml", "-o", "azuredevops", cwd=repo)
    no_traceback(done)
    assert done.returncode == 1
    assert done.stdout == (
        "##[section]Testing 'deploy/web.yaml' against 2 policies in namespace 'main'\n"
        "##[group]See conftest results\n"
        "##vso[task.logissue type=error] file=deploy/web.yaml --> web: no deployments\n"
        "success file=deploy/web.yaml 1\n"
        "##[endgroup]\n"
        "2 tests, 1 passed, 0 warnings, 1 failure, 0 exceptions\n")


def _on_a_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    """What kfix prints with its stdout on a real pseudo-terminal."""
    leader, follower = pty.openpty()
    environ = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    process = subprocess.Popen([sys.executable, "-m", "kfix", *args], cwd=cwd, stdout=follower,
                               stderr=subprocess.DEVNULL, env={**environ, "PYTHONPATH": str(REPO),
                                                               **env})
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the process closed its end
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=300)
    os.close(leader)
    return b"".join(chunks).decode()


@pytest.mark.parametrize("value,coloured", [(None, True), ("1", False), ("", True)])
def test_no_color_environment_variable(repo: Path, value: str | None, coloured: bool) -> None:
    """no-color.org: NO_COLOR present and not empty turns colour off."""
    env = {} if value is None else {"NO_COLOR": value}
    text = _on_a_terminal(["scan", "-p", "policy", "deploy/web.yaml"], repo, env)
    assert "web: no deployments" in text
    assert ("\x1b[31m" in text) is coloured


# --- conftest's default policy directory -------------------------------------------------


def test_scan_uses_policy_directory_by_default(repo: Path) -> None:
    """conftest's `-p` defaults to `policy` (internal/commands/test.go): `kfix scan deploy/`
    runs ./policy's rules, under `main`, and says which policies ran."""
    done = kfix("scan", "deploy", cwd=repo)
    no_traceback(done)
    assert done.returncode == 1
    assert done.stdout == (
        "WARN - deploy/svc.yaml - main - svc: a service\n"
        "FAIL - deploy/web.yaml - main - web: no deployments\n"
        "\n"
        "6 tests, 4 passed, 1 warning, 1 failure, 0 exceptions\n"
        "policies: ./policy (conftest's default -p policy)\n")
    explicit = kfix("scan", "-p", "policy", "deploy", cwd=repo)
    assert explicit.stdout == done.stdout.replace(
        "policies: ./policy (conftest's default -p policy)\n", "")  # conftest's bytes


def test_scan_json_names_the_policies_kfix_chose(repo: Path) -> None:
    done = kfix("scan", "deploy/web.yaml", "-o", "json", cwd=repo)
    (entry,) = json.loads(done.stdout)
    assert entry["policies"] == "./policy (conftest's default -p policy)"
    assert entry["failures"][0]["msg"] == "web: no deployments"
    explicit = kfix("scan", "-p", "policy", "deploy/web.yaml", "-o", "json", cwd=repo)
    assert "policies" not in json.loads(explicit.stdout)[0]


def test_without_a_policy_directory_the_built_in_pack_runs_and_says_so(tmp_path: Path) -> None:
    write(tmp_path / "deploy" / "pod.json", (REPO / "examples" / "worker-pod.json").read_text())
    done = kfix("scan", "deploy", cwd=tmp_path)
    no_traceback(done)
    assert "FAIL - deploy/pod.json - kfix.policies.privileged_container" in done.stdout \
        or "FAIL - deploy/pod.json - kfix.policies.seccomp" in done.stdout
    assert done.stdout.endswith("\npolicies: kfix's built-in pack (no ./policy directory)\n")
    report = json.loads(kfix("scan", "deploy", "-o", "json", cwd=tmp_path).stdout)
    assert {e["policies"] for e in report} == {"kfix's built-in pack (no ./policy directory)"}


def test_fix_uses_the_policy_directory_by_default(tmp_path: Path) -> None:
    write(tmp_path / "policy" / "labels.rego", """
        package main
        import rego.v1
        deny contains {"msg": "no team label", "pointer": "/metadata/labels/team"} if {
            not input.metadata.labels.team
        }
    """)
    write(tmp_path / "fixes" / "main.deny.yaml.j2", """
        - op: add
          path: /metadata/labels
          value: {team: platform}
    """)
    write(tmp_path / "deploy" / "cm.yaml", CONFIGMAP)
    done = kfix("fix", "deploy", "--fixes", "fixes", cwd=tmp_path)
    no_traceback(done)
    assert "+  labels:" in done.stdout or "+  labels: {team: platform}" in done.stdout
    assert done.stdout.endswith("policies: ./policy (conftest's default -p policy)\n")
    report = json.loads(kfix("fix", "deploy", "--fixes", "fixes", "-o", "json",
                             cwd=tmp_path).stdout)
    assert report["policies"] == "./policy (conftest's default -p policy)"
    assert [f["status"] for f in report["findings"]] == ["fixed"]


# --- --parser and --stdin-filename ---------------------------------------------------------


PODS_JSON = ('{"kind": "Deployment", "metadata": {"name": "a"}}\n'
             '{"kind": "Deployment",\n "metadata": {"name": "b"}}\n')


def test_stdin_is_yaml_unless_parser_says_json(repo: Path) -> None:
    """conftest parser/parser.go NewFromPath: "-" is YAML; --parser overrides it. Two JSON
    objects one after another are no YAML, but are a JSON stream."""
    as_yaml = kfix("scan", "-p", "policy", "-", stdin=PODS_JSON, cwd=repo)
    no_traceback(as_yaml)
    assert as_yaml.returncode == 2 and "ERR  - -:" in as_yaml.stdout
    as_json = kfix("scan", "-p", "policy", "--parser", "json", "-", "-o", "github",
                   stdin=PODS_JSON, cwd=repo)
    no_traceback(as_json)
    assert as_json.returncode == 1
    assert "::error file=-,line=1::a: no deployments\n" in as_json.stdout
    assert "::error file=-,line=2::b: no deployments\n" in as_json.stdout


def test_parser_yaml_reads_a_json_named_file_of_yaml(repo: Path) -> None:
    write(repo / "odd.json", DEPLOYMENT)
    assert "cannot parse" in kfix("scan", "-p", "policy", "odd.json", cwd=repo).stdout
    forced = kfix("scan", "-p", "policy", "--parser", "yaml", "odd.json", cwd=repo)
    assert forced.returncode == 1 and "FAIL - odd.json - main - web: no deployments" in (
        forced.stdout)


@pytest.mark.parametrize("name,said", [
    ("toml", "kfix reads only yaml and json; conftest's toml parser is not available"),
    ("hcl2", "conftest's hcl2 parser is not available"),
    ("yml", "'yml' is not one of 'json', 'yaml'"),
])
def test_parsers_kfix_does_not_have_are_named(repo: Path, name: str, said: str) -> None:
    done = kfix("scan", "--parser", name, "deploy", cwd=repo)
    assert done.returncode == 2
    assert said in done.stderr
    no_traceback(done)


@pytest.mark.parametrize("output,expected", [
    ("github", "::error file=components/api.yaml,line=1::web: no deployments"),
    ("stdout", "FAIL - components/api.yaml - main - web: no deployments"),
    ("json", '"filename": "components/api.yaml"'),
    ("azuredevops", "##vso[task.logissue type=error] file=components/api.yaml --> web: no "
                    "deployments"),
    ("tap", "not ok 1 - components/api.yaml - main - web: no deployments"),
    ("junit", 'name="components/api.yaml"'),
])
def test_stdin_filename_names_standard_input_in_every_output(
        repo: Path, output: str, expected: str) -> None:
    """conftest runner/test.go renameStdinConfiguration: `-` goes by the given name."""
    done = kfix("scan", "-p", "policy", "--stdin-filename", "components/api.yaml", "-",
                "-o", output, stdin=textwrap.dedent(DEPLOYMENT).lstrip(), cwd=repo)
    no_traceback(done)
    assert done.returncode == 1
    assert expected in done.stdout


def test_stdin_filename_names_an_unparsable_stdin(repo: Path) -> None:
    done = kfix("scan", "-p", "policy", "--stdin-filename", "chart.yaml", "-",
                stdin="a: b: c\n", cwd=repo)
    assert done.returncode == 2
    assert "ERR  - chart.yaml:1 - cannot parse" in done.stdout


# --- kfix parse ----------------------------------------------------------------------------


def test_parse_one_file_prints_its_document() -> None:
    """conftest internal/commands/parse.go formatSingleJSON: two-space indent; acceptance.bats
    "Can parse single file with 'conftest parse'" reads `.kind` off it."""
    done = kfix("parse", "examples/node-agent-daemonset.yaml", cwd=REPO)
    no_traceback(done)
    assert done.returncode == 0
    assert json.loads(done.stdout)["kind"] == "DaemonSet"
    assert done.stdout.startswith('{\n  "apiVersion": "apps/v1",\n  "kind": "DaemonSet",\n')


def test_parse_several_files_prints_an_object_by_path(repo: Path) -> None:
    """conftest parser/format.go FormatJSON; acceptance.bats "Can parse multiple files"."""
    write(repo / "both.yaml", DEPLOYMENT + "---\n" + textwrap.dedent(SERVICE).lstrip())
    done = kfix("parse", "deploy/cm.yaml", "both.yaml", cwd=repo)
    no_traceback(done)
    assert done.stdout == (
        '{\n'
        '  "both.yaml": [\n'
        '    {\n      "apiVersion": "apps/v1",\n      "kind": "Deployment",\n'
        '      "metadata": {\n        "name": "web"\n      }\n    },\n'
        '    {\n      "apiVersion": "v1",\n      "kind": "Service",\n'
        '      "metadata": {\n        "name": "svc"\n      }\n    }\n'
        '  ],\n'
        '  "deploy/cm.yaml": {\n    "apiVersion": "v1",\n    "kind": "ConfigMap",\n'
        '    "metadata": {\n      "name": "cm"\n    }\n  }\n'
        '}\n')


def test_parse_combine_prints_conftests_combined_input(repo: Path) -> None:
    """conftest parser/format.go FormatCombined: tab-indented {path, contents} by path,
    then fmt.Println's newline after format()'s: the text ends in an empty line."""
    done = kfix("parse", "--combine", "deploy/web.yaml", "deploy/cm.yaml", cwd=repo)
    no_traceback(done)
    assert done.stdout == (
        '[\n'
        '\t{\n\t\t"path": "deploy/cm.yaml",\n\t\t"contents": {\n'
        '\t\t\t"apiVersion": "v1",\n\t\t\t"kind": "ConfigMap",\n'
        '\t\t\t"metadata": {\n\t\t\t\t"name": "cm"\n\t\t\t}\n\t\t}\n\t},\n'
        '\t{\n\t\t"path": "deploy/web.yaml",\n\t\t"contents": {\n'
        '\t\t\t"apiVersion": "apps/v1",\n\t\t\t"kind": "Deployment",\n'
        '\t\t\t"metadata": {\n\t\t\t\t"name": "web"\n\t\t\t}\n\t\t}\n\t}\n'
        ']\n\n')


def test_parse_writes_json_as_go_does(repo: Path) -> None:
    write(repo / "odd.json", '{"b": "<a & b>", "a": 1e3, "c": 0.5}')
    done = kfix("parse", "odd.json", cwd=repo)
    assert done.stdout == '{\n  "a": 1000,\n  "b": "\\u003ca \\u0026 b\\u003e",\n  "c": 0.5\n}\n'


def test_parse_stdin_with_a_parser_and_a_broken_file(repo: Path) -> None:
    write(repo / "broken.yaml", "a: b: c\n")
    done = kfix("parse", "--parser", "json", "-", "broken.yaml", stdin=PODS_JSON, cwd=repo)
    assert done.returncode == 2
    assert json.loads(done.stdout) == {"-": [
        {"kind": "Deployment", "metadata": {"name": "a"}},
        {"kind": "Deployment", "metadata": {"name": "b"}}]}
    assert done.stderr.startswith("kfix: error: broken.yaml:1: cannot parse")
    no_traceback(done)
