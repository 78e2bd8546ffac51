"""The one JUnit XML writer: its escaping, character by character as Go's encoding/xml,
and the shortcuts it takes for cases that repeat."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from kfix.output.junit import _XML_ESCAPES, FAILURE, SKIPPED, Case, Suite, escape, render


def escaped_one_by_one(text: str) -> str:
    """The definition: each character escaped, or U+FFFD where XML 1.0 has no character."""

    def allowed(char: str) -> bool:
        code = ord(char)
        return (
            code in (0x9, 0xA, 0xD)
            or 0x20 <= code <= 0xD7FF
            or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF
        )

    return "".join(_XML_ESCAPES.get(c, c) if allowed(c) else "\ufffd" for c in text)


def test_escape_is_the_character_by_character_definition_for_every_code_point() -> None:
    for start in range(0, 0x110000, 0x8000):
        text = "".join(map(chr, range(start, min(start + 0x8000, 0x110000))))
        assert escape(text) == escaped_one_by_one(text), hex(start)


def test_escape_of_plain_text_and_of_mixed_text() -> None:
    assert escape("deploy.yaml - image uses the latest tag") == (
        "deploy.yaml - image uses the latest tag"
    )
    assert escape("a <b> & \"c\" 'd'\t\n\r\x00\ud800\ufffe\uffff😀") == (
        "a &lt;b&gt; &amp; &#34;c&#34; &#39;d&#39;&#x9;&#xA;&#xD;\ufffd\ufffd\ufffd\ufffd😀"
    )


def test_a_repeated_case_and_distinct_times_are_each_written() -> None:
    passed = Case("a.yaml", "main")
    cases = (
        passed,
        passed,
        Case("b & c", "main", seconds=0.0),
        Case("d", "main", seconds=-0.0),
        Case("e", "main", FAILURE, "Failed", "x < y", 1.2345, "e.yaml", 3),
        Case("f", "main", SKIPPED, "", "", 1.2345),
    )
    text = render([Suite("conftest.main", cases, 2.5), Suite("empty", ())])
    assert text.splitlines() == [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<testsuites>",
        '\t<testsuite tests="6" failures="1" skipped="1" time="2.500" name="conftest.main">',
        '\t\t<testcase classname="main" name="a.yaml" time="0.000"></testcase>',
        '\t\t<testcase classname="main" name="a.yaml" time="0.000"></testcase>',
        '\t\t<testcase classname="main" name="b &amp; c" time="0.000"></testcase>',
        '\t\t<testcase classname="main" name="d" time="-0.000"></testcase>',
        '\t\t<testcase classname="main" name="e" time="1.234" file="e.yaml" line="3">',
        '\t\t\t<failure message="Failed" type="">x &lt; y</failure>',
        "\t\t</testcase>",
        '\t\t<testcase classname="main" name="f" time="1.234">',
        '\t\t\t<skipped message="" type=""></skipped>',
        "\t\t</testcase>",
        "\t</testsuite>",
        "</testsuites>",
    ]
    ET.fromstring(text)


def test_no_cases_no_suites() -> None:
    assert render([Suite("empty", ())]) == (
        '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites></testsuites>\n'
    )
