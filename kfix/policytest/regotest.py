"""Rego unit tests with `opa test` semantics, on the same loading as `kfix scan`.

Every `test_*` rule is a test; `todo_*` rules are skipped. A test passes when its rule
evaluates to true, fails when it is undefined or anything else, and is an error when
the engine raises. As in OPA, each definition of a repeated name is its own test
(`test_x`, `test_x#01`, ...): the definitions are renamed apart into copies of the
modules (the splitter `kfix scan` uses for check rules), so each is asked alone.
Prints nothing and exits nowhere; the CLI formats a TestRunResult.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kfix.engine import Answer, Engine
from kfix.engine.lint import LintOptions
from kfix.errors import EvalError, KfixError
from kfix.evaluate.split import SPLIT_ROOT, split_modules, split_name
from kfix.model import ERROR, FAILED, PASSED, SKIPPED, TestCase, TestRunResult
from kfix.pack import sources
from kfix.pack.catalog import fixtures_beside
from kfix.pack.policies import PolicySet, load_policies
from kfix.policytest.coverage import coverage_of
from kfix.policytest.fixtures import run_fixtures
from kfix.runner.scan import ScanOptions, open_engine

TEST_PREFIX = "test_"
TODO_PREFIX = "todo_"
_COPY_SUFFIX = "#split.rego"  # how split_modules names a module's copy


def is_test_rule(name: str) -> bool:
    return name.startswith(TEST_PREFIX)


@dataclass(frozen=True)
class TestOptions:
    # data_paths, rego_version, engine and lint settings
    scan: ScanOptions = field(default_factory=ScanOptions)
    run: str | None = None  # regex searched in `data.<package>.<name>`, as `opa test -r`
    coverage: bool = False
    fixtures: str | None = None  # fixture directory; None: `fixtures` beside the first path
    fix_coverage: bool = False  # run fixtures for fix coverage even where none exist


@dataclass(frozen=True)
class _Planned:
    case: TestCase  # status not yet known
    document: str  # the package holding the rule: data.<package>, or its split copy
    rule: str  # the rule's name in that package

    @property
    def ref(self) -> str:
        return f"{self.document}.{self.rule}"


def run_policy_tests(paths: Sequence[str],
                     options: TestOptions = TestOptions()) -> TestRunResult:
    """`kfix test`: the Rego unit tests under `paths`, then each policy's fixtures when a
    fixture directory exists (or fix coverage is asked for)."""
    paths = sources.resolve(paths)
    result = run_tests(paths, options)
    root = options.fixtures or fixtures_beside(paths)
    if not (os.path.isdir(root) or options.fix_coverage):
        return result
    return replace(result, fixtures=run_fixtures(paths, root, options.scan))


def run_tests(paths: Sequence[str], options: TestOptions = TestOptions()) -> TestRunResult:
    """Load the modules under `paths` (default: the working directory) and run their tests.

    Preparing a query costs the engine far more than evaluating one, so every test
    package is asked for in one query; only if that raises are the packages, and then
    the tests of a package that raises, asked for one by one. With `run`, each chosen
    test is asked for alone, so coverage counts only what the chosen tests reach.
    """
    scan = options.scan
    lint = LintOptions(scan.allow_network, scan.capabilities, scan.strict)
    policies = load_policies(paths or ["."], rego_version=scan.rego_version, lint=lint,
                             tests=True)
    pattern = re.compile(options.run) if options.run else None
    engine, split = _open(policies, scan)
    try:
        ask = _Asker(engine, options.coverage)
        planned = [p for p in _plan(policies, split)
                   if not pattern or pattern.search(p.case.full_name)]
        documents = {} if pattern else ask.documents(
            list(dict.fromkeys(p.document for p in planned if is_test_rule(p.rule)))
        )
        tests = tuple(_result(ask, p, documents) for p in planned)
    finally:
        engine.close()
    if not options.coverage:
        return TestRunResult(tests)
    policy_files = [p for p in policies.modules if not p.endswith("_test.rego")]
    return TestRunResult(tests, coverage_of(ask.reports, policy_files))


def _open(policies: PolicySet, scan: ScanOptions) -> tuple[Engine, set[str]]:
    """The engine, and the packages with repeated tests it also holds split copies of.

    If the copies do not compile (a test referring to another by name), every
    definition of a repeated name gets the answer of the name as a whole.
    """
    copies, counts = split_modules(policies.modules, is_test_rule)
    split = {package for (package, _), count in counts.items() if count > 1}
    if split:
        try:
            return open_engine({**policies.modules, **copies}, scan), split
        except KfixError:
            pass
    return open_engine(policies.modules, scan), set()


def _plan(policies: PolicySet, split: set[str]) -> list[_Planned]:
    planned: list[_Planned] = []
    definitions: dict[tuple[str, str], int] = {}
    for path, item in policies.outlines.items():
        for head in item.rules:
            if not (is_test_rule(head.name) or head.name.startswith(TODO_PREFIX)):
                continue
            key = (item.package, head.name)
            seen = definitions[key] = definitions.get(key, -1) + 1
            name = f"{head.name}#{seen:02d}" if seen else head.name
            case = TestCase(name, item.package, path, head.line, SKIPPED)
            if item.package in split and is_test_rule(head.name):
                planned.append(_Planned(case, f"data.{SPLIT_ROOT}.{item.package}",
                                        split_name(head.name, seen)))
            else:
                planned.append(_Planned(case, f"data.{item.package}", head.name))
    return planned


class _Asker:
    """Queries of the form `x := [ref, ...]`, collecting coverage reports."""

    def __init__(self, engine: Engine, coverage: bool) -> None:
        self.engine = engine
        self.coverage = coverage
        self.reports: list[Mapping[str, Any]] = []
        if coverage:  # every module's lines, so a file no test reaches counts as 0%
            self.values(["true"])

    def values(self, refs: Sequence[str]) -> list[Any] | None:
        """The refs' values; None when one is undefined. Raises EvalError."""
        answer = self.engine.query(f"x := [{', '.join(refs)}]", None, coverage=self.coverage)
        if answer.coverage:
            self.reports.append(answer.coverage)
        return answer.bindings[0]["x"] if answer.bindings else None

    def documents(self, refs: Sequence[str]) -> dict[str, Any]:
        """Package documents by ref: all at once, or those that evaluate on their own."""
        if not refs:
            return {}
        try:
            return dict(zip(refs, self.values(refs) or (), strict=False))
        except EvalError:
            pass
        found: dict[str, Any] = {}
        for ref in refs:
            try:
                values = self.values([ref])
            except EvalError:
                continue  # its tests are asked for one by one
            if values:
                found[ref] = values[0]
        return found

    def trace(self, ref: str) -> Answer:
        return self.engine.query(f"x := {ref}", None, trace=True)


def _result(ask: _Asker, planned: _Planned, documents: Mapping[str, Any]) -> TestCase:
    case = planned.case
    if not is_test_rule(planned.rule):
        return case
    document = documents.get(planned.document)
    try:
        if isinstance(document, dict):
            value = document.get(planned.rule)
        else:
            value = (ask.values([planned.ref]) or [None])[0]
    except EvalError as exc:
        return replace(case, status=ERROR, error=_unsplit(str(exc)))
    if value is True:
        return replace(case, status=PASSED)
    try:
        traced = ask.trace(planned.ref)
    except EvalError as exc:  # an error only while tracing: still a failure
        return replace(case, status=FAILED, error=_unsplit(str(exc)))
    return _explained(replace(case, status=FAILED), traced)


def _unsplit(text: str) -> str:
    """A split copy's file name back to its module's: the copies keep every line."""
    return text.replace(_COPY_SUFFIX, "")


def _explained(case: TestCase, answer: Answer) -> TestCase:
    """The first expression that failed in the test's own file, with its variables."""
    files = (case.file, case.file + _COPY_SUFFIX)
    for event in answer.events:
        file, _, row = str(event.get("location", "")).rpartition(":")
        if event.get("op") == "Fail" and file in files and row.isdigit():
            return replace(case, failed_at=f"{case.file}:{row}",
                         failed_expr=str(event.get("node", "")),
                         locals=dict(event.get("locals") or {}))
    return case
