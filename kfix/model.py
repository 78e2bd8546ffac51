"""Records every stage shares. Frozen, so a stage can hand them on without copying."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kfix.k8s import text_of

FAILURE = "failure"
WARNING = "warning"
EXCEPTION = "exception"


@dataclass(frozen=True)
class Resource:
    """Who a document describes, as far as it says."""

    api_version: str = ""
    kind: str = ""
    namespace: str = ""
    name: str = ""

    @classmethod
    def of(cls, content: Any) -> Resource:
        if not isinstance(content, Mapping):
            return cls()
        meta = content.get("metadata")
        meta = meta if isinstance(meta, Mapping) else {}
        return cls(
            api_version=text_of(content.get("apiVersion")),
            kind=text_of(content.get("kind")),
            namespace=text_of(meta.get("namespace")),
            name=text_of(meta.get("name")),
        )


@dataclass(frozen=True)
class Document:
    """One document of an input file, as the engine sees it.

    `line_of` maps a JSON pointer to the 1-based line of the deepest node that exists
    on that path, so a finding about a missing field points at its parent. An item of a
    `kind: List` document (kfix.load.lists) is a Document of its own: `index` is its
    List's, `item` its JSON pointer in it (`/items/3`), and `line_of` reads its pointers.
    """

    file: str
    index: int
    line: int
    content: Any
    line_of: Callable[[str], int] = field(compare=False, repr=False)
    item: str = ""  # where in document `index` the object is; "" for the document itself


@dataclass(frozen=True)
class Problem:
    """Trouble with one input or policy file; the run goes on without it."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


# what `--parser` may read every input as, whatever its name (conftest's flag)
PARSERS = ("json", "yaml")

# METADATA `custom.severity`, lowest first, and `custom.profile` with what each selects
SEVERITIES = ("low", "medium", "high", "critical")
PROFILES: Mapping[str, frozenset[str]] = {
    "baseline": frozenset({"baseline"}),
    "restricted": frozenset({"baseline", "restricted"}),  # restricted includes baseline
    "best-practice": frozenset({"best-practice"}),
}
ALL_PROFILES = "all"


@dataclass(frozen=True)
class PolicyInfo:
    """A policy as its METADATA describes it."""

    id: str
    namespace: str
    file: str
    title: str = ""
    description: str = ""
    severity: str = ""
    custom: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    """One result of one rule on one document."""

    outcome: str  # FAILURE, WARNING or EXCEPTION
    policy_id: str
    rule: str
    namespace: str
    message: str
    file: str
    document: int
    line: int
    resource: Resource = Resource()
    pointer: str = ""
    severity: str = ""
    metadata: Mapping[str, Any] = field(default_factory=dict)
    item: str = ""  # its Document's `item`: `pointer` and fixes are relative to that item

    def fields(self) -> dict[str, Any]:
        """The finding's own fields, as JSON output and SARIF properties carry them;
        `item` only for an item of a List, so other documents' output stays as it was."""
        fields = {
            "policy_id": self.policy_id,
            "rule": self.rule,
            "namespace": self.namespace,
            "severity": self.severity,
            "file": self.file,
            "document": self.document,
            "line": self.line,
            "apiVersion": self.resource.api_version,
            "kind": self.resource.kind,
            "resource_namespace": self.resource.namespace,
            "name": self.resource.name,
            "pointer": self.pointer,
        }
        if self.item:
            fields["item"] = self.item
        return fields


@dataclass(frozen=True)
class Print:
    """Output of a Rego print() call, attributed to the input file being evaluated."""

    file: str
    location: str
    message: str


@dataclass(frozen=True)
class CheckResult:
    """conftest's unit of reporting: one input file under one namespace."""

    file: str
    namespace: str
    successes: int = 0
    failures: tuple[Finding, ...] = ()
    warnings: tuple[Finding, ...] = ()
    exceptions: tuple[Finding, ...] = ()
    traces: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScanResult:
    """Everything `kfix scan` found. Printing and exit codes are decided from here."""

    results: tuple[CheckResult, ...] = ()
    problems: tuple[Problem, ...] = ()
    prints: tuple[Print, ...] = ()
    policies: Mapping[str, PolicyInfo] = field(default_factory=dict)
    notes: tuple[Problem, ...] = ()  # what was left out on purpose; does not fail the run
    files: int = 0
    documents: int = 0
    # seconds spent per stage, summed over worker processes: load, evaluate, setup
    timings: Mapping[str, float] = field(default_factory=dict, compare=False)
    policy_set: str = ""  # the policies kfix chose without -p ("": the user named them)

    def count(self, outcome: str) -> int:
        attr = {FAILURE: "failures", WARNING: "warnings", EXCEPTION: "exceptions"}[outcome]
        return sum(len(getattr(r, attr)) for r in self.results)

    @property
    def successes(self) -> int:
        return sum(r.successes for r in self.results)

    @property
    def tests(self) -> int:
        return (
            self.successes
            + self.count(FAILURE)
            + self.count(WARNING)
            + self.count(EXCEPTION)
        )

    def exit_code(self, *, fail_on_warn: bool = False, no_fail: bool = False) -> int:
        """conftest's rule: 1 on failures; with --fail-on-warn 2 on failures, 1 on warnings;
        --no-fail makes both 0. Files that could not be read or parsed, and policy errors,
        give 2 whatever the flags say, so a CI job never passes over a manifest nobody
        checked."""
        if self.problems:
            return 2
        if no_fail:
            return 0
        failures, warnings = self.count(FAILURE), self.count(WARNING)
        if fail_on_warn:
            return 2 if failures else 1 if warnings else 0
        return 1 if failures else 0


# the RFC 6902 operations a kfix patch may hold (move and copy never: they hide what moves)
PATCH_OPS = ("add", "replace", "remove", "test")

FIXED = "fixed"
SUGGESTED = "suggested"  # verified, not written: too risky for --max-risk, or left to people
NO_FIX = "no-fix"
REJECTED = "rejected"
SKIPPED = "skipped"
FIX_STATUSES = (FIXED, SUGGESTED, NO_FIX, REJECTED, SKIPPED)
# what a fix may change at runtime (METADATA custom.risk), least first; `kfix fix` writes
# fixes up to --max-risk and suggests the others
RISKS = ("low", "medium", "high")
DEFAULT_MAX_RISK = "medium"

# why a server-side apply to a live cluster did not happen (kfix.cluster.apply)
CONFLICT = "conflict"  # 409: another field manager owns a field, or the object moved on
FORBIDDEN = "forbidden"  # 401/403: the kubeconfig's user may not patch it
NOT_FOUND = "not-found"  # 404: the object (or its kind) is gone
GONE = "gone"  # 410
INVALID = "invalid"  # 400/422 and other refusals: validation, admission webhooks
TIMEOUT = "timeout"  # no answer in time
UNREACHABLE = "unreachable"  # no connection
APPLY_FAILURES = (CONFLICT, FORBIDDEN, NOT_FOUND, GONE, INVALID, TIMEOUT, UNREACHABLE)


@dataclass(frozen=True)
class ClusterApply:
    """What a server-side apply of one object did: `failure` (one of APPLY_FAILURES) empty
    when it was applied; `stage` the request that failed: "dry run", "apply" or "re-read"
    (after a successful apply); `live` the object read back, as kfix evaluates it."""

    failure: str = ""
    stage: str = ""
    message: str = ""
    live: Mapping[str, Any] | None = None

    @property
    def applied(self) -> bool:
        return not self.failure or self.stage == "re-read"


@dataclass(frozen=True)
class Resolution:
    """What became of one finding in `kfix fix`."""

    finding: Finding
    status: str  # FIXED, SUGGESTED, NO_FIX, REJECTED or SKIPPED
    reason: str = ""
    patch: tuple[Mapping[str, Any], ...] = ()
    fragment: str = ""
    risk: str = ""  # of the fix, as its policy declares it (raised by evidence)
    effect: str = ""  # what the fix may change at runtime


@dataclass(frozen=True)
class FileChange:
    """A file's text before and after its verified patches."""

    path: str
    before: str
    after: str


@dataclass(frozen=True)
class FixResult:
    """Everything `kfix fix` did; nothing is written until the CLI says so."""

    resolutions: tuple[Resolution, ...] = ()
    problems: tuple[Problem, ...] = ()
    changes: tuple[FileChange, ...] = ()
    policies: Mapping[str, PolicyInfo] = field(default_factory=dict)
    files: int = 0
    documents: int = 0
    timings: Mapping[str, float] = field(default_factory=dict, compare=False)
    # the files --write or --output-dir wrote, a change each; none for --diff
    written: tuple[str, ...] = ()
    policy_set: str = ""  # the policies kfix chose without -p ("": the user named them)

    def count(self, status: str) -> int:
        return sum(1 for o in self.resolutions if o.status == status)

    @property
    def fix_rate(self) -> float:
        return self.count(FIXED) / len(self.resolutions) if self.resolutions else 1.0

    def exit_code(self) -> int:
        """0 when no unfixed failure remains, 1 when some do, 2 on errors."""
        if self.problems:
            return 2
        unfixed = any(
            o.status != FIXED and o.finding.outcome == FAILURE for o in self.resolutions
        )
        return 1 if unfixed else 0


@dataclass(frozen=True)
class ParseResult:
    """`kfix parse`: each input as the policies' `input` sees it (its document, or the
    list of its documents; None for a file of none), and the inputs that did not parse."""

    contents: Mapping[str, Any] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    files: int = 0  # inputs, parsed or not

    def exit_code(self) -> int:
        return 2 if self.problems else 0


# -- the policy catalog ------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyEntry:
    info: PolicyInfo
    fragment: str  # path of its fix.yaml.j2, "" when there is none
    positive: int  # fixture files under fixtures/<id>/positive
    negative: int
    fix_pairs: int

    @property
    def profile(self) -> str:
        return str(self.info.custom.get("profile", ""))

    @property
    def fix(self) -> str:
        return str(self.info.custom.get("fix") or "")

    @property
    def no_fix_reason(self) -> str:
        return str(self.info.custom.get("no_fix_reason") or "")

    @property
    def risk(self) -> str:
        return str(self.info.custom.get("risk") or "") if self.fragment else ""

    @property
    def effect(self) -> str:
        return str(self.info.custom.get("effect") or "") if self.fragment else ""

    @property
    def automatic_fix(self) -> str:
        """"yes" when the fragment fixes by default; "with parameters" when it only acts on
        values a person gives (METADATA says why there is no automatic fix); else "no"."""
        if not self.fragment:
            return "no"
        return "with parameters" if self.no_fix_reason else "yes"


# -- kfix draft ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """One draft and what the verifier said of it (no reasons: accepted)."""

    fragment: str
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class PairFile:
    """A fix fixture pair produced from one positive fixture."""

    before_path: str
    after_path: str
    before: str
    after: str


@dataclass(frozen=True)
class DraftResult:
    policy_id: str
    fragment_path: str
    attempts: tuple[Attempt, ...] = ()
    pairs: tuple[PairFile, ...] = ()
    accepted: bool = False

    @property
    def fragment(self) -> str:
        """The last draft's text, ending in a newline as it is written."""
        text = self.attempts[-1].fragment if self.attempts else ""
        return text if text.endswith("\n") or not text else text + "\n"


# -- kfix test: Rego unit tests, fixtures and coverage ------------------------------------

# the one vocabulary of test statuses, for Rego tests, fixtures and Gatekeeper suites alike
PASSED, FAILED, ERROR = "passed", "failed", "error"  # and SKIPPED, as for fixes


@dataclass(frozen=True)
class TestCase:
    name: str  # `test_x`, or `test_x#01` for the second definition of the name
    package: str
    file: str
    line: int
    status: str  # PASSED, FAILED, ERROR or SKIPPED
    error: str = ""  # the engine's message, for an error
    # for a failure: where the first failing expression is, the expression, its variables
    failed_at: str = ""
    failed_expr: str = ""
    locals: Mapping[str, Any] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"data.{self.package}.{self.name}"

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class FileCoverage:
    covered: int
    total: int
    uncovered: tuple[tuple[int, int], ...]  # line ranges, inclusive

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.total if self.total else 100.0


@dataclass(frozen=True)
class Coverage:
    """Line coverage of the policy files, `*_test.rego` files left out."""

    files: Mapping[str, FileCoverage]

    @property
    def percent(self) -> float:
        total = sum(f.total for f in self.files.values())
        covered = sum(f.covered for f in self.files.values())
        return 100.0 * covered / total if total else 100.0


@dataclass(frozen=True)
class TestRunResult:
    """Everything `kfix test` found: Rego unit tests, and fixtures when they ran."""

    tests: tuple[TestCase, ...]
    coverage: Coverage | None = None
    fixtures: FixtureRunResult | None = None

    def count(self, status: str) -> int:
        return sum(1 for test in self.tests if test.status == status)

    def exit_code(self, threshold: float = 0.0, fix_threshold: float = 0.0) -> int:
        """opa test's: 2 when a test fails or errs, or coverage is below the threshold;
        likewise for fixtures and fix coverage."""
        if self.count(FAILED) or self.count(ERROR):
            return 2
        if self.coverage is not None and self.coverage.percent < threshold:
            return 2
        return self.fixtures.exit_code(fix_threshold) if self.fixtures is not None else 0


@dataclass(frozen=True)
class FixtureCase:
    policy: str
    file: str  # the fixture file: positive, negative, before or after
    name: str  # "raises <id>", "does not raise <id>", FIX_TURNS or AFTER_PASSES
    passed: bool
    message: str = ""  # for a failure: what was expected and what came back


@dataclass(frozen=True)
class FixCoverage:
    """Over the fixable policies: which of ITEMS each one lacks."""

    fixable: tuple[str, ...]
    missing: Mapping[str, tuple[str, ...]]  # policy id → missing items; complete ones absent

    @property
    def percent(self) -> float:
        if not self.fixable:
            return 100.0
        return 100.0 * (len(self.fixable) - len(self.missing)) / len(self.fixable)


@dataclass(frozen=True)
class FixtureRunResult:
    cases: tuple[FixtureCase, ...] = ()
    coverage: FixCoverage | None = None
    root: str = ""  # the fixtures directory

    @property
    def passed(self) -> int:
        return sum(1 for case in self.cases if case.passed)

    @property
    def failed(self) -> int:
        return len(self.cases) - self.passed

    def exit_code(self, fix_threshold: float = 0.0) -> int:
        """2 when a fixture case fails or fix coverage is below the threshold."""
        if self.failed:
            return 2
        if self.coverage is not None and self.coverage.percent < fix_threshold:
            return 2
        return 0


# -- kfix verify: Gatekeeper suites ---------------------------------------------------------

@dataclass(frozen=True)
class CaseResult:
    name: str
    status: str
    expected: str = ""  # what the failing assertion asked for
    actual: str = ""  # what the engine said
    seconds: float = 0.0


@dataclass(frozen=True)
class TestResult:
    name: str
    status: str
    error: str = ""  # the test could not run, or an `invalid` constraint was accepted
    cases: tuple[CaseResult, ...] = ()
    seconds: float = 0.0


@dataclass(frozen=True)
class SuiteResult:
    path: str
    name: str
    status: str
    error: str = ""
    tests: tuple[TestResult, ...] = ()
    seconds: float = 0.0


@dataclass(frozen=True)
class VerifyResult:
    suites: tuple[SuiteResult, ...]
    coverage: Coverage | None = None
    seconds: float = 0.0
    problems: tuple[Problem, ...] = ()  # files that do not parse

    def count(self, level: str, status: str) -> int:
        items: dict[str, Sequence[Any]] = {
            "suites": self.suites,
            "tests": [t for s in self.suites for t in s.tests],
            "cases": [c for s in self.suites for t in s.tests for c in t.cases],
        }
        return sum(1 for item in items[level] if item.status == status)

    @property
    def exit_code(self) -> int:
        """1 when a suite, test or case failed; 2 when a file under the paths cannot be
        read or parsed (it may have been a suite)."""
        if self.problems:
            return 2
        failed = any(self.count(level, FAILED) for level in ("suites", "tests", "cases"))
        return 1 if failed else 0


# -- kfix plan: reviewed remediation ------------------------------------------------------

# what became of a plan's action, in the order it usually goes; REJECTED (a person said no)
# and FAILED (its checks failed when applied, or its rollback did) as above
PROPOSED = "proposed"
APPROVED = "approved"
STALE = "stale"  # its file changed since the plan was made: nothing written for it
APPLIED = "applied"  # written, not yet re-scanned
VERIFIED = "verified"  # written and re-scanned clean of its finding
ROLLED_BACK = "rolled-back"
PLAN_STATES = (PROPOSED, APPROVED, REJECTED, STALE, APPLIED, VERIFIED, FAILED, ROLLED_BACK)
