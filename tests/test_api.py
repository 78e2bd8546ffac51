"""The public Python API: `kfix.scan`, `kfix.fix` and their records, imported lazily."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import kfix

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
# back ends that neither `import kfix` nor `kfix --help` may load
HEAVY = ("jinja2", "jsonschema", "kubernetes", "ruamel", "opa_bindings", "requests",
         "kfix.runner", "kfix.patch", "kfix.gatekeeper", "kfix.writer.text")


def loaded_after(code: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True, cwd=REPO)
    return set(json.loads(done.stdout.splitlines()[-1]))


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_every_public_name_resolves_and_is_listed() -> None:
    assert kfix.__version__
    for name in kfix.__all__:
        assert getattr(kfix, name) is not None, name
    assert set(kfix.__all__) <= set(dir(kfix))


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        kfix.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("kfix.no_such_name resolved")


def test_importing_kfix_and_the_cli_loads_no_back_end() -> None:
    assert heavy(loaded_after("import kfix")) == []
    assert heavy(loaded_after("import kfix.cli")) == []


def test_scan_and_fix_from_python(tmp_path: Path) -> None:
    work = tmp_path / "examples"
    shutil.copytree(EXAMPLES, work)
    scanned = kfix.scan([str(work / "shop-api.yaml")])
    assert isinstance(scanned, kfix.ScanResult)
    failures = [f for check in scanned.results for f in check.failures]
    assert failures and all(isinstance(f, kfix.Finding) for f in failures)
    assert scanned.exit_code() == 1

    fixed = kfix.fix([str(work / "shop-api.yaml")], kfix.FixOptions())
    assert isinstance(fixed, kfix.FixResult)
    assert any(r.status == "fixed" for r in fixed.resolutions)
    (change,) = fixed.changes
    before = (work / "shop-api.yaml").read_text()
    assert change.before == before  # fix() writes nothing itself
    kfix.write_changes(fixed.changes, kfix.WriteMode.WRITE, [str(work)], None)
    assert (work / "shop-api.yaml").read_text() == change.after
    rescanned = kfix.scan([str(work / "shop-api.yaml")])
    fixed_ids = {(r.finding.policy_id, r.finding.pointer) for r in fixed.resolutions
                 if r.status == "fixed"}
    remaining = {(f.policy_id, f.pointer) for c in rescanned.results for f in c.failures}
    assert not fixed_ids & remaining
