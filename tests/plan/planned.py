"""A plan of a copy of examples/, made once per test module and copied for each test."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
from click.testing import CliRunner, Result

from kfix.cli import cli

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "kfix" / "plan" / "plan.schema.json").read_text(encoding="utf-8"))


def kfix(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def make_plan(directory: Path) -> Path:
    """examples/ copied into `directory`/examples, and its plan beside the manifests."""
    work = directory / "examples"
    shutil.copytree(REPO / "examples", work)
    result = kfix("plan", str(work), "-o", str(work / "plan.json"))
    assert result.exit_code == 0, result.output
    return work


def copied(planned: Path, directory: Path) -> Path:
    work = directory / "examples"
    shutil.copytree(planned, work)
    return work


def load(work: Path) -> dict[str, Any]:
    """The plan, checked against its published schema."""
    plan: dict[str, Any] = json.loads((work / "plan.json").read_text(encoding="utf-8"))
    jsonschema.validate(plan, SCHEMA, cls=jsonschema.Draft202012Validator)
    return plan


def action(plan: dict[str, Any], file: str, policy: str) -> dict[str, Any]:
    """The first-ranked action of this policy in this file."""
    found = [a for a in plan["actions"]
             if a["target"]["file"]["path"] == file and a["policy"] == policy]
    assert found, f"no {policy} action for {file} in the plan"
    return found[0]


def digests(work: Path) -> dict[str, str]:
    return {str(p.relative_to(work)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(work.rglob("*")) if p.is_file() and not p.name.startswith("plan.")}
