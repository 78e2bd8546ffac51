"""The table is drawn in bulk (distinct texts measured and padded once, rows joined in C);
these tests hold it to the table drawn the obvious way, row by row and character by
character, on rows that make the bulk drawing's work hard: wide and combining
characters, control characters, empty cells, repeated successes, checks without tests,
and messages of several lines."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import replace

import pytest

from kfix.model import CheckResult, Finding, Problem, ScanResult
from kfix.output import ReportOptions
from kfix.output.common import where
from kfix.output.scan import table

HEADER = ("RESULT", "FILE", "NAMESPACE", "MESSAGE")


def width(text: str) -> int:
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def pad(text: str, size: int, centred: bool) -> str:
    room = size - width(text)
    left = room // 2 if centred else 0
    return " " * left + text + " " * (room - left)


def drawn_row_by_row(result: ScanResult) -> str:
    rows: list[tuple[str, str, str, str]] = []
    for check in result.results:
        rows += [("success", check.file, check.namespace, "SUCCESS")] * check.successes
        for outcome, findings in (
            ("exception", check.exceptions),
            ("warning", check.warnings),
            ("failure", check.failures),
        ):
            rows += [(outcome, check.file, check.namespace, f.message) for f in findings]
    rows += [("error", where(p.file, p.line), "", p.message) for p in result.problems]
    if not rows:
        return ""
    screen = []
    for row in rows:
        split = [cell.split("\n") for cell in row]
        height = max(len(lines) for lines in split)
        screen += [tuple(lines[i] if i < len(lines) else "" for lines in split)
                   for i in range(height)]
    sizes = [max(width(line[i]) for line in [HEADER, *screen]) for i in range(4)]

    def border(left: str, middle: str, right: str) -> str:
        return left + middle.join("─" * (size + 2) for size in sizes) + right

    def cells(texts: tuple[str, ...], centred: bool) -> str:
        shown = (pad(text, size, centred) for text, size in zip(texts, sizes, strict=True))
        return "│" + "│".join(f" {text} " for text in shown) + "│"

    out = [border("┌", "┬", "┐"), cells(HEADER, True), border("├", "┼", "┤")]
    out += [cells(line, False) for line in screen]
    out.append(border("└", "┴", "┘"))
    return "\n".join(out) + "\n"


TEXTS = ["", "a", "deploy.yaml", "コンテナ", "e\u0301", "\t\r\x1b", "Ａ😀", "x" * 40, "-"]


def random_result(rng: random.Random, lines: bool) -> ScanResult:
    texts = TEXTS + (["two\nlines", "\n", "a\nコ\n"] if lines else [])
    finding = Finding("failure", "K1", "deny", "main", "", "", 0, 0)
    checks = tuple(
        CheckResult(
            file=rng.choice(texts),
            namespace=rng.choice(texts),
            successes=rng.choice([0, 0, 1, 3]),
            failures=tuple(replace(finding, message=rng.choice(texts))
                           for _ in range(rng.choice([0, 0, 1, 2]))),
            warnings=tuple(replace(finding, message=rng.choice(texts))
                           for _ in range(rng.choice([0, 1]))),
            exceptions=tuple(replace(finding, message=rng.choice(texts))
                             for _ in range(rng.choice([0, 0, 1]))),
        )
        for _ in range(rng.randint(0, 8))
    )
    problems = tuple(Problem(rng.choice(texts), rng.choice([0, 3]), rng.choice(texts))
                     for _ in range(rng.choice([0, 0, 1])))
    return ScanResult(results=checks, problems=problems)


@pytest.mark.parametrize("lines", [False, True], ids=["one-line rows", "taller rows"])
def test_the_table_is_the_table_drawn_row_by_row(lines: bool) -> None:
    rng = random.Random(11)
    for _ in range(500):
        result = random_result(rng, lines)
        assert table.render(result, ReportOptions()) == drawn_row_by_row(result), result


def test_checks_without_tests_take_no_room() -> None:
    result = ScanResult(results=(
        CheckResult(file="a-very-long-file-name-that-has-no-tests.yaml", namespace="main"),
        CheckResult(file="a.yaml", namespace="main", successes=2),
    ))
    assert table.render(result, ReportOptions()) == drawn_row_by_row(result)
    assert "a-very-long" not in table.render(result, ReportOptions())
