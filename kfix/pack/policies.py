"""Policy files → the modules an engine loads, and what their METADATA says.

Also where the bundled pack lives: inside the installed package (`kfix/_bundled`),
or at the repository's `policies/` when running from a checkout.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kfix.engine.lint import LintOptions, check
from kfix.engine.rego_source import Outline, outline
from kfix.engine.rego_v0 import RegoV0Error, to_v1
from kfix.errors import KfixError, PolicyError
from kfix.k8s import WORKLOAD_KINDS
from kfix.model import PolicyInfo

# conftest's rule names: deny/violation rules fail, warn rules warn, with any _suffix
FAILURE_RULE = re.compile(r"^(deny|violation)(_[a-zA-Z0-9]+)*$")
WARNING_RULE = re.compile(r"^warn(_[a-zA-Z0-9]+)*$")


def is_check_rule(name: str) -> bool:
    return bool(FAILURE_RULE.match(name) or WARNING_RULE.match(name))


def exception_name(rule: str) -> str:
    """The name an `exception` rule uses for a rule: its severity prefix removed."""
    for prefix in ("violation_", "deny_", "warn_"):
        if rule.startswith(prefix):
            return rule[len(prefix) :]
    return rule


@dataclass(frozen=True)
class Rule:
    namespace: str
    name: str
    count: int  # definitions of this name in the namespace; conftest counts each as a test

# METADATA `custom.kinds` may name this instead of listing every workload kind
WORKLOADS = "workloads"


@dataclass(frozen=True)
class Scope:
    """What a rule can say anything about, from its METADATA: `custom.kinds` (the values of
    `kind` it ever reports on; `workloads` for every kind with a pod spec) and
    `custom.input_keys` (the top-level keys of a document it reads). None: every
    document, the whole of it. kfix evaluates a rule only on documents of its kinds and
    sends the engine only the keys the rules asked about need: a promise the policy
    makes, which its fixtures and the pack's tests hold it to."""

    kinds: frozenset[str] | None = None
    input_keys: frozenset[str] | None = None

    @classmethod
    def of(cls, info: PolicyInfo | None) -> Scope:
        custom = info.custom if info is not None else {}
        kinds = _names(custom.get("kinds"))
        if kinds is not None and WORKLOADS in kinds:
            kinds = (kinds - {WORKLOADS}) | WORKLOAD_KINDS
        return cls(kinds, _names(custom.get("input_keys")))

    def covers(self, kind: object) -> bool:
        return self.kinds is None or kind in self.kinds


def _names(value: object) -> frozenset[str] | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return frozenset(value)
    return None


# A policy's remediation fragment, beside its Rego
FRAGMENT_NAME = "fix.yaml.j2"

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def bundled_policy_dir() -> Path:
    installed = _PACKAGE_DIR / "_bundled" / "policies"
    return installed if installed.is_dir() else _PACKAGE_DIR.parent / "policies"


@dataclass(frozen=True)
class PolicySet:
    """Every module of the run, converted to v1, with its outline and metadata."""

    modules: Mapping[str, str]
    outlines: Mapping[str, Outline]
    # keyed by what the METADATA annotates: a package ("main") or a rule ("main.deny")
    annotated: Mapping[str, PolicyInfo] = field(default_factory=dict)

    @property
    def namespaces(self) -> list[str]:
        return sorted({o.package for o in self.outlines.values()})

    def rules(self, namespaces: Iterable[str]) -> tuple[Rule, ...]:
        """deny/violation/warn rules of those namespaces, counted as conftest counts them."""
        wanted = set(namespaces)
        counts: dict[tuple[str, str], int] = {}
        for item in self.outlines.values():
            if item.package in wanted:
                for head in item.rules:
                    if is_check_rule(head.name):
                        key = (item.package, head.name)
                        counts[key] = counts.get(key, 0) + 1
        return tuple(Rule(ns, name, n) for (ns, name), n in counts.items())

    @property
    def by_id(self) -> dict[str, PolicyInfo]:
        return {info.id: info for info in self.annotated.values()}

    def policy_of(self) -> dict[tuple[str, str], PolicyInfo]:
        """(namespace, rule) → the policy its METADATA declares, package scope first."""
        found: dict[tuple[str, str], PolicyInfo] = {}
        for item in self.outlines.values():
            for head in item.rules:
                info = self.annotated.get(item.package) or self.annotated.get(
                    f"{item.package}.{head.name}"
                )
                if info is not None and is_check_rule(head.name):
                    found.setdefault((item.package, head.name), info)
        return found

    @property
    def excepting(self) -> frozenset[str]:
        """Namespaces with an `exception` rule, conftest's way of excepting findings."""
        return frozenset(
            item.package for item in self.outlines.values()
            if any(head.name == "exception" for head in item.rules)
        )

    @property
    def uses_print(self) -> bool:
        return any("print(" in source for source in self.modules.values())

    @property
    def reads_conftest_file(self) -> bool:
        """Whether a policy may read `data.conftest.file` (or reach into `data` by a
        computed key): only then does each document's query carry its file's name."""
        return any("conftest" in source or "data[" in source
                   for source in self.modules.values())


def find_policy_files(paths: Sequence[str], *, tests: bool = False) -> list[str]:
    """.rego files under the given paths; `_test.rego` files only for `kfix test`."""
    found: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                found.extend(
                    os.path.normpath(os.path.join(dirpath, n))
                    for n in sorted(filenames)
                    if n.endswith(".rego") and (tests or not n.endswith("_test.rego"))
                )
        elif os.path.isfile(path):
            found.append(path)
        else:
            raise PolicyError("no such policy file or directory", path)
    if not found:
        raise PolicyError(f"no policies found in {', '.join(paths)}")
    return found


def load_policies(
    paths: Sequence[str],
    *,
    rego_version: str = "v1",
    lint: LintOptions | None = None,
    tests: bool = False,
) -> PolicySet:
    """Read, convert and outline every policy file (and, for `kfix test`, test file);
    all errors reported together."""
    modules: dict[str, str] = {}
    outlines: dict[str, Outline] = {}
    errors: list[KfixError] = []
    for path in find_policy_files(paths, tests=tests):
        try:
            source = Path(path).read_text(encoding="utf-8")
            if rego_version == "v0":
                source = to_v1(source)
            item = outline(source)
        except RegoV0Error as exc:
            errors.append(KfixError(exc.message, path, exc.line))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(KfixError(f"cannot read: {exc}", path))
            continue
        modules[path] = source
        outlines[path] = item
    errors.extend(check(modules, lint or LintOptions(), rego_version))
    if errors:
        raise PolicyError.of(sorted(errors, key=lambda e: (e.file, e.line)))
    return PolicySet(modules, outlines, _annotated(outlines))


def _annotated(outlines: Mapping[str, Outline]) -> dict[str, PolicyInfo]:
    infos: dict[str, PolicyInfo] = {}
    for path, item in outlines.items():
        rule_at = {head.line: head.name for head in item.rules}
        for note in item.annotations:
            if note.scope == "package" or note.target_line == item.package_line:
                key = item.package
            elif note.target_line in rule_at:
                key = f"{item.package}.{rule_at[note.target_line]}"
            else:
                continue
            data = note.data
            given = data.get("custom")
            custom: dict[str, Any] = given if isinstance(given, dict) else {}
            info = PolicyInfo(
                id=str(custom.get("id") or key),
                namespace=item.package,
                file=path,
                title=str(data.get("title") or ""),
                description=str(data.get("description") or ""),
                severity=str(custom.get("severity") or ""),
                custom=custom,
            )
            infos.setdefault(key, info)
    return infos
