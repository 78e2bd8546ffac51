from __future__ import annotations

import re
import textwrap

import pytest
from opa_bindings import OpaEngine

from kfix.engine.rego_source import (
    COMMENT,
    IDENT,
    INVALID,
    RAW_STRING,
    STRING,
    Annotation,
    RuleHead,
    outline,
    parse,
    tokenize,
)

CONFTEST_RULE = re.compile(r"^(deny|violation)(_[a-zA-Z0-9]+)*$|^warn(_[a-zA-Z0-9]+)*$")


def rego(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def test_lexer_skips_comments_strings_and_raw_strings() -> None:
    src = 'x := "a # b \\" {" # c { [\ny := `raw\n} # ]`\n'
    tokens = tokenize(src)
    kinds = [(t.kind, t.text) for t in tokens]
    assert kinds == [
        (IDENT, "x"),
        ("op", ":="),
        (STRING, '"a # b \\" {"'),
        (COMMENT, "# c { ["),
        (IDENT, "y"),
        ("op", ":="),
        (RAW_STRING, "`raw\n} # ]`"),
    ]
    assert all(t.depth == 0 for t in tokens)
    assert [t.line for t in tokens] == [1, 1, 1, 1, 2, 2, 2]


def test_lexer_tracks_depth_lines_and_line_starts() -> None:
    tokens = tokenize("p {\n  f([1], {\n  })\n}\n")
    by_text = [(t.text, t.depth, t.line, t.first) for t in tokens]
    assert by_text == [
        ("p", 0, 1, True),
        ("{", 0, 1, False),
        ("f", 1, 2, True),
        ("(", 1, 2, False),
        ("[", 2, 2, False),
        ("1", 3, 2, False),
        ("]", 2, 2, False),
        (",", 2, 2, False),
        ("{", 2, 2, False),
        ("}", 2, 3, True),
        (")", 1, 3, False),
        ("}", 0, 4, True),
    ]


def test_line_numbers_after_a_multiline_raw_string() -> None:
    tokens = tokenize("a := `1\n2\n3` ; b\nc")
    assert [(t.text, t.line, t.col) for t in tokens][-3:] == [(";", 3, 4), ("b", 3, 6), ("c", 4, 1)]


def test_unterminated_strings_are_invalid_tokens_not_errors() -> None:
    assert [t.kind for t in tokenize('x := "abc\ny := `open')] == [
        IDENT, "op", INVALID, IDENT, "op", INVALID,
    ]  # fmt: skip


def test_outline_of_a_conftest_policy() -> None:
    src = rego(
        """
        # METADATA
        # title: Privileged containers
        # custom:
        #   severity: high
        package kfix.pss.privileged

        import rego.v1
        import data.kfix.lib.k8s as k8s
        import future.keywords.if

        default deny := false

        # METADATA
        # title: no privileged
        # scope: document
        deny contains msg if {
          c := k8s.containers[_]   # { not a body
          msg := sprintf("%s is privileged {", [c.name])
        }

        warn_latest[msg] {
          endswith(input.image, ":latest")
          msg := `raw {
        deny_not_a_rule`
        }

        violation[{"msg": m, "details": {"a": [1, {"b": 2}]}}] { m := "x" } { m := "y" }

        helper(x) = y { y := x } else = 0 { true } else = 1
        q := 1 if input.x
        r if { true } s := 2
        """
    )
    o = outline(src)
    assert o.package == "kfix.pss.privileged"
    assert o.package_line == 5
    assert o.imports == ("rego.v1", "data.kfix.lib.k8s", "future.keywords.if")
    assert o.rules == (
        RuleHead("deny", 11),
        RuleHead("deny", 16),
        RuleHead("warn_latest", 21),
        RuleHead("violation", 27),
        RuleHead("violation", 27),
        RuleHead("helper", 29),
        RuleHead("q", 30),
        RuleHead("r", 31),
        RuleHead("s", 31),
    )
    assert o.annotations == (
        Annotation(
            1,
            5,
            "package",
            {"title": "Privileged containers", "custom": {"severity": "high"}},
            "",
        ),
        Annotation(13, 16, "document", {"title": "no privileged", "scope": "document"}, ""),
    )


def test_annotation_errors_scopes_and_blocks() -> None:
    src = rego(
        """
        package p

        #METADATA
        #title: [unclosed
        p := 1

        # METADATA
        # - a list
        q := 2

        # METADATA
          # title: not in column one, so not part of the block
        r := 3
          # METADATA
        #  description: indented marker still starts a block
        s := 4
        # METADATA
        """
    )
    o = outline(src)
    first, second, third, fourth, last = o.annotations
    assert (first.line, first.target_line, first.scope, first.data) == (3, 5, "rule", {})
    assert first.error
    assert (second.target_line, second.error) == (9, "METADATA must be a YAML mapping")
    assert (third.target_line, third.data, third.error) == (13, {}, "")
    assert (fourth.line, fourth.target_line) == (14, 16)
    assert fourth.data == {"description": "indented marker still starts a block"}
    assert (last.line, last.target_line, last.data) == (17, 0, {})


def test_v0_multi_body_rules_count_like_opa() -> None:
    """Each chained body is a rule of its own in OPA; `else` is not."""
    src = rego(
        """
        package main

        deny[msg] {
          msg := "a"
        } {
          msg := "b"
        }

        deny[msg] { msg := "c" }

        warn[msg] { false; msg := "" } else = "x" { true }
        violation_x := 1
        denying := 1
        """
    )
    names = [r.name for r in outline(src).rules]
    assert names == ["deny", "deny", "deny", "warn", "violation_x", "denying"]
    assert [n for n in names if CONFTEST_RULE.match(n)] == ["deny"] * 3 + ["warn", "violation_x"]


def test_outline_rule_count_matches_opa_module_rules() -> None:
    """The chained body `{ true }` after `{ false }` yields 3: it is a rule of its own."""
    src = rego(
        """
        package count

        import rego.v1

        r contains 1 if { true } { true }
        r contains 2 if true
        r contains 3 if { false } { true }
        f(x) := 1 if { x == 1 } else := 2
        """
    )
    engine = OpaEngine()
    engine.add_policy("count.rego", src)
    result = engine.eval_query("x := data.count.r")[0]["x"]
    assert result == [1, 2, 3]
    assert [r.name for r in outline(src).rules] == ["r", "r", "r", "r", "r", "f"]


def test_parse_exposes_rule_structure() -> None:
    src = 'package p\np[x] = {"a": 1} { x := 1 } else = 2 { true }\n'
    module = parse(src)
    (rule,) = module.rules
    toks = module.tokens
    assert toks[rule.name_at].text == "p"
    assert toks[rule.ref_end].text == "="
    assert toks[rule.head_end].text == "{"
    assert rule.body is not None and rule.body.if_at is None and rule.body.braced
    (else_,) = rule.elses
    assert toks[else_.at].text == "else"
    assert else_.body is not None and toks[else_.body.start].text == "{"


@pytest.mark.parametrize(
    ("src", "package", "line"),
    [
        ("package a.b.c\n", "a.b.c", 1),
        ('# x\n\npackage a["b-c"].d\n', 'a["b-c"].d', 3),
        ("p := 1\n", "", 0),
    ],
)
def test_package_forms(src: str, package: str, line: int) -> None:
    o = outline(src)
    assert (o.package, o.package_line) == (package, line)


def test_outline_never_raises_on_garbage() -> None:
    o = outline('package p\n}}} ) p { "unterminated\n[ q := `open')
    assert o.package == "p"
