"""What the property tests share: hypothesis profiles, example budgets, strategies.

Profiles (chosen by KFIX_HYPOTHESIS_PROFILE, registered by tests/conftest.py):

- `ci` (the default): 10,000 examples over all property tests, the same ones on every
  run. `derandomize=True` seeds each test from its own source, so CI, a developer and a
  bisection all run exactly the same inputs, and a failure in CI is a failure anywhere;
  no example database is read or written (a fresh CI clone would start it empty anyway,
  and the examples it replays would make two runs differ).
- `fuzz` (`make fuzz`): 250,000 examples, new random ones every run, with failures kept
  in `.hypothesis/` so the next run tries them first, and printed with a
  `@reproduce_failure` blob.
- `dev`: 1,000 examples, for a quick look while editing.

Each test takes a share of its profile's total (`budget`). Hypothesis's own `deadline`
is off: on a shared machine a slow wall-clock moment makes it report a flaky failure.
Instead each example is bounded by the CPU time its thread spends (`Bounded`), with a
wall-clock alarm far above it so that a real hang fails instead of hanging the run.
"""

from __future__ import annotations

import functools
import gc
import math
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

PROFILE_ENV = "KFIX_HYPOTHESIS_PROFILE"
TOTALS = {"ci": 10_000, "fuzz": 250_000, "dev": 1_000}
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# per example: CPU seconds of the test's thread, and wall seconds before it is a hang
CPU_LIMIT = 2.0
WALL_LIMIT = 60.0


def register_profiles() -> None:
    common: dict[str, Any] = {
        "deadline": None,
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
        "print_blob": True,
    }
    settings.register_profile(
        "ci", max_examples=TOTALS["ci"], derandomize=True, database=None, **common
    )
    settings.register_profile(
        "fuzz",
        max_examples=TOTALS["fuzz"],
        derandomize=False,
        database=DirectoryBasedExampleDatabase(os.path.join(REPO, ".hypothesis", "examples")),
        **common,
    )
    settings.register_profile("dev", max_examples=TOTALS["dev"], derandomize=True,
                              database=None, **common)
    settings.load_profile(os.environ.get(PROFILE_ENV, "ci"))


def budget(share: float) -> int:
    """This test's examples: `share` of the loaded profile's total (shares add up to 1)."""
    return max(1, math.ceil(settings.default.max_examples * share))


# -- time bounds ------------------------------------------------------------------------


class Hang(Exception):
    """An example ran past WALL_LIMIT seconds of wall-clock time."""


@contextmanager
def bounded(what: str) -> Iterator[None]:
    """Fail if the block takes more than CPU_LIMIT seconds of this thread's CPU time,
    or WALL_LIMIT seconds of wall-clock time (then it is interrupted: a hang)."""

    def interrupt(_signum: int, _frame: Any) -> None:
        raise Hang(f"{what}: still running after {WALL_LIMIT} s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, WALL_LIMIT)
    # a full collection of everything hypothesis holds by then can take seconds (seen at
    # 2.06 s in a fuzz run, on an example that takes a millisecond): not the example's time
    collecting = gc.isenabled()
    gc.disable()
    start = time.thread_time()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if collecting:
            gc.enable()
    spent = time.thread_time() - start
    assert spent < CPU_LIMIT, f"{what}: took {spent:.2f} s of CPU time (limit {CPU_LIMIT} s)"


# -- strict equality ----------------------------------------------------------------------


def same(a: Any, b: Any) -> bool:
    """Equal as JSON values, types included: true is not 1, 1 is not 1.0."""
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[key], b[key]) for key in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(same, a, b))
    return type(a) is type(b) and a == b


# -- strategies (each built once: building and validating them costs more than drawing) ---

# strings YAML 1.1 reads as something else, or that need quoting or escaping somewhere
TRICKY = [
    "", " ", "yes", "No", "on", "OFF", "y", "n", "true", "False", "null", "Null", "~",
    "1", "-1", "+1", "1.0", "1e3", "1E+3", ".5", "0x1F", "0o17", "017", "0b101", "1_000",
    "12:30", "190:20:30.15", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "=", "<<",
    "-", "--", "---", "...", "- a", "-a", "a: b", "a:b", ":", "a:", "?", "? a", "#", "a #b",
    "a# b", "&a", "*a", "!t", "!!str x", "%", "@", "`", "|", ">", "'", '"', "''", "\\",
    "\\n", "a\nb", "a\n\nb", "\nlead", "trail\n", " lead", "trail ", "\t", "a\tb", "\r",
    "a\r\nb", "\x85", "\u2028", "\u2029", "\ufeff", "\x00", "\x07", "\x7f", "é", "日本",
    "😀", "\U0010ffff", ".inf", "-.Inf", ".nan", "NaN", "Infinity", "{a}", "[1]", "{", "]",
    ",", "a, b", "key: value # comment", "line one\nline two\n", "  indented\n  block\n",
]
KEYS = [
    "apiVersion", "kind", "metadata", "name", "namespace", "labels", "annotations", "spec",
    "containers", "image", "securityContext", "privileged", "runAsNonRoot", "resources",
    "limits", "cpu", "app.kubernetes.io/name", "example.com/team",
]
_UNICODE = st.characters(exclude_categories=("Cs",))  # lone surrogates are no UTF-8 text


@functools.cache
def text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(TRICKY),
        st.sampled_from(KEYS),
        st.text(_UNICODE, max_size=12),
        st.text(st.sampled_from("ab :#-'\"\n\\ \t{}[],&*!|>?%@`~."), max_size=12),
    )


@functools.cache
def keys() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(KEYS), text())


@functools.cache
def scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**63), max_value=2**63),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        text(),
    )


@functools.cache
def values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """JSON values: null, booleans, numbers, strings, arrays, objects."""
    return st.recursive(
        scalars(),
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(keys(), children, max_size=4),
        ),
        max_leaves=max_leaves,
    )


@functools.cache
def manifest_objects() -> st.SearchStrategy[dict[str, Any]]:
    """A JSON object: mostly Kubernetes-shaped, sometimes anything."""
    metadata = st.fixed_dictionaries(
        {"name": text()},
        optional={
            "namespace": text(),
            "labels": st.dictionaries(keys(), text(), max_size=3),
            "annotations": st.dictionaries(keys(), text(), max_size=3),
        },
    )
    container = st.fixed_dictionaries(
        {"name": text(), "image": text()},
        optional={
            "securityContext": st.dictionaries(
                st.sampled_from(["privileged", "runAsNonRoot", "runAsUser", "capabilities"]),
                values(4), max_size=3,
            ),
            "resources": st.dictionaries(
                st.sampled_from(["limits", "requests"]),
                st.dictionaries(st.sampled_from(["cpu", "memory"]), text(), max_size=2),
                max_size=2,
            ),
            "command": st.lists(text(), max_size=3),
        },
    )
    workload = st.fixed_dictionaries(
        {
            "apiVersion": st.sampled_from(["v1", "apps/v1", "batch/v1"]),
            "kind": st.sampled_from(["Pod", "Deployment", "ConfigMap", "Job"]),
            "metadata": metadata,
        },
        optional={
            "spec": st.fixed_dictionaries(
                {"containers": st.lists(container, max_size=3)},
                optional={"extra": values(), "hostNetwork": st.booleans()},
            ),
            "data": st.dictionaries(keys(), text(), max_size=3),
        },
    )
    return st.one_of(workload, st.dictionaries(keys(), values(), max_size=5))
