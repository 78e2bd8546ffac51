"""One YAML document patched: as text edits (`direct`), else with ruamel.yaml's round trip.

The text splicer handles the common operations; for the rest, ruamel writes one
indentation per document, so only the lines the patch changed are taken from its
output (`splice`). Either way the document must read back, with kfix's own loader, as
exactly the patched content.
"""

from __future__ import annotations

import io
import warnings
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedBase, CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MantissaNoDotYAML1_1Warning, MarkedYAMLError
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.resolver import VersionedResolver

from kfix.errors import WriteError
from kfix.load.manifests import parse
from kfix.model import Document
from kfix.writer import direct, tally
from kfix.writer.comments import key_position
from kfix.writer.operations import apply_ops, same
from kfix.writer.render import Unsupported
from kfix.writer.splice import least_changed, normalised, restored
from kfix.writer.style import Float, Null
from kfix.writer.taken import taken_lines

_LIBYAML = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NULL_TAG = "tag:yaml.org,2002:null"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_FLOAT_TAG = "tag:yaml.org,2002:float"


def patch_document(text: str, path: str, line: int, ops: Sequence[Mapping[str, Any]]) -> str:
    """One document's new text; `line` is where it starts in the file, for errors.

    The text splicer's edits are taken when it can make them and they read back as the
    patched content; otherwise (the reason is tallied) the round trip patches it.
    """
    document = _document(text, path, line)  # as written: a final line break can matter
    expected = apply_ops(
        document.content, None, ops, path, lambda pointer: line + document.line_of(pointer) - 1
    )
    try:
        spliced = direct.patched(text, ops)
    except Unsupported as exc:
        reason = exc.reason
    else:
        if _reads_as(path, spliced, expected):
            tally.record(tally.SPLICED)
            return spliced
        reason = "a splice that does not read back as patched"
    tally.record(tally.ROUND_TRIP + reason)
    return _round_tripped(text, path, line, ops)


def _round_tripped(text: str, path: str, line: int, ops: Sequence[Mapping[str, Any]]) -> str:
    """The document patched through ruamel's round trip.

    ruamel writes one indentation per document, so it would re-indent lines that stray
    from the most common style: only the lines the patch changed are taken from its
    output, the rest stay as written. When that cannot be worked out, ruamel's whole
    rendering is used. Either way the result must read back as the patched content.
    """
    source = normalised(text)
    document = _document(source, path, line)
    yaml_rt, tree = _round_trip(source, path, line)
    before = _dump(yaml_rt, tree)
    expected = apply_ops(
        document.content, tree, ops, path, lambda pointer: line + document.line_of(pointer) - 1
    )
    result = least_changed(
        source, before, _dump(yaml_rt, tree), lambda candidate: _reads_as(path, candidate, expected)
    )
    if result is None:
        raise WriteError("the patched document does not read back as patched", path, line)
    _check_comments(source, result, ops, path, line)
    return restored(result, text)


def _check_comments(
    source: str, result: str, ops: Sequence[Mapping[str, Any]], path: str, line: int
) -> None:
    """Refuse a result that lost a comment the patch did not take away with its nodes:
    ruamel drops some (any inside a flow collection, one after an empty one), and
    `comments` cannot move every kind ruamel has."""
    if "#" not in source:
        return
    root = yaml.compose(source, Loader=_LIBYAML)
    if root is None:
        return
    comments = _comments(source, root)
    if all(result.count(text) >= source.count(text) for _, text in comments):
        return
    content = _document(source, path, line).content  # as it was: apply_ops patched it
    taken = taken_lines(source, root, content, ops)
    outside = Counter(text for at, text in comments if at not in taken)
    for at, comment in comments:
        if at not in taken and result.count(comment) < outside[comment]:
            raise WriteError(f"the round trip would lose a comment: {comment}", path, line + at)


def _comments(text: str, root: yaml.Node) -> list[tuple[int, str]]:
    """The document's comments, each to its line's end, with its 0-based line: a `#`
    outside every scalar starts one (the scanner takes `#` as a comment wherever a token
    may start, and a scalar holds every other `#`)."""
    chars = list(text)
    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:  # an alias is its anchor's node
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            start, stop = node.start_mark.index, node.end_mark.index
            chars[start:stop] = " " * (stop - start)
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
        elif isinstance(node, yaml.MappingNode):
            stack += [item for pair in node.value for item in pair]
    masked = "".join(chars)
    comments = []
    for start in (i for i, char in enumerate(masked) if char == "#"):
        end = masked.find("\n", start)
        comment = text[start : len(text) if end < 0 else end].rstrip("\r")
        comments.append((text.count("\n", 0, start), comment))
    return comments


def _document(source: str, path: str, line: int) -> Document:
    loaded = parse(path, source)
    if loaded.problems:
        problem = loaded.problems[0]
        where = line + problem.line - 1 if problem.line else line
        raise WriteError(f"cannot patch this document: {problem.message}", path, where)
    if not loaded.documents:
        raise WriteError("cannot patch this document: it is not a mapping", path, line)
    return loaded.documents[0]


def _round_trip(text: str, path: str, line: int) -> tuple[YAML, Any]:
    """ruamel's round-trip tree of the document, and a YAML set to write it in its style."""
    yaml_rt = YAML(typ="rt")
    yaml_rt.Constructor = _Constructor
    yaml_rt.Representer = _Representer
    yaml_rt.Resolver = _Resolver
    yaml_rt.preserve_quotes = True
    yaml_rt.width = 4096  # never re-wrap long lines
    yaml_rt.explicit_start = text.startswith("---")  # content on the marker line
    try:
        with warnings.catch_warnings():  # `1e5` is no float to YAML 1.1, and no warning
            warnings.simplefilter("ignore", MantissaNoDotYAML1_1Warning)
            tree = yaml_rt.load(text)
    except MarkedYAMLError as exc:  # what libyaml lets pass, e.g. a duplicate key
        mark = exc.problem_mark or exc.context_mark
        where = line + mark.line if mark else line
        raise WriteError(f"cannot patch this document: {exc.problem or exc}", path, where) from None
    except (ValueError, TypeError, LookupError) as exc:
        # ruamel's constructors are not PyYAML's: text the loader took and they do not
        # (before `_Resolver`, `!!int '190:20:30'` was one) is refused, not a crash
        raise WriteError(f"cannot patch this document: ruamel.yaml cannot read it ({exc})",
                         path, line) from None
    yaml_rt.indent(**_indentation(tree))
    return yaml_rt, tree


def _dump(yaml_rt: YAML, tree: Any) -> str:
    stream = io.StringIO()
    yaml_rt.dump(tree, stream)
    text = stream.getvalue()
    # ruamel ends without a line break when the last key follows a moved end-of-line
    # comment; spliced back into its file, the next line (`...`) would join it
    return text if text.endswith("\n") else text + "\n"


def _reads_as(path: str, text: str, content: Any) -> bool:
    loaded = parse(path, text)
    return (
        not loaded.problems
        and len(loaded.documents) == 1
        and same(loaded.documents[0].content, content)
    )


class _Timestamp(str):
    """A timestamp as written: the loader reads it as text, ruamel would reformat it."""

    __slots__ = ()


class _Constructor(RoundTripConstructor):
    pass


class _Resolver(VersionedResolver):
    """Plain scalars typed by the loader's own rules (PyYAML's YAML 1.1): by YAML 1.2's,
    which ruamel follows, `1e3` is a number and `yes` a string (and by ruamel's 1.1, `n`
    is false), so a key `1e3:` was no member `1e3` of ruamel's tree, and a patch on it
    failed."""

    _RULES: ClassVar[dict[Any, Any]] = {
        first: list(rules)
        for first, rules in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
    }

    @property
    def processing_version(self) -> Any:
        return (1, 1)  # for ruamel's constructors: octal `010`, sexagesimal `1:30`

    @property
    def versioned_resolver(self) -> Any:
        return self._RULES


def _float(constructor: _Constructor, node: Any) -> Any:
    """A float kept as written where YAML 1.1 reads that text as a float (`!!float '1e5'`
    is not: ruamel's own float then)."""
    if Float.reads_as_float(node.value):
        return Float(node.value)
    return constructor.construct_yaml_float(node)


class _Representer(RoundTripRepresenter):
    pass


_Constructor.add_constructor(_NULL_TAG, lambda c, node: Null(node.value))
_Constructor.add_constructor(_TIMESTAMP_TAG, lambda c, node: _Timestamp(node.value))
_Representer.add_representer(Null, lambda r, data: r.represent_scalar(_NULL_TAG, data.text))
_Representer.add_representer(_Timestamp, lambda r, data: r.represent_scalar(_TIMESTAMP_TAG, data))
_Constructor.add_constructor(_FLOAT_TAG, _float)
_Representer.add_representer(Float, lambda r, data: r.represent_scalar(_FLOAT_TAG, str(data)))


def _indentation(tree: Any) -> dict[str, int]:
    """The document's most common mapping indent and sequence indent and dash offset,
    each measured from the column of the key that holds the collection."""
    mappings: Counter[int] = Counter()
    sequences: Counter[tuple[int, int]] = Counter()
    for parent in _mappings(tree):
        for key, value in parent.items():
            position = key_position(parent, key)
            block = isinstance(value, CommentedBase) and value and not value.fa.flow_style()
            if not block or position is None or value.lc.line == position[0]:
                continue
            key_column = position[1]
            # an explicit key (`? k` then `: {a: 1}`) has its value at its own column:
            # no indentation ruamel could write
            if isinstance(value, CommentedMap) and value.lc.col > key_column:
                mappings[value.lc.col - key_column] += 1
            elif isinstance(value, CommentedSeq):
                sequence, offset = value.lc.item(0)[1] - key_column, value.lc.col - key_column
                if sequence >= offset + 2 and offset >= 0:
                    sequences[(sequence, offset)] += 1
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


