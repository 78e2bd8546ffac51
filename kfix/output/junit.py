"""conftest's JUnit XML, for CI test-report viewers.

One <testsuite name="conftest.<namespace>"> per namespace, in order of first appearance.
For each file in it: a <testcase> per warning and failure, holding the message in a
<failure message="Failed">, then a passing <testcase> per success. Exceptions are left
out, as conftest does. Suite names keep conftest's prefix, so CI dashboards keyed on
them keep their history. A case is named `<file> - <first line of message>`, or just
`<file>` for a success or with `junit_hide_message`.

Written like conftest's Go encoder (tab indent, `time="0.000"`, no self-closing tags,
newlines in text as `&#xA;`), minus the go.version property, which kfix has no use for.
kfix adds a suite "kfix.errors" with a failing case per input it could not read or parse.
"""

from __future__ import annotations

from kfix.model import ScanResult
from kfix.output.base import OutputOptions
from kfix.output.common import where

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

# A test case: its name, and its failure text, or None when it passed.
Case = tuple[str, str | None]


def render(result: ScanResult, options: OutputOptions) -> str:
    suites: dict[str, list[Case]] = {}
    for check in result.results:
        cases = suites.setdefault(f"conftest.{check.namespace}", [])
        for finding in (*check.warnings, *check.failures):
            cases.append((_name(check.file, finding.message, options), finding.message))
        cases += [(check.file, None)] * check.successes
    if result.problems:
        suites["kfix.errors"] = [
            (_name(where(p.file, p.line), p.message, options), p.message) for p in result.problems
        ]
    body = [line for name, cases in suites.items() if cases for line in _suite(name, cases)]
    lines = ["<testsuites>", *body, "</testsuites>"] if body else ["<testsuites></testsuites>"]
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + "".join(f"{line}\n" for line in lines)


def _name(subject: str, message: str, options: OutputOptions) -> str:
    if options.junit_hide_message:
        return subject
    first_line = message.partition("\n")[0]
    return f"{subject} - {first_line}"


def _suite(name: str, cases: list[Case]) -> list[str]:
    failures = sum(1 for _, failure in cases if failure is not None)
    # go-junit-report names the class after the suite's last path segment.
    classname = _escape(name.rsplit("/", 1)[-1])
    lines = [
        f'\t<testsuite tests="{len(cases)}" failures="{failures}" time="0.000"'
        f' name="{_escape(name)}">'
    ]
    for case_name, failure in cases:
        opening = f'\t\t<testcase classname="{classname}" name="{_escape(case_name)}" time="0.000">'
        if failure is None:
            lines.append(f"{opening}</testcase>")
        else:
            lines += [
                opening,
                f'\t\t\t<failure message="Failed" type="">{_escape(failure)}</failure>',
                "\t\t</testcase>",
            ]
    lines.append("\t</testsuite>")
    return lines


def _escape(text: str) -> str:
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
