"""`-d/--data`: JSON and YAML files mounted into `data`, as conftest (OPA's loader) mounts them.

A file named directly merges at the root of `data`; a file found under a directory is
mounted at its directory path relative to the one named. Policies read it through the
real engine.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kfix.errors import KfixError
from kfix.load import data_files
from kfix.model import FAILURE
from kfix.runner.scan import ScanOptions, scan


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return str(path)


POD = """
apiVersion: v1
kind: Pod
metadata:
  name: mixed
spec:
  containers:
    - name: trusted
      image: ghcr.io/acme/app:1.0
    - name: untrusted
      image: docker.io/library/nginx:1.25
"""

REGISTRY_POLICY = """
package main

deny contains msg if {
    some c in input.spec.containers
    not allowed(c.image)
    msg := sprintf("container %s: registry of %s is not allowed", [c.name, c.image])
}

allowed(image) if {
    some prefix in REGISTRIES
    startswith(image, prefix)
}
"""


def policy(tmp_path: Path, registries_ref: str) -> str:
    source = REGISTRY_POLICY.replace("REGISTRIES", registries_ref)
    return write(tmp_path / "policy" / "registries.rego", source)


def failures(tmp_path: Path, rego: str, *data_paths: str) -> list[str]:
    manifest = write(tmp_path / "pod.yaml", POD)
    result = scan([manifest], ScanOptions(policy_paths=(rego,), data_paths=data_paths))
    assert result.problems == ()
    return [f.message for r in result.results for f in r.failures]


def test_yaml_data_file_is_used_by_a_policy(tmp_path: Path) -> None:
    data = write(tmp_path / "data" / "registries.yaml", """
        allowed_registries:
          - ghcr.io/acme/
          - registry.k8s.io/
        """)
    rego = policy(tmp_path, "data.allowed_registries")
    assert failures(tmp_path, rego, data) == [
        "container untrusted: registry of docker.io/library/nginx:1.25 is not allowed"
    ]


def test_without_the_data_file_the_policy_sees_no_registries(tmp_path: Path) -> None:
    rego = policy(tmp_path, "data.allowed_registries")
    # `some prefix in <undefined>` never succeeds, so no image is allowed: two failures,
    # where the data file above left one. The data really is what made the difference.
    assert len(failures(tmp_path, rego)) == 2


def test_json_data_file_is_used_by_a_policy(tmp_path: Path) -> None:
    data = write(tmp_path / "registries.json", '{"allowed_registries": ["docker.io/"]}')
    rego = policy(tmp_path, "data.allowed_registries")
    assert failures(tmp_path, rego, data) == [
        "container trusted: registry of ghcr.io/acme/app:1.0 is not allowed"
    ]


def test_data_directory_is_mounted_by_relative_path(tmp_path: Path) -> None:
    root = tmp_path / "data"
    write(root / "images" / "registries.yaml", "allowed_registries:\n  - ghcr.io/acme/\n")
    write(root / "images" / "extra" / "limits.json", '{"max_containers": 1}')
    write(root / "top.yaml", "owner: platform\n")
    loaded = data_files.load([str(root)])
    assert loaded == {
        "images": {
            "allowed_registries": ["ghcr.io/acme/"],
            "extra": {"max_containers": 1},
        },
        "owner": "platform",
    }
    rego = policy(tmp_path, "data.images.allowed_registries")
    assert failures(tmp_path, rego, str(root)) == [
        "container untrusted: registry of docker.io/library/nginx:1.25 is not allowed"
    ]


def test_data_directory_given_by_a_relative_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "conf" / "images" / "registries.yaml",
          "allowed_registries:\n  - docker.io/\n")
    rego = policy(tmp_path, "data.images.allowed_registries")
    monkeypatch.chdir(tmp_path)
    assert failures(tmp_path, rego, "conf") == [
        "container trusted: registry of ghcr.io/acme/app:1.0 is not allowed"
    ]


def test_several_data_files_merge(tmp_path: Path) -> None:
    a = write(tmp_path / "a.yaml", "settings:\n  registries: [ghcr.io/acme/]\n")
    b = write(tmp_path / "b.yaml", "settings:\n  owner: platform\n")
    assert data_files.load([a, b]) == {
        "settings": {"registries": ["ghcr.io/acme/"], "owner": "platform"}
    }
    rego = policy(tmp_path, "data.settings.registries")
    assert len(failures(tmp_path, rego, a, b)) == 1


def test_multi_document_data_file_merges_its_documents(tmp_path: Path) -> None:
    path = write(tmp_path / "multi.yaml", "a: 1\n---\nb: 2\n")
    assert data_files.load([path]) == {"a": 1, "b": 2}


def test_conflicting_data_is_an_error_naming_the_file(tmp_path: Path) -> None:
    a = write(tmp_path / "a.yaml", "owner: one\n")
    b = write(tmp_path / "b.yaml", "owner: two\n")
    with pytest.raises(KfixError) as raised:
        data_files.load([a, b])
    assert raised.value.file == b
    assert "owner" in raised.value.message


def test_missing_data_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(KfixError) as raised:
        data_files.load([str(tmp_path / "nope")])
    assert raised.value.file == str(tmp_path / "nope")


def test_unparseable_data_file_is_an_error_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.yaml", "a: 1\nb: [\n")
    with pytest.raises(KfixError) as raised:
        data_files.load([path])
    assert raised.value.file == path
    assert raised.value.line > 0
    assert str(raised.value).startswith(f"{path}:{raised.value.line}: ")


def test_data_is_visible_to_every_namespace(tmp_path: Path) -> None:
    data = write(tmp_path / "d.yaml", "limit: 1\n")
    write(tmp_path / "policy" / "a.rego",
          'package a\n\ndeny contains "a" if count(input.spec.containers) > data.limit\n')
    write(tmp_path / "policy" / "b.rego",
          'package b\n\nwarn contains "b" if data.limit == 1\n')
    manifest = write(tmp_path / "pod.yaml", POD)
    result = scan([manifest], ScanOptions(policy_paths=(str(tmp_path / "policy"),),
                                          data_paths=(data,), all_namespaces=True))
    assert result.count(FAILURE) == 1
    assert [(r.namespace, len(r.failures), len(r.warnings)) for r in result.results] == [
        ("a", 1, 0),
        ("b", 0, 1),
    ]
