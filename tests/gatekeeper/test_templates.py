"""ConstraintTemplates and Constraints → engine modules, with problems at the right line."""

from __future__ import annotations

import textwrap
from pathlib import Path

from kfix.gatekeeper.evaluate import Checker
from kfix.gatekeeper.review import review_of
from kfix.gatekeeper.templates import (
    LIBS_PACKAGE,
    TEMPLATES_PACKAGE,
    DefinitionError,
    Library,
    load_library,
    read_constraint,
)
from kfix.load.manifests import read

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures" / "gatekeeper"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    """1-based line of the first line of `path` containing `needle`."""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in {path}")


def template(kind: str, rego: str, *, api: str = "v1", name: str | None = None,
             libs: tuple[str, ...] = (), schema: str = "") -> str:
    """A ConstraintTemplate with v0 `rego` (and `libs`), indented for its block scalar."""
    def block(text: str, indent: int) -> str:
        return textwrap.indent(textwrap.dedent(text).strip("\n") + "\n", " " * indent)

    lib_text = "".join(f"        - |\n{block(lib, 10)}" for lib in libs)
    return (
        f"apiVersion: templates.gatekeeper.sh/{api}\n"
        "kind: ConstraintTemplate\n"
        "metadata:\n"
        f"  name: {name if name is not None else kind.lower()}\n"
        "spec:\n"
        "  crd:\n"
        "    spec:\n"
        "      names:\n"
        f"        kind: {kind}\n"
        + (f"      validation:\n        openAPIV3Schema:\n{block(schema, 10)}" if schema else "")
        + "  targets:\n"
        "    - target: admission.k8s.gatekeeper.sh\n"
        + (f"      libs:\n{lib_text}" if libs else "")
        + f"      rego: |\n{block(rego, 8)}"
    )


def constraint(kind: str, name: str, spec: str = "") -> str:
    body = textwrap.indent(textwrap.dedent(spec).strip("\n"), "  ") + "\n" if spec else ""
    return (
        "apiVersion: constraints.gatekeeper.sh/v1beta1\n"
        f"kind: {kind}\n"
        f"metadata:\n  name: {name}\n"
        + (f"spec:\n{body}" if body else "")
    )


ALWAYS = """
package {pkg}

violation[{{"msg": msg}}] {{
  msg := sprintf("%v says no to %v", [input.parameters.who, input.review.object.metadata.name])
}}
"""


def cm(name: str = "settings") -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}


def messages(library: Library, obj: dict[str, object]) -> dict[str, list[str]]:
    checker = Checker(library)
    try:
        (found,) = checker.review([review_of(obj)])
        assert checker.problems == []
        return {c.id: [v.message for v in vs] for c, vs in found.items()}
    finally:
        checker.close()


def test_v1_and_v1beta1_templates_load_and_run(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", template("KA", ALWAYS.format(pkg="ka")))
    write(tmp_path / "b.yaml", template("KB", ALWAYS.format(pkg="kb"), api="v1beta1"))
    write(tmp_path / "c.yaml", constraint("KA", "a1", "parameters: {who: alpha}") + "---\n"
          + constraint("KB", "b1", "parameters: {who: beta}"))
    library = load_library([str(tmp_path)])
    assert library.problems == () and library.notes == ()
    assert sorted(library.templates) == ["KA", "KB"]
    assert [c.id for c in library.constraints] == ["KA/a1", "KB/b1"]
    assert messages(library, cm()) == {"KA/a1": ["alpha says no to settings"],
                                       "KB/b1": ["beta says no to settings"]}


def test_v0_rego_and_libs_are_moved_and_their_refs_rewritten(tmp_path: Path) -> None:
    path = write(tmp_path / "t.yaml", template("KLib", """
        package klib

        import data.lib.helpers

        violation[{"msg": msg}] {
          helpers.bad(input.review.object)
          msg := data.lib.helpers.say(input.review.object)
        }
        """, libs=("""
        package lib.helpers

        bad(obj) { obj.metadata.name == "bad" }

        say(obj) = m { m := sprintf("bad <%v>", [obj.metadata.name]) }
        """,)))
    write(tmp_path / "c.yaml", constraint("KLib", "c"))
    library = load_library([str(tmp_path)])
    assert library.problems == ()
    modules = library.templates["KLib"].modules
    assert len(modules) == 2
    main, lib = modules.values()
    assert f"package {TEMPLATES_PACKAGE}.KLib" in main
    assert f"import data.{LIBS_PACKAGE}.KLib.lib.helpers" in main
    assert f"data.{LIBS_PACKAGE}.KLib.lib.helpers.say(" in main
    assert "data.lib." not in main and "package klib" not in main
    assert f"package {LIBS_PACKAGE}.KLib.lib.helpers" in lib
    assert " if {" in main  # converted to v1
    # padded: the package keyword sits on its line in the YAML file
    assert main.splitlines().index(f"package {TEMPLATES_PACKAGE}.KLib") + 1 == \
        line_of(path, "package klib")
    assert all(name.startswith(f"{path}#0.") for name in modules)
    assert messages(library, cm("bad")) == {"KLib/c": ["bad <bad>"]}
    assert messages(library, cm("good")) == {"KLib/c": []}


def test_two_templates_with_a_lib_package_of_the_same_name_do_not_collide(
        tmp_path: Path) -> None:
    for kind, word in (("KOne", "one"), ("KTwo", "two")):
        write(tmp_path / f"{word}.yaml", template(kind, f"""
            package {kind.lower()}

            import data.lib.common

            violation[{{"msg": common.word}}] {{ true }}
            """, libs=(f'package lib.common\n\nword := "{word}"\n',)))
        write(tmp_path / f"c-{word}.yaml", constraint(kind, word))
    library = load_library([str(tmp_path)])
    assert library.problems == ()
    assert messages(library, cm()) == {"KOne/one": ["one"], "KTwo/two": ["two"]}


REPLICAS = FIXTURES / "replicalimits" / "template.yaml"


def test_code_rego_v1_is_used_and_a_cel_entry_is_only_a_note() -> None:
    library = load_library([str(REPLICAS), str(REPLICAS.parent / "samples" / "two-to-five")])
    assert library.problems == ()
    assert list(library.templates) == ["KfixReplicaLimits"]
    (note,) = library.notes
    assert note.file == str(REPLICAS)
    assert note.line == line_of(REPLICAS, "engine: K8sNativeValidation")
    assert "K8sNativeValidation" in note.message
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment",
                  "metadata": {"name": "web"}, "spec": {"replicas": 9}}
    (found,) = messages(library, deployment).values()
    assert found == ["Deployment <web> has 9 replicas, more than the maximum 5"]


CEL_ONLY = """
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: kcelonly
spec:
  crd:
    spec:
      names:
        kind: KCelOnly
  targets:
    - target: admission.k8s.gatekeeper.sh
      code:
        - engine: K8sNativeValidation
          source:
            validations:
              - expression: "false"
                message: never
"""


def test_a_cel_only_template_is_a_note_and_its_constraints_are_not_checked(
        tmp_path: Path) -> None:
    path = write(tmp_path / "cel.yaml", CEL_ONLY)
    write(tmp_path / "c.yaml", constraint("KCelOnly", "c"))
    library = load_library([str(tmp_path)])
    assert library.templates == {}
    assert library.constraints == ()
    template_notes = [n for n in library.notes if n.file == str(path)]
    assert len(template_notes) == 2
    assert any("no Rego to evaluate" in n.message for n in template_notes)
    # its constraint is not checked, which is said in a note, and is not an error
    (constraint_note,) = [n for n in library.notes if n.file != str(path)]
    assert "constraint not checked: its template has no Rego" in constraint_note.message
    assert library.problems == ()


def only_problem(tmp_path: Path) -> tuple[str, int, str]:
    library = load_library([str(tmp_path)])
    (problem,) = library.problems
    return problem.file, problem.line, problem.message


def test_metadata_name_must_be_the_lower_cased_kind(tmp_path: Path) -> None:
    path = write(tmp_path / "t.yaml", template("KName", ALWAYS.format(pkg="kname"),
                                                name="something-else"))
    file, line, message = only_problem(tmp_path)
    assert (file, line) == (str(path), line_of(path, "name: something-else"))
    assert "'kname'" in message


def test_a_rego_syntax_error_is_reported_at_its_line_in_the_yaml_file(tmp_path: Path) -> None:
    path = write(tmp_path / "t.yaml", template("KSyntax", """
        package ksyntax

        violation[{"msg": msg}] {
          msg := )
        }
        """))
    write(tmp_path / "good.yaml", template("KGood", ALWAYS.format(pkg="kgood")))
    write(tmp_path / "c.yaml", constraint("KSyntax", "broken") + "---\n"
          + constraint("KGood", "good", "parameters: {who: me}"))
    library = load_library([str(tmp_path)])
    checker = Checker(library)
    try:
        problems = [p for p in checker.problems if p.file == str(path)]
        assert problems, checker.problems
        assert {p.line for p in problems} == {line_of(path, "msg := )")}
        # the broken template is left out; the good one still works
        assert list(checker.library.templates) == ["KGood"]
        assert [c.id for c in checker.library.constraints] == ["KGood/good"]
        (found,) = checker.review([review_of(cm())])
        assert {c.id: [v.message for v in vs] for c, vs in found.items()} == \
            {"KGood/good": ["me says no to settings"]}
    finally:
        checker.close()


def test_a_v1_rego_error_in_a_code_entry_is_reported_at_its_yaml_line(tmp_path: Path) -> None:
    path = write(tmp_path / "t.yaml", """
        apiVersion: templates.gatekeeper.sh/v1
        kind: ConstraintTemplate
        metadata:
          name: kcode
        spec:
          crd:
            spec:
              names:
                kind: KCode
          targets:
            - target: admission.k8s.gatekeeper.sh
              code:
                - engine: Rego
                  source:
                    version: v1
                    rego: |
                      package kcode

                      violation contains {"msg": "x"} if {
                        input.review.object.kind == = "Pod"
                      }
        """)
    library = load_library([str(tmp_path)])
    assert library.problems == ()
    checker = Checker(library)
    try:
        assert checker.problems
        assert {(p.file, p.line) for p in checker.problems} == \
            {(str(path), line_of(path, "== ="))}
        assert checker.library.templates == {}
    finally:
        checker.close()


def test_a_lib_package_must_start_with_lib(tmp_path: Path) -> None:
    path = write(tmp_path / "t.yaml", template("KBadLib", ALWAYS.format(pkg="kbadlib"),
                                                libs=("package helpers\n\nx := 1\n",)))
    file, line, message = only_problem(tmp_path)
    # the line of the lib's entry (`- |`), just above its package
    assert (file, line) == (str(path), line_of(path, "package helpers") - 1)
    assert path.read_text(encoding="utf-8").splitlines()[line - 1].strip() == "- |"
    assert "must start with `lib.`" in message


def test_a_duplicate_kind_is_a_problem_and_the_first_is_kept(tmp_path: Path) -> None:
    first = write(tmp_path / "a.yaml", template("KDup", ALWAYS.format(pkg="kdup")))
    second = write(tmp_path / "b.yaml", template("KDup", ALWAYS.format(pkg="kdup")))
    file, line, message = only_problem(tmp_path)
    assert (file, line) == (str(second), 1)
    assert "KDup" in message and str(first) in message
    assert load_library([str(tmp_path)]).templates["KDup"].file == str(first)


def test_a_constraint_of_unknown_kind_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path / "t.yaml", template("KKnown", ALWAYS.format(pkg="kknown")))
    path = write(tmp_path / "c.yaml", "# a comment first\n" + constraint("KUnknown", "x"))
    file, line, message = only_problem(tmp_path)
    assert (file, line) == (str(path), 2)
    assert "no ConstraintTemplate defines kind KUnknown" in message


SCHEMA = """
type: object
properties:
  who:
    type: string
  count:
    type: integer
"""


def test_parameters_the_schema_rejects_are_a_schema_problem(tmp_path: Path) -> None:
    write(tmp_path / "t.yaml", template("KSchema", ALWAYS.format(pkg="kschema"),
                                        schema=SCHEMA))
    path = write(tmp_path / "c.yaml", constraint("KSchema", "bad", """
        parameters:
          who: me
          count: "three"
        """))
    file, line, message = only_problem(tmp_path)
    assert (file, line) == (str(path), line_of(path, "count:"))
    assert "spec.parameters.count" in message and "'three'" in message
    library = load_library([str(tmp_path / "t.yaml")])
    (doc,) = read(str(path)).documents
    try:
        read_constraint(doc, library.templates)
    except DefinitionError as exc:
        assert exc.schema is True
    else:
        raise AssertionError("the schema accepted a string count")


def test_parameters_the_schema_accepts_load(tmp_path: Path) -> None:
    write(tmp_path / "t.yaml", template("KSchema", ALWAYS.format(pkg="kschema"),
                                        schema=SCHEMA))
    write(tmp_path / "c.yaml", constraint("KSchema", "ok", "parameters: {who: me, count: 3}"))
    library = load_library([str(tmp_path)])
    assert library.problems == ()
    assert library.constraints[0].parameters == {"who": "me", "count": 3}


def test_a_bad_enforcement_action_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path / "t.yaml", template("KAct", ALWAYS.format(pkg="kact")))
    path = write(tmp_path / "c.yaml", constraint("KAct", "loud", "enforcementAction: scream"))
    file, line, message = only_problem(tmp_path)
    assert (file, line) == (str(path), line_of(path, "enforcementAction"))
    assert "'scream'" in message and "deny, warn, dryrun" in message
    (doc,) = read(str(path)).documents
    try:
        read_constraint(doc, load_library([str(tmp_path / "t.yaml")]).templates)
    except DefinitionError as exc:
        assert exc.schema is False
    else:
        raise AssertionError("enforcementAction scream accepted")


def test_a_malformed_match_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path / "t.yaml", template("KMatch", ALWAYS.format(pkg="kmatch")))
    path = write(tmp_path / "c.yaml", constraint("KMatch", "m", """
        match:
          kinds: "Pod"
        """))
    file, line, message = only_problem(tmp_path)
    assert (file, line) == (str(path), line_of(path, "match:"))
    assert message.startswith("KMatch/m: ")


def test_policies_describe_constraints_beside_their_template(tmp_path: Path) -> None:
    path = write(tmp_path / "t.yaml", template("KPol", ALWAYS.format(pkg="kpol")))
    cpath = write(tmp_path / "c.yaml", constraint("KPol", "p", "enforcementAction: warn"))
    (info,) = load_library([str(tmp_path)]).policies().values()
    assert info.id == "KPol/p" and info.file == str(path)
    assert info.custom == {"constraint_kind": "KPol", "enforcementAction": "warn",
                           "constraint_file": str(cpath)}


def test_a_template_without_a_violation_rule_is_a_problem(tmp_path: Path) -> None:
    """Gatekeeper evaluates `violation`; a template that defines only `deny` would pass
    everything in silence."""
    path = write(tmp_path / "t.yaml", template("KDeny", """
        package kdeny

        deny[msg] {
          msg := "never seen"
        }
        """))
    file, line, message = only_problem(tmp_path)
    assert file == str(path)
    assert line == line_of(path, "rego: |")
    assert "no `violation` rule" in message
