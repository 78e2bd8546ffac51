"""New values written in the document's style: block collections, `null` spelled out,
and strings quoted where YAML 1.1 would read them as something else."""

from __future__ import annotations

from typing import Any

import yaml
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString

_STR_TAG = "tag:yaml.org,2002:str"
_YAML_1_1 = yaml.resolver.Resolver()  # how the loader, and Kubernetes, will read a plain scalar


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
