"""Body expressions by line (kfix.engine.rego_expressions)."""

from __future__ import annotations

from kfix.engine.rego_expressions import expression_at, expression_text
from kfix.engine.rego_source import parse

SOURCE = """\
package p

allow if {
    names := [n |
        some x in input.names
        n := lower(x)
    ]
    count(names) == count(
        input.names)
    input.kind == "Pod"; input.ok
}

short if to_number(input.x) > 1

default fallback := false
"""


def test_the_expression_a_line_starts_or_continues() -> None:
    assert expression_text(SOURCE, 4) == "names := [n | some x in input.names n := lower(x) ]"
    assert expression_text(SOURCE, 8) == "count(names) == count( input.names)"
    assert expression_text(SOURCE, 9) == "count(names) == count( input.names)"


def test_inside_a_comprehension_the_query_part_is_the_scope() -> None:
    assert expression_text(SOURCE, 5) == "some x in input.names"
    assert expression_text(SOURCE, 6) == "n := lower(x)"


def test_a_line_holds_the_expression_that_starts_first_on_it() -> None:
    assert expression_text(SOURCE, 10) == 'input.kind == "Pod"'


def test_an_unbraced_body_is_alone() -> None:
    found = expression_at(parse(SOURCE), 13)
    assert found is not None and found.alone
    assert expression_text(SOURCE, 13) == "to_number(input.x) > 1"


def test_outside_rule_bodies_there_is_none() -> None:
    assert expression_text(SOURCE, 1) is None
    assert expression_text(SOURCE, 15) is None
    assert expression_text(SOURCE, 12) is None
