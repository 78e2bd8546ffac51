"""`kfix verify`: gator's Suite files, run on kfix's engine.

Each test gets its own engine holding its template, as gator gives each test its own
client; the test's cases share it, each with its own `data.inventory`.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kfix.engine import DEFAULT_TIMEOUT
from kfix.engine.lint import LintOptions
from kfix.errors import KfixError, UsageError
from kfix.gatekeeper.evaluate import Checker, Violation
from kfix.gatekeeper.match import unresolved_namespace
from kfix.gatekeeper.review import (
    inventory,
    is_admission_review,
    namespaces_of,
    review_from_admission,
    review_of,
)
from kfix.gatekeeper.templates import (
    DefinitionError,
    Library,
    is_constraint,
    is_template,
    read_constraint,
    read_template,
)
from kfix.load import manifests
from kfix.model import (
    FAILED,
    PASSED,
    SKIPPED,
    CaseResult,
    Document,
    Problem,
    SuiteResult,
    TestResult,
    VerifyResult,
)
from kfix.pack import sources
from kfix.policytest.coverage import coverage_of

SUITE_API = "test.gatekeeper.sh/v1alpha1"


@dataclass(frozen=True)
class VerifyOptions:
    run: str | None = None  # gator's -run: "TEST//CASE" regexes, or one for either
    engine: str | None = None
    lint: LintOptions = field(default_factory=LintOptions)
    coverage: bool = False
    timeout: float = DEFAULT_TIMEOUT  # seconds a query may take; 0: no limit


class Filter:
    """gator's --run: `a//b` picks cases matching b in tests matching a; a single regex
    picks tests or cases whose name it matches (search semantics, as Go's MatchString)."""

    def __init__(self, run: str | None) -> None:
        parts = (run or "").split("//")
        if len(parts) > 2:
            raise UsageError('a --run filter may hold at most one "//"')
        try:
            compiled = [re.compile(p) for p in parts]
        except re.error as exc:
            raise UsageError(f"--run: {exc}") from None
        self._either = compiled[0] if len(parts) == 1 and run else None
        self._test: re.Pattern[str] | None = compiled[0] if len(parts) == 2 else None
        self._case: re.Pattern[str] | None = compiled[1] if len(parts) == 2 else None

    def test(self, name: str, case_names: Sequence[str]) -> bool:
        if self._either is not None:
            return bool(self._either.search(name)) or any(self.case(name, c) for c in case_names)
        return self._test is None or bool(self._test.search(name))

    def case(self, test: str, name: str) -> bool:
        if self._either is not None:
            return bool(self._either.search(name) or self._either.search(test))
        if self._test is None or self._case is None:
            return True
        return bool(self._case.search(name) and self._test.search(test))


def find_suites(paths: Sequence[str]) -> tuple[list[Document], list[Problem]]:
    """Suite documents in the given files, or in directories searched recursively, and
    the files that do not parse: one of them may be a suite, so they fail the run."""
    found: list[Document] = []
    problems: list[Problem] = []
    for item in manifests.load(manifests.discover(paths)):
        if item.problems:
            problems.extend(item.problems)
            continue
        found += [d for d in item.documents if isinstance(d.content, Mapping)
                  and d.content.get("kind") == "Suite"
                  and d.content.get("apiVersion") == SUITE_API]
    if not found and not problems:
        raise UsageError(f"no Suite ({SUITE_API}) found in {', '.join(paths)}")
    return found, problems


def verify(paths: Sequence[str], options: VerifyOptions = VerifyOptions()) -> VerifyResult:
    started = time.perf_counter()
    runner = _Runner(Filter(options.run), options)
    documents, problems = find_suites(sources.resolve(paths))
    suites = tuple(runner.suite(doc) for doc in documents)
    coverage = None
    if options.coverage:
        coverage = coverage_of(runner.coverage_reports, sorted(runner.template_files))
    return VerifyResult(suites, coverage, time.perf_counter() - started, tuple(problems))


class _CaseFailed(Exception):
    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(expected)
        self.expected, self.actual = expected, actual


class _Runner:
    def __init__(self, selected: Filter, options: VerifyOptions) -> None:
        self.filter = selected
        self.options = options
        self.coverage_reports: list[Mapping[str, Any]] = []
        self.template_files: set[str] = set()

    def suite(self, doc: Document) -> SuiteResult:
        started = time.perf_counter()
        content = doc.content
        name = str((content.get("metadata") or {}).get("name") or doc.file)
        if content.get("skip") is True:
            return SuiteResult(doc.file, name, SKIPPED)
        tests = content.get("tests") or []
        if not isinstance(tests, list):
            return SuiteResult(doc.file, name, FAILED, "tests must be a list")
        results = tuple(self.test(doc.file, t if isinstance(t, Mapping) else {}, n)
                        for n, t in enumerate(tests))
        failed = any(t.status == FAILED for t in results)
        return SuiteResult(doc.file, name, FAILED if failed else PASSED, "", results,
                           time.perf_counter() - started)

    def test(self, suite_file: str, test: Mapping[str, Any], index: int) -> TestResult:
        started = time.perf_counter()
        name = str(test.get("name") or f"test {index}")
        cases = [c if isinstance(c, Mapping) else {} for c in test.get("cases") or []]
        case_names = [str(c.get("name") or "") for c in cases]
        if test.get("skip") is True or not self.filter.test(name, case_names):
            return TestResult(name, SKIPPED)
        base = os.path.dirname(suite_file)
        try:
            library = self._library(base, test)
        except KfixError as exc:
            return TestResult(name, FAILED, str(exc), seconds=time.perf_counter() - started)
        if library is None:  # invalid, and rejected as it should be
            return TestResult(name, PASSED, seconds=time.perf_counter() - started)
        if test.get("invalid") is True:
            return TestResult(name, FAILED, "the constraint was accepted, but the test says "
                              "the template's schema must reject it",
                              seconds=time.perf_counter() - started)
        checker = Checker(library, self.options.engine, self.options.lint,
                          coverage=self.options.coverage, timeout=self.options.timeout)
        try:
            if checker.problems:
                return TestResult(name, FAILED, str(checker.problems[0]),
                                  seconds=time.perf_counter() - started)
            results = tuple(self.case(base, name, case, n, checker)
                            for n, case in enumerate(cases))
        finally:
            self.coverage_reports += checker.coverage_reports
            checker.close()
        failed = any(c.status == FAILED for c in results)
        return TestResult(name, FAILED if failed else PASSED, "", results,
                          time.perf_counter() - started)

    def _library(self, base: str, test: Mapping[str, Any]) -> Library | None:
        """The test's template and constraint; None when the constraint is rejected by
        the schema and the test is `invalid` (what it asks for)."""
        template_doc = _one(base, test.get("template"), "template", is_template)
        template, _notes = read_template(template_doc)
        if template is None:
            raise KfixError(f"{template_doc.file}: the template has no Rego to run")
        self.template_files.add(template.file)
        constraint_doc = _one(base, test.get("constraint"), "constraint", is_constraint)
        try:
            constraint = read_constraint(constraint_doc, {template.kind: template})
        except DefinitionError as exc:
            if exc.schema and test.get("invalid") is True:
                return None
            raise
        return Library({template.kind: template}, (constraint,))

    def case(self, base: str, test: str, case: Mapping[str, Any], index: int,
             checker: Checker) -> CaseResult:
        started = time.perf_counter()
        name = str(case.get("name") or f"case {index}")
        if case.get("skip") is True or not self.filter.case(test, name):
            return CaseResult(name, SKIPPED)
        try:
            violations = self._review(base, case, checker)
            for assertion in _assertions(case):
                _check(assertion, violations)
        except _CaseFailed as exc:
            return CaseResult(name, FAILED, exc.expected, exc.actual,
                              time.perf_counter() - started)
        except KfixError as exc:
            return CaseResult(name, FAILED, "a case that runs", str(exc),
                              time.perf_counter() - started)
        return CaseResult(name, PASSED, seconds=time.perf_counter() - started)

    def _review(self, base: str, case: Mapping[str, Any], checker: Checker) -> list[Violation]:
        reviewed = _one(base, case.get("object"), "object", lambda _: True)
        objects = [d.content for path in _paths(case.get("inventory"), "inventory")
                   for d in _documents(base, path)]
        content = reviewed.content
        if is_admission_review(content):
            try:
                review = review_from_admission(content)
            except KfixError as exc:
                raise KfixError(exc.message, reviewed.file, reviewed.line) from None
        elif isinstance(content, Mapping):
            review = review_of(content)
        else:
            raise KfixError("the object is not a mapping", reviewed.file, reviewed.line)
        namespaces = namespaces_of(objects)
        for constraint in checker.library.constraints:
            missing = unresolved_namespace(constraint.match, review, namespaces)
            if missing:
                raise KfixError(f"{constraint.id}: namespaceSelector needs Namespace "
                                f"{missing!r}, which the case's inventory does not hold")
        (found,) = checker.review([review], namespaces, inventory(objects))
        if checker.problems:
            raise KfixError(str(checker.problems.pop()))
        return [v for vs in found.values() for v in vs]


def _paths(value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise KfixError(f"{what} must be a list of file paths")
    return value


def _documents(base: str, relative: str) -> tuple[Document, ...]:
    item = manifests.read(os.path.join(base, relative))
    if item.problems:
        raise KfixError(str(item.problems[0]))
    return item.documents


def _one(base: str, relative: Any, what: str, wanted: Any) -> Document:
    """The one document a suite's path names, as gator insists."""
    if not isinstance(relative, str) or not relative:
        raise KfixError(f"missing {what}")
    documents = [d for d in _documents(base, relative) if wanted(d.content)]
    if len(documents) != 1:
        raise KfixError(f"{os.path.join(base, relative)}: holds {len(documents)} {what} "
                        "documents, not 1")
    return documents[0]


@dataclass(frozen=True)
class Assertion:
    violations: str | int  # "yes", "no" or an exact count
    message: re.Pattern[str] | None = None

    def describe(self) -> str:
        matching = f" matching /{self.message.pattern}/" if self.message else ""
        wanted = {"yes": "at least 1", "no": "0"}.get(str(self.violations), str(self.violations))
        return f"{wanted} violation(s){matching}"


def _assertions(case: Mapping[str, Any]) -> Iterator[Assertion]:
    """A case's assertions; none at all means no violation is expected. PyYAML reads
    unquoted yes/no as booleans; they are read back as gator's strings."""
    raw = case.get("assertions")
    if not raw:
        yield Assertion("no")
        return
    if not isinstance(raw, list):
        raise KfixError("assertions must be a list")
    for item in raw:
        item = item if isinstance(item, Mapping) else {}
        count = item.get("violations", "yes")
        if isinstance(count, bool):
            count = "yes" if count else "no"
        if not (count in ("yes", "no") or (isinstance(count, int) and count >= 0)):
            raise KfixError(f"assertion violations must be yes, no or a count >= 0, "
                            f"not {count!r}")
        message = item.get("message")
        try:
            pattern = re.compile(str(message)) if message is not None else None
        except re.error as exc:
            raise KfixError(f"assertion message {message!r}: {exc}") from None
        yield Assertion(count, pattern)


def _check(assertion: Assertion, violations: Sequence[Violation]) -> None:
    matching = [v for v in violations
                if assertion.message is None or assertion.message.search(v.message)]
    wanted = assertion.violations
    ok = (len(matching) > 0 if wanted == "yes" else len(matching) == 0 if wanted == "no"
          else len(matching) == wanted)
    if not ok:
        messages = "; ".join(v.message for v in violations) or "none"
        raise _CaseFailed(assertion.describe(),
                          f"{len(matching)} matching of {len(violations)} (messages: {messages})")
