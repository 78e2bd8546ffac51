"""The embedded backend: OPA 1.20.2 in-process, errors as `file:line: message`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kfix.engine import select_engine
from kfix.engine.conftest_builtins import builtins
from kfix.engine.embedded import EmbeddedEngine, located_errors
from kfix.errors import EvalError, PolicyError


@pytest.fixture
def engine() -> Iterator[EmbeddedEngine]:
    created = EmbeddedEngine()
    yield created
    created.close()


def test_default_engine_is_the_embedded_opa_1_20_2() -> None:
    chosen = select_engine()
    try:
        assert chosen.name == "embedded"
        assert chosen.opa_version() == "1.20.2"
    finally:
        chosen.close()


def test_query_evaluates_policies_with_input_and_data(engine: EmbeddedEngine) -> None:
    engine.load(
        {"p.rego": 'package p\n\nlimit := data.settings.limit\n\nover if input.n > limit\n'},
        {"settings": {"limit": 3}},
        {},
    )
    assert engine.query("x := data.p.over", {"n": 5}).bindings == [{"x": True}]
    assert engine.query("x := data.p.over", {"n": 1}).bindings == []


def test_syntax_error_names_file_and_line(engine: EmbeddedEngine) -> None:
    source = 'package p\n\ndeny contains msg if {\n    msg := "x"\n    input.kind ==\n}\n'
    with pytest.raises(PolicyError) as raised:
        engine.load({"policies/bad.rego": source}, {}, {})
    error = raised.value
    assert (error.file, error.line) == ("policies/bad.rego", 6)
    assert "rego_parse_error" in error.message
    assert str(error).startswith("policies/bad.rego:6: rego_parse_error")


def test_errors_of_several_modules_are_all_reported(engine: EmbeddedEngine) -> None:
    modules = {
        "a.rego": "package a\n\nx :=\n",
        "b.rego": "package b\n\ny if {\n",
        "c.rego": "package c\n\nz := 1\n",
    }
    with pytest.raises(PolicyError) as raised:
        engine.load(modules, {}, {})
    files = {e.file for e in raised.value.all()}
    assert files == {"a.rego", "b.rego"}
    assert all(e.line > 0 for e in raised.value.all())


def test_compile_errors_are_located(engine: EmbeddedEngine) -> None:
    source = "package t\n\nx := 1 + \"a\"\n"
    with pytest.raises(PolicyError) as raised:
        engine.load({"t.rego": source}, {}, {})
    assert (raised.value.file, raised.value.line) == ("t.rego", 3)
    assert "rego_type_error" in raised.value.message


def test_unsafe_variable_is_a_located_compile_error(engine: EmbeddedEngine) -> None:
    source = "package u\n\ndeny contains msg if {\n    input.a == 1\n}\n"
    with pytest.raises(PolicyError) as raised:
        engine.load({"u.rego": source}, {}, {})
    assert raised.value.file == "u.rego"
    assert raised.value.line in (3, 4)
    assert "unsafe" in raised.value.message or "var msg" in raised.value.message


def test_builtin_error_is_flagged_as_builtin(engine: EmbeddedEngine) -> None:
    engine.load({"a.rego": 'package a\n\nx := to_number("abc")\n'}, {}, {})
    with pytest.raises(EvalError) as raised:
        engine.query("y := data.a.x", {})
    assert raised.value.builtin is True
    assert (raised.value.file, raised.value.line) == ("a.rego", 3)
    assert "to_number" in raised.value.message


def test_conflict_error_is_not_a_builtin_error(engine: EmbeddedEngine) -> None:
    engine.load({"b.rego": "package b\n\nx := 1 if input.a\nx := 2 if input.b\n"}, {}, {})
    with pytest.raises(EvalError) as raised:
        engine.query("y := data.b.x", {"a": 1, "b": 1})
    assert raised.value.builtin is False
    assert raised.value.file == "b.rego"
    assert "conflict" in raised.value.message


def test_print_output_is_returned_with_its_location(engine: EmbeddedEngine) -> None:
    source = 'package c\n\nx := y if {\n    print("value is", input.n)\n    y := input.n\n}\n'
    engine.load({"c.rego": source}, {}, {})
    answer = engine.query("v := data.c.x", {"n": 5})
    assert answer.bindings == [{"v": 5}]
    assert answer.prints == [("value is 5", "c.rego:4")]
    assert engine.query("v := data.c.x", {"n": 6}).prints == [("value is 6", "c.rego:4")]


def test_conftest_builtins_can_be_registered_and_called(engine: EmbeddedEngine) -> None:
    source = 'package d\n\nx := parse_config("yaml", "a: [1, 2]")\n'
    engine.load({"d.rego": source}, {}, builtins(()))
    assert engine.query("v := data.d.x", None).bindings == [{"v": {"a": [1, 2]}}]


def test_a_python_builtin_error_is_flagged_as_builtin(engine: EmbeddedEngine) -> None:
    engine.load({"e.rego": 'package e\n\nx := parse_config("nope", "a")\n'}, {}, builtins(()))
    with pytest.raises(EvalError) as raised:
        engine.query("v := data.e.x", None)
    assert raised.value.builtin is True


def test_located_errors_picks_locations_out_of_opa_messages() -> None:
    text = (
        "2 errors occurred:\n"
        "dir/a.rego:3: rego_parse_error: unexpected eof token\n"
        "dir/b.rego:14: rego_type_error: undefined function foo"
    )
    errors = located_errors(text, "fallback.rego")
    assert [(e.file, e.line, e.message) for e in errors] == [
        ("dir/a.rego", 3, "rego_parse_error: unexpected eof token"),
        ("dir/b.rego", 14, "rego_type_error: undefined function foo"),
    ]
    (unlocated,) = located_errors("something odd", "fallback.rego")
    assert (unlocated.file, unlocated.line, unlocated.message) == (
        "fallback.rego", 0, "something odd"
    )
