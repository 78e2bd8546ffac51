"""`-d/--data`: JSON and YAML files mounted into `data`, as OPA's loader mounts them.

A file named directly merges at the root of `data`; a file found inside a directory is
mounted under its relative directory path (`dir/a/b/x.yaml` → `data.a.b`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from kfix.errors import KfixError
from kfix.load import manifests


def load(paths: Sequence[str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for root in paths:
        if os.path.isdir(root):
            for path in manifests.discover([root]):
                prefix = os.path.relpath(os.path.dirname(path), root)
                parts = [] if prefix == "." else prefix.split(os.sep)
                _merge(data, _mount(parts, _read(path)), path)
        elif os.path.isfile(root):
            _merge(data, _read(root), root)
        else:
            raise KfixError("no such data file or directory", root)
    return data


def _read(path: str) -> dict[str, Any]:
    loaded = manifests.read(path)
    if loaded.problems:
        problem = loaded.problems[0]
        raise KfixError(problem.message, path, problem.line)
    merged: dict[str, Any] = {}
    for document in loaded.documents:
        _merge(merged, document.content, path)
    return merged


def _mount(parts: list[str], value: dict[str, Any]) -> dict[str, Any]:
    for part in reversed(parts):
        value = {part: value}
    return value


def _merge(into: dict[str, Any], value: dict[str, Any], path: str) -> None:
    for key, item in value.items():
        if isinstance(into.get(key), dict) and isinstance(item, dict):
            _merge(into[key], item, path)
        elif key in into and into[key] != item:
            raise KfixError(f"data conflict at key {key!r}", path)
        else:
            into[key] = item
