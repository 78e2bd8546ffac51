"""New values written in the document's style: block collections, `null` spelled out,
and strings quoted where YAML 1.1 would read them as something else."""

from __future__ import annotations

from typing import Any

import yaml
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString

_STR_TAG = "tag:yaml.org,2002:str"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_YAML_1_1 = yaml.resolver.Resolver()  # how the loader, and Kubernetes, will read a plain scalar


class Float(str):
    """A float as text: as written in the document, or, for a new value, as Python spells
    it with the `.0` YAML 1.1 needs before an exponent. ruamel would format it anew, and
    not always to the same value (2.614924273876719e-75 became ...718e-75), nor always so
    that YAML 1.1 reads a number (`5e-324`)."""

    __slots__ = ()

    @classmethod
    def of(cls, value: float) -> Float:
        text = repr(value)
        if "." not in text and "e" in text:
            text = text.replace("e", ".0e", 1)
        return cls(text)

    @staticmethod
    def reads_as_float(text: str) -> bool:
        """Whether YAML 1.1 reads this text, plain, as a float."""
        # types-PyYAML leaves BaseResolver.resolve unannotated
        tag = _YAML_1_1.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
        return bool(tag == _FLOAT_TAG)


class Null:
    """A null as written (`null`, `~`, `Null` or nothing), so it is written back so."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def styled(value: Any) -> Any:
    """A JSON value as ruamel nodes: block collections, nulls spelled `null`, and strings
    quoted when YAML 1.1 would read them as something else (`"yes"`, `"0644"`)."""
    if isinstance(value, dict):
        return CommentedMap((styled_key(k), styled(v)) for k, v in value.items())
    if isinstance(value, list):
        return CommentedSeq(styled(item) for item in value)
    if value is None:
        return Null("null")
    if isinstance(value, str):
        return styled_key(value)
    if isinstance(value, float):
        return Float.of(value)
    return value


def styled_key(text: Any) -> Any:
    if (
        isinstance(text, str)
        and not isinstance(text, ScalarString)
        # types-PyYAML leaves BaseResolver.resolve unannotated
        and _YAML_1_1.resolve(yaml.ScalarNode, text, (True, False)) != _STR_TAG  # type: ignore[no-untyped-call]
    ):
        return DoubleQuotedScalarString(text)
    return text
