"""A file's text with its patched documents replaced, every other byte kept.

Only the documents a patch touches are re-serialised, each on its own (`yaml_document`,
`json_text`); the bytes between them (separators, comments, directives, end markers)
are spliced back untouched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from kfix import collector
from kfix.errors import WriteError
from kfix.load.manifests import JSON_SUFFIXES
from kfix.writer.json_text import apply_to_json
from kfix.writer.yaml_document import patch_document

_BOUNDARY = re.compile(r"^(---|\.\.\.)(?=[ \t\r\n]|$).*\n?", re.MULTILINE)
_CONTENT_LINE = re.compile(r"^[^\S\n]*[^\s#%]", re.MULTILINE)
_CONTENT_AFTER_MARKER = re.compile(r"---[ \t]+[^#\s]")
# directive lines (and comment or blank lines among them) before a `---`: libyaml ends
# the document before them even without a `...` (PyYAML writes files so)
_DIRECTIVES = re.compile(
    r"^%.*\n(?:(?:%.*|[ \t]*(?:#.*)?\r?)\n)*(?=---(?:[ \t\r\n]|$))", re.MULTILINE
)


def apply_to_text(text: str, path: str, patches: Mapping[int, Sequence[Mapping[str, Any]]]) -> str:
    """The file's new text: each patched document re-serialised, all other bytes kept.

    `patches` maps a document index (as `Document.index`) to RFC 6902 operations
    (add, replace, remove, test), applied in order; a failing one raises WriteError.
    """
    changed = {index: ops for index, ops in patches.items() if ops}
    if not changed:
        return text
    if path.endswith(JSON_SUFFIXES):
        return apply_to_json(text, path, changed)
    with collector.paused():  # the node trees composed here hold no cycles
        return _apply_to_yaml(text, path, changed)


def _apply_to_yaml(text: str, path: str, changed: Mapping[int, Sequence[Mapping[str, Any]]]) -> str:
    spans = document_spans(text)
    pieces: list[str] = []
    cursor = 0
    for index in sorted(changed):
        if not 0 <= index < len(spans):
            raise WriteError(f"there is no document {index}", path)
        start, end = spans[index]
        line = text.count("\n", 0, start) + 1
        pieces += [text[cursor:start], patch_document(text[start:end], path, line, changed[index])]
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def document_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each document's content, indexed as libyaml counts documents.

    A `---` or `...` line at column 0 is a boundary, even inside a block scalar, as the
    YAML spec says. A span starts at its document's first content line, so blank and
    comment lines before it and a `---` line's own comment are never re-serialised; a
    `---` line that carries content (`--- !tag`, `--- |`) belongs to its document.
    Directive lines before a `---` (`%YAML 1.1`) end the document before them.
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
    for position, (start, end) in enumerate(spans):
        directives = _DIRECTIVES.search(text, start)
        if directives and directives.start() < end:
            spans[position] = (start, directives.start())
    return spans
