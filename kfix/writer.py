"""Stage 5, write: patched documents back into their files, every other byte kept.

Only the documents a patch touches are re-serialised, each on its own, with ruamel.yaml's
round-trip mode in the indentation the document already uses; the bytes between them
(separators, comments, directives, end markers) are spliced back untouched, and so are
the lines of a patched document that the patch did not change. Each patched document is
read back with the loader and must equal the patched content, so a quirk of
re-serialisation can never change a manifest silently.
"""

from __future__ import annotations

import contextlib
import copy
import difflib
import enum
import io
import json
import math
import os
import re
import stat
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedBase, CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import CommentMark, MarkedYAMLError
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    ScalarString,
)
from ruamel.yaml.tokens import CommentToken

from kfix import pointer as jp
from kfix.errors import KfixError
from kfix.load.manifests import parse

_NULL_TAG = "tag:yaml.org,2002:null"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_STR_TAG = "tag:yaml.org,2002:str"
_OPS = ("add", "replace", "remove", "test")
_BOUNDARY = re.compile(r"^(---|\.\.\.)(?=[ \t\r\n]|$).*\n?", re.MULTILINE)
_CONTENT_LINE = re.compile(r"^[^\S\n]*[^\s#%]", re.MULTILINE)
_CONTENT_AFTER_MARKER = re.compile(r"---[ \t]+[^#\s]")
_INDEX = re.compile(r"0|[1-9][0-9]*")
_ITEM = re.compile(r" *-(?:[ \t]|\r?$)")
_JSON_INDENT = re.compile(r"[{\[][ \t]*\r?\n([ \t]+)\S")
_BLOCK_SCALARS = (LiteralScalarString, FoldedScalarString)
_YAML_1_1 = yaml.resolver.Resolver()  # how the loader, and Kubernetes, will read a plain scalar


class WriteMode(enum.Enum):
    """Where `kfix fix` puts its changes."""

    DIFF = "diff"  # unified diff to stdout, no file touched (the default)
    WRITE = "write"  # in place
    OUTPUT_DIR = "output-dir"  # mirrored tree under a directory


class WriteError(KfixError):
    """A patch that cannot be applied, or a file that cannot be written."""


class _Failed(Exception):
    """One operation cannot be applied; becomes a WriteError naming file and pointer."""


# -- the file's text ----------------------------------------------------------------------


def apply_to_text(text: str, path: str, patches: Mapping[int, Sequence[Mapping[str, Any]]]) -> str:
    """The file's new text: each patched document re-serialised, all other bytes kept.

    `patches` maps a document index (as `Document.index`) to RFC 6902 operations
    (add, replace, remove, test), applied in order; a failing one raises WriteError.
    """
    changed = {index: ops for index, ops in patches.items() if ops}
    if not changed:
        return text
    if path.endswith(".json"):
        return _apply_to_json(text, path, changed)
    spans = _document_spans(text)
    pieces: list[str] = []
    cursor = 0
    for index in sorted(changed):
        if not 0 <= index < len(spans):
            raise WriteError(f"there is no document {index}", path)
        start, end = spans[index]
        line = text.count("\n", 0, start) + 1
        pieces += [text[cursor:start], _patch_document(text[start:end], path, line, changed[index])]
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def _document_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each document's content, indexed as libyaml counts documents.

    A `---` or `...` line at column 0 is a boundary, even inside a block scalar, as the
    YAML spec says. A span starts at its document's first content line, so blank and
    comment lines before it and a `---` line's own comment are never re-serialised; a
    `---` line that carries content (`--- !tag`, `--- |`) belongs to its document.
    """
    marks = list(_BOUNDARY.finditer(text))
    ends = [mark.start() for mark in marks] + [len(text)]
    content = _CONTENT_LINE.search(text, 0, ends[0])
    spans = [(content.start(), ends[0])] if content else []
    for mark, end in zip(marks, ends[1:], strict=True):
        content = _CONTENT_LINE.search(text, mark.end(), end)
        if mark.group(1) == "...":  # what follows is a new document only if it has content
            spans += [(content.start(), end)] if content else []
        elif _CONTENT_AFTER_MARKER.match(mark.group()):
            spans.append((mark.start(), end))
        else:
            spans.append((content.start() if content else end, end))
    return spans


def _lines(text: str) -> list[str]:
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


# -- one YAML document ------------------------------------------------------------------


def _patch_document(text: str, path: str, line: int, ops: Sequence[Mapping[str, Any]]) -> str:
    """One document's new text; `line` is where it starts in the file, for errors.

    ruamel writes one indentation per document, so it would re-indent lines that stray
    from the most common style: only the lines the patch changed are taken from its
    output, the rest stay as written. When that cannot be worked out, ruamel's whole
    rendering is used. Either way the result must read back as the patched content.
    """
    source = _normalised(text)
    loaded = parse(path, source)
    if loaded.problem or not loaded.documents:
        reason = loaded.problem.message if loaded.problem else "it is not a mapping"
        raise WriteError(f"cannot patch this document: {reason}", path, line)
    document = loaded.documents[0]
    yaml_rt, tree = _round_trip(source, path, line)
    before = _dump(yaml_rt, tree)
    expected = _apply_ops(
        document.content, tree, ops, path, lambda pointer: line + document.line_of(pointer) - 1
    )
    result = _least_changed(
        source, before, _dump(yaml_rt, tree), lambda candidate: _reads_as(path, candidate, expected)
    )
    if result is None:
        raise WriteError("the patched document does not read back as patched", path, line)
    return _restored(result, text)


def _normalised(text: str) -> str:
    """The text with "\n" line breaks and a final one, as the serialisers write it."""
    text = text.replace("\r\n", "\n")
    return text if text.endswith("\n") else text + "\n"


def _restored(result: str, text: str) -> str:
    """The result with the line breaks and the (missing) final newline of `text`."""
    if not text.endswith("\n"):
        result = result[:-1]
    return result.replace("\n", "\r\n") if "\r\n" in text else result


def _least_changed(
    source: str, before: str, after: str, reads_back: Callable[[str], bool]
) -> str | None:
    """The patched text with the untouched lines as written (see `_splice`), else the
    serialiser's own `after`: whichever first reads back as patched."""
    candidates = (after,) if before == source else (_splice(source, before, after), after)
    return next((c for c in candidates if c is not None and reads_back(c)), None)


def _round_trip(text: str, path: str, line: int) -> tuple[YAML, Any]:
    """ruamel's round-trip tree of the document, and a YAML set to write it in its style."""
    yaml_rt = YAML(typ="rt")
    yaml_rt.Constructor = _Constructor
    yaml_rt.Representer = _Representer
    yaml_rt.preserve_quotes = True
    yaml_rt.width = 4096  # never re-wrap long lines
    yaml_rt.explicit_start = text.startswith("---")  # content on the marker line
    try:
        tree = yaml_rt.load(text)
    except MarkedYAMLError as exc:  # what libyaml lets pass, e.g. a duplicate key
        mark = exc.problem_mark or exc.context_mark
        where = line + mark.line if mark else line
        raise WriteError(f"cannot patch this document: {exc.problem or exc}", path, where) from None
    yaml_rt.indent(**_indentation(tree))
    return yaml_rt, tree


def _dump(yaml_rt: YAML, tree: Any) -> str:
    stream = io.StringIO()
    yaml_rt.dump(tree, stream)
    return stream.getvalue()


def _reads_as(path: str, text: str, content: Any) -> bool:
    loaded = parse(path, text)
    return (
        not loaded.problem
        and len(loaded.documents) == 1
        and _same(loaded.documents[0].content, content)
    )


class _Null:
    """A null as written (`null`, `~`, `Null` or nothing), so it is written back so."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class _Timestamp(str):
    """A timestamp as written: the loader reads it as text, ruamel would reformat it."""

    __slots__ = ()


class _Constructor(RoundTripConstructor):
    pass


class _Representer(RoundTripRepresenter):
    pass


_Constructor.add_constructor(_NULL_TAG, lambda c, node: _Null(node.value))
_Constructor.add_constructor(_TIMESTAMP_TAG, lambda c, node: _Timestamp(node.value))
_Representer.add_representer(_Null, lambda r, data: r.represent_scalar(_NULL_TAG, data.text))
_Representer.add_representer(_Timestamp, lambda r, data: r.represent_scalar(_TIMESTAMP_TAG, data))


def _indentation(tree: Any) -> dict[str, int]:
    """The document's most common mapping indent and sequence indent and dash offset,
    each measured from the column of the key that holds the collection."""
    mappings: Counter[int] = Counter()
    sequences: Counter[tuple[int, int]] = Counter()
    for parent in _mappings(tree):
        for key, value in parent.items():
            position = _key_position(parent, key)
            block = isinstance(value, CommentedBase) and value and not value.fa.flow_style()
            if not block or position is None or value.lc.line == position[0]:
                continue
            key_column = position[1]
            if isinstance(value, CommentedMap):
                mappings[value.lc.col - key_column] += 1
            elif isinstance(value, CommentedSeq):
                sequences[(value.lc.item(0)[1] - key_column, value.lc.col - key_column)] += 1
    mapping = mappings.most_common(1)[0][0] if mappings else 2
    sequence, offset = sequences.most_common(1)[0][0] if sequences else (2, 0)
    return {"mapping": mapping, "sequence": sequence, "offset": offset}


def _mappings(node: Any) -> Iterator[CommentedMap]:
    if isinstance(node, CommentedMap):
        yield node
        for value in node.values():
            yield from _mappings(value)
    elif isinstance(node, CommentedSeq):
        for value in node:
            yield from _mappings(value)


# -- keeping untouched lines as written ------------------------------------------------


def _splice(source: str, before: str, after: str) -> str | None:
    """`after`, with the lines it shares with `before` taken from `source` as written.

    `before` and `after` are ruamel's renderings of the document unpatched and patched;
    `source` is its text. Lines of `source` that ruamel re-indented line up with `before`
    one to one; lines it re-flowed (a flow sequence over several lines, say) only as a
    group, and a change that cuts through such a group gives None. Changed lines are
    shifted to the indentation their neighbours have in `source`.
    """
    written, old, new = _lines(source), _lines(before), _lines(after)
    units = _units(old, written)
    changes: dict[int, tuple[int, int]] = {}
    dropped: set[int] = set()
    anchors: dict[int, int] = {}  # line of `new` → the line of `written` it stands for
    single = {unit[0]: unit[2] for unit in units if unit[1] - unit[0] == 1 == unit[3] - unit[2]}
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            anchors.update((j1 + k, single[i]) for k, i in enumerate(range(i1, i2)) if i in single)
        else:
            changes[i1] = (j1, j2)
            dropped.update(range(i1, i2))
    out: list[str] = []
    for i1, i2, s1, s2 in units:
        if any(i1 < position < i2 for position in changes):
            return None
        if i1 in changes:
            hunk = _shifted(new, *changes.pop(i1), anchors, written)
            if hunk is None:
                return None
            out += hunk
        kept = [i not in dropped for i in range(i1, i2)]
        if all(kept):
            out += written[s1:s2]
        elif any(kept):
            return None
    if changes:  # lines added at the end
        hunk = _shifted(new, *changes.pop(len(old)), anchors, written)
        if hunk is None:
            return None
        out += hunk
    return "".join(out)


def _units(old: list[str], written: list[str]) -> list[tuple[int, int, int, int]]:
    """(old start, old end, written start, written end), lining up lines that differ only
    in indentation one to one, the rest in groups; in order, covering both."""
    matcher = difflib.SequenceMatcher(
        None, [line.strip() for line in old], [line.strip() for line in written], autojunk=False
    )
    units: list[tuple[int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            units += [(i1 + k, i1 + k + 1, j1 + k, j1 + k + 1) for k in range(i2 - i1)]
        else:
            units.append((i1, i2, j1, j2))
    return units


def _shifted(
    new: list[str], start: int, end: int, anchors: dict[int, int], written: list[str]
) -> list[str] | None:
    """Lines `new[start:end]`, moved as far as a neighbour of theirs moved from `new`
    to `written`: a sibling before them, else one after them, else their parent."""
    lines = new[start:end]
    first = next((line for line in lines if _is_content(line)), None)
    if first is None:
        return lines
    delta = _sibling_delta(new, range(start - 1, -1, -1), first, anchors, written)
    if delta is None:
        delta = _sibling_delta(new, range(end, len(new)), first, anchors, written)
    if delta is None:
        parent = next((j for j in range(start - 1, -1, -1) if _holds(new[j], first)), None)
        delta = _indent(written[anchors[parent]]) - _indent(new[parent]) if parent in anchors else 0
    if any(line.strip() and _indent(line) < -delta for line in lines):
        return None
    if delta >= 0:
        return [" " * delta + line if line.strip() else line for line in lines]
    return [line[-delta:] if line.strip() else line for line in lines]


def _sibling_delta(
    new: list[str], scan: range, first: str, anchors: dict[int, int], written: list[str]
) -> int | None:
    """How far the first sibling of `first` in `scan` moved; None if the scan leaves
    their parent first."""
    depth, item = _indent(first), bool(_ITEM.match(first))
    for j in scan:
        line = new[j]
        if _holds(line, first):
            return None
        sibling = _is_content(line) and _indent(line) == depth and bool(_ITEM.match(line)) == item
        if sibling and j in anchors:
            return _indent(written[anchors[j]]) - depth
    return None


def _holds(line: str, first: str) -> bool:
    """Whether `line` can hold `first`: less indented, or (`- ` items may sit under
    their key at its own indentation) the key of a sequence `first` is an item of."""
    if not _is_content(line):
        return False
    if _indent(line) == _indent(first):
        return bool(_ITEM.match(first)) and not _ITEM.match(line)
    return _indent(line) < _indent(first)


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


# -- operations -------------------------------------------------------------------------


def _apply_ops(
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
                if current is jp.MISSING or not _same(current, value):
                    raise _Failed("the value differs")
                continue
            unchanged = _already(plain, kind, pointer, value)
            plain = _patch(plain, kind, pointer, copy.deepcopy(value))
            if tree is not None and not unchanged:
                tree = _patch(tree, kind, pointer, _styled(value))
        except _Failed as exc:
            message = f"cannot {kind} {pointer or '/'}: {exc}"
            raise WriteError(message, path, line_of(pointer)) from None
    return plain


def _checked(op: Mapping[str, Any], path: str) -> tuple[str, str, Any]:
    kind, pointer = op.get("op"), op.get("path")
    if kind not in _OPS or not isinstance(pointer, str) or (pointer and pointer[0] != "/"):
        raise WriteError(f"not a valid JSON Patch operation: {dict(op)!r}", path)
    if kind != "remove" and "value" not in op:
        raise WriteError(f"{kind} {pointer} has no value", path)
    return kind, pointer, op.get("value")


def _already(plain: Any, kind: str, pointer: str, value: Any) -> bool:
    """Whether the op writes the value already there, so the tree keeps its quoting."""
    member = isinstance(jp.resolve(plain, jp.parent(pointer)), dict)
    if kind == "replace" or (kind == "add" and member):
        current = jp.resolve(plain, pointer)
        return current is not jp.MISSING and _same(current, value)
    return False


def _patch(root: Any, kind: str, pointer: str, value: Any) -> Any:
    """RFC 6902 add, replace or remove on dicts and lists (ruamel's included); the new root."""
    if not pointer:
        if kind == "remove":
            raise _Failed("the document itself cannot be removed")
        return value
    parent = jp.resolve(root, jp.parent(pointer))
    key = jp.split(pointer)[-1]
    if isinstance(parent, dict):
        if kind != "add" and key not in parent:
            raise _Failed("no such member")
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
        raise _Failed(f"{jp.parent(pointer) or 'the document'} does not exist")
    else:
        raise _Failed(f"{jp.parent(pointer)} is neither an object nor an array")
    return root


def _index(segment: str, size: int) -> int:
    if not _INDEX.fullmatch(segment) or int(segment) >= size:
        raise _Failed(f"{segment!r} is not an index of this array")
    return int(segment)


def _put(parent: dict[Any, Any] | list[Any], key: Any, value: Any) -> None:
    """Set a member or item; the comment lines that followed the old one follow the new."""
    if isinstance(parent, dict) and key not in parent:
        last = list(parent)[-1] if parent else None
        parent[_styled_key(key) if isinstance(parent, CommentedMap) else key] = value
        if last is not None:
            _placed_after(parent, last, key)
        return
    lines = _following(parent, key)
    parent[key] = value
    _follow(parent, key, lines)


def _insert(parent: list[Any], position: int, value: Any) -> None:
    parent.insert(position, value)
    if position:
        _placed_after(parent, position - 1, position)


def _remove(parent: dict[Any, Any] | list[Any], position: int) -> None:
    """Remove the item at `position` with its end-of-line comment and the comment lines
    indented inside it; the comment lines after those stay before the next item."""
    key = list(parent)[position] if isinstance(parent, dict) else position
    lines = _outer(parent, key, _following(parent, key))
    del parent[key]
    if isinstance(parent, CommentedMap):
        parent.ca.items.pop(key, None)
    if position:
        previous = list(parent)[position - 1] if isinstance(parent, dict) else position - 1
        _follow(parent, previous, lines)
    elif parent:
        _precede(parent, lines)
    else:
        _close(parent, lines)


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON values: true is not 1, 1 is not 1.0, NaN is NaN."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[key], b[key]) for key in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


# -- new values in the document's style ---------------------------------------------------


def _styled(value: Any) -> Any:
    """A JSON value as ruamel nodes: block collections, nulls spelled `null`, and strings
    quoted when YAML 1.1 would read them as something else (`"yes"`, `"0644"`)."""
    if isinstance(value, dict):
        return CommentedMap((_styled_key(k), _styled(v)) for k, v in value.items())
    if isinstance(value, list):
        return CommentedSeq(_styled(item) for item in value)
    if value is None:
        return _Null("null")
    if isinstance(value, str):
        return _styled_key(value)
    return value


def _styled_key(text: Any) -> Any:
    if (
        isinstance(text, str)
        and not isinstance(text, ScalarString)
        and _YAML_1_1.resolve(yaml.ScalarNode, text, (True, False)) != _STR_TAG
    ):
        return DoubleQuotedScalarString(text)
    return text


# -- comments -----------------------------------------------------------------------------
# ruamel keeps the comment lines between two items with the item before them, on the
# deepest last scalar under it; these helpers move them when items come and go.


def _placed_after(parent: Any, previous: Any, key: Any) -> None:
    """A new item went in after `previous`: the comment lines after `previous` that are not
    indented inside it now come after the new item."""
    lines = _following(parent, previous)
    outer = _outer(parent, previous, lines)
    _follow(parent, previous, lines[: len(lines) - len(outer)])
    _follow(parent, key, outer)


def _following(parent: Any, key: Any) -> str:
    """Cut out the comment (and blank) lines after the item, keeping its end-of-line comment."""
    if not isinstance(parent, CommentedBase):
        return ""
    owner, key = _tail(parent, key)
    entry = owner.ca.items.get(key)
    slot = _slot(owner)
    token = entry[slot] if entry else None
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


def _outer(parent: Any, key: Any, lines: str) -> str:
    """The comment lines from the first one not indented deeper than the item onwards."""
    if not lines:
        return lines
    if isinstance(parent, dict):
        position = _key_position(parent, key)
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


def _follow(parent: Any, key: Any, lines: str) -> None:
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


def _precede(parent: CommentedBase, lines: str) -> None:
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


def _close(parent: CommentedBase, lines: str) -> None:
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
    while isinstance(value, CommentedBase) and value and not value.fa.flow_style():
        parent, key = value, (list(value)[-1] if isinstance(value, dict) else len(value) - 1)
        value = parent[key]
    return parent, key


def _slot(owner: Any) -> int:
    return 2 if isinstance(owner, dict) else 0


def _key_position(parent: CommentedMap, key: Any) -> tuple[int, int] | None:
    """(line, column) of a key in the text; None for a key added or merged in (`<<`)."""
    try:
        return parent.lc.key(key)
    except KeyError:
        return None


# -- JSON ---------------------------------------------------------------------------------


def _apply_to_json(text: str, path: str, patches: Mapping[int, Sequence[Mapping[str, Any]]]) -> str:
    """A JSON file is one document; it stays JSON, in its indent and key order."""
    if set(patches) != {0}:
        raise WriteError("a JSON file has only document 0", path)
    source = _normalised(text)
    try:
        content = json.loads(source)
    except json.JSONDecodeError as exc:
        raise WriteError(f"cannot parse: {exc.msg}", path, exc.lineno) from None
    indent = _JSON_INDENT.search(source)

    def dump(value: Any) -> str:  # non-ASCII escaped only if the file escapes it
        return json.dumps(
            value, indent=indent.group(1) if indent else None, ensure_ascii="\\u" in source
        ) + "\n"

    before = dump(content)
    expected = _apply_ops(content, None, patches[0], path, lambda _pointer: 0)
    result = _least_changed(
        source, before, dump(expected), lambda candidate: _same(_json(candidate), expected)
    )
    assert result is not None  # json.dumps's own text always reads back
    return _restored(result, text)


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


# -- diff, files, output directory ----------------------------------------------------------


def unified_diff(path: str, before: str, after: str) -> str:
    """A unified diff of the file as `git diff` headers it; "" when nothing changed."""
    if before == after:
        return ""
    old, new = _lines(before), _lines(after)
    out = [f"--- a/{path}\n", f"+++ b/{path}\n"]
    for group in _Trimmed(old, new).get_grouped_opcodes(3):
        (_, i1, _, j1, _), (_, _, i2, _, j2) = group[0], group[-1]
        out.append(f"@@ -{_span(i1, i2)} +{_span(j1, j2)} @@\n")
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                out += [" " + line for line in old[a1:a2]]
                continue
            out += ["-" + line for line in old[a1:a2]]
            out += ["+" + line for line in new[b1:b2]]
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in out
    )


class _Trimmed(difflib.SequenceMatcher):  # type: ignore[type-arg]
    """difflib's matcher on the span between the common head and tail only.

    difflib is quadratic on big files with repeated lines (3.5 s for a 3.5 MB file of
    CRDs); the unchanged head and tail are handed back as plain `equal` runs.
    """

    def __init__(self, old: list[str], new: list[str]) -> None:
        head = 0
        while head < min(len(old), len(new)) and old[head] == new[head]:
            head += 1
        tail = 0
        while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
            tail += 1
        super().__init__(None, old[head : len(old) - tail], new[head : len(new) - tail],
                         autojunk=False)
        middle = [(tag, a1 + head, a2 + head, b1 + head, b2 + head)
                  for tag, a1, a2, b1, b2 in super().get_opcodes() if a1 != a2 or b1 != b2]
        self._opcodes = [("equal", 0, head, 0, head), *middle,
                         ("equal", len(old) - tail, len(old), len(new) - tail, len(new))]

    def get_opcodes(self) -> list[tuple[str, int, int, int, int]]:
        return self._opcodes


def _span(start: int, stop: int) -> str:
    """A unified diff range: `start,length`, 1-based; an empty range names the line before."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


def write_atomic(path: str, text: str) -> None:
    """Replace the file in one step, so a crash or a full disk never leaves half a manifest.

    The text goes to a temporary file in the same directory, is flushed to disk and then
    renamed over the file (its target, for a symlink), which keeps its permission bits.
    On any failure the original is untouched and the temporary file is gone.
    """
    target = os.path.realpath(path)
    directory = os.path.dirname(target)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    except OSError as exc:
        raise WriteError(f"cannot write: {exc.strerror}", path) from None
    temporary = ""
    try:
        os.makedirs(directory, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(target)}.")
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException as exc:
        if temporary:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
        if not isinstance(exc, OSError | UnicodeError):
            raise
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise WriteError(f"cannot write: {reason}", path) from None
    _fsync_directory(directory)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable; not every platform lets a directory be opened."""
    with contextlib.suppress(OSError):
        handle = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def output_path(path: str, roots: Sequence[str], output_dir: str) -> str:
    """Where `path` goes under --output-dir: its place under the first input root holding
    it (a root that is the file itself puts it at the top)."""
    absolute = os.path.abspath(path)
    for root in roots:
        relative = os.path.relpath(absolute, os.path.abspath(root))
        if relative == ".":
            return os.path.join(output_dir, os.path.basename(absolute))
        if relative != os.pardir and not relative.startswith(os.pardir + os.sep):
            return os.path.join(output_dir, relative)
    raise WriteError("not under any input path, so it has no place in the output directory", path)


def write_changes(
    changes: Sequence[Any],
    mode: WriteMode,
    roots: Sequence[str],
    output_dir: str | None,
    confirm: Callable[[Any], bool] | None = None,
) -> str:
    """Carry out the write mode for verified changes; the diff text in DIFF mode.

    `changes` are `kfix.model.FileChange`s; `confirm` (for --interactive) sees each one
    before it is written and may decline it.
    """
    diffs = []
    for change in changes:
        if mode is WriteMode.DIFF:
            diffs.append(unified_diff(change.path, change.before, change.after))
        elif confirm is None or confirm(change):
            target = change.path
            if mode is WriteMode.OUTPUT_DIR and output_dir is not None:
                target = output_path(change.path, roots, output_dir)
                os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
            write_atomic(target, change.after)
    return "".join(diffs)
