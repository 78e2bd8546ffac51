"""The contract every output format keeps, and the options the user can set on them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from kfix.model import ScanResult


@dataclass(frozen=True)
class OutputOptions:
    """conftest's output flags. Every format gets all of them and uses those it knows,
    as conftest does: only `stdout` colours, suppresses exceptions and traces."""

    color: bool = False
    suppress_exceptions: bool = False
    trace: bool = False
    junit_hide_message: bool = False


class Formatter(Protocol):
    """One output format. Pure, so the CLI alone decides where the text goes."""

    def render(self, result: ScanResult, options: OutputOptions) -> str:
        """The whole report, ending in a newline, or "" when the format has nothing to say."""
        ...
