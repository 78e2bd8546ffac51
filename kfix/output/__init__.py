"""Stage 6, report: results rendered as text, one registry of formats per command.

Every format is a `Report`: a pure function of a result and the `ReportOptions`, so the
CLI alone decides where the text goes. Each command's module holds its `REPORTS`
registry (`output.scan`, `output.fix`, `output.test`, `output.verify`,
`output.policy`), and `-o` offers exactly its keys. Reports read the records of
`kfix.model` and nothing of the stages that made them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, TypeVar

R = TypeVar("R", contravariant=True)


@dataclass(frozen=True)
class ReportOptions:
    """Every report gets all of them and uses those it knows, as conftest's formats do:
    only scan's `stdout` colours, suppresses exceptions and traces."""

    color: bool = False
    suppress_exceptions: bool = False
    trace: bool = False
    junit_hide_message: bool = False
    github_hide_passed: bool = False  # github: no group for a file and namespace that passed
    verbose: bool = False  # test and verify: list what passed too
    # what relative input paths are relative to, SARIF's %SRCROOT%; "": the process's
    working_directory: str = ""


class Report(Protocol[R]):
    """One output format of one command."""

    def __call__(self, result: R, options: ReportOptions, /) -> str:
        """The whole report, ending in a newline, or "" when the format has nothing to say."""
        ...


__all__ = ["Report", "ReportOptions"]
