"""Plans on disk: read and written as JSON valid under plan.schema.json.

A plan is replaced atomically (kfix.writer.files), and only if it still holds the text
this run read: two people approving at once cannot lose each other's decisions; the
second is refused and runs again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

from kfix.errors import PlanError, WriteError
from kfix.plan.model import Plan, from_json, to_json
from kfix.writer.files import write_atomic


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text())
    return loaded


def schema_text() -> str:
    return resources.files("kfix.plan").joinpath("plan.schema.json").read_text("utf-8")


@dataclass(frozen=True)
class Stored:
    """A plan and the text it was read from, which a later write must still find."""

    path: str
    plan: Plan
    text: str | None  # None: a new plan


def validate(data: Any, path: str) -> None:
    errors = sorted(jsonschema.Draft202012Validator(schema()).iter_errors(data),
                    key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first.absolute_path)
        raise PlanError(f"not a valid kfix plan: {where or 'top level'}: {first.message}", path)


def read(path: str) -> Stored:
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            text = handle.read()
    except OSError as exc:
        raise PlanError(f"cannot read the plan: {exc.strerror}", path) from None
    except UnicodeDecodeError:
        raise PlanError("cannot read the plan: not UTF-8", path) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanError(f"not JSON: {exc.msg}", path, exc.lineno) from None
    validate(data, path)
    return Stored(path, from_json(data), text)


def write(stored: Stored, plan: Plan) -> Stored:
    """Replace the plan file, refusing one that changed since `stored` was read."""
    data = to_json(plan)
    validate(data, stored.path)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    try:
        write_atomic(stored.path, text, expected=stored.text)
    except WriteError as exc:
        if "changed on disk" in exc.message:
            raise PlanError("the plan changed since this run read it (another approve or "
                            "apply?): nothing recorded; run the command again",
                            stored.path) from None
        raise
    return Stored(stored.path, plan, text)
