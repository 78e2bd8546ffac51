"""The one JUnit XML writer, for scan, test and verify reports.

Written like conftest's Go encoder (tab indent, `time="0.000"`, no self-closing tags,
newlines in text as `&#xA;`), so `kfix scan -o junit` stays byte-for-byte conftest's.
Attributes conftest never writes (a suite's errors and skipped, a case's file and
line) appear only when they have something to say.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Case:
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
    body = [line for suite in suites if suite.cases for line in _suite(suite)]
    lines = ["<testsuites>", *body, "</testsuites>"] if body else ["<testsuites></testsuites>"]
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + "".join(f"{line}\n" for line in lines)


def _suite(suite: Suite) -> list[str]:
    counts = {kind: sum(1 for case in suite.cases if case.outcome == kind)
              for kind in (FAILURE, ERROR, SKIPPED)}
    extra = "".join(f' {attribute}="{counts[kind]}"'
                    for kind, attribute in ((ERROR, "errors"), (SKIPPED, "skipped"))
                    if counts[kind])
    lines = [f'\t<testsuite tests="{len(suite.cases)}" failures="{counts[FAILURE]}"{extra}'
             f' time="{suite.seconds:.3f}" name="{escape(suite.name)}">']
    for case in suite.cases:
        where = (f' file="{escape(case.file)}"' if case.file else "") + (
            f' line="{case.line}"' if case.line else "")
        opening = (f'\t\t<testcase classname="{escape(case.classname)}" '
                   f'name="{escape(case.name)}" time="{case.seconds:.3f}"{where}>')
        if not case.outcome:
            lines.append(f"{opening}</testcase>")
            continue
        lines += [
            opening,
            f'\t\t\t<{case.outcome} message="{escape(case.message)}" type="">'
            f"{escape(case.text)}</{case.outcome}>",
            "\t\t</testcase>",
        ]
    lines.append("\t</testsuite>")
    return lines


def escape(text: str) -> str:
    """Escaped as Go's encoding/xml does text and attributes: characters XML 1.0 cannot
    hold at all become U+FFFD, so any message still makes a well-formed document."""
    return "".join(_XML_ESCAPES.get(c, c) if _xml_char(c) else "\ufffd" for c in text)


def _xml_char(char: str) -> bool:
    code = ord(char)
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )
