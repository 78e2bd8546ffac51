"""JSON values written as YAML text in a document's own style, for the text splicer.

Block collections indented as the document indents them (`Indent`), `null` spelled out,
strings plain where they read back as themselves and quoted as ruamel.yaml would quote
them otherwise (`style.py`'s rule: a string YAML 1.1 reads as something else gets double
quotes). Whatever cannot be written safely raises `Unsupported`, and the document goes
through the round trip instead.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.emitter import Emitter

_STR_TAG = "tag:yaml.org,2002:str"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_YAML_1_1 = yaml.resolver.Resolver()  # how the loader, and Kubernetes, read a plain scalar
# PyYAML's emitter decides, as ruamel's does, where a string may be plain or single-quoted
_EMITTER = Emitter(io.StringIO(), allow_unicode=True)
# escaped in double quotes: what YAML would not read as the character itself (line
# breaks of YAML 1.1, the byte-order mark, non-printable characters)
_ESCAPE = re.compile("[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd"
                     "\U00010000-\U0010ffff]")
_NAMED = {"\x85": "\\N", "\u2028": "\\L", "\u2029": "\\P"}
_MAX_KEY = 128  # longer keys are written as `? key` by ruamel; leave those to it


class Unsupported(Exception):
    """This edit needs ruamel.yaml's round trip; `reason` says why, for the tally."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Indent:
    """How a document indents, from the key holding a collection: a mapping's keys by
    `mapping`, a sequence's items by `sequence` and their dashes by `offset` (ruamel's
    terms)."""

    mapping: int = 2
    sequence: int = 2
    offset: int = 0


def indentation(root: yaml.Node) -> Indent:
    """The document's most common indents (as yaml_document measures them for ruamel)."""
    mappings: Counter[int] = Counter()
    sequences: Counter[tuple[int, int]] = Counter()
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append(value)
                if (
                    not isinstance(value, yaml.CollectionNode)
                    or not value.value
                    or value.flow_style
                    or value.start_mark.line == key.start_mark.line
                ):
                    continue
                column = key.start_mark.column
                if isinstance(value, yaml.MappingNode):
                    mappings[value.start_mark.column - column] += 1
                else:
                    first = value.value[0].start_mark.column
                    sequences[(first - column, value.start_mark.column - column)] += 1
    mapping = mappings.most_common(1)[0][0] if mappings else 2
    sequence, offset = sequences.most_common(1)[0][0] if sequences else (2, 0)
    return Indent(mapping, sequence, offset)


def entry_lines(key: str, value: Any, column: int, indent: Indent) -> list[str]:
    """`key: value` as lines with the key at `column`; a collection in block style."""
    head = " " * column + key_text(key) + ":"
    if isinstance(value, dict) and value:
        return [head, *block_lines(value, column, indent)]
    if isinstance(value, list) and value:
        return [head, *block_lines(value, column, indent)]
    return [f"{head} {scalar(value)}"]


def block_lines(value: dict[str, Any] | list[Any], column: int, indent: Indent) -> list[str]:
    """A non-empty collection's lines, as the value of a key at `column`."""
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            lines += entry_lines(key, item, column + indent.mapping, indent)
    else:
        for item in value:
            lines += item_lines(item, column + indent.offset, column + indent.sequence, indent)
    return lines


def item_lines(
    value: Any, dash: int, content: int, indent: Indent, prefer: str | None = None
) -> list[str]:
    """`- value` as lines: the dash at `dash`, the value (a mapping's keys) at `content`."""
    if content < dash + 2:
        raise Unsupported("sequence items too close to their dashes")
    prefix = " " * dash + "-" + " " * (content - dash - 1)
    if isinstance(value, dict) and value:
        lines = block_lines(value, content - indent.mapping, indent)
        return [prefix + lines[0][content:], *lines[1:]]
    if isinstance(value, list) and value:
        raise Unsupported("a sequence in a sequence")
    return [prefix + scalar(value, prefer=prefer)]


def scalar(value: Any, *, flow: bool = False, prefer: str | None = None) -> str:
    """One scalar (or empty collection) as text; `prefer` a quote style for strings
    (`'` or `"`), kept where it reads back as the string."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        return _string(value, flow=flow, prefer=prefer)
    if isinstance(value, dict) and not value:
        return "{}"
    if isinstance(value, list) and not value:
        return "[]"
    raise Unsupported("a value that is not JSON")


def key_text(key: str) -> str:
    if not isinstance(key, str) or len(key) > _MAX_KEY:
        raise Unsupported("a key ruamel would write as `? key`")
    return _string(key, flow=False, prefer=None)


def _float(value: float) -> str:
    """As ruamel writes a float, with the `.0` YAML 1.1 needs before an exponent."""
    text = repr(value).lower()
    if "." not in text and "e" in text:
        text = text.replace("e", ".0e", 1)
    if _resolve(text) != _FLOAT_TAG:
        raise Unsupported("a float YAML 1.1 cannot spell")
    return text


def _string(text: str, *, flow: bool, prefer: str | None) -> str:
    if re.search("[\ud800-\udfff]", text):
        raise Unsupported("a string with a lone surrogate")
    analysis = _EMITTER.analyze_scalar(text)
    one_line = not analysis.multiline
    single = analysis.allow_single_quoted and one_line
    if prefer == '"' or (prefer == "'" and not single):
        return double_quoted(text)
    if prefer == "'":
        return "'" + text.replace("'", "''") + "'"
    if _resolve(text) != _STR_TAG:
        return double_quoted(text)
    plain = analysis.allow_flow_plain if flow else analysis.allow_block_plain
    if plain and one_line and text:
        return text
    if single and "'" not in text:  # `'it''s'` is no one's choice: "it's"
        return "'" + text + "'"
    return double_quoted(text)


def double_quoted(text: str) -> str:
    quoted = json.dumps(text, ensure_ascii=False)
    return _ESCAPE.sub(lambda m: _NAMED.get(m.group(), f"\\u{ord(m.group()):04x}"), quoted)


def _resolve(text: str) -> str:
    # types-PyYAML leaves BaseResolver.resolve unannotated
    tag: str = _YAML_1_1.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return tag
