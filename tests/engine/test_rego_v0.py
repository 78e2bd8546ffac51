from __future__ import annotations

import re
import textwrap
from typing import Any

import pytest
from opa_bindings import OpaEngine, OpaError

from kfix.engine.rego_v0 import RegoV0Error, to_v1


def rego(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def evaluate(source: str, package: str, inputs: list[Any], data: Any = None) -> list[Any]:
    engine = OpaEngine()
    engine.add_policy("policy.rego", source)
    if data is not None:
        engine.add_data(data)
    return [engine.eval_query(f"x := data.{package}", value)[0]["x"] for value in inputs]


CONFTEST_V0 = rego(
    """
    package main

    import data.lib.k8s

    deny[msg] {
      input.kind == "Deployment"
      not input.spec.securityContext.runAsNonRoot
      msg := sprintf("%s: must not run as root", [input.metadata.name])
    }

    deny["static: always reported"]

    warn[msg] {
      c := input.spec.containers[_]
      endswith(c.image, ":latest")
      msg := sprintf("%s uses latest", [c.name])
    } {
      c := input.spec.containers[_]
      not contains(c.image, ":")
      msg := sprintf("%s has no tag", [c.name])
    }

    violation[{"msg": msg, "details": {"replicas": n}}] {
      n := input.spec.replicas
      n < 2
      msg := "too few replicas"
    }

    deny_privileged[msg]{ input.spec.containers[_].securityContext.privileged; msg := "privileged" }

    warn_names[name] { name := input.spec.containers[_].name }
    """
)

CONFTEST_V1 = rego(
    """
    package main

    deny contains msg if {
      input.kind == "Deployment"
      not input.spec.securityContext.runAsNonRoot
      msg := sprintf("%s: must not run as root", [input.metadata.name])
    }

    deny contains "static: always reported"

    warn contains msg if {
      some c in input.spec.containers
      endswith(c.image, ":latest")
      msg := sprintf("%s uses latest", [c.name])
    }

    warn contains msg if {
      some c in input.spec.containers
      not contains(c.image, ":")
      msg := sprintf("%s has no tag", [c.name])
    }

    violation contains {"msg": "too few replicas", "details": {"replicas": n}} if {
      n := input.spec.replicas
      n < 2
    }

    deny_privileged contains "privileged" if {
      some c in input.spec.containers
      c.securityContext.privileged
    }

    warn_names contains c.name if some c in input.spec.containers
    """
)

RULES_V0 = rego(
    """
    package lib.util

    default severity = "low"

    severity = "high" {
      input.kind == "Pod"
    } else = "medium" {
      input.kind == "Deployment"
    }

    tier(n) = "small" { n < 2 } else = "medium" { n < 3 } else = "large"

    label(obj, key) = v { v := obj.metadata.labels[key] }
    label(obj, key) = "none" { not obj.metadata.labels[key] }

    images[name] = image {
      c := input.spec.containers[_]
      name := c.name
      image := c.image
    }

    is_pod { input.kind == "Pod" }
    is_named {
      input.metadata.name
    } else {
      input.metadata.generateName
    }

    summary := {
      "tier": tier(count(input.spec.containers)),
      "app": label(input, "app"),
    }
    """
)

RULES_V1 = rego(
    """
    package lib.util

    default severity := "low"

    severity := "high" if input.kind == "Pod"
    severity := "medium" if input.kind == "Deployment"

    tier(n) := "small" if n < 2
    tier(n) := "medium" if { n >= 2; n < 3 }
    tier(n) := "large" if n >= 3

    label(obj, key) := obj.metadata.labels[key]
    label(obj, key) := "none" if not obj.metadata.labels[key]

    images[c.name] := c.image if some c in input.spec.containers

    is_pod if input.kind == "Pod"
    is_named if input.metadata.name
    is_named if { not input.metadata.name; input.metadata.generateName }

    summary := {"tier": tier(count(input.spec.containers)), "app": label(input, "app")}
    """
)

BUILTINS_V0 = rego(
    """
    package builtins

    images := [c.image | c := input.containers[_]]
    registry_ok := [ok | img := images[_]; ok := re_match(`^registry\\.example\\.com/`, img)]
    any_ok { any(registry_ok) }
    no_ok { not any(registry_ok) }
    all_ok := all(registry_ok)
    all_of_set := all({x | x := registry_ok[_]})
    missing := set_diff({"app", "team"}, {k | input.labels[k]})
    as_array := cast_array({x | x := input.ports[_]})
    as_set := cast_set(input.ports)
    private { net.cidr_overlap("10.0.0.0/8", input.ip) }
    name := cast_string(input.name)
    flag := cast_boolean(input.flag)
    nothing := cast_null(input.nothing)
    labels := cast_object(input.labels)
    with_output { set_diff({1, 2}, {2}, d); d == {1} }
    nested := any([all([true]),
                   false])
    """
)

BUILTINS_V1 = rego(
    """
    package builtins

    images := [c.image | some c in input.containers]
    registry_ok := [regex.match(`^registry\\.example\\.com/`, img) | some img in images]
    any_ok if true in registry_ok
    no_ok if not true in registry_ok
    all_ok := false if { some ok in registry_ok; ok != true } else := true
    all_of_set := all_ok
    missing := {"app", "team"} - {k | input.labels[k]}
    as_array := sort({x | some x in input.ports})
    as_set := {x | some x in input.ports}
    private if net.cidr_contains("10.0.0.0/8", input.ip)
    name := input.name if is_string(input.name)
    flag := input.flag if is_boolean(input.flag)
    nothing := input.nothing if is_null(input.nothing)
    labels := input.labels if is_object(input.labels)
    with_output := true
    nested := true
    """
)

TRAP_V0 = rego(
    """
    package trap

    import future.keywords.if
    import future.keywords.in

    deny[msg] if {
      some c in input.containers
      not c.resources.limits
      msg := sprintf("%s has no limits", [c.name])
    }

    warn["single replica"] if input.replicas == 1

    allowed if { count(deny) == 0 }

    names[n] { n := input.containers[_].name }
    """
)

TRAP_V1 = rego(
    """
    package trap

    deny contains sprintf("%s has no limits", [c.name]) if {
      some c in input.containers
      not c.resources.limits
    }

    warn contains "single replica" if input.replicas == 1

    allowed if count(deny) == 0

    names contains c.name if some c in input.containers
    """
)

INPUTS = {
    "main": [
        {
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "replicas": 1,
                "containers": [
                    {"name": "a", "image": "nginx:latest"},
                    {"name": "b", "image": "redis", "securityContext": {"privileged": True}},
                ],
            },
        },
        {
            "kind": "Deployment",
            "metadata": {"name": "ok"},
            "spec": {
                "replicas": 3,
                "securityContext": {"runAsNonRoot": True},
                "containers": [{"name": "a", "image": "nginx:1.25"}],
            },
        },
        {"kind": "Service"},
    ],
    "lib.util": [
        {"kind": "Pod", "metadata": {"name": "p", "labels": {"app": "x"}}, "spec": {}},
        {
            "kind": "Deployment",
            "metadata": {"generateName": "d-"},
            "spec": {"containers": [{"name": "a", "image": "i"}, {"name": "b", "image": "j"}]},
        },
        {"kind": "Job", "metadata": {}, "spec": {"containers": [{}, {}, {}]}},
    ],
    "builtins": [
        {
            "containers": [{"image": "registry.example.com/a"}, {"image": "docker.io/b"}],
            "labels": {"app": "x"},
            "ports": [443, 80, 80],
            "ip": "10.1.2.3",
            "name": "n",
            "flag": True,
            "nothing": None,
        },
        {
            "containers": [{"image": "registry.example.com/a"}],
            "labels": {},
            "ports": [],
            "ip": "192.168.0.1",
            "name": 7,
            "flag": "yes",
            "nothing": 0,
        },
        {"containers": [], "labels": "not an object", "ports": [22]},
    ],
    "trap": [
        {"replicas": 1, "containers": [{"name": "a"}, {"name": "b", "resources": {"limits": {}}}]},
        {"replicas": 2, "containers": [{"name": "a", "resources": {"limits": {"cpu": 1}}}]},
    ],
}

EQUIVALENT = [
    ("main", CONFTEST_V0, CONFTEST_V1),
    ("lib.util", RULES_V0, RULES_V1),
    ("builtins", BUILTINS_V0, BUILTINS_V1),
    ("trap", TRAP_V0, TRAP_V1),
]


@pytest.mark.parametrize(("package", "v0", "v1"), EQUIVALENT, ids=[e[0] for e in EQUIVALENT])
def test_converted_v0_evaluates_like_handwritten_v1(package: str, v0: str, v1: str) -> None:
    converted = to_v1(v0)
    assert converted.count("\n") == v0.count("\n")
    assert converted != v0
    assert to_v1(converted) == converted
    inputs = INPUTS[package]
    assert evaluate(converted, package, inputs) == evaluate(v1, package, inputs)


def test_equivalence_is_not_vacuous() -> None:
    """The conftest policy really produces deny/warn/violation results."""
    (first, _, service) = evaluate(to_v1(CONFTEST_V0), "main", INPUTS["main"])
    assert first["deny"] == ["static: always reported", "web: must not run as root"]
    assert first["warn"] == ["a uses latest", "b has no tag"]
    assert first["violation"] == [{"details": {"replicas": 1}, "msg": "too few replicas"}]
    assert first["deny_privileged"] == ["privileged"]
    assert service == {"deny": ["static: always reported"], "warn": [], "violation": [],
                       "deny_privileged": [], "warn_names": []}  # fmt: skip
    (trap, _) = evaluate(to_v1(TRAP_V0), "trap", INPUTS["trap"])
    assert trap["deny"] == ["a has no limits"]  # a set, not {"a has no limits": true}


@pytest.mark.parametrize(
    ("v0", "v1"),
    [
        ("deny[msg]{ msg := 1 }", "deny contains msg if { msg := 1 }"),
        ("deny[msg] if { msg := 1 }", "deny[msg] if { msg := 1 }"),  # no future import: v1
        ('p["a"]', 'p contains "a"'),
        ("p[k] = v { v := 1; k := 2 }", "p[k] = v if { v := 1; k := 2 }"),
        ("p = 1 { false } else = 2 { true }", "p = 1 if { false } else = 2 if { true }"),
        ("p { false } else { true }", "p if { false } else if { true }"),
        ("f(x) = y { y := x } { y := 1 }", "f(x) = y if { y := x } { y := 1 }"),
        ("a.b[x] { x := 1 }", "a.b[x] if { x := 1 }"),
        ("default p = false", "default p = false"),
        ("p := 1", "p := 1"),
        ("p { not re_match(`a`, input.x) }", "p if { not regex.match(`a`, input.x) }"),
        ("p { lib.any(x) }", "p if { lib.any(x) }"),
        ('p { input.x == "re_match(" } # any(x)', 'p if { input.x == "re_match(" } # any(x)'),
    ],
)
def test_rewrites(v0: str, v1: str) -> None:
    assert to_v1(f"package p\n{v0}\n") == f"package p\n{v1}\n"


def test_multiline_heads_and_bodies_keep_their_lines() -> None:
    v0 = rego(
        """
        package p

        violation[{
          "msg": msg,
          "details": {"k": `multi
        line`},
        }]
        {
          msg := "m"
        } {
          msg := "n"
        }

        f(x) = y {
          y := x
        }
        else = 0 {
          true
        }
        """
    )
    converted = to_v1(v0)
    assert converted.splitlines()[2:8] == [
        "violation contains {",
        '  "msg": msg,',
        '  "details": {"k": `multi',
        "line`},",
        "}",
        "if {",
    ]
    assert converted.count("\n") == v0.count("\n")
    (result,) = evaluate(converted, "p", [{}])
    assert result["violation"] == [
        {"msg": "m", "details": {"k": "multi\nline"}},
        {"msg": "n", "details": {"k": "multi\nline"}},
    ]


ERROR_V0 = rego(
    """
    package errs

    import future.keywords.in

    deny[msg] {
      x := cast_array({1, 2})
      some y in x
      msg := sprintf("%v", [y])
    } {
      msg := `a raw
    string`
    }

    warn[msg] {
      msg := undefined_helper(input)
    }
    """
)


def test_engine_errors_point_at_the_original_line() -> None:
    converted = to_v1(ERROR_V0)
    assert converted.count("\n") == ERROR_V0.count("\n")
    engine = OpaEngine()
    engine.add_policy("errs.rego", converted)
    with pytest.raises(OpaError) as err:
        engine.eval_query("x := data.errs")
    lines = re.findall(r"errs\.rego:(\d+):", err.value.message)
    assert lines == ["15"]
    assert ERROR_V0.splitlines()[14].strip() == "msg := undefined_helper(input)"


def test_parse_errors_point_at_the_original_line() -> None:
    v0 = 'package p\n\ndeny[msg] {\n  msg := "a"\n}\n\nwarn[msg] {\n  msg := := 1\n}\n'
    engine = OpaEngine()
    with pytest.raises(OpaError) as err:
        engine.add_policy("p.rego", to_v1(v0))
    assert "p.rego:8:" in err.value.message


@pytest.mark.parametrize(
    "v1",
    [
        rego(
            """
            package p

            import rego.v1

            deny contains msg if {
              some c in input.containers
              msg := c.name
            }

            obj[k] if { k := "a" }
            f(x) := y if { y := x } else := 0
            """
        ),
        rego(
            """
            package p

            deny contains msg if {
              every c in input.containers { c.name }
              msg := "x"
            }

            names := {n | some n in input.names}
            obj[k] if { k := "a" }
            """
        ),
        # rego.v1 makes the module v1 even with v0-looking text: nothing is touched
        "package p\nimport rego.v1\np[x] { x := re_match }\n",
    ],
)
def test_v1_source_passes_through_unchanged(v1: str) -> None:
    assert to_v1(v1) == v1


@pytest.mark.parametrize(
    ("v0", "line", "word"),
    [
        ("package p\n\nq {\n  in := 1\n}\n", 4, "`in`"),
        ("package p\ncontains := 1\n", 2, "`contains`"),
        ("package p\nq { x := 1 }\nr { if := 2 }\n", 3, "`if`"),
        ("package p\nimport future.keywords.in\nq { every := 1 }\n", 3, "`every`"),
        ("package p\nq {\n  input := {}\n}\n", 3, "`input`"),
        ("package p\nf(data) = 1 { true }\n", 2, "`data`"),
        ("package p\n\nq := any([1], [2], [3])\n", 3, "any()"),
        ('package p\nq { x := "abc }\n', 2, "unterminated"),
        ("package p\nq { x := [1, 2 }\n", 2, "unbalanced"),
    ],
)
def test_unconvertible_source_reports_line(v0: str, line: int, word: str) -> None:
    with pytest.raises(RegoV0Error) as err:
        to_v1(v0)
    assert err.value.line == line
    assert word in err.value.message


def test_keywords_stay_allowed_where_v1_allows_them() -> None:
    v0 = 'package p\nq { contains(input.s, "b"); input.if.contains == 1 }\n'
    (result,) = evaluate(to_v1(v0), "p", [{"s": "abc", "if": {"contains": 1}}])
    assert result == {"q": True}


def test_future_imports_kept_and_duplicate_imports_blanked() -> None:
    v0 = "package p\nimport future.keywords.in\nimport data.a\nimport data.a\nq { 1 in [1] }\n"
    converted = to_v1(v0)
    assert converted.splitlines()[1:4] == ["import future.keywords.in", "import data.a", ""]
    assert evaluate(converted, "p", [{}]) == [{"q": True}]


def test_user_functions_named_like_removed_builtins_are_kept() -> None:
    v0 = "package p\nany(xs) = 7 { true }\nq := any([false])\n"
    assert to_v1(v0) == "package p\nany(xs) = 7 if { true }\nq := any([false])\n"
    assert evaluate(to_v1(v0), "p", [{}]) == [{"q": 7}]


# Gatekeeper-library style templates, in the v0 style they are published in.

REQUIRED_LABELS = rego(
    """
    package k8srequiredlabels

    get_message(parameters, _default) = msg {
      not parameters.message
      msg := _default
    }

    get_message(parameters, _default) = msg {
      msg := parameters.message
    }

    violation[{"msg": msg, "details": {"missing_labels": missing}}] {
      provided := {label | input.review.object.metadata.labels[label]}
      required := {label | label := input.parameters.labels[_].key}
      missing := required - provided
      count(missing) > 0
      def_msg := sprintf("you must provide labels: %v", [missing])
      msg := get_message(input.parameters, def_msg)
    }

    violation[{"msg": msg}] {
      value := input.review.object.metadata.labels[key]
      expected := input.parameters.labels[_]
      expected.key == key
      expected.allowedRegex != ""
      not re_match(expected.allowedRegex, value)
      msg := sprintf("Label <%v: %v> does not satisfy allowed regex: %v",
        [key, value, expected.allowedRegex])
    }
    """
)

ALLOWED_REPOS = rego(
    """
    package k8sallowedrepos

    violation[{"msg": msg}] {
      container := input_containers[_]
      satisfied := [good | repo = input.parameters.repos[_]
                           good = startswith(container.image, repo)]
      not any(satisfied)
      msg := sprintf("container <%v> has an invalid image repo <%v>, allowed repos are %v",
        [container.name, container.image, input.parameters.repos])
    }

    input_containers[c] {
      c := input.review.object.spec.containers[_]
    }
    input_containers[c] {
      c := input.review.object.spec.initContainers[_]
    }
    input_containers[c] {
      c := input.review.object.spec.ephemeralContainers[_]
    }
    """
)

PRIVILEGED = rego(
    """
    package k8spspprivileged

    violation[{"msg": msg, "details": {}}] {
        not is_update(input.review)

        c := input_containers[_]
        not is_exempt(c)
        c.securityContext.privileged
        msg := sprintf("Privileged container is not allowed: %v, securityContext: %v",
          [c.name, c.securityContext])
    }

    is_update(review) {
        review.operation == "UPDATE"
    }

    is_exempt(container) {
        exempt_images := object.get(object.get(input, "parameters", {}), "exemptImages", [])
        img := container.image
        exemption := exempt_images[_]
        _matches_exemption(img, exemption)
    }

    _matches_exemption(img, exemption) {
        not endswith(exemption, "*")
        exemption == img
    }

    _matches_exemption(img, exemption) {
        endswith(exemption, "*")
        prefix := trim_suffix(exemption, "*")
        startswith(img, prefix)
    }

    input_containers[c] {
        c := input.review.object.spec.containers[_]
    }
    input_containers[c] {
        c := input.review.object.spec.initContainers[_]
    }

    test_privileged_denied {
        count(violation) == 1 with input as {"review": {"object": {"spec": {"containers": [
            {"name": "x", "image": "nginx", "securityContext": {"privileged": true}}
        ]}}}}
    }

    test_exempt_allowed {
        count(violation) == 0 with input as {
            "parameters": {"exemptImages": ["nginx*"]},
            "review": {"object": {"spec": {"containers": [
                {"name": "x", "image": "nginx:1", "securityContext": {"privileged": true}}
            ]}}}
        }
    }
    """
)

CONTAINER_LIMITS = rego(
    """
    package k8scontainerlimits

    missing(obj, field) = true {
      not obj[field]
    }

    missing(obj, field) = true {
      obj[field] == ""
    }

    canonify_cpu(orig) = new {
      is_number(orig)
      new := orig * 1000
    }

    canonify_cpu(orig) = new {
      not is_number(orig)
      endswith(orig, "m")
      new := to_number(replace(orig, "m", ""))
    }

    canonify_cpu(orig) = new {
      not is_number(orig)
      not endswith(orig, "m")
      re_match("^[0-9]+(\\\\.[0-9]+)?$", orig)
      new := to_number(orig) * 1000
    }

    mem_multiple("Ki") = 1024 { true }
    mem_multiple("Mi") = 1048576 { true }
    mem_multiple("Gi") = 1073741824 { true }
    mem_multiple("") = 1 { true }

    get_suffix(mem) = suffix {
      not is_string(mem)
      suffix := ""
    } else = suffix {
      count(mem) > 1
      suffix := substring(mem, count(mem) - 2, -1)
      mem_multiple(suffix)
    } else = "" {
      true
    }

    canonify_mem(orig) = new {
      is_number(orig)
      new := orig
    }

    canonify_mem(orig) = new {
      not is_number(orig)
      suffix := get_suffix(orig)
      raw := replace(orig, suffix, "")
      re_match("^[0-9]+$", raw)
      new := to_number(raw) * mem_multiple(suffix)
    }

    violation[{"msg": msg}] {
      general_violation[{"msg": msg, "field": "containers"}]
    }

    general_violation[{"msg": msg, "field": field}] {
      container := input.review.object.spec[field][_]
      cpu_orig := container.resources.limits.cpu
      cpu := canonify_cpu(cpu_orig)
      max_cpu := canonify_cpu(input.parameters.cpu)
      cpu > max_cpu
      msg := sprintf("container <%v> cpu limit <%v> is higher than the maximum allowed of <%v>",
        [container.name, cpu_orig, input.parameters.cpu])
    }

    general_violation[{"msg": msg, "field": field}] {
      container := input.review.object.spec[field][_]
      mem_orig := container.resources.limits.memory
      mem := canonify_mem(mem_orig)
      max_mem := canonify_mem(input.parameters.memory)
      mem > max_mem
      msg := sprintf("container <%v> memory limit <%v> is higher than the maximum allowed of <%v>",
        [container.name, mem_orig, input.parameters.memory])
    }

    general_violation[{"msg": msg, "field": field}] {
      container := input.review.object.spec[field][_]
      missing(container.resources.limits, "cpu")
      msg := sprintf("container <%v> has no cpu limit", [container.name])
    }
    """
)


def review(containers: list[dict[str, Any]], parameters: dict[str, Any]) -> dict[str, Any]:
    return {"review": {"object": {"spec": {"containers": containers}}}, "parameters": parameters}


GATEKEEPER = [
    (
        "k8srequiredlabels",
        REQUIRED_LABELS,
        {
            "review": {"object": {"metadata": {"labels": {"owner": "bob.agilebank.demo"}}}},
            "parameters": {
                "labels": [
                    {"key": "owner", "allowedRegex": "^[a-z]+$"},
                    {"key": "team", "allowedRegex": ""},
                ]
            },
        },
        [
            {
                "msg": 'you must provide labels: {"team"}',
                "details": {"missing_labels": ["team"]},
            },
            {"msg": "Label <owner: bob.agilebank.demo> does not satisfy allowed regex: ^[a-z]+$"},
        ],
    ),
    (
        "k8sallowedrepos",
        ALLOWED_REPOS,
        review(
            [{"name": "ok", "image": "gcr.io/x"}, {"name": "bad", "image": "docker.io/y"}],
            {"repos": ["gcr.io/"]},
        ),
        [
            {
                "msg": "container <bad> has an invalid image repo <docker.io/y>, allowed repos "
                'are ["gcr.io/"]'
            }
        ],
    ),
    (
        "k8spspprivileged",
        PRIVILEGED,
        review(
            [
                {"name": "a", "image": "nginx", "securityContext": {"privileged": True}},
                {"name": "b", "image": "busybox:1", "securityContext": {"privileged": True}},
            ],
            {"exemptImages": ["busybox*"]},
        ),
        [
            {
                "msg": "Privileged container is not allowed: a, securityContext: "
                '{"privileged": true}',
                "details": {},
            }
        ],
    ),
    (
        "k8scontainerlimits",
        CONTAINER_LIMITS,
        review(
            [
                {"name": "a", "resources": {"limits": {"cpu": "2", "memory": "1Gi"}}},
                {"name": "b", "resources": {"limits": {"cpu": "100m", "memory": "10Mi"}}},
                {"name": "c", "resources": {"limits": {"memory": "64Ki"}}},
            ],
            {"cpu": "500m", "memory": "512Mi"},
        ),
        [
            {"msg": "container <a> cpu limit <2> is higher than the maximum allowed of <500m>"},
            {
                "msg": "container <a> memory limit <1Gi> is higher than the maximum allowed "
                "of <512Mi>"
            },
            {"msg": "container <c> has no cpu limit"},
        ],
    ),
]


@pytest.mark.parametrize(
    ("package", "v0", "value", "expected"), GATEKEEPER, ids=[g[0] for g in GATEKEEPER]
)
def test_gatekeeper_templates_convert_and_load(
    package: str, v0: str, value: dict[str, Any], expected: list[dict[str, Any]]
) -> None:
    converted = to_v1(v0)
    assert converted.count("\n") == v0.count("\n")
    (result,) = evaluate(converted, package, [value])
    assert result["violation"] == expected
    assert all(result[name] for name in result if name.startswith("test_"))
