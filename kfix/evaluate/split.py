"""Each definition of a rule evaluated on its own, for builtin errors.

OPA's default makes a failing builtin call undefined, so one body of `deny` hitting
`to_number("abc")` leaves the other bodies' messages standing. The embedded engine
raises instead, aborting the whole rule. When that happens, kfix asks a second engine
holding copies of the namespaces in which each definition of a check rule has its own
name (`deny` → `deny__kfix_0`, `deny__kfix_1`, …, same lines), one definition at a time.
The copies are made only on the first such error of a run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from kfix.engine import Engine
from kfix.engine.rego_source import parse
from kfix.errors import EvalError, KfixError

SPLIT_ROOT = "kfix_split"

EngineFactory = Callable[[Mapping[str, str]], Engine]


def split_name(rule: str, position: int) -> str:
    return f"{rule}__kfix_{position}"


def split_modules(
    modules: Mapping[str, str], is_check_rule: Callable[[str], bool]
) -> tuple[dict[str, str], dict[tuple[str, str], int]]:
    """Copies of every module under `kfix_split.<package>`, check rules renamed apart.

    Returns the copies and, per (namespace, rule), how many definitions were renamed.
    """
    copies: dict[str, str] = {}
    counts: dict[tuple[str, str], int] = {}
    sets: dict[tuple[str, str], bool] = {}  # every definition a partial set
    first_path: dict[str, str] = {}
    for path, source in modules.items():
        module = parse(source)
        if module.package_at < 0:
            continue
        start = module.tokens[module.package_at + 1].start
        if source[start : start + len(module.package)] != module.package:
            continue
        edits = [(start, start + len(module.package), f"{SPLIT_ROOT}.{module.package}")]
        for rule in module.rules:
            if is_check_rule(rule.name):
                key = (module.package, rule.name)
                token = module.tokens[rule.name_at]
                following = module.tokens[rule.name_at + 1 : rule.name_at + 2]
                sets[key] = sets.get(key, True) and bool(following) and following[0].is_(
                    "contains"
                )
                edits.append((token.start, token.end, split_name(rule.name, counts.get(key, 0))))
                counts[key] = counts.get(key, 0) + 1
        text = source
        for begin, end, replacement in sorted(edits, reverse=True):
            text = text[:begin] + replacement + text[end:]
        copies[f"{path}#split.rego"] = text
        first_path.setdefault(module.package, f"{path}#split.rego")
    # Other rules may use the rule by name: give the old name back, as the union of the
    # renamed definitions, appended after the last line so no line moves.
    for (package, name), count in counts.items():
        if sets.get((package, name)):
            target = first_path[package]
            copies[target] += "".join(
                f"\n{name} contains v if some v in {split_name(name, k)}" for k in range(count)
            )
    return copies, counts


class DefinitionSplitter:
    """Values of a rule's definitions, each asked alone; None when splitting cannot work."""

    def __init__(
        self,
        modules: Mapping[str, str],
        open_engine: EngineFactory,
        is_check_rule: Callable[[str], bool],
    ) -> None:
        self._modules = modules
        self._open_engine = open_engine
        self._is_check_rule = is_check_rule
        self._engine: Engine | None = None
        self._counts: dict[tuple[str, str], int] = {}
        self._failed = False
        self._opening = threading.Lock()  # a long file's parts are evaluated on threads

    def values(
        self, namespace: str, rule: str, ask: Callable[[Engine, str], Any]
    ) -> list[Any] | None:
        """Union of the definitions' values; `ask(engine, ref)` evaluates one reference."""
        engine = self._ready()
        count = self._counts.get((namespace, rule), 0)
        if engine is None or count < 2:
            return None
        merged: list[Any] = []
        for position in range(count):
            ref = f"data.{SPLIT_ROOT}.{namespace}.{split_name(rule, position)}"
            try:
                for value in ask(engine, ref):
                    if isinstance(value, list):
                        merged.extend(v for v in value if v not in merged)
            except EvalError as exc:
                if not exc.builtin:
                    return None  # not the error splitting is for: keep the coarse answer
        return merged

    def _ready(self) -> Engine | None:
        with self._opening:
            return self._opened()

    def _opened(self) -> Engine | None:
        if self._engine is None and not self._failed:
            copies, self._counts = split_modules(self._modules, self._is_check_rule)
            try:
                self._engine = self._open_engine({**self._modules, **copies})
            except KfixError:  # e.g. a rule that refers to itself by name: keep the coarse answer
                self._failed = True
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
