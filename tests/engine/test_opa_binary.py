"""The `opa` subprocess backend, driven through an `opa` command on PATH."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from kfix.engine import select_engine
from kfix.errors import EvalError, PolicyError
from kfix.runner.scan import ScanOptions, scan

STANDIN = Path(__file__).with_name("opa_cli_standin.py")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def opa_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    binary = tmp_path / "bin" / "opa"
    binary.parent.mkdir()
    binary.write_text(f"#!/bin/sh\nexec {sys.executable} {STANDIN} \"$@\"\n")
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{binary.parent}{os.pathsep}{os.environ['PATH']}")
    return binary


def test_opa_backend_reports_its_version(opa_on_path: Path) -> None:
    engine = select_engine("opa")
    try:
        assert engine.name == "opa"
        assert engine.opa_version() == "1.20.2"
    finally:
        engine.close()


def test_opa_backend_gives_the_same_findings_as_the_embedded_engine(opa_on_path: Path) -> None:
    examples = [str(REPO / "examples")]
    embedded = scan(examples, ScanOptions())
    subprocess_backend = scan(examples, ScanOptions(engine="opa"))
    assert embedded.count("failure") > 10
    assert subprocess_backend.results == embedded.results


def test_opa_backend_maps_compile_errors_back_to_the_policy_file(
    opa_on_path: Path, tmp_path: Path
) -> None:
    policy = tmp_path / "policy" / "broken.rego"
    policy.parent.mkdir()
    policy.write_text("package main\n\ndeny contains msg if {\n  msg := nope(1)\n}\n")
    manifest = tmp_path / "pod.yaml"
    manifest.write_text("kind: Pod\n")
    with pytest.raises(PolicyError) as caught:
        scan([str(manifest)], ScanOptions(policy_paths=(str(policy.parent),), engine="opa"))
    assert caught.value.file == str(policy)
    assert caught.value.line == 4
    assert "nope" in caught.value.message


def test_opa_backend_marks_builtin_errors(opa_on_path: Path, tmp_path: Path) -> None:
    engine = select_engine("opa")
    try:
        engine.load({str(tmp_path / "p.rego"): "package p\n\nx := to_number(input)\n"}, {}, {})
        with pytest.raises(EvalError) as caught:
            engine.query("y := data.p.x", "abc")
        assert caught.value.builtin
        assert engine.query("y := data.p.x", "12").bindings == [{"y": 12}]
    finally:
        engine.close()
