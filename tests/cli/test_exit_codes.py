"""The exit-code table of every command, one test per row (README, "Exit codes").

Each row is produced the way a user meets it: real policies, real files, a real
process where a signal is involved.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from kfix.cli import cli
from kfix.cli.main import BUG_EXIT, ERROR_EXIT, INTERRUPTED_EXIT

REPO = Path(__file__).resolve().parents[2]

POLICY = """
package main

deny contains msg if {
    input.kind == "Pod"
    input.spec.hostNetwork == true
    msg := "hostNetwork is on"
}

warn contains msg if {
    input.kind == "Pod"
    not input.metadata.labels.team
    msg := "no team label"
}
"""
CLEAN = "kind: Pod\nmetadata:\n  name: a\n  labels: {team: x}\nspec: {}\n"
WARNS = "kind: Pod\nmetadata:\n  name: a\nspec: {}\n"
FAILS = "kind: Pod\nmetadata:\n  name: a\n  labels: {team: x}\nspec:\n  hostNetwork: true\n"
BROKEN = "kind: Pod\nspec: [\n"
PRIVILEGED = """
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
    - name: c
      image: nginx:1.27
      securityContext:
        privileged: true
"""


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return str(path)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def policy(tmp_path: Path) -> str:
    return write(tmp_path / "policy" / "p.rego", POLICY)


# -- kfix scan ------------------------------------------------------------------------------


def test_scan_0_when_every_test_passes(tmp_path: Path, policy: str) -> None:
    assert run("scan", "-p", policy, write(tmp_path / "a.yaml", CLEAN))[0] == 0


def test_scan_1_on_failures(tmp_path: Path, policy: str) -> None:
    assert run("scan", "-p", policy, write(tmp_path / "a.yaml", FAILS))[0] == 1


def test_scan_warnings_alone_pass_unless_fail_on_warn(tmp_path: Path, policy: str) -> None:
    warns = write(tmp_path / "a.yaml", WARNS)
    assert run("scan", "-p", policy, warns)[0] == 0
    assert run("scan", "-p", policy, "--fail-on-warn", warns)[0] == 1


def test_scan_fail_on_warn_gives_conftests_2_on_failures(tmp_path: Path, policy: str) -> None:
    assert run("scan", "-p", policy, "--fail-on-warn", write(tmp_path / "a.yaml", FAILS))[0] == 2


def test_scan_no_fail_makes_failures_0(tmp_path: Path, policy: str) -> None:
    assert run("scan", "-p", policy, "--no-fail", write(tmp_path / "a.yaml", FAILS))[0] == 0


def test_scan_2_on_an_unparseable_input_even_with_no_fail(tmp_path: Path, policy: str) -> None:
    broken = write(tmp_path / "b.yaml", BROKEN)
    clean = write(tmp_path / "a.yaml", CLEAN)
    code, output = run("scan", "-p", policy, "--no-fail", broken, clean)
    assert code == ERROR_EXIT
    assert "b.yaml:" in output and "1 error" in output


def test_scan_2_on_a_policy_that_does_not_compile(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.rego", "package main\n\ndeny contains msg if {\n")
    code, output = run("scan", "-p", bad, write(tmp_path / "a.yaml", CLEAN))
    assert code == ERROR_EXIT and "kfix: error: " in output and "bad.rego:" in output


def test_scan_2_when_the_engine_is_missing(tmp_path: Path, policy: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no `opa` binary anywhere
    code, output = run("scan", "--engine", "opa", "-p", policy, write(tmp_path / "a.yaml", CLEAN))
    assert code == ERROR_EXIT and "kfix: error: " in output and "opa" in output


def test_scan_2_on_usage_errors(tmp_path: Path) -> None:
    assert run("scan")[0] == 2
    assert run("scan", "--output", "nope", "x.yaml")[0] == 2


# -- kfix fix -------------------------------------------------------------------------------


def test_fix_0_when_no_unfixed_failure_remains(tmp_path: Path) -> None:
    pod = write(tmp_path / "pod.yaml", PRIVILEGED)
    one_policy = ("-p", str(REPO / "policies" / "privileged-container"),
                  "-p", str(REPO / "policies" / "lib"), "--all-namespaces")
    code, output = run("fix", "--max-risk", "high", *one_policy, pod)
    assert code == 0 and "1 fixed" in output


def test_fix_1_when_unfixed_failures_remain(tmp_path: Path) -> None:
    pod = write(tmp_path / "pod.yaml", PRIVILEGED)  # image-tag, probes...: people decide
    assert run("fix", pod)[0] == 1


def test_fix_2_on_a_policy_that_does_not_compile(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.rego", "package main\n\ndeny contains msg if {\n")
    pod = write(tmp_path / "pod.yaml", PRIVILEGED)
    code, output = run("fix", "-p", bad, pod)
    assert code == ERROR_EXIT and "bad.rego:" in output


def test_fix_2_when_a_fixed_file_cannot_be_written(tmp_path: Path) -> None:
    if os.geteuid() == 0:  # root writes anywhere; a directory that is a file stops anyone
        out = tmp_path / "taken"
        out.write_text("a file where the output directory should be\n")
    else:
        out = tmp_path / "readonly"
        out.mkdir(mode=0o500)
    pod = write(tmp_path / "in" / "pod.yaml", PRIVILEGED)
    code, output = run("fix", "--max-risk", "high", "--output-dir", str(out / "sub"),
                       "--policy-id", "privileged-container", str(tmp_path / "in"))
    assert code == ERROR_EXIT and "ERR  " in output and "cannot write: " in output
    assert Path(pod).read_text() == textwrap.dedent(PRIVILEGED).lstrip("\n")


def test_fix_2_when_the_dry_run_has_no_cluster(tmp_path: Path) -> None:
    pod = write(tmp_path / "pod.yaml", PRIVILEGED)
    code, output = run("fix", "--server-dry-run", "--kubeconfig", str(tmp_path / "none"), pod)
    assert code == ERROR_EXIT and "kfix: error: " in output


# -- kfix test (opa test's codes) -------------------------------------------------------------


def test_test_0_when_every_test_passes(tmp_path: Path) -> None:
    write(tmp_path / "p_test.rego", "package p_test\n\ntest_ok if { true }\n")
    assert run("test", str(tmp_path))[0] == 0


def test_test_2_on_a_failing_test(tmp_path: Path) -> None:
    write(tmp_path / "p_test.rego", "package p_test\n\ntest_no if { false }\n")
    assert run("test", str(tmp_path))[0] == 2


def test_test_1_when_policies_do_not_load(tmp_path: Path) -> None:
    write(tmp_path / "p_test.rego", "package p_test\n\ntest_no if {\n")
    code, output = run("test", str(tmp_path))
    assert code == 1 and "kfix: error: " in output


def test_test_2_on_usage_errors(tmp_path: Path) -> None:
    assert run("test", "--run", "(", str(tmp_path))[0] == 2


# -- kfix verify ------------------------------------------------------------------------------


SUITES = REPO / "fixtures" / "gatekeeper"


def test_verify_0_when_every_case_passes() -> None:
    assert run("verify", str(SUITES / "requiredlabels"))[0] == 0


def test_verify_1_on_a_failing_case(tmp_path: Path) -> None:
    template = SUITES / "requiredlabels"
    suite = (template / "suite.yaml").read_text().replace("violations: 2", "violations: 3", 1)
    assert suite != (template / "suite.yaml").read_text()
    for path in template.rglob("*"):
        if path.is_file() and path.name != "suite.yaml":
            target = tmp_path / path.relative_to(template)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    write(tmp_path / "suite.yaml", suite)
    assert run("verify", str(tmp_path))[0] == 1


def test_verify_2_on_a_file_that_does_not_parse(tmp_path: Path) -> None:
    write(tmp_path / "broken.yaml", "kind: Suite\ntests: [\n")
    assert run("verify", str(tmp_path))[0] == ERROR_EXIT


def test_verify_2_on_usage_errors() -> None:
    assert run("verify")[0] == 2


# -- kfix policy, kfix doc, kfix draft --------------------------------------------------------


def test_policy_list_0_and_show_of_an_unknown_id_2() -> None:
    assert run("policy", "list")[0] == 0
    assert run("policy", "show", "no-such-policy")[0] == 2


def test_doc_0() -> None:
    assert run("doc")[0] == 0


def test_draft_2_without_a_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KFIX_LLM_BASE_URL", raising=False)
    code, output = run("draft", "privileged-container")
    assert code == 2 and "needs a model" in output


# -- kfix plan, approve, reject, apply, rollback, audit --------------------------------------


def test_plan_0_and_2_on_an_unreadable_input_with_the_plan_written(tmp_path: Path) -> None:
    write(tmp_path / "in" / "pod.yaml", PRIVILEGED)
    plan = str(tmp_path / "plan.json")
    assert run("plan", str(tmp_path / "in"), "-o", plan)[0] == 0
    write(tmp_path / "in" / "broken.yaml", BROKEN)
    code, output = run("plan", str(tmp_path / "in"), "-o", plan)
    assert code == 2 and "broken.yaml:3: cannot parse" in output
    assert "privileged-container" in run("plan", "show", plan)[1]
    code, output = run("plan", str(tmp_path / "in"), str(tmp_path / "missing.yaml"), "-o", plan)
    assert code == 2 and "missing.yaml: cannot read" in output


def test_approve_reject_0_and_2_on_an_unknown_action(tmp_path: Path) -> None:
    write(tmp_path / "in" / "pod.yaml", PRIVILEGED)
    plan = str(tmp_path / "plan.json")
    run("plan", str(tmp_path / "in"), "-o", plan)
    assert run("approve", plan, "--all", "--by", "a")[0] == 0
    assert run("reject", plan, "--all", "--policy-id", "seccomp", "--by", "a")[0] == 0
    code, output = run("approve", plan, "ffffffffffff", "--by", "a")
    assert code == 2 and "no action 'ffffffffffff' in the plan" in output


def test_apply_rollback_0_1_when_stale_2_on_a_plan_that_is_not_valid(tmp_path: Path) -> None:
    pod = write(tmp_path / "in" / "pod.yaml", PRIVILEGED)
    other = write(tmp_path / "in" / "other.yaml", PRIVILEGED.replace("name: p", "name: q"))
    plan = str(tmp_path / "plan.json")
    run("plan", str(tmp_path / "in"), "-o", plan)
    run("approve", plan, "--all", "--max-risk", "low", "--by", "a")
    Path(other).write_text(Path(other).read_text() + "# changed\n")
    assert run("apply", plan)[0] == 1  # other.yaml's action is stale
    assert run("rollback", plan)[0] == 0
    Path(pod).write_text(Path(pod).read_text() + "# changed\n")
    Path(plan).write_text("[]")
    assert run("apply", plan)[0] == 2 and run("rollback", plan)[0] == 2


def test_audit_verify_0_1_on_an_edit_2_when_unreadable(tmp_path: Path) -> None:
    write(tmp_path / "in" / "pod.yaml", PRIVILEGED)
    plan = str(tmp_path / "plan.json")
    run("plan", str(tmp_path / "in"), "-o", plan)
    run("approve", plan, "--all", "--max-risk", "low", "--by", "a")
    assert run("apply", plan)[0] == 0
    log = tmp_path / "plan.audit.jsonl"
    assert run("audit", "verify", str(log))[0] == 0
    log.write_text(log.read_text().replace('"by": "a"', '"by": "b"'))
    assert run("audit", "verify", str(log))[0] == 1
    assert run("audit", "verify", str(tmp_path / "none.jsonl"))[0] == 2


# -- every command: an interrupt is 130, a bug is 3 -----------------------------------------


def test_ctrl_c_exits_130_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    """A real SIGINT while kfix waits on standard input that never ends."""
    # as from a terminal: a shell's background job (as CI may be) inherits SIGINT ignored
    process = subprocess.Popen(
        [sys.executable, "-m", "kfix", "scan", "-"], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert process.stdin is not None
        process.stdin.write("kind: Pod\n")
        process.stdin.flush()
        time.sleep(2.0)  # past start-up, blocked in the read
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == INTERRUPTED_EXIT
    assert "kfix: interrupted" in err and "Traceback" not in err + out


def test_a_bug_exits_3_with_one_line_and_a_traceback_only_with_debug(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kfix.runner.scan

    def broken(*_args: object, **_kwargs: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(kfix.runner.scan, "scan", broken)
    manifest = write(tmp_path / "a.yaml", CLEAN)
    result = CliRunner().invoke(cli, ["scan", manifest])
    assert result.exit_code == BUG_EXIT
    assert "kfix: unexpected error: ZeroDivisionError: a bug" in result.output
    assert "Traceback" not in result.output
    debug = CliRunner().invoke(cli, ["--debug", "scan", manifest])
    assert debug.exit_code == BUG_EXIT and "Traceback" in debug.output


def test_a_reader_that_goes_away_ends_the_run_quietly_with_141() -> None:
    """`kfix policy list | head -1` where head has gone: no traceback, SIGPIPE's code.
    The pipe's reading end is closed before kfix writes, so every write fails."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = subprocess.run([sys.executable, "-m", "kfix", "policy", "list"],
                              stdout=writer, stderr=subprocess.PIPE, timeout=120)
    finally:
        os.close(writer)
    assert done.returncode == 141
    assert done.stderr == b""


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


@pytest.mark.parametrize("command", ["scan", "fix"])
def test_ctrl_c_to_a_parallel_run_stops_every_process_with_one_line(
        tmp_path: Path, command: str) -> None:
    """As a terminal's Ctrl-C does: SIGINT to the whole process group, workers included.
    Workers ignore it and are stopped by kfix, so no worker prints a traceback."""
    vendored = Path(__file__).resolve().parents[1] / "data" / "corpus"
    for copy in range(8):
        shutil.copytree(vendored, tmp_path / f"copy-{copy}")
    process = subprocess.Popen(
        [sys.executable, "-m", "kfix", command, "--jobs", "2", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 120
        while not _children(process.pid):  # the worker has started
            assert process.poll() is None, "the run ended before its worker started"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        workers = _children(process.pid)
        os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == INTERRUPTED_EXIT
    assert err.strip() == "kfix: interrupted", err
    deadline = time.monotonic() + 10
    while any(_running(worker) for worker in workers):
        assert time.monotonic() < deadline, "a worker outlived the run"
        time.sleep(0.05)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"
# -- kfix parse -------------------------------------------------------------------------------


def test_parse_0_when_every_input_parses(tmp_path: Path) -> None:
    write(tmp_path / "pod.yaml", CLEAN)
    assert run("parse", str(tmp_path / "pod.yaml"))[0] == 0


def test_parse_2_on_an_input_that_does_not_parse_and_on_usage_errors(tmp_path: Path) -> None:
    write(tmp_path / "pod.yaml", CLEAN)
    write(tmp_path / "broken.yaml", "a: b: c\n")
    assert run("parse", str(tmp_path / "pod.yaml"), str(tmp_path / "broken.yaml"))[0] == 2
    assert run("parse")[0] == 2
