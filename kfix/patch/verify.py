"""Stage 4, verify: the acceptance checks, each giving a reason to reject or None."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kfix import pointer as jp
from kfix.model import Finding

# Removing or replacing these wholesale loses a workload's substance; only a fragment
# that declares `{# kfix: allow-remove #}` may do it.
PROTECTED_FIELDS = frozenset({"spec", "template", "jobTemplate", "metadata", "kind", "apiVersion"})
PROTECTED_LISTS = frozenset({"containers", "initContainers", "ephemeralContainers", "volumes"})


def identity(finding: Finding) -> tuple[str, str, str]:
    return finding.policy_id, finding.pointer, finding.message


def still_present(target: Finding, after: Iterable[Finding]) -> bool:
    return identity(target) in {identity(f) for f in after}


def new_violations(before: Sequence[Finding], after: Sequence[Finding]) -> list[Finding]:
    """Findings in `after` that no finding in `before` accounts for.

    A finding counts as old when its policy flagged the same field, or gave the same
    message: removing a list item shifts the pointers of the items after it.
    """
    pointers = {(f.policy_id, f.pointer) for f in before}
    messages = {(f.policy_id, f.message) for f in before}
    return [
        f for f in after
        if (f.policy_id, f.pointer) not in pointers and (f.policy_id, f.message) not in messages
    ]


def unsafe(document: Mapping[str, Any], operations: Sequence[Mapping[str, Any]]) -> str | None:
    """Why the operations would remove a container, a volume or a whole spec, if they would."""
    for op in operations:
        segments = jp.split(op["path"])
        if not segments:
            return f"{op['op']} of the whole document"
        last, parent = segments[-1], segments[-2] if len(segments) > 1 else ""
        protected = last in PROTECTED_FIELDS or last in PROTECTED_LISTS or (
            parent in PROTECTED_LISTS and (last.isdigit() or last == "-")
        )
        if not protected:
            continue
        replaces = op["op"] in ("remove", "replace") or (
            op["op"] == "add" and not last.isdigit() and last != "-"
            and jp.resolve(document, op["path"]) is not jp.MISSING
        )
        if replaces:
            return f"{op['op']} {op['path']} would remove or replace a protected field"
    return None
