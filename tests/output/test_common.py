"""The helpers every format shares: counts, JSON-ready copies, and the indented JSON
writer that must give json.dumps's bytes exactly, faster."""

from __future__ import annotations

import enum
import json
import random
from collections import OrderedDict
from types import MappingProxyType
from typing import Any

import pytest

from kfix.model import EXCEPTION, FAILURE, WARNING, CheckResult, Finding, ScanResult
from kfix.output.common import Counts, indented_json, json_ready, summary


class Colour(enum.IntEnum):
    RED = 1


class Name(str):
    pass


EDGE_CASES: list[Any] = [
    {},
    [],
    "",
    0,
    -1,
    10**30,
    True,
    False,
    None,
    1.5,
    -0.0,
    1e300,
    float("nan"),
    float("inf"),
    -float("inf"),
    "<&> \u2028 \u2029 \t\n\r\x00\x1f \" \\ é 漢 😀 \udc80",
    {"a": {}, "b": [], "c": [{}], "d": {"e": []}},
    [[[]], [{}], [1, "x", None]],
    {"nested": {"deeper": {"deepest": [1, 2, {"k": "v"}]}}},
    (1, 2, (3,)),  # json writes tuples as lists
    {1: "int key", 2: "another"},  # json converts the keys
    {"a": 1, 2: "mixed keys, in insertion order"},
    {True: 1, None: 2, 1.5: 3},
    Colour.RED,
    Name("a str subclass\n"),
    OrderedDict(b=1, a=2),
    [1.0, 2.5, -3.25e-10],
]


def random_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    alphabet = "ab <>&\"'\\\t\n\r\x00\u2028é漢😀\udc80:,{}[]"
    if depth < 4 and roll < 0.25:
        return {
            "".join(rng.choices(alphabet, k=rng.randint(0, 5))): random_value(rng, depth + 1)
            for _ in range(rng.randint(0, 4))
        }
    if depth < 4 and roll < 0.45:
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return rng.choice([
        "".join(rng.choices(alphabet, k=rng.randint(0, 8))),
        rng.randint(-(10**20), 10**20),
        rng.random(),
        True,
        False,
        None,
    ])


@pytest.mark.parametrize("indent", ["\t", "  ", ""])
def test_indented_json_writes_json_dumps_bytes(indent: str) -> None:
    rng = random.Random(7)
    values = [*EDGE_CASES, *(random_value(rng) for _ in range(2000))]
    for value in values:
        assert indented_json(value, indent) == json.dumps(
            value, indent=indent, ensure_ascii=False
        ), value


def test_indented_json_at_a_depth_is_the_value_inside_a_bigger_document() -> None:
    value = {"findings": [{"msg": "a", "metadata": {"k": [1, {"x": None}]}}, 1.5, (2,)]}
    document = json.dumps([[value]], indent="\t", ensure_ascii=False)
    assert f"[\n\t[\n\t\t{indented_json(value, chr(9), 2)}\n\t]\n]" == document


@pytest.mark.parametrize("value", [{"a": {1}}, [b"bytes"], {(1, 2): "tuple key"}, object()])
def test_what_json_cannot_write_fails_as_json_fails(value: Any) -> None:
    with pytest.raises(TypeError) as expected:
        json.dumps(value, indent="\t", ensure_ascii=False)
    with pytest.raises(TypeError) as got:
        indented_json(value, "\t")
    assert str(got.value) == str(expected.value)


def test_json_ready_sorts_every_mapping_and_copies_tuples_as_lists() -> None:
    value = MappingProxyType({"b": (1, {"d": 2, "c": 3}), "a": "x"})
    ready = json_ready(value)
    assert ready == {"a": "x", "b": [1, {"c": 3, "d": 2}]}
    assert list(ready) == ["a", "b"]
    assert list(ready["b"][1]) == ["c", "d"]


def test_counts_are_the_results_own() -> None:
    made = [
        Finding(outcome, "", "deny", "main", "m", "a.yaml", 0, 0)
        for outcome in (FAILURE, WARNING, EXCEPTION)
    ]
    result = ScanResult(results=(
        CheckResult("a.yaml", "main", 2, failures=(made[0], made[0]), warnings=(made[1],)),
        CheckResult("b.yaml", "main", 0, exceptions=(made[2],)),
        CheckResult("c.yaml", "other", 5),
    ))
    counts = Counts.of(result)
    assert (counts.successes, counts.warnings, counts.failures, counts.exceptions) == (
        result.successes, result.count(WARNING), result.count(FAILURE), result.count(EXCEPTION)
    )
    assert counts.tests == result.tests == 11
    assert summary(result) == summary(result, counts) == (
        "11 tests, 7 passed, 1 warning, 2 failures, 1 exception"
    )
