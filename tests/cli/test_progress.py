"""The progress bar: on a terminal only, after a while, never in pipes, CI or --quiet."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENDORED = REPO / "tests" / "data" / "corpus"


def stderr_of(args: list[str], *, terminal: bool, command_name: str = "scan",
              **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k != "CI"}
    environment.update({"KFIX_PROGRESS_AFTER": "0", **env})
    command = [sys.executable, "-m", "kfix", command_name, *args, str(VENDORED)]
    if not terminal:
        done = subprocess.run(command, capture_output=True, text=True, env=environment,
                              timeout=300)
        return done.stderr
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=follower,
                                   env=environment)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=300)
    finally:
        os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def test_a_terminal_sees_files_done_of_all_and_findings_so_far() -> None:
    files = len(list(VENDORED.rglob("*.yaml")))
    assert files >= 20, "vendored corpus missing"
    shown = stderr_of([], terminal=True)
    assert "scanning" in shown and f"{files}/{files}" in shown and "findings" in shown


def test_nothing_in_pipes_in_ci_or_with_quiet() -> None:
    assert "scanning" not in stderr_of([], terminal=False)
    assert "scanning" not in stderr_of([], terminal=True, CI="true")
    assert "scanning" not in stderr_of(["--quiet"], terminal=True)


def test_fix_shows_files_done_of_all_on_a_terminal_only() -> None:
    files = len(list(VENDORED.rglob("*.yaml")))
    shown = stderr_of([], terminal=True, command_name="fix")
    assert "fixing" in shown and f"{files}/{files}" in shown and "findings" in shown
    assert "fixing" not in stderr_of([], terminal=False, command_name="fix")
    assert "fixing" not in stderr_of([], terminal=True, command_name="fix", CI="true")
