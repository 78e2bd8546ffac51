"""The pack's METADATA scopes (`custom.kinds`, `custom.input_keys`) change nothing but speed.

kfix leaves a rule out of a document's query when the document's kind is not among the
rule's kinds, and sends only the declared top-level keys. Both are promises the policy
makes; here the whole pack, with and without those declarations, must give the same
scan on every fixture, example and vendored real manifest.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from kfix.output import ReportOptions
from kfix.output.scan import REPORTS
from kfix.runner.scan import ScanOptions, scan

REPO = Path(__file__).resolve().parents[2]
SCOPE_LINE = re.compile(r"^#   (kinds|input_keys): .*\n", re.MULTILINE)


def inputs() -> list[str]:
    found = [str(p) for p in sorted((REPO / "fixtures").glob("*/*/*.yaml"))
             if "gatekeeper" not in p.parts]
    found += [str(REPO / "examples"), str(REPO / "tests" / "data" / "corpus")]
    assert len(found) > 100, "fixtures or vendored manifests are missing"
    return found


def test_every_policy_of_the_pack_declares_its_scope() -> None:
    policies = sorted((REPO / "policies").glob("*/policy.rego"))
    assert len(policies) >= 35
    unscoped = [p.parent.name for p in policies
                if not SCOPE_LINE.search(p.read_text(encoding="utf-8"))]
    assert unscoped == []


def test_scopes_leave_every_result_as_it_was(tmp_path: Path) -> None:
    unscoped = tmp_path / "policies"
    shutil.copytree(REPO / "policies", unscoped)
    for path in unscoped.glob("*/policy.rego"):
        path.write_text(SCOPE_LINE.sub("", path.read_text(encoding="utf-8")), encoding="utf-8")
    options = dict(all_namespaces=True, jobs=1)
    with_scopes = scan(inputs(), ScanOptions(policy_paths=(str(REPO / "policies"),), **options))
    without = scan(inputs(), ScanOptions(policy_paths=(str(unscoped),), **options))
    assert with_scopes.count("failure") > 500
    shown = ReportOptions()
    assert REPORTS["json"](with_scopes, shown).replace(str(unscoped), "") == (
        REPORTS["json"](without, shown).replace(str(unscoped), ""))
