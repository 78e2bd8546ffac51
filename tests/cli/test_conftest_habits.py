"""conftest users' habits, run as a user runs them: a real `python -m kfix` process in a
directory of real files, with real policies (issue 14, "a true drop-in").

Where conftest's behaviour is exact, the test's docstring names the conftest source file
it follows (open-policy-agent/conftest@6a3fd60).
"""

from __future__ import annotations

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
