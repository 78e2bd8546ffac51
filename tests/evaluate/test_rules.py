"""conftest's rule semantics, as `conftest test` defines them, on the real engine.

Each test writes real Rego and real YAML under tmp_path and runs `kfix.runner.scan.scan`;
nothing is mocked. Counting follows conftest's policy/engine.go: every definition of a
deny/violation/warn rule in a namespace is one test per document; a rule that returns
nothing (or an empty message) is a success; failures, warnings and exceptions are the
other tests; the shortfall up to the definition count is filled with successes.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kfix.errors import PolicyError
from kfix.model import EXCEPTION, FAILURE, WARNING, CheckResult, Finding, ScanResult
from kfix.output import ReportOptions
from kfix.output.scan import stdout
from kfix.runner.scan import ScanOptions, scan


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dedent(text), encoding="utf-8")
    return str(path)


def run(
    tmp_path: Path,
    policies: dict[str, str],
    manifests: dict[str, str],
    **options: object,
) -> ScanResult:
    """Write policies under tmp_path/policy and manifests under tmp_path, then scan them."""
    for name, source in policies.items():
        write(tmp_path / "policy" / name, source)
    paths = [write(tmp_path / name, text) for name, text in manifests.items()]
    return scan(paths, ScanOptions(policy_paths=(str(tmp_path / "policy"),), **options))


def summary(result: ScanResult) -> str:
    return stdout.render(result, ReportOptions()).splitlines()[-1]


def messages(findings: tuple[Finding, ...]) -> list[str]:
    return [f.message for f in findings]


DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
"""
SERVICE = """
apiVersion: v1
kind: Service
metadata:
  name: svc
"""
BOTH = DEPLOYMENT + "---\n" + dedent(SERVICE)


# --- rule forms ------------------------------------------------------------------------


RULE_FORMS = """
package main

deny contains msg if {
    input.kind == "Deployment"
    msg := "deny: partial set"
}

violation := ["violation: complete array 1", "violation: complete array 2"] if {
    input.kind == "Deployment"
}

warn contains "warn: partial set" if input.kind == "Deployment"

deny_foo contains "deny_foo: suffixed" if input.kind == "Deployment"

warn_bar_baz contains "warn_bar_baz: two suffixes" if input.kind == "Deployment"

violation_x contains {"msg": "violation_x: object", "details": {"field": "replicas"}} if {
    input.kind == "Deployment"
}

# not check rules: never evaluated as tests
denied contains "x" if true
deny_ contains "x" if true
helper := true
"""


def test_every_rule_form_reports_its_results(tmp_path: Path) -> None:
    result = run(tmp_path, {"forms.rego": RULE_FORMS}, {"d.yaml": DEPLOYMENT})
    (check,) = result.results
    assert (check.file, check.namespace) == (str(tmp_path / "d.yaml"), "main")
    assert sorted(messages(check.failures)) == [
        "deny: partial set",
        "deny_foo: suffixed",
        "violation: complete array 1",
        "violation: complete array 2",
        "violation_x: object",
    ]
    assert sorted(messages(check.warnings)) == ["warn: partial set", "warn_bar_baz: two suffixes"]
    assert {f.rule for f in check.failures} == {"deny", "deny_foo", "violation", "violation_x"}
    assert {f.rule for f in check.warnings} == {"warn", "warn_bar_baz"}
    assert all(f.outcome == FAILURE for f in check.failures)
    assert all(f.outcome == WARNING for f in check.warnings)
    # 6 check rules, 7 results: no successes to fill in
    assert (result.tests, check.successes) == (7, 0)


def test_a_passing_document_counts_one_success_per_rule_definition(tmp_path: Path) -> None:
    result = run(tmp_path, {"forms.rego": RULE_FORMS}, {"s.yaml": SERVICE})
    (check,) = result.results
    assert check.failures == check.warnings == check.exceptions == ()
    assert check.successes == 6
    assert summary(result) == "6 tests, 6 passed, 0 warnings, 0 failures, 0 exceptions"


def test_object_results_keep_other_keys_as_metadata(tmp_path: Path) -> None:
    source = """
    package main

    deny contains {"msg": "with metadata", "severity": "high", "details": {"n": 1}} if true
    """
    result = run(tmp_path, {"p.rego": source}, {"d.yaml": DEPLOYMENT})
    (finding,) = result.results[0].failures
    assert finding.message == "with metadata"
    assert finding.metadata == {"severity": "high", "details": {"n": 1}}
    assert finding.severity == "high"


def test_object_without_a_string_msg_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    source = """
    package main

    deny contains {"message": "wrong key"} if input.kind == "Deployment"
    deny_number contains {"msg": 42} if input.kind == "Deployment"
    deny_fine contains "still reported" if input.kind == "Deployment"
    """
    result = run(tmp_path, {"p.rego": source}, {"d.yaml": DEPLOYMENT})
    (check,) = result.results
    assert messages(check.failures) == ["still reported"]
    assert len(result.problems) == 2
    for problem in result.problems:
        assert problem.file == str(tmp_path / "d.yaml")
        assert "msg" in problem.message
    assert {p.message.split(":")[0] for p in result.problems} == {
        "data.main.deny",
        "data.main.deny_number",
    }
    assert result.exit_code() == 2


def test_empty_messages_and_non_string_items_count_as_successes(tmp_path: Path) -> None:
    source = """
    package main

    deny contains "" if true
    deny_obj contains {"msg": ""} if true
    warn contains 42 if true
    violation := "a string, not a collection" if true
    """
    result = run(tmp_path, {"p.rego": source}, {"d.yaml": DEPLOYMENT})
    (check,) = result.results
    assert check.failures == check.warnings == ()
    assert (result.tests, check.successes) == (4, 4)


@pytest.mark.parametrize(
    ("body", "tests", "passed", "failures"),
    [
        # two definitions of deny, one fires: 2 tests, 1 passed
        ('deny contains "a" if true\ndeny contains "b" if false\n', 2, 1, 1),
        # two definitions, both fire: 2 tests, 0 passed
        ('deny contains "a" if true\ndeny contains "b" if true\n', 2, 0, 2),
        # one definition with three messages: 3 tests (more results than definitions)
        ('deny contains m if some m in ["a", "b", "c"]\n', 3, 0, 3),
        # three definitions, one fires with two messages: results cover them all
        (
            'deny contains m if some m in ["a", "b"]\n'
            'deny contains "c" if false\ndeny contains "d" if false\n',
            3, 1, 2,
        ),
        # none fire
        ('deny contains "a" if false\nviolation contains "b" if false\n', 2, 2, 0),
        # an undefined complete rule is a success too
        ('violation := ["x"] if false\n', 1, 1, 0),
    ],
)
def test_counting_matches_conftest(
    tmp_path: Path, body: str, tests: int, passed: int, failures: int
) -> None:
    result = run(tmp_path, {"p.rego": "package main\n\n" + body}, {"d.yaml": DEPLOYMENT})
    assert (result.tests, result.successes, result.count(FAILURE)) == (tests, passed, failures)


def test_each_document_is_counted_and_rule_definitions_in_several_files_add_up(
    tmp_path: Path,
) -> None:
    policies = {
        "a.rego": 'package main\n\ndeny contains "deployment" if input.kind == "Deployment"\n',
        "b.rego": 'package main\n\ndeny contains "service" if input.kind == "Service"\n'
        'warn contains "always" if true\n',
    }
    result = run(tmp_path, policies, {"both.yaml": BOTH})
    (check,) = result.results
    assert [(f.message, f.document) for f in check.failures] == [
        ("deployment", 0),
        ("service", 1),
    ]
    assert [f.document for f in check.warnings] == [0, 1]
    # 3 definitions × 2 documents
    assert summary(result) == "6 tests, 2 passed, 2 warnings, 2 failures, 0 exceptions"


def test_summary_line_uses_singulars_for_one(tmp_path: Path) -> None:
    source = 'package main\n\ndeny contains "x" if true\n'
    result = run(tmp_path, {"p.rego": source}, {"d.yaml": DEPLOYMENT})
    assert summary(result) == "1 test, 0 passed, 0 warnings, 1 failure, 0 exceptions"


def test_a_file_named_twice_is_checked_once(tmp_path: Path) -> None:
    """conftest keys its inputs by path, so naming a file twice checks it once."""
    write(tmp_path / "policy" / "p.rego", 'package main\n\ndeny contains "x" if true\n')
    path = write(tmp_path / "d.yaml", DEPLOYMENT)
    options = ScanOptions(policy_paths=(str(tmp_path / "policy"),))
    once, twice = scan([path], options), scan([path, path], options)
    assert summary(twice) == summary(once) == (
        "1 test, 0 passed, 0 warnings, 1 failure, 0 exceptions"
    )


# --- namespaces ----------------------------------------------------------------------------


NAMESPACED = {
    "main.rego": 'package main\n\ndeny contains "main" if true\n',
    "alpha.rego": 'package team.alpha\n\ndeny contains "alpha" if true\n',
    "beta.rego": 'package team.beta\n\nwarn contains "beta" if true\n',
    "gamma.rego": 'package team.beta.gamma\n\ndeny contains "gamma" if true\n',
    "other.rego": 'package other\n\nviolation contains "other" if true\n',
}


def _by_namespace(result: ScanResult) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for check in result.results:
        found.setdefault(check.namespace, []).extend(
            messages(check.failures) + messages(check.warnings)
        )
    return found


def test_default_namespace_is_main(tmp_path: Path) -> None:
    result = run(tmp_path, NAMESPACED, {"d.yaml": DEPLOYMENT})
    assert _by_namespace(result) == {"main": ["main"]}


def test_namespace_globs_and_repeats(tmp_path: Path) -> None:
    result = run(tmp_path, NAMESPACED, {"d.yaml": DEPLOYMENT}, namespaces=("team.*",))
    assert _by_namespace(result) == {
        "team.alpha": ["alpha"],
        "team.beta": ["beta"],
        "team.beta.gamma": ["gamma"],
    }
    result = run(tmp_path, NAMESPACED, {"d.yaml": DEPLOYMENT},
                 namespaces=("team.beta", "other"))
    assert _by_namespace(result) == {"other": ["other"], "team.beta": ["beta"]}


def test_a_namespace_that_matches_nothing_runs_no_tests(tmp_path: Path) -> None:
    result = run(tmp_path, NAMESPACED, {"d.yaml": DEPLOYMENT}, namespaces=("notpresent",))
    assert result.tests == 0
    assert result.exit_code() == 0


def test_all_namespaces_gives_one_result_per_file_and_namespace(tmp_path: Path) -> None:
    result = run(tmp_path, NAMESPACED, {"a.yaml": DEPLOYMENT, "b.yaml": SERVICE},
                 all_namespaces=True)
    pairs = [(Path(r.file).name, r.namespace) for r in result.results]
    namespaces = ["main", "other", "team.alpha", "team.beta", "team.beta.gamma"]
    assert sorted(pairs) == sorted((f, n) for f in ("a.yaml", "b.yaml") for n in namespaces)
    assert len(pairs) == len(set(pairs)) == 10
    assert result.count(FAILURE) == 8 and result.count(WARNING) == 2


def test_rules_of_one_namespace_are_not_counted_in_another(tmp_path: Path) -> None:
    result = run(tmp_path, NAMESPACED, {"d.yaml": DEPLOYMENT}, namespaces=("team.beta",))
    (check,) = result.results
    assert (check.namespace, check.successes, len(check.warnings)) == ("team.beta", 0, 1)
    assert result.tests == 1


# --- exceptions ----------------------------------------------------------------------------


EXCEPTIONS = """
package main

deny_foo contains "foo failed" if input.kind == "Deployment"

deny_bar contains "bar failed" if input.kind == "Deployment"

warn_baz contains "baz warned" if input.kind == "Deployment"

deny contains "plain deny" if input.kind == "Deployment"

exception contains rules if {
    input.kind == "Deployment"
    rules := ["foo"]
}

exception contains rules if {
    input.metadata.name == "web"
    rules := ["baz", "deny"]
}
"""


def test_exception_suppresses_the_failure_and_is_counted(tmp_path: Path) -> None:
    result = run(tmp_path, {"p.rego": EXCEPTIONS}, {"d.yaml": DEPLOYMENT})
    (check,) = result.results
    assert messages(check.failures) == ["bar failed"]
    assert check.warnings == ()
    assert sorted(messages(check.exceptions)) == [
        'data.main.exception[_][_] == "baz"',
        'data.main.exception[_][_] == "deny"',
        'data.main.exception[_][_] == "foo"',
    ]
    assert all(f.outcome == EXCEPTION for f in check.exceptions)
    assert {f.rule for f in check.exceptions} == {"deny_foo", "warn_baz", "deny"}
    assert summary(result) == "4 tests, 0 passed, 0 warnings, 1 failure, 3 exceptions"
    assert result.exit_code() == 1


def test_exceptions_only_apply_to_documents_they_match(tmp_path: Path) -> None:
    other = DEPLOYMENT.replace("name: web", "name: api")
    result = run(tmp_path, {"p.rego": EXCEPTIONS}, {"both.yaml": DEPLOYMENT + "---\n" + other})
    (check,) = result.results
    # document 0 (web): foo, baz and deny excepted; document 1 (api): only foo
    assert sorted((f.message, f.document) for f in check.failures) == [
        ("bar failed", 0),
        ("bar failed", 1),
        ("plain deny", 1),
    ]
    assert sorted((f.rule, f.document) for f in check.exceptions) == [
        ("deny", 0), ("deny_foo", 0), ("deny_foo", 1), ("warn_baz", 0),
    ]
    assert [(f.message, f.document) for f in check.warnings] == [("baz warned", 1)]


def test_exception_in_another_namespace_does_not_apply(tmp_path: Path) -> None:
    policies = {
        "main.rego": 'package main\n\ndeny_foo contains "foo failed" if true\n',
        "other.rego": 'package other\n\nexception contains ["foo"] if true\n'
        'deny contains "other" if false\n',
    }
    result = run(tmp_path, policies, {"d.yaml": DEPLOYMENT}, all_namespaces=True)
    failures = [f.message for r in result.results for f in r.failures]
    assert failures == ["foo failed"]
    assert result.count(EXCEPTION) == 0


def test_suppressed_exceptions_are_hidden_from_stdout_but_counted(tmp_path: Path) -> None:
    result = run(tmp_path, {"p.rego": EXCEPTIONS}, {"d.yaml": DEPLOYMENT})
    shown = stdout.render(result, ReportOptions())
    hidden = stdout.render(result, ReportOptions(suppress_exceptions=True))
    path = tmp_path / "d.yaml"
    assert f'EXCP - {path} - main - data.main.exception[_][_] == "foo"' in shown.splitlines()
    assert "EXCP" not in hidden
    assert hidden.splitlines()[-1] == shown.splitlines()[-1]


# --- --combine -----------------------------------------------------------------------------


COUNT_DEPLOYMENTS = """
package main

deny contains msg if {
    paths := [f.path | some f in input; f.contents.kind == "Deployment"]
    count(paths) > 1
    msg := sprintf("%d deployments in %v", [count(paths), paths])
}
"""


def test_combine_evaluates_all_files_at_once_as_path_and_contents(tmp_path: Path) -> None:
    other = DEPLOYMENT.replace("name: web", "name: api")
    result = run(
        tmp_path,
        {"p.rego": COUNT_DEPLOYMENTS},
        {"a.yaml": DEPLOYMENT, "b.yaml": other, "c.yaml": SERVICE},
        combine=True,
    )
    (check,) = result.results
    assert check.file == "Combined"
    a, b = str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")
    assert messages(check.failures) == [f'2 deployments in ["{a}", "{b}"]']
    assert result.tests == 1
    assert stdout.render(result, ReportOptions()).startswith("FAIL - Combined - main - ")


def test_combine_without_a_match_passes_once(tmp_path: Path) -> None:
    result = run(tmp_path, {"p.rego": COUNT_DEPLOYMENTS},
                 {"a.yaml": DEPLOYMENT, "c.yaml": SERVICE}, combine=True)
    assert [(r.file, r.successes) for r in result.results] == [("Combined", 1)]


def test_combine_flattens_multi_document_files_as_conftest_does(tmp_path: Path) -> None:
    """conftest's CombineConfigurations adds one {path, contents} per document, so a
    multi-document file combines exactly like the same documents in separate files
    (its acceptance test "Combining multi-document yaml file has same result")."""
    other = DEPLOYMENT.replace("name: web", "name: api")
    result = run(
        tmp_path,
        {"p.rego": COUNT_DEPLOYMENTS},
        {"multi.yaml": DEPLOYMENT + "---\n" + dedent(other) + "---\n" + dedent(SERVICE)},
        combine=True,
    )
    multi = str(tmp_path / "multi.yaml")
    assert [f.message for r in result.results for f in r.failures] == [
        f'2 deployments in ["{multi}", "{multi}"]'
    ]


def test_combine_orders_entries_by_path_as_conftest_does(tmp_path: Path) -> None:
    source = """
    package main

    deny contains sprintf("%v", [[f.path | some f in input]]) if true
    """
    for name, text in {"b.yaml": DEPLOYMENT, "a.yaml": SERVICE}.items():
        write(tmp_path / name, text)
    write(tmp_path / "policy" / "p.rego", source)
    a, b = str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")
    result = scan([b, a], ScanOptions(policy_paths=(str(tmp_path / "policy"),), combine=True))
    assert [f.message for r in result.results for f in r.failures] == [f'["{a}", "{b}"]']


# --- print() -------------------------------------------------------------------------------


def test_print_output_is_collected_per_input_file(tmp_path: Path) -> None:
    source = """
    package main

    deny contains msg if {
        print("checking", input.metadata.name)
        input.kind == "Deployment"
        msg := "deployment"
    }
    """
    result = run(tmp_path, {"p.rego": source}, {"a.yaml": DEPLOYMENT, "b.yaml": SERVICE})
    policy = str(tmp_path / "policy" / "p.rego")
    assert [(Path(p.file).name, p.location, p.message) for p in result.prints] == [
        ("a.yaml", f"{policy}:4", "checking web"),
        ("b.yaml", f"{policy}:4", "checking svc"),
    ]
    lines = stdout.render(result, ReportOptions()).splitlines()
    assert lines[:2] == [
        f"PRNT   {policy}:4: checking web",
        f"PRNT   {policy}:4: checking svc",
    ]
    assert result.count(FAILURE) == 1


# --- builtin errors ------------------------------------------------------------------------


BUILTIN_ERROR = """
package main

deny_number contains msg if {
    n := to_number("abc")
    msg := sprintf("number %v", [n])
}

deny_plain contains "plain failure" if input.kind == "Deployment"
"""


def test_builtin_errors_are_undefined_by_default(tmp_path: Path) -> None:
    result = run(tmp_path, {"p.rego": BUILTIN_ERROR}, {"d.yaml": DEPLOYMENT})
    (check,) = result.results
    assert messages(check.failures) == ["plain failure"]
    assert result.problems == ()
    assert (result.tests, check.successes) == (2, 1)


def test_show_builtin_errors_reports_the_error_with_the_policy_location(tmp_path: Path) -> None:
    result = run(tmp_path, {"p.rego": BUILTIN_ERROR}, {"d.yaml": DEPLOYMENT},
                 show_builtin_errors=True)
    assert messages(result.results[0].failures) == ["plain failure"]
    (problem,) = result.problems
    policy = str(tmp_path / "policy" / "p.rego")
    assert f"{policy}:4:" in problem.message
    assert "to_number" in problem.message
    assert result.exit_code() == 2


def test_builtin_error_in_one_definition_leaves_the_other_definitions_findings(
    tmp_path: Path,
) -> None:
    """OPA (non-strict, conftest's default) makes only the failing expression undefined;
    the other definition of the same rule still produces its message."""
    source = """
    package main

    deny contains msg if {
        n := to_number("abc")
        msg := sprintf("number %v", [n])
    }

    deny contains "plain failure" if input.kind == "Deployment"
    """
    result = run(tmp_path, {"p.rego": source}, {"d.yaml": DEPLOYMENT})
    assert [f.message for r in result.results for f in r.failures] == ["plain failure"]
    assert result.problems == ()


def test_builtin_error_in_an_exception_rule_does_not_hide_failures(tmp_path: Path) -> None:
    source = """
    package main

    exception contains rules if {
        to_number("abc") > 1
        rules := ["foo"]
    }

    deny contains "plain failure" if input.kind == "Deployment"
    """
    result = run(tmp_path, {"p.rego": source}, {"d.yaml": DEPLOYMENT})
    assert [f.message for r in result.results for f in r.failures] == ["plain failure"]
    assert result.count(EXCEPTION) == 0


def test_builtin_error_on_one_document_leaves_the_other_documents_alone(tmp_path: Path) -> None:
    source = """
    package main

    deny contains msg if {
        n := to_number(input.metadata.name)
        n > 0
        msg := sprintf("positive %v", [n])
    }
    """
    numbered = "kind: ConfigMap\nmetadata:\n  name: \"7\"\n"
    result = run(tmp_path, {"p.rego": source}, {"m.yaml": DEPLOYMENT + "---\n" + numbered})
    (check,) = result.results
    assert [(f.message, f.document) for f in check.failures] == [("positive 7", 1)]
    assert check.successes == 1


def test_a_non_builtin_evaluation_error_is_always_reported(tmp_path: Path) -> None:
    source = """
    package main

    value := 1 if input.kind == "Deployment"
    value := 2 if input.metadata.name == "web"

    deny contains sprintf("value %v", [value]) if true
    """
    result = run(tmp_path, {"p.rego": source}, {"d.yaml": DEPLOYMENT, "s.yaml": SERVICE})
    assert [p.file for p in result.problems] == [str(tmp_path / "d.yaml")]
    assert "conflict" in result.problems[0].message
    assert [f.message for r in result.results for f in r.failures] == []
    assert result.exit_code() == 2


# --- data.conftest.file --------------------------------------------------------------------


def test_data_conftest_file_names_the_input_file(tmp_path: Path) -> None:
    source = """
    package main

    deny contains msg if {
        msg := sprintf("%s|%s", [data.conftest.file.name, data.conftest.file.dir])
    }
    """
    result = run(tmp_path, {"p.rego": source},
                 {"a.yaml": DEPLOYMENT, "sub/b.yaml": BOTH})
    a, b = tmp_path / "a.yaml", tmp_path / "sub" / "b.yaml"
    assert [(Path(r.file), messages(r.failures)) for r in result.results] == [
        (a, [f"{a}|{tmp_path}"]),
        (b, [f"{b}|{tmp_path / 'sub'}"] * 2),
    ]


# --- Rego v0 ------------------------------------------------------------------------------


V0 = """
package main

import data.lib.names

deny[msg] {
    input.kind == "Deployment"
    not input.spec.replicas
    msg := sprintf("%s has no replicas", [input.metadata.name])
}

warn[msg] {
    c := input.spec.template.spec.containers[_]
    endswith(c.image, ":latest")
    msg := sprintf("%s uses latest", [c.name])
}

violation[{"msg": msg, "details": {"name": name}}] {
    name := input.metadata.name
    re_match("^bad-", name)
    msg := sprintf("bad name %s", [name])
}

deny_labels[msg] {
    not names.has_app_label
    msg := "missing app label"
}

deny_two = ["one", "two"] {
    input.metadata.name == "bad-web"
}

exception[rules] {
    input.metadata.name == "exempt"
    rules := ["labels"]
}
"""
V0_LIB = """
package lib.names

has_app_label {
    input.metadata.labels.app
}
"""
V1 = """
package main

import data.lib.names

deny contains msg if {
    input.kind == "Deployment"
    not input.spec.replicas
    msg := sprintf("%s has no replicas", [input.metadata.name])
}

warn contains msg if {
    some c in input.spec.template.spec.containers
    endswith(c.image, ":latest")
    msg := sprintf("%s uses latest", [c.name])
}

violation contains {"msg": msg, "details": {"name": name}} if {
    name := input.metadata.name
    regex.match("^bad-", name)
    msg := sprintf("bad name %s", [name])
}

deny_labels contains msg if {
    not names.has_app_label
    msg := "missing app label"
}

deny_two := ["one", "two"] if {
    input.metadata.name == "bad-web"
}

exception contains rules if {
    input.metadata.name == "exempt"
    rules := ["labels"]
}
"""
V1_LIB = """
package lib.names

has_app_label if {
    input.metadata.labels.app
}
"""
V_MANIFESTS = {
    "v.yaml": """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: bad-web
    spec:
      template:
        spec:
          containers:
            - name: web
              image: nginx:latest
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: exempt
      labels: {tier: x}
    spec:
      replicas: 2
    ---
    apiVersion: v1
    kind: Service
    metadata:
      name: good
      labels: {app: good}
    """,
}


def test_v0_and_v1_policies_give_identical_findings(tmp_path: Path) -> None:
    v0 = run(tmp_path / "v0", {"p.rego": V0, "lib.rego": V0_LIB}, V_MANIFESTS,
             rego_version="v0")
    v1 = run(tmp_path / "v1", {"p.rego": V1, "lib.rego": V1_LIB}, V_MANIFESTS)

    def comparable(result: ScanResult) -> list[tuple[object, ...]]:
        return [
            (
                r.namespace,
                r.successes,
                [
                    (f.outcome, f.rule, f.message, f.document, f.line, dict(f.metadata))
                    for f in (*r.failures, *r.warnings, *r.exceptions)
                ],
            )
            for r in result.results
        ]

    assert comparable(v0) == comparable(v1)
    assert v0.problems == v1.problems == ()
    # 5 check rules × 3 documents, and deny_two's second message on the first document
    assert (v1.tests, v1.count(FAILURE), v1.count(WARNING), v1.count(EXCEPTION)) == (16, 5, 1, 1)


def test_v0_policies_are_rejected_as_v1(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as raised:
        run(tmp_path, {"p.rego": V0, "lib.rego": V0_LIB}, V_MANIFESTS)
    errors = raised.value.all()
    assert all(e.file.endswith(".rego") and e.line > 0 for e in errors)
    assert any("`if` keyword is required" in e.message for e in errors)


# --- network -------------------------------------------------------------------------------


NETWORK = """
package main

# http.send("not this one") in a comment does not count
deny contains msg if {
    response := http.send({"method": "get", "url": "http://127.0.0.1:9/", "timeout": "1s"})
    response.status_code != 200
    msg := "unreachable"
}
"""


def test_http_send_is_refused_at_load_time_with_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as raised:
        run(tmp_path, {"p.rego": NETWORK}, {"d.yaml": DEPLOYMENT})
    error = raised.value
    assert error.file == str(tmp_path / "policy" / "p.rego")
    assert error.line == 5
    assert "http.send" in error.message and "--allow-network" in error.message


def test_allow_network_lets_the_policy_load_and_run(tmp_path: Path) -> None:
    result = run(tmp_path, {"p.rego": NETWORK}, {"d.yaml": DEPLOYMENT}, allow_network=True)
    (check,) = result.results
    # the connection is refused: a builtin error, so the rule is undefined
    assert (check.successes, check.failures) == (1, ())


def test_one_check_result_per_file_even_without_documents(tmp_path: Path) -> None:
    result = run(tmp_path, {"p.rego": 'package main\n\ndeny contains "x" if true\n'},
                 {"empty.yaml": "# nothing\n", "d.yaml": DEPLOYMENT})
    assert sorted((Path(r.file).name, r.successes, len(r.failures)) for r in result.results) == [
        ("d.yaml", 0, 1),
        ("empty.yaml", 0, 0),
    ]
    assert isinstance(result.results[0], CheckResult)


def test_builtin_error_keeps_other_definitions_when_rules_use_each_other(
    tmp_path: Path,
) -> None:
    """`warn` uses `deny` by name: the renamed copies must still resolve it, so only the
    definitions that reach the failing builtin are undefined, as in OPA."""
    source = """
    package main

    deny contains msg if {
        n := to_number("abc")
        msg := sprintf("number %v", [n])
    }

    deny contains "plain failure" if input.kind == "Deployment"

    warn contains "many" if count(deny) > 5

    warn contains "warned" if input.kind == "Deployment"
    """
    result = run(tmp_path, {"p.rego": source}, {"d.yaml": DEPLOYMENT})
    assert [f.message for r in result.results for f in r.failures] == ["plain failure"]
    assert [f.message for r in result.results for f in r.warnings] == ["warned"]
    assert result.problems == ()
