"""Stage 1, load: paths, directories and stdin → Documents, each with a line map.

YAML is composed by libyaml (the C loader) and the node tree kept with each document, so
a JSON pointer can be mapped to its line without parsing twice. The trees are several
times the size of the content: `kfix scan` holds only the files being evaluated (see
runner.scan). Trouble with one file becomes a `Problem`; the other files go on.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import json
import math
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import yaml

from kfix import collector
from kfix import pointer as pointer_
from kfix.load import lists
from kfix.model import Document, Problem

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
# read as JSON (a stream of values); JSON Lines only when named, as conftest walks no
# directory for them (it has no parser for them at all)
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
STDIN = "-"
BOM = "\ufeff"

# libyaml's composer recurses per nesting level and overflows the C stack near 30,000
# levels, and JSON encoding stops near 1,000; Kubernetes objects nest a few dozen deep.
# Aliases can multiply a small file into an enormous document (the "billion laughs"),
# so expanded size is bounded too.
MAX_DEPTH = 500
MAX_EXPANDED_NODES = 2_000_000

_RESOLVED: dict[str, str] = {}  # plain scalar text → its tag
_RESOLVED_MOST = 65_536


# the base is picked at run time: libyaml's loader when PyYAML was built with it
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The C loader, with YAML-only types read as the text the engine can take."""

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
        """A plain scalar's tag depends on its text alone, and manifests repeat their
        texts (keys above all): each is resolved once, where PyYAML tries its patterns on
        every scalar (a seventh of the corpus's parse time)."""
        if kind is yaml.ScalarNode and implicit[0]:
            known = _RESOLVED.get(value)
            if known is None:
                known = super().resolve(kind, value, implicit)
                if len(_RESOLVED) >= _RESOLVED_MOST:
                    _RESOLVED.clear()
                _RESOLVED[value] = known
            return known
        tag: str = super().resolve(kind, value, implicit)
        return tag

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """PyYAML's constructors fail on text an explicit tag does not allow, some with
        errors that name no line: `!!int 0x` (ValueError), `!!bool y` (KeyError), `!!int -`
        (IndexError). Each becomes a parse error at the node's line."""
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, LookupError):
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            what = repr(node.value) if isinstance(node, yaml.ScalarNode) else "this"
            raise yaml.constructor.ConstructorError(
                None, None, f"{what} is not a valid {tag}", node.start_mark
            ) from None

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """A key given twice is refused: YAML forbids it, and taking the last value (as
        PyYAML does) would hide `privileged: true` behind a later `privileged: false`."""
        own, count = node.value, len(node.value)  # merging (`<<`) deletes from this list
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        if len(mapping) < count or len(own) != count:
            seen: set[Any] = set()
            for key_node, _ in own:
                key = self.construct_object(key_node)
                if key in seen:
                    raise _Refused(key_node.start_mark.line + 1, f"refused: duplicate key {key!r}")
                seen.add(key)
        return mapping


def _as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    # any node may carry the tag; construct_scalar rejects one that is no scalar
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


def _finite(loader: yaml.SafeLoader, node: yaml.Node) -> float:
    """JSON, and so the engine, has no infinity and no NaN: such a document is refused."""
    value: float = loader.construct_yaml_float(node)  # type: ignore[arg-type]
    if not math.isfinite(value):
        raise _Refused(node.start_mark.line + 1, f"refused: {value} is not a JSON number")
    return value


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _as_text)
_Loader.add_constructor("tag:yaml.org,2002:binary", _as_text)
_Loader.add_constructor("tag:yaml.org,2002:value", _as_text)  # a plain `=`: the text "="
_Loader.add_constructor("tag:yaml.org,2002:float", _finite)


def _set(loader: _Loader, node: yaml.Node) -> Iterator[dict[Any, Any]]:
    """A `!!set` is a mapping whose values are null, as Kubernetes reads it: PyYAML's
    Python set is no JSON, and the engine could not take it."""
    mapping: dict[Any, Any] = {}
    yield mapping  # first, as PyYAML's own constructors do, so aliases to it resolve
    mapping.update(loader.construct_mapping(node))  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:set", _set)
# what may stand before an anchor or an alias: the text's start (an anchor there names
# the whole first document), a space or line break, a flow or block indicator, or a
# byte-order mark (libyaml takes one at the start of any document). A name is what
# libyaml's scanner takes for one: letters, digits, '-' and '_', as many as there are.
_ANCHOR = re.compile(r"&([0-9A-Za-z_-]+)")
_ALIAS = re.compile(r"\*([0-9A-Za-z_-]+)")
_NODE_MAY_START = frozenset("[{,:?-\ufeff")  # or any space (str.isspace, as re's \s)
_JSON_UNSAFE = re.compile(r"\\u[dD][89abcdefABCDEF]|NaN|Infinity")


@dataclass(frozen=True)
class LoadedFile:
    """One input file: the documents that loaded, and the problems of the rest.

    A problem with no documents beside it stopped the whole file (it cannot be read or
    parsed); beside documents it names one document that was refused (a duplicate key,
    say) while the file's other documents were read.
    """

    path: str
    text: str  # as parsed: a byte-order mark is taken off (and noted in `bom`)
    documents: tuple[Document, ...] = ()
    problems: tuple[Problem, ...] = ()
    bom: bool = False


def discover(paths: Sequence[str], ignore: str | None = None) -> list[str]:
    """Expand directories recursively into manifest files, in a stable order.

    Files named explicitly are taken whatever their suffix, as conftest does;
    inside directories only YAML and JSON files count. A file reached twice (named
    twice, or by two spellings of its path, or through a symlinked directory) is
    checked once, under the first name it was reached by.
    """
    pattern = re.compile(ignore) if ignore else None
    found: dict[str, str] = {}  # real path → the path as reached
    for path in paths:
        if not path:
            continue  # an empty argument, e.g. from an unset shell variable, as conftest
        if path == STDIN:
            found.setdefault(STDIN, STDIN)
        elif os.path.isdir(path):
            for name, real in sorted(_walk(path, pattern)):
                found.setdefault(real, name)
        elif not (pattern and pattern.search(path)):
            found.setdefault(os.path.realpath(path), path)
    return list(found.values())


def _walk(root: str, pattern: re.Pattern[str] | None) -> Iterator[tuple[str, str]]:
    """(path, real path) of the manifest files under root; symlinked directories are
    followed, each real directory once (a link back up the tree is not a loop). A
    directory that cannot be listed is yielded as a path of its own, so reading it
    reports why. Directories are taken breadth first, by name within a level, so a real
    directory reached by several paths is listed under the shortest, the first by name.
    Only symlinks cost a realpath: any other entry's real path is its real directory's
    joined with its name."""
    visited: set[str] = set()
    pending = [(0, root, os.path.realpath(root))]
    while pending:
        depth, directory, real = heapq.heappop(pending)
        if real in visited:
            continue
        visited.add(real)
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError:
            yield directory, real
            continue
        for entry in entries:
            try:
                is_directory = entry.is_dir()
                linked = entry.is_symlink()
            except OSError:
                is_directory = linked = False
            path = entry.path
            real_path = os.path.realpath(path) if linked else os.path.join(real, entry.name)
            if is_directory:
                if not entry.name.startswith("."):
                    heapq.heappush(pending, (depth + 1, path, real_path))
            elif entry.name.endswith(MANIFEST_SUFFIXES) and not (pattern and pattern.search(path)):
                yield path, real_path


@dataclass(frozen=True)
class Reading:
    """How inputs are read: `parser` forces one of PARSERS on every file (conftest's
    --parser; default: by suffix, YAML for stdin), `stdin_name` names standard input
    in every result and message (conftest's --stdin-filename; default "-")."""

    parser: str | None = None
    stdin_name: str = ""


class Unparsable(Exception):
    """The file does not parse after all: the parts read_parts gave are not its
    documents; `loaded` holds its one problem."""

    def __init__(self, loaded: LoadedFile) -> None:
        super().__init__(loaded.problems[0].message)
        self.loaded = loaded


def read(path: str, reading: Reading = Reading()) -> LoadedFile:
    """Read and parse one path ("-" is standard input); only regular files are read,
    so a FIFO or a device named in a scanned tree cannot hang the run."""
    return _whole_file(read_parts(path, reading))


def read_parts(path: str, reading: Reading = Reading(),
               size: int | None = None) -> Iterator[LoadedFile]:
    """read(), given as it goes in parts of `size` documents (None: one part), so that a
    file of many documents need not be held whole; raises Unparsable where it turns out
    not to parse. A JSON file comes in one part."""
    given = path
    if path == STDIN:
        path = reading.stdin_name or STDIN
    try:
        data = sys.stdin.buffer.read() if given == STDIN else _read_regular(path)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        yield LoadedFile(path, "", problems=(Problem(path, 0, f"cannot read: {reason}"),))
        return
    try:
        # CRLF files keep their line ends, so write-back can keep them too
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        message = f"cannot read: not UTF-8 (byte 0x{data[exc.start]:02x} at column {column})"
        yield LoadedFile(path, "", problems=(Problem(path, line, message),))
        return
    parser = reading.parser or ("yaml" if given == STDIN else None)
    if text.startswith(BOM):
        yield from (replace(part, bom=True)
                    for part in parse_parts(path, text[len(BOM) :], parser, size))
    else:
        yield from parse_parts(path, text, parser, size)


def _whole_file(parts: Iterator[LoadedFile]) -> LoadedFile:
    """The one part of a file read whole, or its problem if it does not parse."""
    try:
        (loaded,) = parts
    except Unparsable as exc:
        return exc.loaded
    return loaded


def _read_regular(path: str) -> bytes:
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(descriptor, "rb") as handle:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(0, "it is a directory")
        if not stat.S_ISREG(mode):
            raise OSError(0, "not a regular file")
        return handle.read()


def parse(path: str, text: str, parser: str | None = None) -> LoadedFile:
    """Split text into documents, as `parser` (one of PARSERS) reads them, by default as
    the path's suffix says. A file that does not parse yields one Problem; a document
    that is refused yields a Problem and the file's other documents load."""
    return _whole_file(parse_parts(path, text, parser))


def parse_parts(path: str, text: str, parser: str | None = None,
                size: int | None = None) -> Iterator[LoadedFile]:
    """parse() in parts of `size` documents (None: one part); the last part may be
    empty. Raises Unparsable where the text turns out not to parse."""

    def unparsable(line: int, message: str) -> Unparsable:
        return Unparsable(LoadedFile(path, text, problems=(Problem(path, line, message),)))

    deep = _too_deep(text)
    if deep:
        raise unparsable(deep, f"refused: nesting deeper than {MAX_DEPTH} levels")
    if parser == "json" or (parser is None and path.endswith(JSON_SUFFIXES)):
        yield _parse_json(path, text)
        return
    documents: list[Document] = []
    refused: list[Problem] = []
    check_aliases = _may_alias(text)
    loader = _Loader(text)
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                try:
                    document = _document(path, index, node, loader, check_aliases=check_aliases)
                except _Refused as exc:
                    refused.append(Problem(path, exc.line, str(exc)))
                    document = None
                if document is not None:
                    documents.append(document)
                    if size is not None and len(documents) >= size:
                        yield LoadedFile(path, text, tuple(documents), tuple(refused))
                        documents, refused = [], []
            index += 1
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(part for part in (exc.context, exc.problem) if part)
        raise unparsable(mark.line + 1 if mark else 0, f"cannot parse: {message}") from None
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        raise unparsable(0, f"cannot parse: {exc}") from None
    finally:
        loader.dispose()
    yield LoadedFile(path, text, tuple(documents), tuple(refused))


def _parse_json(path: str, text: str) -> LoadedFile:
    """JSON by JSON's rules (PyYAML would read 1e3 as a string); lines from libyaml.

    A stream of JSON values, one after another (`kubectl get ... -o json` of several
    objects, JSON Lines), is several documents, each with its own lines; values that are
    not objects are skipped as YAML's non-mapping documents are, still counted.
    """

    def refuse(line: int, message: str) -> LoadedFile:
        return LoadedFile(path, text, problems=(Problem(path, line, message),))

    try:
        values = json_values(text)
    except json.JSONDecodeError as exc:
        return refuse(exc.lineno, f"cannot parse: {exc.msg}")
    except ValueError as exc:  # NaN or Infinity, which JSON itself does not allow
        match = _JSON_UNSAFE.search(text)
        return refuse(text.count("\n", 0, match.start()) + 1 if match else 0, f"refused: {exc}")
    except RecursionError:
        return refuse(0, "refused: nesting too deep")
    if not any(isinstance(content, dict) for content, _, _ in values):
        return LoadedFile(path, text)
    if _JSON_UNSAFE.search(text):
        try:  # a lone surrogate (\ud800) decodes, then no UTF-8 encoder can take it
            for content, _, _ in values:
                json.dumps(content, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return refuse(0, "refused: a string holds a lone UTF-16 surrogate")
    documents = []
    line = 1
    previous = 0
    for index, (content, start, end) in enumerate(values):
        line += text.count("\n", previous, start)
        previous = start
        # the whole text's check in parse() stops at the 2nd value, which YAML refuses
        deep = _too_deep(text[start:end]) if len(values) > 1 else 0
        if deep:
            return refuse(line + deep - 1, f"refused: nesting deeper than {MAX_DEPTH} levels")
        if isinstance(content, dict):
            try:
                root = yaml.compose(text if len(values) == 1 else text[start:end],
                                    Loader=_Loader)
            except yaml.YAMLError:  # valid JSON that YAML 1.1 rejects, e.g. tabs as indentation
                root = None
            documents.append(Document(path, index, line, content, LineMap(root, line - 1)))
    return LoadedFile(path, text, tuple(documents))


def json_values(text: str) -> list[tuple[Any, int, int]]:
    """Every JSON value of `text`, one after another, with its start and end offsets;
    raises json.JSONDecodeError (with the line) where the text is not such a stream."""
    values: list[tuple[Any, int, int]] = []
    position = _JSON_SPACE.match(text, 0).end()  # type: ignore[union-attr]
    if position == len(text):  # json's own message for an empty text
        return [(json.loads(text), 0, 0)]
    while position < len(text):
        content, end = _JSON_DECODER.raw_decode(text, position)
        values.append((content, position, end))
        position = _JSON_SPACE.match(text, end).end()  # type: ignore[union-attr]
    return values


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_JSON_DECODER = json.JSONDecoder(parse_constant=_no_constant)
_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def _document(
    path: str, index: int, node: yaml.Node, loader: Any, *, check_aliases: bool
) -> Document | None:
    if not isinstance(node, yaml.MappingNode):
        return None  # empty documents, scalars and top-level lists are not manifests
    if check_aliases:
        _check_aliases(node)
        content = loader.construct_document(node)
    else:
        content = _constructed(node, loader)
    return Document(
        file=path,
        index=index,
        line=node.start_mark.line + 1,
        content=content,
        line_of=LineMap(node),
    )


def _constructed(root: yaml.Node, loader: Any) -> Any:
    """The document's content, built in one quick pass where every node is a plain map,
    sequence or scalar of the core tags (nearly every manifest); PyYAML's constructors,
    which the quick pass gives way to at anything else, build it otherwise. Both give the
    same values; the quick pass took a third of the time on the shared corpus."""
    try:
        return _quick(root, loader)
    except Exception:  # whatever it is, the constructors say it properly
        return loader.construct_document(root)


_TAG = "tag:yaml.org,2002:"
_MAP, _SEQ, _STR, _NULL, _BOOL, _INT, _FLOAT = (
    _TAG + name for name in ("map", "seq", "str", "null", "bool", "int", "float"))
_AS_TEXT = frozenset(_TAG + name for name in ("str", "timestamp", "binary", "value"))


class _Unusual(Exception):
    """A node the quick pass leaves to PyYAML's constructors."""


def _quick(node: yaml.Node, loader: Any) -> Any:
    kind, tag = type(node), node.tag
    if kind is yaml.ScalarNode:
        if tag in _AS_TEXT:
            return node.value
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return loader.bool_values[node.value.lower()]
        if tag == _INT:
            return loader.construct_yaml_int(node)
        if tag == _FLOAT:
            return _finite(loader, node)
    elif kind is yaml.MappingNode and tag == _MAP:
        mapping = {}
        for key, value in node.value:
            if type(key) is not yaml.ScalarNode or key.tag not in _KEY_TAGS:
                raise _Unusual  # a merge (`<<`), `=`, or a collection as a key
            mapping[_quick(key, loader)] = _quick(value, loader)
        if len(mapping) != len(node.value):
            raise _Unusual  # a duplicate key, which the constructors name
        return mapping
    elif kind is yaml.SequenceNode and tag == _SEQ:
        return [_quick(item, loader) for item in node.value]
    raise _Unusual


_KEY_TAGS = frozenset((_STR, _NULL, _BOOL, _INT, _FLOAT))


class LineMap:
    """JSON pointer → line, read off the composed YAML nodes: the deepest node that exists
    on the path (for a key, the key's line)."""

    __slots__ = ("_offset", "_root")

    def __init__(self, root: yaml.Node | None, offset: int = 0) -> None:
        """`offset`: lines of the file before the text `root` was composed from."""
        self._root = root
        self._offset = offset

    def __call__(self, pointer: str) -> int:
        node = self._root
        if node is None:  # valid JSON that YAML cannot compose (tabs as indentation, say)
            return self._offset + 1
        line = node.start_mark.line + 1
        for segment in pointer_.split(pointer):
            child = _child(node, segment)
            if child is None:
                break
            key, node = child
            line = (key or node).start_mark.line + 1
        return line + self._offset


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


def _too_deep(text: str) -> int:
    """The line where the text nests deeper than MAX_DEPTH, or 0; decided on libyaml's
    parser events (which do not recurse) before its composer does.

    Only texts that could be that deep are parsed for it. A level is opened by a column
    of indentation, by an indicator (`- `, `? `, `: `) at the start of a line (a node
    property ends that run: no block collection follows one on its line), or by a
    bracket where a flow collection may start (two levels at most: `[a: [b: ...]]`; an
    empty `{}` or `[]` is a leaf, so all of them together add one level to any path).
    Each count errs upwards (a bracket in a quoted string counts), never downwards.
    """
    flow = 2 * (text.count("[") + text.count("{"))
    if flow > MAX_DEPTH - 4:
        flow = _flow_levels(text)
    width = MAX_DEPTH - 4 - flow
    if width > 0 and not _block_run(text, width):
        return 0
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, _OPENING):
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark.line + 1 if event.start_mark else 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return 0  # the composer reports it, with its line
    return 0


_OPENING = (yaml.MappingStartEvent, yaml.SequenceStartEvent)


def _flow_levels(text: str) -> int:
    """At most how many levels the flow collections of the text nest: two for each
    bracket where a flow collection may start (at the start of a line, after an indicator
    or a flow separator, or after node properties: `- &a !!seq [`), one for all empty
    ones (`{}`, `[ ]`) together, as each is a leaf. Brackets are found with str.find,
    which is several times faster on megabytes of text than a regular expression."""
    openers = empty = 0
    for bracket, closer in (("[", "]"), ("{", "}")):
        at = text.find(bracket)
        while at >= 0:
            after = at + 1
            while text[after : after + 1] in (" ", "\t"):
                after += 1
            if text[after : after + 1] == closer:
                empty = 1
            else:
                openers += _may_open(text, at)
            at = text.find(bracket, at + 1)
    return 2 * openers + empty


def _may_open(text: str, at: int) -> bool:
    """Whether a flow collection may start at the bracket at `at`."""
    before = at - 1
    while before >= 0 and text[before] in " \t":
        before -= 1
    if before < 0 or text[before] in "[{,:?-\n\r":
        return True
    # the word before: a node property? (looked for within its line only)
    line = text.rfind("\n", 0, before)
    word = max(line, text.rfind(" ", line + 1, before), text.rfind("\t", line + 1, before)) + 1
    return text[word] in "&!"


def _block_run(text: str, width: int) -> bool:
    """Whether a line of the text starts with `width` or more characters of indentation
    and block indicators. libyaml breaks lines at CR, NEL, LS and PS as well as at LF; a
    search that starts with a plain "\\n" runs at C speed, so the others are searched
    for only in a text that holds one."""
    starts, after_lf, after_other = _block_runs(width)
    return bool(starts.match(text) or after_lf.search(text) or (
        _OTHER_BREAKS.search(text) and after_other.search(text)))


_OTHER_BREAKS = re.compile("[\r\x85\u2028\u2029]")


@functools.lru_cache(maxsize=64)
def _block_runs(width: int) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    run = rf"[ \t\-?:]{{{width},}}"
    return (re.compile(run), re.compile("\n" + run),
            re.compile(_OTHER_BREAKS.pattern + run))


def _may_alias(text: str) -> bool:
    """Whether the text may hold an alias to an anchor: a name found both after an `&`
    and after a `*` where a node may start. Cheap tests first; prose such as `a && b`
    or `*not*` in CRD descriptions names no anchor that an alias names too."""
    if "&" not in text or "*" not in text:
        return False
    aliased = _names(_ALIAS, text)
    return bool(aliased) and not aliased.isdisjoint(_names(_ANCHOR, text))


def _names(pattern: re.Pattern[str], text: str) -> set[str]:
    """The names `pattern` finds where a node may start (a pattern that begins with its
    indicator is found at C speed; the character before is looked at here)."""
    return {match[1] for match in pattern.finditer(text)
            if match.start() == 0 or text[match.start() - 1] in _NODE_MAY_START
            or text[match.start() - 1].isspace()}


# where libyaml ends a document whatever is open: `---` or `...` at the start of a line
_DOCUMENT_MARKER = re.compile(r"^(?=(?:---|\.\.\.)(?:[ \t\r\n]|\Z))", re.MULTILINE)


def contents_mentioning(path: str, word: str) -> list[Any]:
    """The contents of the documents of `path` whose text holds `word` (each item of a
    List that does),
    without building the others: the text is cut at document markers, and only the pieces
    holding the word are parsed. A piece that does not parse alone (a directive left in
    the piece before its document, say) falls back to the whole file; a file that cannot
    be read gives nothing, as its own reading will say."""
    try:
        data = _read_regular(path)
    except OSError:
        return []
    if word.encode("utf-8") not in data:
        return []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return []
    pieces = [text] if path.endswith(JSON_SUFFIXES) else _DOCUMENT_MARKER.split(text)
    documents: list[Document] = []
    for piece in pieces:
        if word in piece:
            loaded = parse(path, piece)
            if loaded.problems and len(pieces) > 1:
                documents = list(parse(path, text).documents)
                break
            documents += loaded.documents
    return [document.content for document in lists.expand(documents)]


Contents = dict[tuple[int, str], Any]  # (document index, List item) → content


def contents(loaded: LoadedFile) -> Contents:
    return {(d.index, d.item): d.content for d in loaded.documents}


def reread(loaded: LoadedFile, text: str) -> Contents | None:
    """The contents of `text`, a new text of the file `loaded` was read from, keyed as
    `contents(loaded)` is; None when it does not read cleanly.

    Only what changed is parsed again. Outside directives (`%TAG` applies to the next
    document), a valid text parses piece by piece as it parses whole, each piece cut at
    a document marker holding one document at most; so where the pieces are as many as
    before, a piece whose text is the same has the same documents, and only the others
    are parsed, alone. Anything else (a directive, pieces added or taken away, a piece
    with another number of documents) is read whole.
    """
    if (loaded.problems or loaded.path.endswith(JSON_SUFFIXES) or _DIRECTIVE.search(text)
            or _DIRECTIVE.search(loaded.text)):
        return _whole(loaded.path, text)
    before, after = _DOCUMENT_MARKER.split(loaded.text), _DOCUMENT_MARKER.split(text)
    if len(before) != len(after):
        return _whole(loaded.path, text)
    starts, line = [], 1
    for piece in before:  # the first line of each piece
        starts.append(line)
        line += piece.count("\n")
    found: Contents = {}
    for document in loaded.documents:
        piece = bisect.bisect_right(starts, document.line) - 1
        if before[piece] == after[piece]:
            found[(document.index, document.item)] = document.content
    for piece, (old, new) in enumerate(zip(before, after, strict=True)):
        if old == new:
            continue
        indices = {d.index for d in loaded.documents
                   if bisect.bisect_right(starts, d.line) - 1 == piece}
        parsed = lists.expanded(parse(loaded.path, new))
        if parsed.problems or len(indices) != 1 or any(d.index for d in parsed.documents):
            return _whole(loaded.path, text)
        (index,) = indices
        found.update({(index, d.item): d.content for d in parsed.documents})
    return found


def _whole(path: str, text: str) -> Contents | None:
    parsed = lists.expanded(parse(path, text))
    return None if parsed.problems else contents(parsed)


_DIRECTIVE = re.compile(r"^%", re.MULTILINE)


def load(paths: Iterable[str], reading: Reading = Reading()) -> list[LoadedFile]:
    """Read every path, with the cyclic garbage collector paused (kfix/collector.py):
    on the shared corpus, collecting tripled load time (13.4 s against 4.8 s)."""
    with collector.paused(keep=True):
        return [lists.expanded(read(path, reading)) for path in paths]
