"""Markdown pieces for the `markdown` reports of scan and fix: escaped text, tables,
collapsed sections, fenced blocks, and a page that stays under a size.

The reports go into pull-request comments and `$GITHUB_STEP_SUMMARY`: GitHub takes at
most 65,536 characters in a comment, so a `Page` keeps the text under `LIMIT` and
counts what it had to leave out, for the report to say so.

Everything a policy, a manifest or a path can put in the text goes through `escape`:
it cannot open a link, an image, HTML, emphasis, maths or a code span, nor end a table
cell, so a hostile message reads as the characters it holds.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

from kfix.model import SEVERITIES, Finding, PolicyInfo, Problem
from kfix.output.common import rule_id, where

T = TypeVar("T")

LIMIT = 60_000  # characters, below GitHub's 65,536 for a comment
COLLAPSED_ROWS = 10  # a table of more rows is folded into <details>
CELL_CHARACTERS = 500  # a longer message is cut in its cell

# What can start markup in running text or a table cell; `#` too, since a heading's
# text ending in `#` would lose it. Line starts need nothing more: every line the
# reports write starts with their own markup.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&$#!])")
_NEWLINES = re.compile(r"\s*[\r\n]+\s*")


def escape(text: str, limit: int = CELL_CHARACTERS) -> str:
    """`text` on one line, at most `limit` characters of it, shown as it is."""
    text = _NEWLINES.sub(" ", text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return _SPECIAL.sub(r"\\\1", text)


def table(header: Sequence[str], rows: Iterable[Sequence[str]], numeric: int = 0) -> str:
    """A GFM table of already escaped cells; the last `numeric` columns right-aligned."""
    aligns = ["---"] * (len(header) - numeric) + ["--:"] * numeric
    lines = [_row(header), _row(aligns), *map(_row, rows)]
    return "\n".join(lines) + "\n"


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def details(summary: str, body: str) -> str:
    """`body` folded under a `<details>` line; `summary` is plain text, HTML-escaped."""
    return f"<details><summary>{html.escape(summary)}</summary>\n\n{body}\n</details>\n"


def fenced(text: str, language: str) -> str:
    """`text` in a fenced block its own backticks cannot close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    body = text if text.endswith("\n") else text + "\n"
    return f"{fence}{language}\n{body}{fence}\n"


def problem_row(problem: Problem) -> tuple[str, str]:
    """An input that could not be read, parsed or written: where, and why."""
    return escape(where(problem.file, problem.line)), escape(problem.message)


def severity(finding: Finding, policies: Mapping[str, PolicyInfo]) -> str:
    """The policy's METADATA severity, else the finding's own."""
    info = policies.get(finding.policy_id)
    return info.severity if info is not None and info.severity else finding.severity


def by_policy(items: Iterable[T], finding: Callable[[T], Finding],
              policies: Mapping[str, PolicyInfo]) -> list[list[T]]:
    """`items` in a group per policy (`rule_id`), highest severity first, then by id;
    each group by file and line."""
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(rule_id(finding(item)), []).append(item)
    ordered = sorted(groups.items(),
                     key=lambda group: (_rank(severity(finding(group[1][0]), policies)),
                                        group[0]))
    return [sorted(group, key=lambda item: (finding(item).file, finding(item).line))
            for _, group in ordered]


def policy_heading(finding: Finding, policies: Mapping[str, PolicyInfo]) -> str:
    """`policy · title · severity` for the finding's policy, escaped."""
    info = policies.get(finding.policy_id)
    parts = [rule_id(finding), info.title if info is not None else "",
             severity(finding, policies)]
    return " · ".join(escape(part) for part in parts if part)


def by_severity(findings: Iterable[Finding], policies: Mapping[str, PolicyInfo],
                columns: Sequence[str], column: Callable[[Finding], str]) -> list[list[str]]:
    """A table row per severity found, highest first (unrated last, as `none`): the
    number of its findings in each of `columns`, as `column` sorts them."""
    counted: dict[str, dict[str, int]] = {}
    for finding in findings:
        row = counted.setdefault(severity(finding, policies) or "none",
                                 dict.fromkeys(columns, 0))
        row[column(finding)] += 1
    return [[escape(level), *(str(counted[level][c]) for c in columns)]
            for level in sorted(counted, key=lambda level: (_rank(level), level))]


def _rank(level: str) -> int:
    """Highest first: critical 0 … low 3, anything else after them."""
    lowered = level.lower()
    return SEVERITIES[::-1].index(lowered) if lowered in SEVERITIES else len(SEVERITIES)


class Page:
    """Markdown text that stops growing at `limit` characters.

    A piece that does not fit is left out whole and counted under its kind, so the
    report can say what it cut; the closing pieces of sections already opened always
    go in (they are a few characters each).
    """

    def __init__(self, limit: int = LIMIT) -> None:
        self.parts: list[str] = []
        self.limit = limit
        self.left = limit
        self.cut: dict[str, int] = {}

    def add(self, text: str) -> bool:
        if len(text) > self.left:
            return False
        self.parts.append(text)
        self.left -= len(text)
        return True

    def add_or_count(self, text: str, kind: str, count: int = 1) -> bool:
        """Add `text`, or count `count` of `kind` as cut."""
        if self.add(text):
            return True
        self.cut[kind] = self.cut.get(kind, 0) + count
        return False

    def close(self, text: str) -> None:
        self.parts.append(text)

    def text(self, full_report: str) -> str:
        """The page, with a note of what was cut and that `full_report` (Markdown) has it all."""
        if self.cut:
            shown = ", ".join(f"{count:,} {kind}" for kind, count in self.cut.items())
            self.parts.append(f"\n**Cut to stay under {self.limit:,} characters:** {shown} not "
                              f"shown; {full_report} has everything.\n")
        return "".join(self.parts)


def section_table(page: Page, heading: str, header: Sequence[str], items: Sequence[T],
                  row: Callable[[T], Sequence[str]], kind: str, numeric: int = 0) -> None:
    """A heading and a table of a `row` per item on the page, folded when long; rows that
    do not fit are cut from the end and counted as `kind` (and never made). No items:
    the heading alone."""
    if not items:
        page.add(f"{heading}\n\n")
        return
    folded = len(items) > COLLAPSED_ROWS
    opening = f"{heading}\n\n"
    if folded:
        opening += f"<details><summary>{len(items):,} {html.escape(kind)}</summary>\n\n"
    if not page.add_or_count(opening + table(header, [], numeric), kind, len(items)):
        return
    for number, item in enumerate(items):
        if not page.add(_row(row(item)) + "\n"):
            page.cut[kind] = page.cut.get(kind, 0) + len(items) - number
            break
    page.close("\n</details>\n\n" if folded else "\n")
