"""A remediation plan's records and their JSON form (kfix/plan/plan.schema.json).

An action targets either a document in a file (`FileTarget`, what `kfix plan` proposes)
or a live object (`ClusterTarget`, for the cluster work); everything else about it —
finding, patch, ranking, decision, outcome — is the same for both.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from kfix.cluster.read import address
from kfix.model import PROPOSED, Resource

PLAN_FORMAT = 1


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class FileTarget:
    path: str  # relative to the plan's directory
    document: int  # index of the document in the file
    item: str = ""  # JSON pointer of the List item in that document; "" for the document
    sha256: str = ""  # of the file's bytes the action was computed on


@dataclass(frozen=True)
class ClusterTarget:
    context: str
    namespace: str  # "" for a cluster-wide kind
    kind: str
    name: str
    resource_version: str = ""  # the object's when the plan was made: apply needs the same

    @property
    def address(self) -> str:
        """As `kfix scan --cluster` names the object."""
        return address(self.context, self.namespace or None, self.kind, self.name)


@dataclass(frozen=True)
class Decision:
    """Who approved or rejected an action, when, and why."""

    by: str
    at: str  # ISO 8601, UTC
    reason: str = ""


@dataclass(frozen=True)
class Outcome:
    """What the last apply or rollback did to the action's file."""

    at: str
    before_sha256: str = ""
    after_sha256: str = ""
    message: str = ""  # why it is stale or failed, or what else it took along


@dataclass(frozen=True)
class Action:
    id: str
    target: FileTarget | ClusterTarget
    resource: Resource
    policy: str
    severity: str
    risk: str
    effect: str
    pointer: str  # the finding's, relative to the target
    message: str  # the finding's
    reason: str  # the fix's note, or why it is only a suggestion
    patch: tuple[Mapping[str, Any], ...]
    diff: str
    rank: int = 0  # 1 first
    score: int = 0  # severity weight × (1 + exposures)
    exposure: tuple[str, ...] = ()
    after: tuple[str, ...] = ()  # actions whose patch this one's builds on
    state: str = PROPOSED
    decision: Decision | None = None
    outcome: Outcome | None = None

    @property
    def file(self) -> str:
        return self.target.path if isinstance(self.target, FileTarget) else ""

    @property
    def where(self) -> str:
        """Its file, or the address of its live object."""
        return self.target.path if isinstance(self.target, FileTarget) else self.target.address


@dataclass(frozen=True)
class Handled:
    """An action as a run left it, and what the run did (its new state, or STALE/FAILED
    for a rollback that could not be done)."""

    action: Action
    result: str
    message: str = ""


@dataclass(frozen=True)
class AuditHead:
    """How many records the audit log held after this plan's last run, and the last one's
    hash: `kfix audit verify --plan` finds records deleted from the end too."""

    log: str  # relative to the plan's directory
    records: int
    hash: str


@dataclass(frozen=True)
class Plan:
    id: str
    created: str
    inputs: tuple[str, ...]
    actions: tuple[Action, ...]
    options: Mapping[str, Any] = field(default_factory=dict)  # the fix run's, to re-verify
    # file text before an apply, by its sha256, so a rollback restores it exactly
    originals: Mapping[str, str] = field(default_factory=dict)
    audit: AuditHead | None = None  # the log's end as the last apply or rollback left it

    def with_actions(self, changed: Mapping[str, Action]) -> Plan:
        return replace(self, actions=tuple(changed.get(a.id, a) for a in self.actions))


def to_json(plan: Plan) -> dict[str, Any]:
    return {
        "kfix_plan": PLAN_FORMAT,
        "id": plan.id,
        "created": plan.created,
        "inputs": list(plan.inputs),
        "options": dict(plan.options),
        "actions": [_action_json(a) for a in plan.actions],
        "originals": dict(plan.originals),
        "audit": _fields(plan.audit) if plan.audit else None,
    }


def _action_json(action: Action) -> dict[str, Any]:
    target = action.target
    resource = action.resource
    return {
        "id": action.id,
        "rank": action.rank,
        "score": action.score,
        "exposure": list(action.exposure),
        "state": action.state,
        "target": ({"file": _fields(target)} if isinstance(target, FileTarget)
                   else {"cluster": _fields(target)}),
        "resource": {"apiVersion": resource.api_version, "kind": resource.kind,
                     "namespace": resource.namespace, "name": resource.name},
        "policy": action.policy,
        "severity": action.severity,
        "risk": action.risk,
        "effect": action.effect,
        "pointer": action.pointer,
        "message": action.message,
        "reason": action.reason,
        "patch": [dict(op) for op in action.patch],
        "diff": action.diff,
        "after": list(action.after),
        "decision": _fields(action.decision) if action.decision else None,
        "outcome": _fields(action.outcome) if action.outcome else None,
    }


def _fields(record: Any) -> dict[str, Any]:
    return dict(vars(record))


def from_json(data: Mapping[str, Any]) -> Plan:
    """The plan of a JSON object that the schema has accepted."""
    return Plan(
        id=data["id"],
        created=data["created"],
        inputs=tuple(data["inputs"]),
        actions=tuple(_action(a) for a in data["actions"]),
        options=data["options"],
        originals=data["originals"],
        audit=AuditHead(**data["audit"]) if data.get("audit") else None,
    )


def _action(data: Mapping[str, Any]) -> Action:
    target = data["target"]
    resource = data["resource"]
    return Action(
        id=data["id"],
        target=FileTarget(**target["file"]) if "file" in target
        else ClusterTarget(**target["cluster"]),
        resource=Resource(resource["apiVersion"], resource["kind"], resource["namespace"],
                          resource["name"]),
        policy=data["policy"],
        severity=data["severity"],
        risk=data["risk"],
        effect=data["effect"],
        pointer=data["pointer"],
        message=data["message"],
        reason=data["reason"],
        patch=tuple(data["patch"]),
        diff=data["diff"],
        rank=data["rank"],
        score=data["score"],
        exposure=tuple(data["exposure"]),
        after=tuple(data["after"]),
        state=data["state"],
        decision=Decision(**data["decision"]) if data["decision"] else None,
        outcome=Outcome(**data["outcome"]) if data["outcome"] else None,
    )


def action_id(target: FileTarget | ClusterTarget, resource: Resource, policy: str,
              pointer: str, message: str) -> str:
    """Stable across runs on the same file (or live object): the same finding gets the
    same id."""
    where = ([target.path, target.document, target.item] if isinstance(target, FileTarget)
             else [target.address])
    key = [*where, resource.kind, resource.namespace, resource.name, policy, pointer, message]
    return sha256_hex(json.dumps(key).encode())[:12]
