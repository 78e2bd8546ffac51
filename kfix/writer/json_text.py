"""A JSON file patched: it stays JSON, in its indent and key order."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from kfix.errors import WriteError
from kfix.load.manifests import json_values
from kfix.writer.operations import apply_ops, same
from kfix.writer.splice import least_changed, normalised, restored

_JSON_INDENT = re.compile(r"[{\[][ \t]*\r?\n([ \t]+)\S")


def apply_to_json(text: str, path: str, patches: Mapping[int, Sequence[Mapping[str, Any]]]) -> str:
    """A JSON file is one document, or a stream of them (JSON Lines, say), each patched
    on its own; it stays JSON, in its indent and key order, the bytes between kept."""
    try:
        values = json_values(text)
    except json.JSONDecodeError as exc:
        raise WriteError(f"cannot parse: {exc.msg}", path, exc.lineno) from None
    if len(values) == 1:
        if set(patches) != {0}:
            raise WriteError("a JSON file of one value has only document 0", path)
        return _patch_value(text, path, patches[0])
    pieces: list[str] = []
    cursor = 0
    for index in sorted(patches):
        if not 0 <= index < len(values):
            raise WriteError(f"there is no document {index}", path)
        _, start, end = values[index]
        pieces += [text[cursor:start], _patch_value(text[start:end], path, patches[index])]
        cursor = end
    return "".join(pieces) + text[cursor:]


def _patch_value(text: str, path: str, ops: Sequence[Mapping[str, Any]]) -> str:
    source = normalised(text)
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
    expected = apply_ops(content, None, ops, path, lambda _pointer: 0)
    result = least_changed(
        source, before, dump(expected), lambda candidate: same(_json(candidate), expected)
    )
    assert result is not None  # json.dumps's own text always reads back
    return restored(result, text)


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None
