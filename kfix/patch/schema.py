"""Offline OpenAPI schema validation, so a patch that breaks its object is never written.

The schemas are the ones kubernetes-validate bundles, one directory per Kubernetes
version. Its own `validate()` reads and parses the schema files on every call (about 70
documents a second); here each (apiVersion, kind) gets one compiled validator, built the
first time that kind is seen.
"""

from __future__ import annotations

import json
import re
import reprlib
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import jsonschema
from jsonschema.protocols import Validator
from referencing import Registry, Resource

from kfix.errors import UsageError

_SCHEMAS = resources.files("kubernetes_validate") / "kubernetes-json-schema"
_BUNDLE = re.compile(r"v(\d+)\.(\d+)\.(\d+)-local")
_REQUESTED = re.compile(r"v?(\d+)\.(\d+)(?:\.\d+)?")
# Names that become a file name: anything else (a path, a dot) cannot have a schema.
_KIND = re.compile(r"[A-Za-z0-9]+")
_API_VERSION = re.compile(r"(?:([a-z0-9-]+)(?:\.[a-z0-9.-]+)?/)?([a-z0-9]+)")

# The bundled schemas write both as oneOf [string|null, number|null]: a null, which the
# API server reads as "unset", matches both branches and so fails. A quantity string
# must also follow the API server's grammar ("512MB" does not).
_QUANTITY = {
    "type": ["string", "number", "null"],
    "pattern": r"^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$",
}
_INT_OR_STRING = {"type": ["string", "integer", "null"]}
_OVERRIDES = {
    "io.k8s.apimachinery.pkg.api.resource.Quantity": _QUANTITY,
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": _INT_OR_STRING,
}
_SHORT = reprlib.Repr()  # keyword arguments only from Python 3.12
_SHORT.maxstring = _SHORT.maxother = 40


@cache
def _bundles() -> dict[str, str]:
    """Major.minor → its schema directory, oldest first: "1.30" → "v1.30.0-local"."""
    matches = (_BUNDLE.fullmatch(entry.name) for entry in _SCHEMAS.iterdir())
    found = sorted((tuple(map(int, m.groups())), m[0]) for m in matches if m)
    return {f"{major}.{minor}": name for (major, minor, _patch), name in found}


DEFAULT_KUBE_VERSION = list(_bundles())[-1]


@dataclass(frozen=True)
class SchemaVerdict:
    """`checked` is False when no schema exists for the kind (CRDs): nothing was judged."""

    checked: bool
    errors: tuple[str, ...] = ()


class SchemaValidator:
    """Validates documents against one Kubernetes version's schemas, strict or not.

    `loaded_kinds` counts the schema look-ups per (apiVersion, kind); the cache keeps
    each at 1 however many documents of that kind are validated.
    """

    def __init__(self, kube_version: str = DEFAULT_KUBE_VERSION, strict: bool = False) -> None:
        self.kube_version = _major_minor(kube_version)
        suffix = "-strict" if strict else ""
        self._directory = _SCHEMAS / f"{_bundles()[self.kube_version]}{suffix}"
        self._registry = _definitions(self._directory)
        self._validators: dict[tuple[str, str], Validator | None] = {}
        self.loaded_kinds: Counter[tuple[str, str]] = Counter()

    @staticmethod
    def versions() -> list[str]:
        return list(_bundles())

    def validate(self, document: Mapping[str, Any]) -> SchemaVerdict:
        api_version, kind = document.get("apiVersion"), document.get("kind")
        if not (isinstance(api_version, str) and isinstance(kind, str)):
            return SchemaVerdict(checked=False)
        key = (api_version, kind)
        if key not in self._validators:
            self._validators[key] = self._load(api_version, kind)
        validator = self._validators[key]
        if validator is None:
            return SchemaVerdict(checked=False)
        errors = tuple(map(_describe, validator.iter_errors(document)))
        return SchemaVerdict(checked=True, errors=errors)

    def _load(self, api_version: str, kind: str) -> Validator | None:
        self.loaded_kinds[api_version, kind] += 1
        names = _API_VERSION.fullmatch(api_version)
        if not (names and _KIND.fullmatch(kind)):
            return None
        group, version = names.groups()
        name = "-".join(filter(None, (kind.lower(), group, version)))
        schema = _read(self._directory / f"{name}.json")
        if schema is None or not _declares(schema, api_version, kind):
            return None
        return jsonschema.Draft202012Validator(schema, registry=self._registry)


def _major_minor(kube_version: str) -> str:
    """ "1.30", "v1.30" and "1.30.4" all name the bundled 1.30 schemas."""
    requested = _REQUESTED.fullmatch(kube_version.strip())
    version = requested and f"{int(requested[1])}.{int(requested[2])}"
    if version not in _bundles():
        available = ", ".join(_bundles())
        raise UsageError(f"no schemas for Kubernetes version {kube_version!r}; "
                         f"available: {available}")
    return version


def _read(path: Traversable) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def _definitions(directory: Traversable) -> Registry:
    """The shared definitions every kind's schema refers to, with the null fixes above."""
    contents = _read(directory / "_definitions.json")
    contents["$defs"].update(_OVERRIDES)
    return Registry().with_resources([(contents["$id"], Resource.from_contents(contents))])


def _declares(schema: Mapping[str, Any], api_version: str, kind: str) -> bool:
    """Whether the schema is that of this very kind: file names drop the group's domain,
    so `apps.example.com/v1` finds the file of apps/v1, and a few files are not kinds."""
    group, _, version = api_version.rpartition("/")
    declared: Collection[Any] = schema.get("x-kubernetes-group-version-kind", ())
    return {"group": group, "version": version, "kind": kind} in declared


def _describe(error: jsonschema.ValidationError) -> str:
    return f"{_path(error.absolute_path) or '(root)'}: {_message(error)}"


def _path(parts: Iterable[str | int]) -> str:
    """kubectl's notation: spec.template.spec.containers[0].image."""
    text = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)
    return text.removeprefix(".")


def _message(error: jsonschema.ValidationError) -> str:
    """jsonschema's message, but a type error names no "null" (it only means unset) and
    shows a long value shortened, and a quantity's error does not quote the regex."""
    if error.validator == "pattern":  # no bundled schema has one: it is _QUANTITY's
        return f"{_SHORT.repr(error.instance)} is not a quantity such as 500m, 2 or 1.5Gi"
    if error.validator != "type":
        return error.message
    types = error.validator_value
    names = ", ".join(repr(t) for t in (types if isinstance(types, list) else [types])
                      if t != "null")
    return f"{_SHORT.repr(error.instance)} is not of type {names}"
