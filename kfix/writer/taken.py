"""The lines a patch takes away with the nodes it removes or replaces.

ruamel.yaml keeps comments on its nodes in several places (after an item, before the next
key, at the end of the enclosing sequence, or nowhere, inside a flow collection), and
`comments` moves the common ones as items come and go. A comment lost all the same is
a loss only if it was outside every node the patch took away: from the node's key (or
dash) to its last line, with the comment lines after it indented deeper, which belong to
it (as `direct` takes them out with it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from kfix import pointer as jp


@dataclass
class _Origin:
    """A node of the document as the operations leave it, and the pointer it had in
    the original document (None: the patch wrote it)."""

    pointer: str | None
    children: dict[str, _Origin] | list[_Origin] | None = None

    @classmethod
    def of(cls, value: Any, pointer: str | None) -> _Origin:
        def child(key: Any) -> str | None:
            return None if pointer is None else jp.join(pointer, key)

        if isinstance(value, dict):
            return cls(pointer, {k: cls.of(v, child(k)) for k, v in value.items()})
        if isinstance(value, list):
            return cls(pointer, [cls.of(v, child(i)) for i, v in enumerate(value)])
        return cls(pointer)


@dataclass
class _Patched:
    root: _Origin
    taken: list[str] = field(default_factory=list)  # original pointers removed or replaced

    def apply(self, kind: str, pointer: str, value: Any) -> None:
        segments = jp.split(pointer)
        if kind == "test" or not segments:
            return
        parent = self.root
        for segment in segments[:-1]:
            children = parent.children
            parent = children[segment] if isinstance(children, dict) else children[int(segment)]  # type: ignore[index]
        key, children = segments[-1], parent.children
        fresh = _Origin.of(value, None)
        if isinstance(children, dict):
            if key in children:
                self._take(children[key])
            if kind == "remove":
                del children[key]
            else:
                children[key] = fresh
        elif isinstance(children, list):
            if kind == "add":
                children.insert(len(children) if key == "-" else int(key), fresh)
            else:
                self._take(children[int(key)])
                if kind == "remove":
                    del children[int(key)]
                else:
                    children[int(key)] = fresh

    def _take(self, node: _Origin) -> None:
        if node.pointer is not None:
            self.taken.append(node.pointer)


def taken_lines(
    text: str, root: yaml.Node, content: Any, ops: Sequence[Mapping[str, Any]]
) -> set[int]:
    """0-based lines (as "\\n" counts them) of the original nodes `ops` remove or replace;
    `content` is the document's content, to which `ops` apply."""
    patched = _Patched(_Origin.of(content, ""))
    for op in ops:
        patched.apply(op["op"], op["path"], op.get("value"))
    lines = text.split("\n")
    covered: set[int] = set()
    for where in patched.taken:
        found = _node(root, where)
        if found is None:
            continue  # not where the content says (a merge key's): nothing known taken
        key, node = found
        start = (key or node).start_mark.index
        first = text.count("\n", 0, start)
        column = start - (text.rfind("\n", 0, start) + 1)
        before = lines[first][:column]
        if key is None and "-" in before and not before.strip(" -"):
            column = before.rindex("-")  # a block sequence item: its dash's column
        tail = node  # a block collection ends where its deepest last node does
        while isinstance(tail, yaml.CollectionNode) and tail.value and not tail.flow_style:
            tail = tail.value[-1][1] if isinstance(tail, yaml.MappingNode) else tail.value[-1]
        end = tail.end_mark.index
        last = text.count("\n", 0, end)
        if last > first and text[end - 1 : end] == "\n":
            last -= 1
        covered.update(range(first, last + 1))
        for following in range(last + 1, len(lines)):
            line = lines[following].rstrip("\r")
            stripped = line.lstrip(" ")
            if stripped and not (stripped[0] == "#" and len(line) - len(stripped) > column):
                break
            covered.add(following)
    return covered


def _node(root: yaml.Node, pointer: str) -> tuple[yaml.Node | None, yaml.Node] | None:
    node, key = root, None
    for segment in jp.split(pointer):
        if isinstance(node, yaml.MappingNode):
            pair = next((pair for pair in node.value if pair[0].value == segment), None)
            if pair is None:
                return None
            key, node = pair
        elif isinstance(node, yaml.SequenceNode) and segment.isdigit():
            if int(segment) >= len(node.value):
                return None
            key, node = None, node.value[int(segment)]
        else:
            return None
    return key, node
