"""RFC 6902 operations applied alike to the loader's content and to ruamel's tree."""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ruamel.yaml.comments import CommentedBase, CommentedMap

from kfix import pointer as jp
from kfix.errors import WriteError
from kfix.model import PATCH_OPS
from kfix.writer.comments import close, follow, following, outer, placed_after, precede
from kfix.writer.style import styled, styled_key

_INDEX = re.compile(r"0|[1-9][0-9]*")


class PatchFailed(Exception):
    """One operation cannot be applied; becomes a WriteError naming file and pointer."""


def apply_ops(
    plain: Any,
    tree: Any,
    ops: Sequence[Mapping[str, Any]],
    path: str,
    line_of: Callable[[str], int],
) -> Any:
    """Apply `ops` to the loader's content and, when given, the ruamel tree alike.

    `test` is judged on the loader's content: those are the values the policies saw.
    Returns the patched content.
    """
    for op in ops:
        kind, pointer, value = _checked(op, path)
        try:
            if kind == "test":
                current = jp.resolve(plain, pointer)
                if current is jp.MISSING or not same(current, value):
                    raise PatchFailed("the value differs")
                continue
            unchanged = _already(plain, kind, pointer, value)
            plain = patch_value(plain, kind, pointer, copy.deepcopy(value))
            if tree is not None and not unchanged:
                tree = patch_value(tree, kind, pointer, styled(value))
        except PatchFailed as exc:
            message = f"cannot {kind} {pointer or '/'}: {exc}"
            raise WriteError(message, path, line_of(pointer)) from None
    return plain


def _checked(op: Mapping[str, Any], path: str) -> tuple[str, str, Any]:
    kind, pointer = op.get("op"), op.get("path")
    if kind not in PATCH_OPS or not isinstance(pointer, str) or (pointer and pointer[0] != "/"):
        raise WriteError(f"not a valid JSON Patch operation: {dict(op)!r}", path)
    if kind != "remove" and "value" not in op:
        raise WriteError(f"{kind} {pointer} has no value", path)
    return kind, pointer, op.get("value")


def _already(plain: Any, kind: str, pointer: str, value: Any) -> bool:
    """Whether the op writes the value already there, so the tree keeps its quoting."""
    member = isinstance(jp.resolve(plain, jp.parent(pointer)), dict)
    if kind == "replace" or (kind == "add" and member):
        current = jp.resolve(plain, pointer)
        return current is not jp.MISSING and same(current, value)
    return False


def patch_value(root: Any, kind: str, pointer: str, value: Any) -> Any:
    """RFC 6902 add, replace or remove on dicts and lists (ruamel's included); the new root."""
    if not pointer:
        if kind == "remove":
            raise PatchFailed("the document itself cannot be removed")
        return value
    parent = jp.resolve(root, jp.parent(pointer))
    key = jp.split(pointer)[-1]
    if isinstance(parent, dict):
        if kind != "add" and key not in parent:
            raise PatchFailed("no such member")
        if kind == "remove":
            _remove(parent, list(parent).index(key))
        else:
            _put(parent, key, value)
    elif isinstance(parent, list):
        if kind == "add":
            _insert(parent, len(parent) if key == "-" else _index(key, len(parent) + 1), value)
        elif kind == "remove":
            _remove(parent, _index(key, len(parent)))
        else:
            _put(parent, _index(key, len(parent)), value)
    elif parent is jp.MISSING:
        raise PatchFailed(f"{jp.parent(pointer) or 'the document'} does not exist")
    else:
        raise PatchFailed(f"{jp.parent(pointer)} is neither an object nor an array")
    return root


def _index(segment: str, size: int) -> int:
    if not _INDEX.fullmatch(segment) or int(segment) >= size:
        raise PatchFailed(f"{segment!r} is not an index of this array")
    return int(segment)


def _put(parent: dict[Any, Any] | list[Any], key: Any, value: Any) -> None:
    """Set a member or item; the comment lines that followed the old one follow the new."""
    if isinstance(parent, dict) and key not in parent:
        last = list(parent)[-1] if parent else None
        parent[styled_key(key) if isinstance(parent, CommentedMap) else key] = value
        if last is not None:
            placed_after(parent, last, key)
        return
    lines = following(parent, key)
    parent[key] = value
    follow(parent, key, lines)


def _insert(parent: list[Any], position: int, value: Any) -> None:
    parent.insert(position, value)
    if position:
        placed_after(parent, position - 1, position)


def _remove(parent: dict[Any, Any] | list[Any], position: int) -> None:
    """Remove the item at `position` with its end-of-line comment and the comment lines
    indented inside it; the comment lines after those stay before the next item."""
    key = list(parent)[position] if isinstance(parent, dict) else position
    lines = outer(parent, key, following(parent, key))
    if isinstance(parent, CommentedMap):
        # an explicit key (`? key`) holds the comment lines before it: they stay
        entry = parent.ca.items.pop(key, None)
        above = entry[1] if entry and entry[1] else []
        lines = "".join(" " * token.column + token.value for token in above) + lines
    del parent[key]
    if position:
        previous = list(parent)[position - 1] if isinstance(parent, dict) else position - 1
        follow(parent, previous, lines)
    elif not isinstance(parent, CommentedBase):
        return  # the loader's plain content: no comment lines
    elif parent:
        precede(parent, lines)
    else:
        close(parent, lines)


def same(a: Any, b: Any) -> bool:
    """Equal as JSON values: true is not 1, 1 is not 1.0, NaN is NaN."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[key], b[key]) for key in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b
