"""`kfix pull`, `--update` and fetched `-p` sources as a user runs them: `python -m kfix`
in a subprocess, against a git repository made here and a loopback HTTP server."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pack"))
from http_standins import FileServer, Layer, Registry, write_layout
from policy_repos import make_repo, tarball

REPO = Path(__file__).resolve().parents[2]

DENY = 'package main\n\ndeny contains "{}" if {{ input.kind == "Pod" }}\n'
DENY_TEST = ('package main_test\n\nimport data.main\n\n'
             'test_pod if { main.deny["v1"] with input as {"kind": "Pod"} }\n')
POD = "kind: Pod\nmetadata: {name: p}\n"


def kfix(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kfix", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300,
                          env={**os.environ, "XDG_CACHE_HOME": str(cwd / "cache")})


V1 = tarball({"deny.rego": DENY.format("v1"), "deny_test.rego": DENY_TEST})
V2 = tarball({"deny.rego": DENY.format("v2")})


@pytest.fixture
def server() -> Iterator[str]:
    with FileServer({"/v1.tgz": V1, "/v2.tgz": V2}) as base:
        yield base


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "pod.yaml").write_text(POD)
    return tmp_path


def test_pull_downloads_into_policy_by_default(server: str, work: Path) -> None:
    digest = hashlib.sha256(V1).hexdigest()
    done = kfix("pull", f"{server}/v1.tgz?checksum=sha256:{digest}", cwd=work)
    assert (done.returncode, done.stderr) == (0, "")
    assert sorted(done.stdout.splitlines()) == ["pulled policy/deny.rego",
                                                "pulled policy/deny_test.rego"]
    assert (work / "policy/deny.rego").read_text() == DENY.format("v1")


def test_pull_into_another_directory_refuses_to_overwrite(server: str, work: Path) -> None:
    assert kfix("pull", "-p", "rules", f"{server}/v1.tgz", cwd=work).returncode == 0
    done = kfix("pull", "--policy", "rules", f"{server}/v2.tgz", cwd=work)
    assert done.returncode == 2
    assert done.stderr == ("kfix: error: rules/deny.rego: already exists with other content; "
                           "refusing to overwrite (kfix scan --update replaces it)\n")
    assert (work / "rules/deny.rego").read_text() == DENY.format("v1")


def test_pull_needs_a_url(work: Path) -> None:
    done = kfix("pull", cwd=work)
    assert done.returncode == 2
    assert "Missing argument 'URL...'" in done.stderr


def test_scan_update_pulls_into_policy_and_scans_with_it(server: str, work: Path) -> None:
    done = kfix("scan", "--update", f"{server}/v1.tgz", "pod.yaml", cwd=work)
    assert done.returncode == 1
    assert "FAIL - pod.yaml - main - v1" in done.stdout
    assert "kfix: updated policy/deny.rego" in done.stderr.splitlines()
    done = kfix("scan", "-p", "policy", "-u", f"{server}/v2.tgz", "pod.yaml", cwd=work)
    assert done.returncode == 1
    assert "FAIL - pod.yaml - main - v2" in done.stdout  # replaced, as conftest's --update
    assert done.stderr == "kfix: updated policy/deny.rego\n"


def test_scan_reads_policies_from_a_git_tag(work: Path) -> None:
    repo = make_repo(work / "repo", DENY.format("tagged"), DENY.format("later"))
    done = kfix("scan", "-p", f"git::file://{repo}//policy?ref=v1", "pod.yaml", cwd=work)
    assert done.returncode == 1, done.stderr
    assert "FAIL - pod.yaml - main - tagged" in done.stdout


def test_a_checksum_mismatch_stops_the_run_with_one_line(server: str, work: Path) -> None:
    wrong = "0" * 64
    done = kfix("scan", "-p", f"{server}/v1.tgz?checksum=sha256:{wrong}", "pod.yaml", cwd=work)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (f"kfix: error: {server}/v1.tgz?checksum=sha256:{wrong}: checksum "
                           f"mismatch: expected sha256:{wrong}, got "
                           f"sha256:{hashlib.sha256(V1).hexdigest()}; nothing was used\n")


def test_a_hostile_archive_is_refused_with_its_entry_named(work: Path) -> None:
    evil = tarball({"../../outside.rego": DENY.format("x")})
    with FileServer({"/evil.tgz": evil}) as base:
        done = kfix("scan", "-p", f"{base}/evil.tgz", "pod.yaml", cwd=work)
    assert done.returncode == 2
    assert done.stderr == (f"kfix: error: {base}/evil.tgz: archive entry '../../outside.rego' "
                           "would be written outside the directory; refused\n")
    assert not (work.parent / "outside.rego").exists()


def test_test_update_and_test_paths_that_are_sources(server: str, work: Path) -> None:
    done = kfix("test", "--update", f"{server}/v1.tgz", cwd=work)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASS: 1/1" in done.stdout
    done = kfix("test", f"{server}/v1.tgz", cwd=work)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASS: 1/1" in done.stdout


def test_fix_uses_the_fragments_of_fetched_policies(work: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:  # a policy, its fix, its library
        for name in ("automount-service-account-token", "lib"):
            tar.add(REPO / "policies" / name, arcname=f"policies/{name}")
    (work / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
        "spec:\n  containers:\n  - {name: c, image: nginx}\n")
    with FileServer({"/pack.tgz": buffer.getvalue()}) as base:
        source = f"{base}/pack.tgz//policies"
        done = kfix("fix", "--write", "--all-namespaces", "-p", source, "pod.yaml", cwd=work)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "automountServiceAccountToken: false" in (work / "pod.yaml").read_text()
        done = kfix("policy", "list", "-p", source, cwd=work)
    assert done.returncode == 0, done.stderr
    assert "automount-service-account-token" in done.stdout


def test_verify_runs_a_suite_from_an_archive(work: Path) -> None:
    suite = REPO / "fixtures" / "gatekeeper" / "replicalimits"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(suite, arcname="replicalimits")
    with FileServer({"/suite.tgz": buffer.getvalue()}) as base:
        done = kfix("verify", f"{base}/suite.tgz//replicalimits", cwd=work)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "cases: 4 passed, 0 failed" in done.stdout


def test_pull_from_an_oci_registry(work: Path) -> None:
    layout = write_layout(work / "layout", "v1", [Layer.file("deny.rego", DENY.format("oci"))])
    with Registry({"org/policies": layout}) as host:
        done = kfix("pull", f"oci://{host}/org/policies:v1", cwd=work)
        assert (done.returncode, done.stdout) == (0, "pulled policy/deny.rego\n"), done.stderr
        done = kfix("scan", "-p", f"{host}/org/policies:v1", "pod.yaml", cwd=work)
    assert done.returncode == 1, done.stderr
    assert "FAIL - pod.yaml - main - oci" in done.stdout


def test_draft_refuses_a_fetched_policy_path(work: Path) -> None:
    done = kfix("draft", "some-id", "-p", "https://example.org/p.tgz", cwd=work)
    assert done.returncode == 2
    assert done.stderr.endswith("Error: kfix draft writes beside the policy: give a local -p "
                                "(`kfix pull` fetches one)\n")
