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

REPO = Path(__file__).resolve().parents[2]


def kfix(*args: str, cwd: Path, stdin: str | None = None,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith(("KFIX_", "CONFTEST_")) and k != "NO_COLOR"}
    environ["PYTHONPATH"] = str(REPO)
    return subprocess.run([sys.executable, "-m", "kfix", *args], capture_output=True,
                          text=True, cwd=cwd, input=stdin, timeout=300,
                          env={**environ, **(env or {})})


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def clean(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stdout + done.stderr
    assert "unexpected error" not in done.stderr


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
    clean(hidden)
    assert hidden.returncode == shown.returncode == 1
    assert '"deploy/cm.yaml"' in shown.stdout
    assert "cm.yaml" not in hidden.stdout
    assert '"deploy/web.yaml"' in hidden.stdout and '"deploy/svc.yaml"' in hidden.stdout
    assert hidden.stdout.splitlines()[-1] == shown.stdout.splitlines()[-1] == (
        "6 tests, 4 passed, 1 warning, 1 failure, 0 exceptions")


def test_azure_devops_output(repo: Path) -> None:
    """conftest's -o azuredevops (output/azuredevops.go)."""
    done = kfix("scan", "-p", "policy", "deploy/web.yaml", "-o", "azuredevops", cwd=repo)
    clean(done)
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
    clean(done)
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
    clean(done)
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
    clean(done)
    assert "+  labels:" in done.stdout or "+  labels: {team: platform}" in done.stdout
    assert done.stdout.endswith("policies: ./policy (conftest's default -p policy)\n")
    report = json.loads(kfix("fix", "deploy", "--fixes", "fixes", "-o", "json",
                             cwd=tmp_path).stdout)
    assert report["policies"] == "./policy (conftest's default -p policy)"
    assert [f["status"] for f in report["findings"]] == ["fixed"]
