"""RFC 6901 JSON pointers: the one way every stage names a field; and JSON values copied."""

from __future__ import annotations

from typing import Any

MISSING = object()


def split(pointer: str) -> list[str]:
    """ "/a~1b/0" → ["a/b", "0"]."""
    if not pointer:
        return []
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]


def escape(segment: Any) -> str:
    return str(segment).replace("~", "~0").replace("/", "~1")


def join(pointer: str, *segments: Any) -> str:
    return pointer + "".join(f"/{escape(s)}" for s in segments)


def parent(pointer: str) -> str:
    return pointer[: pointer.rfind("/")] if pointer else ""


def resolve(document: Any, pointer: str) -> Any:
    """The value at `pointer`, or MISSING."""
    value = document
    for segment in split(pointer):
        if isinstance(value, dict) and segment in value:
            value = value[segment]
        elif isinstance(value, list) and segment.isdigit() and int(segment) < len(value):
            value = value[int(segment)]
        else:
            return MISSING
    return value


def copied(value: Any) -> Any:
    """A copy of a JSON value (dicts, lists, scalars) to change freely: several times
    faster than copy.deepcopy, which the fix loop would otherwise spend most of its
    time in. Scalars are immutable and shared."""
    if type(value) is dict:
        return {key: copied(item) for key, item in value.items()}
    if type(value) is list:
        return [copied(item) for item in value]
    return value
