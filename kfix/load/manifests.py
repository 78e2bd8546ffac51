"""Stage 1, load: paths, directories and stdin → Documents, each with a line map.

YAML is composed by libyaml (the C loader) and the node tree kept with each document, so
a JSON pointer can be mapped to its line without parsing twice. The trees are several
times the size of the content: `kfix scan` holds only the files being evaluated (see
runner.scan). Trouble with one file becomes a `Problem`; the other files go on.
"""

from __future__ import annotations

import gc
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import yaml

from kfix import pointer as pointer_
from kfix.load import lists
from kfix.model import Document, Problem

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"
BOM = "\ufeff"

# libyaml's composer recurses per nesting level and overflows the C stack near 30,000
# levels, and JSON encoding stops near 1,000; Kubernetes objects nest a few dozen deep.
# Aliases can multiply a small file into an enormous document (the "billion laughs"),
# so expanded size is bounded too.
MAX_DEPTH = 500
MAX_EXPANDED_NODES = 2_000_000



# the base is picked at run time: libyaml's loader when PyYAML was built with it
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The C loader, with YAML-only types read as the text the engine can take."""


def _as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    # any node may carry the tag; construct_scalar rejects one that is no scalar
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _as_text)
_Loader.add_constructor("tag:yaml.org,2002:binary", _as_text)
_ANCHOR = re.compile(r"[\s\[,:-]&[^\s,\[\]{}]")
_ALIAS = re.compile(r"[\s\[,:-]\*[^\s,\[\]{}]")
_FLOW_TOKENS = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*|[\[\]{}]')
_DEEP_BLOCK = re.compile(rf"^[ \-?:]{{{MAX_DEPTH},}}", re.MULTILINE)


@dataclass(frozen=True)
class LoadedFile:
    """One input file: its documents, or the problem that stopped it."""

    path: str
    text: str  # as parsed: a byte-order mark is taken off (and noted in `bom`)
    documents: tuple[Document, ...] = ()
    problem: Problem | None = None
    bom: bool = False


def discover(paths: Sequence[str], ignore: str | None = None) -> list[str]:
    """Expand directories recursively into manifest files, in a stable order.

    Files named explicitly are taken whatever their suffix, as conftest does;
    inside directories only YAML and JSON files count.
    """
    pattern = re.compile(ignore) if ignore else None
    found: list[str] = []
    for path in paths:
        if not path:
            continue  # an empty argument, e.g. from an unset shell variable, as conftest
        if path == STDIN:
            found.append(path)
        elif os.path.isdir(path):
            found.extend(sorted(_walk(path, pattern)))
        elif not (pattern and pattern.search(path)):
            found.append(path)
    return list(dict.fromkeys(found))  # a file named twice is checked once


def _walk(root: str, pattern: re.Pattern[str] | None) -> Iterator[str]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            path = os.path.join(dirpath, name)
            if name.endswith(MANIFEST_SUFFIXES) and not (pattern and pattern.search(path)):
                yield path


def read(path: str) -> LoadedFile:
    """Read and parse one path ("-" is standard input)."""
    try:
        if path == STDIN:
            text = sys.stdin.read()
        else:
            # newline="": CRLF files keep their line ends, so write-back can keep them too
            with open(path, encoding="utf-8", newline="") as handle:
                text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return LoadedFile(path, "", problem=Problem(path, 0, f"cannot read: {reason}"))
    if text.startswith(BOM):
        return replace(parse(path, text[len(BOM) :]), bom=True)
    return parse(path, text)


def parse(path: str, text: str) -> LoadedFile:
    """Split text into documents; a file that does not parse yields one Problem."""
    if _too_deep(text):
        return LoadedFile(
            path, text, problem=Problem(path, 0, f"refused: nesting deeper than {MAX_DEPTH} levels")
        )
    if path.endswith(".json"):
        return _parse_json(path, text)
    documents: list[Document] = []
    check_aliases = _may_alias(text)
    loader = _Loader(text)
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                document = _document(path, index, node, loader, check_aliases=check_aliases)
                if document is not None:
                    documents.append(document)
            index += 1
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        message = " ".join(part for part in (exc.context, exc.problem) if part)
        return LoadedFile(path, text, problem=Problem(path, line, f"cannot parse: {message}"))
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        return LoadedFile(path, text, problem=Problem(path, 0, f"cannot parse: {exc}"))
    except _Refused as exc:
        return LoadedFile(path, text, problem=Problem(path, exc.line, str(exc)))
    finally:
        loader.dispose()
    return LoadedFile(path, text, tuple(documents))


def _parse_json(path: str, text: str) -> LoadedFile:
    """JSON by JSON's rules (PyYAML would read 1e3 as a string); lines from libyaml."""
    try:
        content = json.loads(text)
    except json.JSONDecodeError as exc:
        return LoadedFile(path, text, problem=Problem(path, exc.lineno, f"cannot parse: {exc.msg}"))
    except RecursionError:
        return LoadedFile(path, text, problem=Problem(path, 0, "refused: nesting too deep"))
    if not isinstance(content, dict):
        return LoadedFile(path, text)
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:  # valid JSON that YAML 1.1 rejects, e.g. tabs as indentation
        root = None
    return LoadedFile(path, text, (Document(path, 0, 1, content, LineMap(root)),))


def _document(
    path: str, index: int, node: yaml.Node, loader: Any, *, check_aliases: bool
) -> Document | None:
    if not isinstance(node, yaml.MappingNode):
        return None  # empty documents, scalars and top-level lists are not manifests
    if check_aliases:
        _check_aliases(node)
    content = loader.construct_document(node)
    return Document(
        file=path,
        index=index,
        line=node.start_mark.line + 1,
        content=content,
        line_of=LineMap(node),
    )


class LineMap:
    """JSON pointer → line, read off the composed YAML nodes: the deepest node that exists
    on the path (for a key, the key's line)."""

    __slots__ = ("_root",)

    def __init__(self, root: yaml.Node | None) -> None:
        self._root = root

    def __call__(self, pointer: str) -> int:
        node = self._root
        if node is None:  # valid JSON that YAML cannot compose (tabs as indentation, say)
            return 1
        line = node.start_mark.line + 1
        for segment in pointer_.split(pointer):
            child = _child(node, segment)
            if child is None:
                break
            key, node = child
            line = (key or node).start_mark.line + 1
        return line


def _child(node: yaml.Node, segment: str) -> tuple[yaml.Node | None, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == segment:
                return key, value
    elif isinstance(node, yaml.SequenceNode) and segment.isdigit():
        position = int(segment)
        if position < len(node.value):
            return None, node.value[position]
    return None


class _Refused(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def _check_aliases(root: yaml.Node) -> None:
    """Measure the document as if every alias were copied out, memoising shared subtrees.

    Aliases can make a small text both huge and deep, which the text checks cannot see.
    """
    measured: dict[int, tuple[int, int]] = {}  # id(node) → (expanded nodes, height)
    open_nodes: set[int] = set()
    line = root.start_mark.line + 1

    def measure(node: yaml.Node, level: int) -> tuple[int, int]:
        known = measured.get(id(node))
        if level > MAX_DEPTH or (known and level + known[1] - 1 > MAX_DEPTH):
            raise _Refused(line, f"refused: nesting deeper than {MAX_DEPTH} levels")
        if known is not None:
            return known
        if id(node) in open_nodes:  # an alias inside its own anchor: no JSON form
            raise _Refused(line, "refused: a recursive alias")
        open_nodes.add(id(node))
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [item for pair in node.value for item in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        total, height = 1, 0
        for child in children:
            size, child_height = measure(child, level + 1)
            total, height = total + size, max(height, child_height)
        if total > MAX_EXPANDED_NODES:
            raise _Refused(
                line, f"refused: aliases expand this document past {MAX_EXPANDED_NODES:,} nodes"
            )
        measured[id(node)] = (total, height + 1)
        open_nodes.discard(id(node))
        return total, height + 1

    measure(root, 1)


def _too_deep(text: str) -> bool:
    """Whether the text may nest deeper than MAX_DEPTH, checked before libyaml recurses.

    Block nesting needs an indentation (or "- " prefix) as wide as its depth; flow
    nesting needs as many brackets, so only files with many brackets are tokenised.
    """
    if _DEEP_BLOCK.search(text):
        return True
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    depth = 0
    for match in _FLOW_TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif token in "]}":
            depth = max(depth - 1, 0)
    return False


def _may_alias(text: str) -> bool:
    """Whether the text may hold an anchor and an alias; cheap tests first."""
    return (
        "&" in text
        and "*" in text
        and bool(_ANCHOR.search(text))
        and bool(_ALIAS.search(text))
    )


def load(paths: Iterable[str]) -> list[LoadedFile]:
    """Read every path, with the cyclic garbage collector paused.

    The node trees kept for line maps hold no cycles, yet every collection walks them
    all again: on the shared corpus, collecting tripled load time (13.4 s against 4.8 s).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return [lists.expanded(read(path)) for path in paths]
    finally:
        if enabled:
            gc.enable()
