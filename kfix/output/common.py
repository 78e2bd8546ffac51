"""Pieces of text several formats print, kept in one place so the formats agree."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from json.encoder import encode_basestring
from operator import attrgetter
from typing import Any

from kfix.model import Finding, ScanResult

_ANSI = {"red": 31, "green": 32, "yellow": 33, "blue": 34, "cyan": 36}


def paint(text: str, color: str, enabled: bool) -> str:
    """`text` in an ANSI colour, as conftest's colour library writes it."""
    return f"\x1b[{_ANSI[color]}m{text}\x1b[0m" if enabled else text


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class Counts:
    """A scan's tests by outcome: `ScanResult`'s properties, counted in one go."""

    successes: int
    warnings: int
    failures: int
    exceptions: int

    @property
    def tests(self) -> int:
        return self.successes + self.warnings + self.failures + self.exceptions

    @classmethod
    def of(cls, result: ScanResult) -> Counts:
        # ScanResult.count walks every result once per call, and the summary needs all
        # four counts twice over; map and attrgetter keep each walk in C.
        checks = result.results
        return cls(
            successes=sum(map(attrgetter("successes"), checks)),
            warnings=sum(map(len, map(attrgetter("warnings"), checks))),
            failures=sum(map(len, map(attrgetter("failures"), checks))),
            exceptions=sum(map(len, map(attrgetter("exceptions"), checks))),
        )


def summary(result: ScanResult, counts: Counts | None = None) -> str:
    """conftest's closing line; `counts` are the result's, when the caller has them.

    kfix appends the inputs it could not read or parse, and only when there are any,
    so a clean run's line stays byte-for-byte conftest's for the scripts that parse it.
    """
    if counts is None:
        counts = Counts.of(result)
    parts = [
        plural(counts.tests, "test"),
        f"{counts.successes} passed",
        plural(counts.warnings, "warning"),
        plural(counts.failures, "failure"),
        plural(counts.exceptions, "exception"),
    ]
    if result.problems:
        parts.append(plural(len(result.problems), "error"))
    return ", ".join(parts)


def prefix(file: str, namespace: str) -> str:
    """conftest's `- <file> - <namespace> -` before a message; `-` (stdin) shows no name."""
    shown_file = "-" if file == "-" else f"- {file}"
    shown_namespace = "-" if namespace == "-" else f"- {namespace} -"
    return f"{shown_file} {shown_namespace}"


def where(file: str, line: int) -> str:
    """`file:line`, or just the file when the line is unknown (0)."""
    return f"{file}:{line}" if line else file


def rule_id(finding: Finding) -> str:
    """The policy a finding belongs to: its id, or `<namespace>/<rule>` for a policy
    without METADATA (SARIF's ruleId)."""
    return finding.policy_id or f"{finding.namespace}/{finding.rule}"


def finding_metadata(finding: Finding) -> dict[str, Any]:
    """The metadata JSON and SARIF attach to a finding.

    kfix's own fields fill in what the policy did not say; the policy's keys win, so
    metadata a conftest policy returned reaches its consumers unchanged.
    """
    metadata: dict[str, Any] = json_ready({**finding.fields(), **finding.metadata})
    return metadata


def json_ready(value: Any) -> Any:
    """A plain copy json.dumps accepts, whatever Mapping types `value` is built of,
    with keys sorted at every depth: the order Go writes a map in."""
    kind = type(value)
    if kind in _SCALARS:  # most values: nothing to copy
        return value
    if kind is dict or isinstance(value, Mapping):  # a Mapping's isinstance is slow
        return {key: json_ready(value[key]) for key in sorted(value)}
    if kind is list or isinstance(value, list | tuple):
        return [json_ready(item) for item in value]
    return value


_SCALARS = frozenset({str, int, float, bool, type(None)})


def indented_json(value: Any, indent: str, depth: int = 0) -> str:
    """json.dumps(value, indent=indent, ensure_ascii=False), byte for byte, faster;
    with `depth`, as the value is written that many levels down in a bigger document
    (less the indent of its first line).

    json's pure-Python encoder, the one it falls back to whenever `indent` is given,
    costs a generator per container and a yield per token. This writes plain dicts with
    string keys, lists, strings, ints, booleans and None into one list of pieces; for
    any other value (a float, a tuple, a subclass, a dict with other keys, something
    json cannot encode) it hands that value to json itself, so the text, or the error,
    is json's.
    """
    pieces: list[str] = []
    _write(value, pieces, "\n" + indent * depth, indent)
    return "".join(pieces)


def _write(value: Any, pieces: list[str], newline: str, indent: str) -> None:
    """`value`'s text onto `pieces`; `newline` starts a line at `value`'s depth.

    Strings and ints in a container are written in its loop, saving a call for each.
    """
    kind = type(value)
    if kind is dict:
        if not value:
            pieces.append("{}")
            return
        start = len(pieces)
        inner = newline + indent
        separator = "{" + inner
        for key, item in value.items():
            if type(key) is not str:  # json's to write: it converts such keys, or fails
                del pieces[start:]
                pieces.append(_json_text(value, newline, indent))
                return
            head = f"{separator}{encode_basestring(key)}: "
            kind = type(item)
            if kind is str:
                pieces.append(head + encode_basestring(item))
            elif kind is int:
                pieces.append(head + int.__repr__(item))
            else:
                pieces.append(head)
                _write(item, pieces, inner, indent)
            separator = "," + inner
        pieces.append(newline + "}")
    elif kind is list:
        if not value:
            pieces.append("[]")
            return
        inner = newline + indent
        separator = "[" + inner
        for item in value:
            kind = type(item)
            if kind is str:
                pieces.append(separator + encode_basestring(item))
            elif kind is int:
                pieces.append(separator + int.__repr__(item))
            else:
                pieces.append(separator)
                _write(item, pieces, inner, indent)
            separator = "," + inner
        pieces.append(newline + "]")
    elif kind is str:
        pieces.append(encode_basestring(value))
    elif kind is int:
        pieces.append(int.__repr__(value))
    elif value is None:
        pieces.append("null")
    elif value is True:
        pieces.append("true")
    elif value is False:
        pieces.append("false")
    else:
        pieces.append(_json_text(value, newline, indent))


def _json_text(value: Any, newline: str, indent: str) -> str:
    """json's own text for `value`, at the depth `newline` starts a line at."""
    text: str = _json_encoder(indent).encode(value)
    # json's text has newlines between tokens only, never inside a string
    return text.replace("\n", newline) if "\n" in text else text


@cache
def _json_encoder(indent: str) -> json.JSONEncoder:
    return json.JSONEncoder(ensure_ascii=False, indent=indent)
