"""OCI pulls against a loopback registry serving a real OCI image layout."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from kfix.errors import SourceError
from kfix.pack import oci, sources
from kfix.pack.archives import LIMITS, Limits
from kfix.runner.scan import ScanOptions, scan

sys.path.insert(0, str(Path(__file__).parent))
from http_standins import Layer, Registry, digest_of, write_layout

DENY = 'package main\n\ndeny contains "no latest tag" if { input.kind == "Pod" }\n'
DATA = '{"allowed": ["a"]}'


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    return write_layout(tmp_path / "layout", "v1", [
        Layer.file("policy/deny.rego", DENY),
        Layer.file("policy/data.json", DATA,
                   "application/vnd.cncf.openpolicyagent.data.layer.v1+json"),
    ])


def test_pulls_each_layer_to_its_title(layout: Path, tmp_path: Path) -> None:
    with Registry({"team/policies": layout}) as host:
        oci.pull(f"{host}/team/policies:v1", tmp_path / "out", LIMITS)
    assert (tmp_path / "out/policy/deny.rego").read_text() == DENY
    assert (tmp_path / "out/policy/data.json").read_text() == DATA


def test_scan_reads_policies_from_an_oci_reference(layout: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    pod = tmp_path / "pod.yaml"
    pod.write_text("kind: Pod\nmetadata: {name: p}\n")
    with Registry({"team/policies": layout}) as host:
        result = scan([str(pod)], ScanOptions(policy_paths=(f"oci://{host}/team/policies:v1",)))
    assert [f.message for r in result.results for f in r.failures] == ["no latest tag"]
    assert list((tmp_path / "cache/kfix/policies").glob("*/policy/deny.rego"))


def test_without_a_tag_latest_is_pulled(tmp_path: Path) -> None:
    layout = write_layout(tmp_path / "layout", "latest", [Layer.file("deny.rego", DENY)])
    registry = Registry({"policies": layout})
    with registry as host:
        oci.pull(f"{host}/policies", tmp_path / "out", LIMITS)
    assert "/v2/policies/manifests/latest" in registry.requests
    assert (tmp_path / "out/deny.rego").read_text() == DENY


def test_a_digest_reference_is_checked(layout: Path, tmp_path: Path) -> None:
    index = json.loads((layout / "index.json").read_text())
    digest = index["manifests"][0]["digest"]
    with Registry({"p": layout}) as host:
        oci.pull(f"{host}/p@{digest}", tmp_path / "out", LIMITS)
        assert (tmp_path / "out/policy/deny.rego").is_file()
    other = "sha256:" + "0" * 64
    with Registry({"p": layout}, tamper={digest: b"{}"}) as host, \
            pytest.raises(SourceError, match="the manifest does not match its digest"):
        oci.pull(f"{host}/p@{digest}", tmp_path / "again", LIMITS)
    with Registry({"p": layout}) as host, pytest.raises(SourceError, match="HTTP 404"):
        oci.pull(f"{host}/p@{other}", tmp_path / "missing", LIMITS)


def test_a_directory_layer_is_unpacked(tmp_path: Path) -> None:
    layout = write_layout(tmp_path / "layout", "v1", [
        Layer.directory("policy", {"deny.rego": DENY, "lib/util.rego": "package lib\n"})])
    with Registry({"p": layout}) as host:
        oci.pull(f"{host}/p:v1", tmp_path / "out", LIMITS)
    assert (tmp_path / "out/policy/deny.rego").read_text() == DENY
    assert (tmp_path / "out/policy/lib/util.rego").read_text() == "package lib\n"


def test_an_anonymous_bearer_token_is_fetched_and_sent(layout: Path, tmp_path: Path) -> None:
    registry = Registry({"p": layout}, token=True)
    with registry as host:
        oci.pull(f"{host}/p:v1", tmp_path / "out", LIMITS)
    assert [r for r in registry.requests if r.startswith("/token")] == [
        "/token?service=standin&scope=repository%3Ap%3Apull"]
    assert (tmp_path / "out/policy/deny.rego").read_text() == DENY


def test_a_tampered_blob_is_refused_and_nothing_is_cached(layout: Path, tmp_path: Path) -> None:
    evil = 'package main\n\ndeny contains "x" if { false }\n'
    cache = tmp_path / "cache"
    tampered = {digest_of(DENY.encode()): evil.encode()}
    with Registry({"p": layout}, tamper=tampered) as host, \
            pytest.raises(SourceError, match=r"does not match its digest"):
        sources.fetch(sources.parse(f"oci://{host}/p:v1"), cache)
    assert list(cache.iterdir()) == []  # not even the temporary directory is left


def test_a_title_that_leaves_the_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "work").mkdir()
    layout = write_layout(tmp_path / "layout", "v1", [Layer.file("../escaped.rego", DENY)])
    with Registry({"p": layout}) as host, \
            pytest.raises(SourceError, match=r"'\.\./escaped\.rego' would be written outside"):
        oci.pull(f"{host}/p:v1", tmp_path / "work" / "out", LIMITS)
    assert not (tmp_path / "work" / "escaped.rego").exists()


def test_an_artifact_larger_than_the_limit_is_refused(layout: Path, tmp_path: Path) -> None:
    with Registry({"p": layout}) as host, pytest.raises(SourceError, match="larger than"):
        oci.pull(f"{host}/p:v1", tmp_path / "out", Limits(total_bytes=len(DENY) + 1))


@pytest.mark.parametrize(("text", "expected"), [
    ("ghcr.io/org/policies:v2", ("ghcr.io", "org/policies", "v2")),
    ("127.0.0.1:5000/policies", ("127.0.0.1:5000", "policies", "latest")),
    ("localhost:5000/a/b@sha256:" + "1" * 64, ("localhost:5000", "a/b", "sha256:" + "1" * 64)),
])
def test_references_parse_as_the_distribution_spec_writes_them(
        text: str, expected: tuple[str, str, str]) -> None:
    found = oci.Reference.parse(text)
    assert (found.host, found.repository, found.reference) == expected


def test_loopback_registries_are_spoken_to_over_plain_http() -> None:
    assert oci.Reference.parse("127.0.0.1:5000/p").base == "http://127.0.0.1:5000/v2/p"
    assert oci.Reference.parse("ghcr.io/o/p").base == "https://ghcr.io/v2/o/p"


@pytest.mark.parametrize(("text", "registry"), [
    ("opa.azurecr.io/test", True), ("quay.io/org/p:v1", True),
    ("123456789012.dkr.ecr.eu-west-1.amazonaws.com/p", True), ("localhost:5000/p", True),
    ("policy/dir", False), ("quay.io", False),
])
def test_registries_are_recognised_without_oci_as_conftest_does(text: str,
                                                                registry: bool) -> None:
    assert oci.is_registry(text) is registry
