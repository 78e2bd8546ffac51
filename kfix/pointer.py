"""RFC 6901 JSON pointers: the one way every stage names a field."""

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
