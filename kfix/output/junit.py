"""The one JUnit XML writer, for scan, test and verify reports.

Written like conftest's Go encoder (tab indent, `time="0.000"`, no self-closing tags,
newlines in text as `&#xA;`), so `kfix scan -o junit` stays byte-for-byte conftest's.
Attributes conftest never writes (a suite's errors and skipped, a case's file and
line) appear only when they have something to say.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

_XML_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&#34;",
    "'": "&#39;",
    "\t": "&#x9;",
    "\n": "&#xA;",
    "\r": "&#xD;",
}
FAILURE, ERROR, SKIPPED = "failure", "error", "skipped"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


class Case(NamedTuple):
    """One <testcase>. A tuple, not a dataclass, because a report makes one per test and a
    tuple is the cheapest immutable record to make: scan's junit makes 90,000 for a
    corpus of 2,000 documents."""

    name: str
    classname: str
    outcome: str = ""  # "" passed, or FAILURE, ERROR, SKIPPED
    message: str = ""  # the outcome element's message attribute
    text: str = ""  # and its text
    seconds: float = 0.0
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class Suite:
    name: str
    cases: tuple[Case, ...]
    seconds: float = 0.0


def render(suites: Sequence[Suite]) -> str:
    """The document; suites without cases are left out, as conftest does."""
    # Names repeat from case to case (a suite's class, a file's name), so each distinct
    # text is escaped once per document.
    escaped = lru_cache(maxsize=None)(escape)
    body = "".join([_suite(suite, escaped) for suite in suites if suite.cases])
    return _DECLARATION + (f"<testsuites>\n{body}</testsuites>\n" if body
                           else "<testsuites></testsuites>\n")


def _suite(suite: Suite, escaped: Callable[[str], str]) -> str:
    cases = suite.cases
    outcomes = Counter([case.outcome for case in cases])
    extra = "".join(f' {attribute}="{outcomes[kind]}"'
                    for kind, attribute in ((ERROR, "errors"), (SKIPPED, "skipped"))
                    if outcomes[kind])
    lines = [f'\t<testsuite tests="{len(cases)}" failures="{outcomes[FAILURE]}"{extra}'
             f' time="{suite.seconds:.3f}" name="{escaped(suite.name)}">\n']
    previous: Case | None = None
    last_seconds: float | None = None
    shown_seconds = ""
    for case in cases:
        if case is previous:  # a run of the same case, as a report repeats a success
            lines.append(lines[-1])
            continue
        previous = case
        name, classname, outcome, message, text, seconds, file, line = case
        if seconds is not last_seconds:  # the same object: most cases share the default
            last_seconds, shown_seconds = seconds, f"{seconds:.3f}"
        opening = (f'\t\t<testcase classname="{escaped(classname)}" name="{escaped(name)}"'
                   f' time="{shown_seconds}"')
        if file:
            opening += f' file="{escaped(file)}"'
        if line:
            opening += f' line="{line}"'
        if outcome:
            lines.append(f'{opening}>\n\t\t\t<{outcome} message="{escape(message)}" type="">'
                         f"{escape(text)}</{outcome}>\n\t\t</testcase>\n")
        else:
            lines.append(f"{opening}></testcase>\n")
    lines.append("\t</testsuite>\n")
    return "".join(lines)


def escape(text: str) -> str:
    """Escaped as Go's encoding/xml does text and attributes: characters XML 1.0 cannot
    hold at all become U+FFFD, so any message still makes a well-formed document."""
    if _PLAIN.fullmatch(text):  # most text: nothing to replace
        return text
    return _NEEDS_ESCAPE.sub(_escaped, text)


# Printable ASCII but `& < > " '`: text made of these alone is written as it is.
_PLAIN = re.compile("[ !#-%(-;=?-~]*")
# What `_XML_ESCAPES` replaces, and what XML 1.0's Char production leaves out
# (#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]): the other
# control characters, surrogates (as surrogateescape decodes stray bytes), U+FFFE, U+FFFF.
_NEEDS_ESCAPE = re.compile("[\x00-\x1f&<>\"'\ud800-\udfff\ufffe\uffff]")


def _escaped(match: re.Match[str]) -> str:
    return _XML_ESCAPES.get(match.group(), "\ufffd")
