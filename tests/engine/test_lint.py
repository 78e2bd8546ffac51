"""Static checks: OPA's strict mode and capabilities files, with OPA's messages
(ast/compile.go and ast/parser.go of OPA v1.20)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from kfix.engine.lint import LintOptions, check
from kfix.errors import KfixError


def strict(source: str) -> list[str]:
    errors = check({"p.rego": textwrap.dedent(source)}, LintOptions(strict=True))
    return [f"{e.line}: {e.message}" for e in errors]


def test_assigned_vars_a_ref_key_or_quoted_key_does_not_use() -> None:
    assert strict("""\
        package main

        allow if {
            input.b == "foo"
            a := 1
            b := 2
            x := {"a": a, "b": "bar"}
        }
        """) == [
        "6: rego_compile_error: assigned var b unused",
        "7: rego_compile_error: assigned var x unused",
    ]


def test_used_assignments_pass_in_head_comprehension_destructuring_and_refs() -> None:
    assert strict("""\
        package main

        value := y if {
            y := 1
        }

        names contains n if {
            [first, second] := ["a", "b"]
            n := [v | some v in [first, second]][0]
        }

        deny contains msg if {
            c := input.spec.containers[_]
            c.name == "x"
            msg := sprintf("%v", [object.get(c, "image", "")])
        }
        """) == []


def test_else_branches_are_separate_scopes_for_assignments() -> None:
    assert strict("""\
        package main

        f := v if {
            v := 1
            input.x
        } else := 2 if {
            v := 3
        }
        """) == ["7: rego_compile_error: assigned var v unused"]


def test_an_argument_unused_by_every_branch_is_reported_at_the_head() -> None:
    assert strict("""\
        package main

        validate(x, y) if {
            input.test == x
        } else := false if {
            input.test == "foo"
        }

        pick(x, y, z) if {
            input.test == x
        } else if {
            input.test == y
        } else if {
            input.test == z
        }

        ignore(_, w) := w
        """) == [
        "3: rego_compile_error: unused argument y. (hint: use _ (wildcard variable) instead)"
    ]


def test_unused_import_is_named_as_opa_names_it() -> None:
    assert strict("""\
        package main

        import data.lib.helpers
        import data.lib.k8s as kube
        import data.lib.used

        deny contains "x" if used.flag
        """) == [
        "3: rego_compile_error: import data.lib.helpers unused",
        "4: rego_compile_error: import data.lib.k8s as kube unused",
    ]


def test_without_strict_nothing_is_reported() -> None:
    assert check({"p.rego": "package main\n\nallow if {\n  a := 1\n}\n"}, LintOptions()) == []


def capabilities(tmp_path: Path, **document: object) -> str:
    path = tmp_path / "caps.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


CALLS = 'package main\n\nx := sprintf("%v", [opa.runtime()])\n'


def test_a_builtin_the_file_lacks_is_an_undefined_function(tmp_path: Path) -> None:
    caps = capabilities(tmp_path, builtins=[{"name": "sprintf"}], features=["rego_v1"])
    errors = check({"p.rego": CALLS}, LintOptions(capabilities=caps))
    assert [(e.line, e.message) for e in errors] == [
        (3, "rego_type_error: undefined function opa.runtime")
    ]


def test_v1_source_needs_the_rego_v1_feature(tmp_path: Path) -> None:
    caps = capabilities(tmp_path, builtins=[{"name": "sprintf"}, {"name": "opa.runtime"}])
    (error,) = check({"p.rego": CALLS}, LintOptions(capabilities=caps))
    assert error.file == caps
    assert error.message == ("rego_parse_error: illegal capabilities: rego_v1 feature required "
                             "for parsing v1 Rego")
    # v0 source is parsed as v0 by OPA: no rego_v1 feature needed
    assert check({"p.rego": CALLS}, LintOptions(capabilities=caps), rego_version="v0") == []


def test_future_keywords_are_checked_against_the_file(tmp_path: Path) -> None:
    source = "package main\n\nimport future.keywords.in\nimport future.keywords.if\n"
    caps = capabilities(tmp_path, builtins=[], future_keywords=["if"])
    errors = check({"p.rego": source}, LintOptions(capabilities=caps), rego_version="v0")
    assert [(e.line, e.message) for e in errors] == [
        (3, "rego_parse_error: unexpected keyword, must be one of [if]")
    ]
    unknown = capabilities(tmp_path, builtins=[], future_keywords=["maybe"])
    (error,) = check({"p.rego": source}, LintOptions(capabilities=unknown), rego_version="v0")
    assert error.message == "rego_parse_error: illegal capabilities: unknown keyword: maybe"


def test_rego_v1_import_needs_a_feature_for_it(tmp_path: Path) -> None:
    source = "package main\n\nimport rego.v1\n"
    caps = capabilities(tmp_path, builtins=[])
    (error,) = check({"p.rego": source}, LintOptions(capabilities=caps), rego_version="v0")
    assert (error.line, error.message) == (3, "rego_compile_error: rego.v1 import is not supported")
    allowed = capabilities(tmp_path, builtins=[], features=["rego_v1_import"])
    assert check({"p.rego": source}, LintOptions(capabilities=allowed), rego_version="v0") == []


def test_a_file_that_is_not_capabilities_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "caps.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(KfixError, match="not an OPA capabilities file"):
        check({"p.rego": CALLS}, LintOptions(capabilities=str(path)))
