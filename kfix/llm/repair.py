"""Deterministic repair of a model-drafted JSON Patch, before kfix verifies it.

Small models get JSON Patch (RFC 6902) almost right: they add under a parent that does
not exist yet, `replace` a member that is absent, `remove` what is already gone, or write
an annotation key such as ``example.com/x`` without escaping its "/". Each of these has
one reading that RFC 6902 can express, so it is rewritten here and said so in a note.
Anything else (other ops, malformed operations, a failing `test`, arrays it would have to
invent) raises RepairError and the caller drops the draft: model output is untrusted, and
this step never guesses at intent beyond the rules below. A repaired patch is not trusted
either; it goes through verification like any other.

Rules, applied operation by operation on a copy of the document, so that each operation
sees what the earlier ones did:

- only add/replace/remove/test with a string ``path`` (and a ``value`` where RFC 6902
  needs one) are kept; other fields are dropped;
- a "~" not followed by 0 or 1 is escaped as "~0";
- a missing object parent of an add/replace is first created with an ``add`` of ``{}``;
  a parent that would have to be an array (the next segment is an index or "-"), a
  missing array element, and anything under a scalar are refused;
- ``replace`` of a member missing from an object becomes ``add``;
- ``remove`` of something that does not exist (or whose parent does not) is dropped:
  what it asks for already holds;
- a ``test`` must hold on the document as patched so far, else RepairError.

Keys containing "/" (the slash-key heuristic). Where a segment is missing from an object
the document has, the segments from there on are read as one key containing "/" when

1. joining some of them (longest first) with "/" gives a key that exists in that object
   (any object: the model quoted a real key without escaping it); or
2. the operation is an add or replace, exactly two segments are left, the object sits
   under a key named annotations, labels, matchLabels or nodeSelector (Kubernetes maps
   of strings, whose keys are often ``prefix/name``), and the two segments form a
   Kubernetes qualified name: a DNS-subdomain prefix and a name.

In case 2 a value under such a map can never be an object, so the nested reading is
never the valid one. Outside these two cases the path is taken literally.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsonpatch

from kfix import pointer as jp
from kfix.model import PATCH_OPS

STRING_MAPS = frozenset({"annotations", "labels", "matchLabels", "nodeSelector"})

_BAD_TILDE = re.compile(r"~(?![01])")
_INDEX = re.compile(r"^(0|[1-9][0-9]*)$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_QUALIFIED_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")


class RepairError(ValueError):
    """The draft cannot be repaired by the rules; the caller rejects it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Repaired:
    """A patch that applies cleanly to the document, and what was changed to get it."""

    operations: list[dict[str, Any]]
    notes: list[str]


def repair(document: Any, operations: Sequence[Any]) -> Repaired:
    """Repair `operations` against `document` (left untouched) by the module's rules."""
    if isinstance(operations, str | bytes) or not isinstance(operations, Sequence):
        raise RepairError("a JSON Patch must be a list of operations")
    state = _Repair(copy.deepcopy(document))
    for index, raw in enumerate(operations):
        state.operation(index, raw)
    return Repaired(state.out, state.notes)


def _checked(index: int, raw: Any) -> tuple[str, str, Any]:
    """(op, path, value) of a well-formed operation, else RepairError."""
    where = f"operation {index}"
    if not isinstance(raw, Mapping):
        raise RepairError(f"{where} is not an object")
    op = raw.get("op")
    if not isinstance(op, str) or op not in PATCH_OPS:
        raise RepairError(f"{where}: op {op!r} is not one of add, remove, replace, test")
    path = raw.get("path")
    if not isinstance(path, str):
        raise RepairError(f"{where}: path is missing or not a string")
    if path and not path.startswith("/"):
        raise RepairError(f"{where}: path {path!r} is not a JSON pointer")
    if op != "remove" and "value" not in raw:
        raise RepairError(f"{where}: {op} needs a value")
    return op, path, raw.get("value")


def _slash_key(
    op: str, node: dict[str, Any], done: list[str], segs: list[str], i: int
) -> tuple[str, int] | None:
    """(key, end) when segs[i:end] read as one key containing "/", else None."""
    for end in range(len(segs), i + 1, -1):
        key = "/".join(segs[i:end])
        if key in node:
            return key, end
    if (
        op in ("add", "replace")
        and len(segs) - i == 2
        and done
        and done[-1] in STRING_MAPS
        and len(segs[i]) <= 253
        and _DNS_SUBDOMAIN.match(segs[i])
        and len(segs[i + 1]) <= 63
        and _QUALIFIED_NAME.match(segs[i + 1])
    ):
        return "/".join(segs[i:]), len(segs)
    return None


class _Repair:
    """The document as patched so far, and the repaired operations and notes."""

    def __init__(self, document: Any) -> None:
        self.doc = document
        self.out: list[dict[str, Any]] = []
        self.notes: list[str] = []

    def operation(self, index: int, raw: Any) -> None:
        op, path, value = _checked(index, raw)
        extra = sorted(set(raw) - {"op", "path"} - ({"value"} if op != "remove" else set()))
        if extra:  # RFC 6902 §4: members an operation does not define are ignored
            self.notes.append(f"ignored {', '.join(extra)} of {op} {path}")
        fixed = _BAD_TILDE.sub("~0", path)
        segs = jp.split(fixed)
        if not segs:
            if op == "remove":
                raise RepairError(f"operation {index}: remove of the whole document")
            self._emit(index, op, "", value)
            return
        resolved = self._resolve(index, op, path, segs)
        if resolved is None:
            self.notes.append(f"dropped remove of missing {fixed} (already absent)")
            return
        target, parent, escaped = resolved
        final = jp.join("", *target)
        if fixed != path:
            self.notes.append(f"escaped '~' as ~0 in {final}")
        if escaped:
            self.notes.append(f"escaped '/' in key as ~1 in {final}")
        present = self._present(index, op, final, parent, target[-1])
        if not present:
            if op == "remove":
                self.notes.append(f"dropped remove of missing {final} (already absent)")
                return
            if op == "test":
                raise RepairError(f"operation {index}: test of missing {final}")
            if op == "replace":
                if not isinstance(parent, dict):
                    raise RepairError(f"operation {index}: replace of missing element {final}")
                op = "add"
                self.notes.append(f"replace of missing {final} turned into add")
        elif op == "remove" and "value" in raw and jp.resolve(self.doc, final) != raw["value"]:
            # a remove that names what it removes, when that is no longer there, would
            # take away something else (often what an earlier operation just wrote)
            self.notes.append(f"dropped remove of {final}: it names {json.dumps(raw['value'])}"
                              ", which is no longer there")
            return
        self._emit(index, op, final, value)

    def _resolve(
        self, index: int, op: str, path: str, segs: list[str]
    ) -> tuple[list[str], Any, bool] | None:
        """(target segments, parent node, slash-key used); None: a remove with no target.

        Missing object parents of add/replace are created on the way (and emitted).
        """
        where = f"operation {index} ({op} {path})"
        node = self.doc
        done: list[str] = []
        escaped = False
        i = 0
        while True:
            seg = segs[i]
            if isinstance(node, dict) and seg not in node:
                merged = _slash_key(op, node, done, segs, i)
                if merged is not None:
                    seg, end = merged
                    i = end - 1
                    escaped = True
            if i == len(segs) - 1:
                done.append(seg)
                return done, node, escaped
            if isinstance(node, dict):
                if seg not in node:
                    if op == "remove":
                        return None
                    if op == "test":
                        raise RepairError(f"{where}: {jp.join('', *done, seg)} does not exist")
                    following = segs[i + 1]
                    if following == "-" or _INDEX.match(following):
                        raise RepairError(
                            f"{where}: missing {jp.join('', *done, seg)} would have to be an "
                            "array; arrays are not invented"
                        )
                    node[seg] = {}
                    created = jp.join("", *done, seg)
                    self.out.append({"op": "add", "path": created, "value": {}})
                    self.notes.append(f"created missing parent {created}")
                node = node[seg]
            elif isinstance(node, list):
                if not _INDEX.match(seg):
                    raise RepairError(f"{where}: {seg!r} is not an array index")
                if int(seg) >= len(node):
                    if op == "remove":
                        return None
                    raise RepairError(
                        f"{where}: array element {jp.join('', *done, seg)} does not exist; "
                        "array elements are not invented"
                    )
                node = node[int(seg)]
            else:
                raise RepairError(
                    f"{where}: {jp.join('', *done) or 'the document'} is a "
                    f"{type(node).__name__}, not an object or array"
                )
            done.append(seg)
            i += 1

    @staticmethod
    def _present(index: int, op: str, final: str, parent: Any, key: str) -> bool:
        """Whether the target exists; RepairError where RFC 6902 cannot address it."""
        where = f"operation {index} ({op} {final})"
        if isinstance(parent, dict):
            return key in parent
        if isinstance(parent, list):
            if key == "-":
                if op != "add":
                    raise RepairError(f"{where}: '-' names no element; only add may use it")
                return False
            if not _INDEX.match(key):
                raise RepairError(f"{where}: {key!r} is not an array index")
            if op == "add" and int(key) > len(parent):
                raise RepairError(f"{where}: index {key} is past the end of the array")
            return op != "add" and int(key) < len(parent)
        raise RepairError(f"{where}: parent is a {type(parent).__name__}, not an object or array")

    def _emit(self, index: int, op: str, path: str, value: Any) -> None:
        """Append the operation and apply it to the working copy."""
        operation: dict[str, Any] = {"op": op, "path": path}
        if op != "remove":
            operation["value"] = copy.deepcopy(value)
        try:
            self.doc = jsonpatch.apply_patch(self.doc, [copy.deepcopy(operation)], in_place=True)
        except jsonpatch.JsonPatchTestFailed as exc:
            raise RepairError(f"operation {index}: test failed at {path or '/'}: {exc}") from exc
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
            raise RepairError(f"operation {index}: does not apply: {exc}") from exc
        self.out.append(operation)
