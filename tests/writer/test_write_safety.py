"""The write path loses nothing: changed files are refused, a file that cannot be written
does not stop the others, temporary files never stay, odd files are not written through."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kfix.cli import cli
from kfix.runner.fix import FixOptions, fix
from kfix.runner.scan import ScanOptions
from kfix.writer.files import WriteMode, write_atomic, write_changes

REPO = Path(__file__).resolve().parents[2]
POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: g
spec:
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        privileged: true
"""


def pod(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(POD, encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["fix", "--max-risk", "high", *args])
    return result.exit_code, result.output


def test_a_file_changed_since_it_was_read_is_not_overwritten(tmp_path: Path) -> None:
    path = pod(tmp_path / "pod.yaml")
    result = fix([str(path)], FixOptions(scan=ScanOptions(), max_risk="high"))
    edited = POD + "# a comment someone added meanwhile\n"
    path.write_text(edited, encoding="utf-8")
    (written,) = write_changes(result.changes, WriteMode.WRITE, [str(path)], None)
    assert written.error == "changed on disk since kfix read it: not written"
    assert path.read_text(encoding="utf-8") == edited


def test_two_runs_at_once_lose_no_fix(tmp_path: Path) -> None:
    """Two `kfix fix --write` with different --policy-id on one folder: whatever each
    reports fixed is in the files, or that run says a file changed on disk (exit 2)."""
    for index in range(30):
        pod(tmp_path / f"pod-{index}.yaml")
    command = [sys.executable, "-m", "kfix", "fix", "--write", "--max-risk", "high", "-o",
               "json", str(tmp_path)]
    runs = [subprocess.Popen([*command, "--policy-id", policy], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
            for policy in ("privileged-container", "image-pull-policy")]
    outputs = [process.communicate(timeout=300)[0] for process in runs]
    reports = [(process.returncode, json.loads(out))
               for process, out in zip(runs, outputs, strict=True)]
    expected = {"privileged-container": "privileged: false",
                "image-pull-policy": "imagePullPolicy:"}
    for code, report in reports:
        refused = {p["file"] for p in report["problems"] if "changed on disk" in p["message"]}
        assert code == (2 if refused else 1)  # 1: the findings of other policies remain
        for finding in report["findings"]:
            if finding["status"] == "fixed":
                text = Path(finding["file"]).read_text(encoding="utf-8")
                assert expected[finding["policy_id"]] in text, finding["file"]
            elif finding["status"] == "rejected":
                assert finding["file"] in refused


def test_a_file_that_cannot_be_written_does_not_stop_the_others() -> None:
    """As an unprivileged user (root ignores permissions): one directory is read-only.
    The files live in a directory of /tmp that user can reach."""
    tmp_path = Path(tempfile.mkdtemp(prefix="kfix-perm-"))
    try:
        _one_file_cannot_be_written(tmp_path)
    finally:
        (tmp_path / "closed").chmod(0o755)
        shutil.rmtree(tmp_path)


def _one_file_cannot_be_written(tmp_path: Path) -> None:
    open_dir, closed_dir = tmp_path / "open", tmp_path / "closed"
    writable, locked = pod(open_dir / "a.yaml"), pod(closed_dir / "b.yaml")
    for path in (tmp_path, open_dir):
        path.chmod(0o777)
    writable.chmod(0o666)
    locked.chmod(0o666)
    closed_dir.chmod(0o555)  # nobody may add the temporary file here
    command = [sys.executable, "-m", "kfix", "fix", "--write", "--max-risk", "high",
               "--policy-id", "privileged-container", str(open_dir), str(closed_dir)]
    if os.geteuid() == 0:
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300,
                          cwd=tmp_path, env={**os.environ, "HOME": str(tmp_path)})
    assert done.returncode == 2, done.stdout + done.stderr
    assert "privileged: false" in writable.read_text(encoding="utf-8")
    assert locked.read_text(encoding="utf-8") == POD
    assert f"ERR  {locked}: cannot write: Permission denied" in done.stdout
    assert "1 file changed" in done.stdout
    assert not [p for p in tmp_path.rglob(".*kfix-*")]


def test_output_dirs_that_would_overwrite_or_rejoin_the_inputs_are_refused(
        tmp_path: Path) -> None:
    inputs = tmp_path / "deploy"
    path = pod(inputs / "pod.yaml")
    for output_dir, roots in ((inputs, [inputs]), (inputs / "fixed", [inputs]),
                              (tmp_path, [inputs])):
        code, output = run("--output-dir", str(output_dir), *map(str, roots))
        assert code == 2 and "--output-dir" in output, output
    code, output = run("--write", "--output-dir", str(tmp_path / "out"), str(inputs))
    assert code == 2 and "--write and --output-dir" in output
    assert path.read_text(encoding="utf-8") == POD
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["deploy", "pod.yaml"]


def test_hard_links_read_only_files_and_symlinks_out_of_the_inputs_are_refused(
        tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    linked = pod(inputs / "linked.yaml")
    os.link(linked, tmp_path / "other-name.yaml")
    read_only = pod(inputs / "read-only.yaml")
    read_only.chmod(0o444)
    outside = pod(tmp_path / "elsewhere" / "target.yaml")
    (inputs / "escape.yaml").symlink_to(outside)
    inside = pod(inputs / "real" / "target.yaml")
    (inputs / "alias.yaml").symlink_to(inside)
    code, output = run("--write", "--policy-id", "privileged-container", str(inputs))
    assert code == 2
    assert "has 2 hard links, which a rename would split: not written" in output
    assert "the file is read-only: not written" in output
    assert "outside the inputs: not written" in output
    for untouched in (linked, read_only, outside):
        assert untouched.read_text(encoding="utf-8") == POD
    assert stat.S_IMODE(read_only.stat().st_mode) == 0o444
    assert "privileged: false" in inside.read_text(encoding="utf-8")  # through the link
    assert (inputs / "alias.yaml").is_symlink()


def test_a_killed_runs_temporary_files_are_removed_by_the_next(tmp_path: Path) -> None:
    path = pod(tmp_path / "pod.yaml")
    stale = tmp_path / ".pod.yaml.kfix-999999999-abcd"  # no such process
    live = tmp_path / f".pod.yaml.kfix-{os.getpid()}-abcd"  # a run still going
    stale.write_text("half a manifest")
    live.write_text("being written")
    write_atomic(str(path), POD.replace("true", "false"), expected=POD)
    assert not stale.exists() and live.exists()


def test_sigterm_leaves_no_temporary_file(tmp_path: Path) -> None:
    for index in range(200):
        pod(tmp_path / f"pod-{index}.yaml")
    process = subprocess.Popen(
        [sys.executable, "-m", "kfix", "fix", "--write", "--max-risk", "high", "--policy-id",
         "privileged-container", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(
            "privileged: false" in p.read_text() for p in tmp_path.glob("pod-*.yaml")):
        time.sleep(0.05)  # until it is writing
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode in (143, 0), err  # 0: it had finished
    assert not list(tmp_path.glob(".*kfix-*"))
    for path in tmp_path.glob("pod-*.yaml"):  # each file whole: old or fixed
        assert path.read_text() in (POD, POD.replace("privileged: true", "privileged: false"))


def test_the_writer_module_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    directory = tmp_path / "dir.yaml"
    directory.mkdir()
    try:
        write_atomic(str(directory), "x: 1\n")
    except Exception as exc:  # a WriteError naming the reason
        assert "not a regular file" in str(exc)
    else:
        raise AssertionError("a directory was written over")
    shutil.rmtree(directory)


def test_a_signal_inside_mkstemp_leaves_no_temporary_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM unwinds as an exception wherever it lands; inside mkstemp the file exists
    before its name is returned to kfix."""
    target = pod(tmp_path / "a.yaml")
    real_mkstemp = tempfile.mkstemp

    def interrupted(*args: Any, **kwargs: Any) -> tuple[int, str]:
        handle, _name = real_mkstemp(*args, **kwargs)
        os.close(handle)
        raise KeyboardInterrupt

    monkeypatch.setattr(tempfile, "mkstemp", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(str(target), "changed\n")
    assert target.read_text(encoding="utf-8") == POD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml"]
