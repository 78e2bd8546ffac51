"""Pieces of text several formats print, kept in one place so the formats agree."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kfix.model import EXCEPTION, FAILURE, WARNING, Finding, ScanResult

_ANSI = {"red": 31, "green": 32, "yellow": 33, "blue": 34, "cyan": 36}


def paint(text: str, color: str, enabled: bool) -> str:
    """`text` in an ANSI colour, as conftest's colour library writes it."""
    return f"\x1b[{_ANSI[color]}m{text}\x1b[0m" if enabled else text


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(result: ScanResult) -> str:
    """conftest's closing line.

    kfix appends the inputs it could not read or parse, and only when there are any,
    so a clean run's line stays byte-for-byte conftest's for the scripts that parse it.
    """
    parts = [
        plural(result.tests, "test"),
        f"{result.successes} passed",
        plural(result.count(WARNING), "warning"),
        plural(result.count(FAILURE), "failure"),
        plural(result.count(EXCEPTION), "exception"),
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


def finding_metadata(finding: Finding) -> dict[str, Any]:
    """The metadata JSON and SARIF attach to a finding.

    kfix's own fields fill in what the policy did not say; the policy's keys win, so
    metadata a conftest policy returned reaches its consumers unchanged.
    """
    return _json_object({**finding.fields(), **finding.metadata})


def json_ready(value: Any) -> Any:
    """A plain copy json.dumps accepts, whatever Mapping types `value` is built of,
    with keys sorted at every depth: the order Go writes a map in."""
    if isinstance(value, Mapping):
        return _json_object(value)
    if isinstance(value, list | tuple):
        return [json_ready(item) for item in value]
    return value


def _json_object(value: Mapping[str, Any]) -> dict[str, Any]:
    return {key: json_ready(value[key]) for key in sorted(value)}
