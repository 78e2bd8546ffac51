"""Comment lines kept in place as items come and go.

ruamel keeps the comment lines between two items with the item before them, on the
deepest last scalar under it; these helpers move them when items are added or removed.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml.comments import CommentedBase, CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString
from ruamel.yaml.tokens import CommentToken

from kfix.writer.splice import lines as _lines

_BLOCK_SCALARS = (LiteralScalarString, FoldedScalarString)


def placed_after(parent: Any, previous: Any, key: Any) -> None:
    """A new item went in after `previous`: the comment lines after `previous` that are not
    indented inside it now come after the new item."""
    lines = following(parent, previous)
    outside = outer(parent, previous, lines)
    follow(parent, previous, lines[: len(lines) - len(outside)])
    follow(parent, key, outside)


def following(parent: Any, key: Any) -> str:
    """Cut out the comment (and blank) lines after the item, keeping its end-of-line comment."""
    if not isinstance(parent, CommentedBase):
        return ""
    owner, key = _tail(parent, key)
    entry = owner.ca.items.get(key)
    slot = _slot(owner)
    token: CommentToken | None = entry[slot] if entry else None
    if token is None:
        return ""
    text = token.value
    entry[slot] = None
    if isinstance(owner[key], _BLOCK_SCALARS):  # its own lines end it: no end-of-line comment
        return text if text.startswith("\n") else " " * token.start_mark.column + text
    if text.startswith("\n"):
        return text[1:]
    eol, _, lines = text.partition("\n")
    token.value = eol + "\n"
    entry[slot] = token
    return lines


def outer(parent: Any, key: Any, lines: str) -> str:
    """The comment lines from the first one not indented deeper than the item onwards."""
    if not lines:
        return lines
    if isinstance(parent, CommentedMap):  # lines come only from ruamel's tree
        position = key_position(parent, key)
        column = position[1] if position else None
    else:
        column = parent.lc.col
    inner = 0  # column None: a new item, with nothing inside it
    if column is not None:
        offset = 0
        for line in _lines(lines):
            offset += len(line)
            if line.strip():
                if len(line) - len(line.lstrip(" ")) <= column:
                    break
                inner = offset
    return lines[inner:]


def follow(parent: Any, key: Any, lines: str) -> None:
    """Put comment lines after the item."""
    if not lines:
        return
    owner, key = _tail(parent, key)
    entry = owner.ca.items.setdefault(key, [None] * 4)
    slot = _slot(owner)
    if entry[slot] is None:
        end_of_line = "" if isinstance(owner[key], _BLOCK_SCALARS) else "\n"
        entry[slot] = CommentToken(end_of_line + lines, CommentMark(0))
    else:
        entry[slot].value += lines


def precede(parent: CommentedBase, lines: str) -> None:
    """Put comment lines before the first item."""
    if not lines:
        return
    token = CommentToken(lines, CommentMark(0))
    if parent.ca.comment is None:
        parent.ca.comment = [None, [token]]
    elif parent.ca.comment[1] is None:
        parent.ca.comment[1] = [token]
    else:
        parent.ca.comment[1].append(token)


def close(parent: CommentedBase, lines: str) -> None:
    """Put comment lines after a collection that became empty, and so `{}` or `[]`."""
    if not lines:
        return
    parent.fa.set_flow_style()  # ruamel writes the comments after `{}` only in flow style
    token = CommentToken("\n" + lines, CommentMark(0))
    if parent.ca.comment is None:
        parent.ca.comment = [token, None]
    elif parent.ca.comment[0] is None:
        parent.ca.comment[0] = token
    else:
        parent.ca.comment[0].value += lines


def _tail(parent: Any, key: Any) -> tuple[Any, Any]:
    """Where ruamel keeps the comments after an item: its deepest last block descendant."""
    value = parent[key]
    while isinstance(value, CommentedMap | CommentedSeq) and value and not value.fa.flow_style():
        parent, key = value, (list(value)[-1] if isinstance(value, dict) else len(value) - 1)
        value = parent[key]
    return parent, key


def _slot(owner: Any) -> int:
    return 2 if isinstance(owner, dict) else 0


def key_position(parent: CommentedMap, key: Any) -> tuple[int, int] | None:
    """(line, column) of a key in the text; None for a key added or merged in (`<<`)."""
    try:
        position: tuple[int, int] = parent.lc.key(key)
    except KeyError:
        return None
    return position
