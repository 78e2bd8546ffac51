"""A policy that does not terminate: --timeout stops the run with an error, Ctrl-C at once."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

SLOW = """
package main

deny contains "slow" if {
    every i in numbers.range(1, 6000) {
        every j in numbers.range(1, 6000) {
            i + j > 0
        }
    }
}
"""


def setup(tmp_path: Path) -> list[str]:
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "slow.rego").write_text(SLOW)
    (tmp_path / "pod.yaml").write_text("kind: Pod\nmetadata: {name: a}\n")
    return [sys.executable, "-m", "kfix", "scan", "-p", "policy", "pod.yaml"]


def test_timeout_stops_the_run_with_one_error_line(tmp_path: Path) -> None:
    started = time.monotonic()
    done = subprocess.run([*setup(tmp_path), "--timeout", "1"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert time.monotonic() - started < 30
    assert done.returncode == 2
    assert done.stderr == ("kfix: error: evaluation took longer than --timeout 1 s: a policy "
                           "may not terminate (raise --timeout, or 0 for none)\n")


def test_ctrl_c_stops_an_evaluation_at_once(tmp_path: Path) -> None:
    # as from a terminal: a shell's background job (as CI may be) inherits SIGINT ignored
    process = subprocess.Popen(setup(tmp_path), cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        time.sleep(3)  # well into the evaluation
        sent = time.monotonic()
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert time.monotonic() - sent < 5
    assert process.returncode == 130 and "kfix: interrupted" in err
