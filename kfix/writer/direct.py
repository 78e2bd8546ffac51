"""A patched YAML document as plain text edits at the node positions libyaml gives.

The common operations need no re-serialisation: a key added at the end of a block
mapping, indented like its siblings; a one-line scalar replaced in place, keeping its
key, its comment (at its column) and its quotes; a mapping entry or sequence item taken
out with its lines; an item put into a block sequence at its siblings' dash, or into a
one-line flow sequence. New collections are written in block style in the document's
own indentation (`render`). Comment lines after an item that are indented deeper than it
belong to it; the others stay where they are, as `comments` keeps them for ruamel.

Everything else raises `Unsupported`, and the caller takes ruamel.yaml's round trip:
flow mappings, anchors and aliases, merge and complex keys, tabs and
unusual line breaks, multi-line scalars or collections being replaced, collections left
empty. The caller still proves that the text reads back as the patched content.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import yaml

from kfix import pointer as jp
from kfix.writer.operations import PatchFailed, patch_value, same
from kfix.writer.render import (
    Unsupported,
    block_lines,
    entry_lines,
    indentation,
    item_lines,
    scalar,
)

__all__ = ["Unsupported", "patched"]

_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_PLAIN = "tag:kfix,2026:plain"  # a plain scalar not yet resolved (`_tag` resolves it)
_RESOLVER = yaml.resolver.Resolver()
_ODD_BREAKS = re.compile("\r(?!\n)|[\x85\u2028\u2029]")
_DASH = re.compile(r"( *)-( +)")
_BLOCK_HEADER = re.compile(r"[|>]([1-9][+-]?|[+-][1-9]?)?")


# the base is picked at run time: libyaml's loader when PyYAML was built with it
class _Composer(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's composer, leaving plain scalars unresolved: the document is composed
    again after every edit, and resolving every scalar each time would take most of it."""

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode and implicit[0]:
            return _PLAIN
        tag: str = super().resolve(kind, value, implicit)
        return tag


def _tag(node: yaml.Node) -> str:
    """The node's tag, as the loader resolves it."""
    if node.tag != _PLAIN:
        return node.tag
    # types-PyYAML leaves BaseResolver.resolve unannotated
    tag: str = _RESOLVER.resolve(yaml.ScalarNode, node.value, (True, False))  # type: ignore[no-untyped-call]
    return tag


def _resolved(node: yaml.Node) -> yaml.Node:
    """The node with every plain scalar under it resolved, to be constructed."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.ScalarNode):
            current.tag = _tag(current)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
        elif isinstance(current, yaml.MappingNode):
            stack.extend(item for pair in current.value for item in pair)
    return node



class _Reader(yaml.SafeLoader):
    """A node's value as kfix's loader reads it: timestamps and binary as their text."""


def _as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    # any node may carry the tag; construct_scalar rejects one that is no scalar
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


_Reader.add_constructor("tag:yaml.org,2002:timestamp", _as_text)
_Reader.add_constructor("tag:yaml.org,2002:binary", _as_text)


def patched(text: str, ops: Sequence[Mapping[str, Any]]) -> str:
    """The document's text with `ops` applied as text edits; raises Unsupported.

    `ops` must already have been applied to the loader's content without error, so each
    of them fits the document (kfix.writer.operations.apply_ops).
    """
    if "\t" in text:
        raise Unsupported("tabs")
    if _ODD_BREAKS.search(text):
        raise Unsupported("line breaks other than LF and CRLF")
    document = _Document(text)
    for kind, pointer, value in _folded(ops):
        document.apply(kind, pointer, value)
    return document.text


def _folded(ops: Sequence[Mapping[str, Any]]) -> Iterator[tuple[str, str, Any]]:
    """The operations, each new collection with the operations right after it that fill
    it (`add /a {}`, `add /a/b 1` → `add /a {b: 1}`): it is written once, complete."""
    position = 0
    while position < len(ops):
        op = ops[position]
        kind, pointer, value = op["op"], op["path"], op.get("value")
        position += 1
        if kind in ("add", "replace") and isinstance(value, dict | list):
            value = copy.deepcopy(value)
            while position < len(ops) and ops[position]["path"].startswith(pointer + "/"):
                inner = ops[position]
                if inner["op"] != "test":
                    relative = inner["path"][len(pointer) :]
                    try:
                        inner_value = copy.deepcopy(inner.get("value"))
                        value = patch_value(value, inner["op"], relative, inner_value)
                    except PatchFailed:
                        raise Unsupported("operations that do not fit the document") from None
                position += 1
        yield kind, pointer, value


class _Document:
    """The document's text and its node tree, composed again after every edit."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.root = self._compose(text)
        self._check(self.root)
        self.indent = indentation(self.root)
        self.newline = "\r\n" if "\r\n" in text else "\n"

    # -- operations ---------------------------------------------------------------

    def apply(self, kind: str, pointer: str, value: Any) -> None:
        if kind == "test":
            return
        segments = jp.split(pointer)
        if not segments:
            raise Unsupported("the whole document replaced")
        holder, parent = self._node(segments[:-1])
        key = segments[-1]
        if isinstance(parent, yaml.CollectionNode) and parent.flow_style and not parent.value:
            if kind != "add":
                raise Unsupported("operations that do not fit the document")
            if holder is None:
                raise Unsupported("an empty flow collection in a sequence filled")
            # `key: {}` or `key: []` filled: it becomes a block collection
            self._replace(holder, parent, {key: value} if isinstance(parent, yaml.MappingNode)
                          else [value])
        elif isinstance(parent, yaml.MappingNode):
            if parent.flow_style:
                raise Unsupported("a flow mapping")
            index = _member(parent, key)
            if index is None:
                if kind != "add":
                    raise Unsupported("operations that do not fit the document")
                self._add_entry(parent, key, value)
            elif kind == "remove":
                self._remove_entry(holder, parent, index)
            else:
                self._replace(parent.value[index][0], parent.value[index][1], value)
        elif isinstance(parent, yaml.SequenceNode):
            size = len(parent.value)
            position = size if kind == "add" and key == "-" else int(key)
            if parent.flow_style:
                self._flow_sequence(parent, kind, position, value)
            elif kind == "add":
                self._insert_item(parent, position, value)
            elif kind == "remove":
                self._remove_item(holder, parent, position)
            else:
                self._replace(None, parent.value[position], value)
        else:
            raise Unsupported("operations that do not fit the document")

    def _add_entry(self, mapping: yaml.MappingNode, key: str, value: Any) -> None:
        column = mapping.value[0][0].start_mark.column
        lines = entry_lines(key, value, column, self.indent)
        self._insert_after(mapping.value[-1][1], column, lines)

    def _remove_entry(
        self, holder: yaml.Node | None, mapping: yaml.MappingNode, index: int
    ) -> None:
        key, value = mapping.value[index]
        start = self._line_start(key.start_mark.index)
        before = self.text[start : key.start_mark.index]
        if not before.strip(" "):
            end = self._extended(self._last_line_end(value), key.start_mark.column)
            if len(mapping.value) == 1:
                self._emptied(holder, mapping, start, end, "{}")
            else:
                self._edit([self._lines(start, end)])
        elif index == 0 and _DASH.fullmatch(before):  # `- key: value`: the next key moves up
            if len(mapping.value) == 1:
                end = self._last_line_end(value)
                self._edit([(key.start_mark.index, self._content_end(end), "{}")])
                return
            following = mapping.value[1][0]
            between = self.text[key.start_mark.index : following.start_mark.index]
            if "#" in between or not self._starts_line(following):
                raise Unsupported("a sequence item's first key removed past comments")
            self._edit([(key.start_mark.index, following.start_mark.index, "")])
        else:
            raise Unsupported("a key that does not start its line")

    def _insert_item(self, sequence: yaml.SequenceNode, position: int, value: Any) -> None:
        dash, content = self._dash(sequence.value[0])
        lines = item_lines(value, dash, content, self.indent, _quotes(sequence, value))
        if position > 0:
            self._insert_after(sequence.value[position - 1], dash, lines)
            return
        start = self._line_start(sequence.value[0].start_mark.index)
        self._edit([(start, start, "".join(line + self.newline for line in lines))])

    def _remove_item(
        self, holder: yaml.Node | None, sequence: yaml.SequenceNode, position: int
    ) -> None:
        item = sequence.value[position]
        dash, _ = self._dash(item)
        start = self._line_start(item.start_mark.index)
        end = self._extended(self._last_line_end(item), dash)
        if len(sequence.value) == 1:
            self._emptied(holder, sequence, start, end, "[]")
        else:
            self._edit([self._lines(start, end)])

    def _emptied(
        self, holder: yaml.Node | None, collection: yaml.Node, start: int, end: int, empty: str
    ) -> None:
        """The last entry or item taken out: `key:` and its lines become `key: {}` (`[]`)."""
        if holder is None:
            raise Unsupported("a collection left empty outside a mapping")
        colon = self._colon(holder, collection)
        rest = self.text[colon + 1 : self._content_end(self._line_end(colon))].strip(" ")
        if rest and rest[0] != "#":
            raise Unsupported("a collection left empty behind a tag or anchor")
        self._edit([(colon + 1, colon + 1, " " + empty), self._lines(start, end)])

    def _flow_sequence(
        self, sequence: yaml.SequenceNode, kind: str, position: int, value: Any
    ) -> None:
        """A one-line flow sequence of scalars: `[a, b]`."""
        items = sequence.value
        if sequence.start_mark.line != sequence.end_mark.line:
            raise Unsupported("a flow sequence over several lines")
        if not all(isinstance(item, yaml.ScalarNode) for item in items):
            raise Unsupported("a flow sequence of collections")
        if kind == "replace":
            self._replace(None, items[position], value, flow=True)
            return
        start, end = sequence.start_mark.index, sequence.end_mark.index
        separator = self.text[items[0].end_mark.index : items[1].start_mark.index] if (
            len(items) > 1) else ", "
        if not re.fullmatch(r" *, *", separator):
            raise Unsupported("a flow sequence with comments or odd separators")
        if kind == "remove":
            if len(items) == 1:
                edit = (start, end, "[]")
            elif position < len(items) - 1:
                edit = (items[position].start_mark.index, items[position + 1].start_mark.index, "")
            else:
                edit = (items[position - 1].end_mark.index, items[position].end_mark.index, "")
            self._edit([edit])
            return
        if isinstance(value, dict | list) and value:
            raise Unsupported("a collection put into a flow sequence")
        text = scalar(value, flow=True, prefer=_quotes(sequence, value))
        if not items:
            edit = (start, end, f"[{text}]")
        elif position == len(items):
            edit = (items[-1].end_mark.index, items[-1].end_mark.index, separator + text)
        else:
            edit = (items[position].start_mark.index, items[position].start_mark.index,
                    text + separator)
        self._edit([edit])

    def _replace(
        self, key: yaml.Node | None, node: yaml.Node, value: Any, *, flow: bool = False
    ) -> None:
        if same(_Reader("").construct_document(_resolved(node)), value):
            return  # the value is there already: it keeps its spelling
        start, end = node.start_mark.index, node.end_mark.index
        if isinstance(node, yaml.CollectionNode) and not node.flow_style:
            raise Unsupported("a block collection replaced")
        if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
            raise Unsupported("a block scalar replaced")
        if node.start_mark.line != node.end_mark.line:
            raise Unsupported("a value over several lines replaced")
        if self.text[start : start + 1] in ("!", "&"):
            raise Unsupported("a tagged or anchored scalar replaced")
        if key is not None and key.start_mark.line != node.start_mark.line:
            raise Unsupported("a value on the line after its key replaced")
        empty = start == end  # `key:` with nothing after it
        if not isinstance(value, dict | list) or not value:
            style = node.style if isinstance(node, yaml.ScalarNode) else None
            prefer = style if isinstance(value, str) and style in ("'", '"') else None
            text = scalar(value, flow=flow, prefer=prefer)
            self._edit([self._in_place(start, end, (" " if empty else "") + text)])
            return
        if key is None:
            raise Unsupported("a sequence item replaced by a collection")
        colon = self._colon(key, node)
        lines = block_lines(value, key.start_mark.column, self.indent)
        # after the comment lines indented under the key: they stay about it, and do not
        # become the new collection's last item's (which takes them if it goes)
        line_end = self._content_end(
            self._extended(self._line_end(end), key.start_mark.column)
        )
        self._edit([
            (colon + 1, end, ""),
            (line_end, line_end, "".join(self.newline + line for line in lines)),
        ])

    # -- text positions -----------------------------------------------------------

    def _insert_after(self, node: yaml.Node, column: int, lines: list[str]) -> None:
        """New lines after `node`'s last line and the comment lines indented inside it
        (deeper than `column`); a block scalar ending the text without a line break
        gets the `-` chomping that keeps its value."""
        tail = _tail(node)
        end = self._extended(self._last_line_end(node), column)
        at = self._content_end(end)
        edits = [(at, at, "".join(self.newline + line for line in lines))]
        if (
            isinstance(tail, yaml.ScalarNode)
            and tail.style in ("|", ">")
            and tail.end_mark.index == len(self.text)
            and not self.text.endswith("\n")
        ):
            header = _BLOCK_HEADER.match(self.text, tail.start_mark.index)
            if header is None:
                raise Unsupported("a tagged block scalar")
            indicator = (header.group(1) or "").strip("+-")
            edits.insert(0, (header.start(), header.end(), header.group()[0] + indicator + "-"))
        self._edit(edits)

    def _last_line_end(self, node: yaml.Node) -> int:
        """Where the last line holding `node` ends (its line break, or the text's end)."""
        tail = _tail(node)
        end = tail.end_mark.index
        if isinstance(tail, yaml.ScalarNode) and tail.style in ("|", ">"):
            header = _BLOCK_HEADER.match(self.text, tail.start_mark.index)
            if header is not None and "+" in header.group():
                raise Unsupported("a keep-chomped block scalar")
            while end > tail.start_mark.index and self.text[end - 1] in " \r\n":
                end -= 1
        return self._line_end(max(end - 1, 0))

    def _extended(self, end: int, column: int) -> int:
        """`end`, moved past the comment lines after it that are indented deeper than
        `column` (and blank lines between them)."""
        text, cursor = self.text, end
        while cursor < len(text):
            start = cursor + 1
            stop = self._line_end(start)
            line = text[start:stop].rstrip("\r")
            stripped = line.lstrip(" ")
            if stripped and not (stripped[0] == "#" and len(line) - len(stripped) > column):
                break
            cursor = stop
            if stripped:
                end = stop
        return end

    def _lines(self, start: int, end: int) -> tuple[int, int, str]:
        """The edit that takes out the lines from `start` (a line start) to `end` (a line
        end), with their line breaks."""
        if end < len(self.text):
            return start, end + 1, ""
        if start > 0:  # the last line, with no line break: the one before goes instead
            return start - 2 if self.text[start - 2 : start] == "\r\n" else start - 1, end, ""
        raise Unsupported("the whole document removed")

    def _colon(self, key: yaml.Node, value: yaml.Node) -> int:
        """Where the `:` after a key is, on the value's line."""
        colon = self.text.find(":", key.end_mark.index, value.start_mark.index)
        if colon < 0 or self.text[key.end_mark.index : colon].strip(" "):
            raise Unsupported("a key without its colon")
        return colon

    def _in_place(self, start: int, end: int, text: str) -> tuple[int, int, str]:
        """Replace `[start, end)`; a comment after it on its line keeps its column."""
        comment = re.compile(r"( +)#").match(self.text, end)
        if comment is None:
            return start, end, text
        spaces = max(1, len(comment.group(1)) - (len(text) - (end - start)))
        return start, comment.end(1), text + " " * spaces

    def _dash(self, item: yaml.Node) -> tuple[int, int]:
        """The columns of a block sequence item's dash and of its content."""
        start = self._line_start(item.start_mark.index)
        dash = _DASH.fullmatch(self.text, start, item.start_mark.index)
        if dash is None:
            raise Unsupported("a sequence item not on its dash's line")
        return len(dash.group(1)), item.start_mark.column

    def _starts_line(self, node: yaml.Node) -> bool:
        start = node.start_mark.index
        return not self.text[self._line_start(start) : start].strip(" ")

    def _line_start(self, index: int) -> int:
        return self.text.rfind("\n", 0, index) + 1

    def _line_end(self, index: int) -> int:
        end = self.text.find("\n", index)
        return len(self.text) if end < 0 else end

    def _content_end(self, line_end: int) -> int:
        return line_end - 1 if self.text[line_end - 1 : line_end] == "\r" else line_end

    # -- the tree -----------------------------------------------------------------

    def _edit(self, edits: list[tuple[int, int, str]]) -> None:
        """Apply edits (in text order, not overlapping) and compose the text again."""
        pieces, cursor = [], 0
        for start, end, replacement in edits:
            pieces += [self.text[cursor:start], replacement]
            cursor = end
        pieces.append(self.text[cursor:])
        self.text = "".join(pieces)
        self.root = self._compose(self.text)

    def _node(self, segments: list[str]) -> tuple[yaml.Node | None, yaml.Node]:
        """The node at a pointer, and its key when a mapping holds it."""
        node: yaml.Node = self.root
        key: yaml.Node | None = None
        for segment in segments:
            if isinstance(node, yaml.MappingNode):
                index = _member(node, segment)
                if index is None:
                    break
                key, node = node.value[index]
            elif isinstance(node, yaml.SequenceNode) and segment.isdigit():
                if int(segment) >= len(node.value):
                    break
                key, node = None, node.value[int(segment)]
            else:
                break
        else:
            return key, node
        raise Unsupported("operations that do not fit the document")

    @staticmethod
    def _compose(text: str) -> yaml.Node:
        try:
            root = yaml.compose(text, Loader=_Composer)
        except yaml.YAMLError:
            raise Unsupported("an edit that does not parse") from None
        if not isinstance(root, yaml.MappingNode) or root.flow_style:
            raise Unsupported("a document that is not a block mapping")
        return root

    @staticmethod
    def _check(root: yaml.Node) -> None:
        """Refuse what libyaml composes but the round trip treats otherwise: merge keys,
        keys that are not plain text, and aliases (libyaml gives an alias its anchor's
        node: an edit there would change both). Duplicate keys never get here: loading
        refuses them."""
        stack = [root]
        seen_nodes: set[int] = set()
        while stack:
            node = stack.pop()
            if id(node) in seen_nodes:
                raise Unsupported("aliases")
            seen_nodes.add(id(node))
            if isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
            elif isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if not isinstance(key, yaml.ScalarNode) or key.tag == _MERGE_TAG or (
                        key.tag == _PLAIN and key.value == "<<"
                    ):
                        raise Unsupported("merge or complex keys")
                    stack += [key, value]


def _member(mapping: yaml.MappingNode, key: str) -> int | None:
    """The position of `key` among the mapping's keys (string keys only, as JSON's)."""
    for index, (node, _value) in enumerate(mapping.value):
        if node.value == key and _tag(node) == _STR_TAG:
            return index
    return None


def _tail(node: yaml.Node) -> yaml.Node:
    """The node's deepest last block descendant: where its text ends."""
    while isinstance(node, yaml.CollectionNode) and node.value and not node.flow_style:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    return node


def _quotes(sequence: yaml.SequenceNode, value: Any) -> str | None:
    """The quote style every string item of the sequence shares, for a new string."""
    if not isinstance(value, str):
        return None
    styles = {item.style for item in sequence.value if isinstance(item, yaml.ScalarNode)}
    return next(iter(styles)) if len(styles) == 1 and styles <= {"'", '"'} else None
