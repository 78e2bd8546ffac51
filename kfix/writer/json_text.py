"""A JSON file patched: it stays JSON, in its indent and key order."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from kfix.errors import WriteError
from kfix.writer.operations import apply_ops, same
from kfix.writer.splice import least_changed, normalised, restored

_JSON_INDENT = re.compile(r"[{\[][ \t]*\r?\n([ \t]+)\S")


def apply_to_json(text: str, path: str, patches: Mapping[int, Sequence[Mapping[str, Any]]]) -> str:
    """A JSON file is one document; it stays JSON, in its indent and key order."""
    if set(patches) != {0}:
        raise WriteError("a JSON file has only document 0", path)
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
    expected = apply_ops(content, None, patches[0], path, lambda _pointer: 0)
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
