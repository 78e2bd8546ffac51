"""The pipeline in order: load policies → load manifests → evaluate → ScanResult.

Prints nothing and exits nowhere; the CLI decides what to show and which code to return.
"""

from __future__ import annotations

import fnmatch
import functools
import itertools
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace

from kfix import collector
from kfix.engine import DEFAULT_TIMEOUT, Engine, conftest_builtins, select_engine
from kfix.engine.lint import LintOptions
from kfix.evaluate.rules import Evaluation, Plan, evaluate
from kfix.evaluate.split import DefinitionSplitter
from kfix.gatekeeper.evaluate import checker as gatekeeper_checker
from kfix.gatekeeper.templates import Library, load_library
from kfix.load import data_files, lists, manifests
from kfix.model import (
    ALL_PROFILES,
    PROFILES,
    SEVERITIES,
    Document,
    PolicyInfo,
    Problem,
    ScanResult,
)
from kfix.pack import sources
from kfix.pack.policies import PolicySet, bundled_policy_dir, is_check_rule, load_policies
from kfix.runner import long_files
from kfix.runner.pool import in_workers, shard

COMBINED = "Combined"
# the namespaces of user policies tested without -n: conftest's, and the packages of
# policies written as the pack's are (`kfix policy new` scaffolds kfix.policies.<id>)
DEFAULT_NAMESPACES = ("main", "kfix.policies.*")


@dataclass(frozen=True)
class ScanOptions:
    policy_paths: tuple[str, ...] = ()  # none: ./policy if it exists, else the bundled pack
    namespaces: tuple[str, ...] = ()  # globs; none: DEFAULT_NAMESPACES for user policies
    all_namespaces: bool = False
    data_paths: tuple[str, ...] = ()
    combine: bool = False
    ignore: str | None = None
    rego_version: str = "v1"
    engine: str | None = None
    jobs: int = 1
    trace: bool = False
    show_builtin_errors: bool = False
    allow_network: bool = False
    capabilities: str | None = None
    strict: bool = False
    profile: str | None = None  # baseline, restricted (includes baseline), best-practice, all
    min_severity: str | None = None  # low, medium, high, critical
    gatekeeper_paths: tuple[str, ...] = ()  # ConstraintTemplates and Constraints
    shard: tuple[int, int] | None = None  # (I, N): only part I of a stable N-way split
    timeout: float = DEFAULT_TIMEOUT  # seconds a query may take; 0: no limit
    parser: str | None = None  # yaml or json for every input; None: by suffix
    stdin_filename: str = ""  # the name standard input goes by; "": "-"

    @property
    def reading(self) -> manifests.Reading:
        return manifests.Reading(self.parser, self.stdin_filename)

    @property
    def lint(self) -> LintOptions:
        return LintOptions(self.allow_network, self.capabilities, self.strict)




# (files done, files in all, documents evaluated, failures and warnings so far)
Progress = Callable[[int, int, int, int], None]


@dataclass
class Tracker:
    """How far a run is, told to its Progress as files finish."""

    total: int
    report: Progress | None
    files: int = 0
    documents: int = 0
    findings: int = 0

    def add(self, files: int, documents: int, findings: int) -> None:
        self.files += files
        self.documents += documents
        self.findings += findings
        if self.report is not None:
            self.report(self.files, self.total, self.documents, self.findings)

    def done(self, files: int, evaluation: Evaluation, *, counted: bool = False) -> None:
        """Files finished; their documents were already `answered` when `counted`."""
        self.add(files, 0 if counted else evaluation.documents,
                 sum(len(r.failures) + len(r.warnings) for r in evaluation.results))

    def answered(self, documents: int) -> None:
        """Documents evaluated inside a file: a long file moves the bar too."""
        self.add(0, documents, 0)


# conftest's default `-p`: a directory `policy` where the command runs
DEFAULT_POLICY_DIR = "policy"
BUILT_IN = "kfix's built-in pack (no ./policy directory)"
DEFAULTED = f"./{DEFAULT_POLICY_DIR} (conftest's default -p {DEFAULT_POLICY_DIR})"


def default_policies(options: ScanOptions) -> tuple[ScanOptions, str]:
    """The options with conftest's default policy directory filled in when no -p (nor
    --gatekeeper alone) is given and ./policy exists, and what to tell the user about
    the policies kfix chose: "" when the user named them."""
    if options.policy_paths or options.gatekeeper_paths:
        return options, ""
    if os.path.isdir(DEFAULT_POLICY_DIR):
        return replace(options, policy_paths=(DEFAULT_POLICY_DIR,)), DEFAULTED
    return options, BUILT_IN


def scan(paths: Sequence[str], options: ScanOptions = ScanOptions(),
         progress: Progress | None = None) -> ScanResult:
    """Evaluate every manifest under `paths` against the policies `options` names;
    `progress` hears how far the run is after each file (or batch of files)."""
    options, chosen = default_policies(options)
    options = replace(options, policy_paths=sources.resolve(options.policy_paths))
    policies = policy_set(options)
    library = gatekeeper_library(options)
    files = shard(manifests.discover(paths, options.ignore), options.shard)
    tracker = Tracker(len(files), progress)
    if single_process(options, files):
        evaluation = _scan_files(policies, files, options, library, tracker)
    else:
        evaluation = _scan_parallel(files, options, options.jobs, tracker)
    order = {path: position for position, path in enumerate(files)}
    problems = sorted(evaluation.problems, key=lambda p: (order.get(p.file, len(order)), p.line))
    return ScanResult(
        results=tuple(evaluation.results),
        problems=tuple(problems),
        prints=tuple(evaluation.prints),
        policies={**policies.by_id, **(library.policies() if library else {})},
        notes=(*_unqueried(policies, options), *(library.notes if library else ())),
        files=len(files),
        documents=evaluation.documents,
        timings=evaluation.timings,
        policy_set=chosen,
    )


def single_process(options: ScanOptions, files: Sequence[str]) -> bool:
    """Gatekeeper's inventory and namespaceSelector need every object in one place."""
    return (options.jobs <= 1 or options.combine or manifests.STDIN in files or len(files) < 2
            or bool(options.gatekeeper_paths))


def policy_set(options: ScanOptions) -> PolicySet:
    """The conftest-style policies; none when only Gatekeeper's are asked for."""
    if options.gatekeeper_paths and not options.policy_paths:
        return PolicySet({}, {})
    paths = options.policy_paths or (str(bundled_policy_dir()),)
    return load_policies(paths, rego_version=options.rego_version, lint=options.lint)


def gatekeeper_library(options: ScanOptions) -> Library | None:
    return load_library(options.gatekeeper_paths) if options.gatekeeper_paths else None


def _namespaces(policies: PolicySet, options: ScanOptions) -> tuple[str, ...]:
    chosen = _named(policies, options)
    return tuple(ns for ns in chosen if _selected(policies.annotated.get(ns), options))


def _named(policies: PolicySet, options: ScanOptions) -> list[str]:
    """The namespaces -n, --all-namespaces or the defaults name."""
    available = policies.namespaces
    if not options.policy_paths and not options.namespaces:  # the pack, minus its libraries
        return [ns for ns in available if policies.rules([ns])]
    if options.all_namespaces:
        return available
    patterns = options.namespaces or DEFAULT_NAMESPACES
    return [ns for ns in available if any(fnmatch.fnmatchcase(ns, p) for p in patterns)]


def _unqueried(policies: PolicySet, options: ScanOptions) -> tuple[Problem, ...]:
    """conftest's "no policies found", as a note: policies that loaded, none of whose
    deny, violation or warn rules is in a namespace the run tests."""
    if not options.policy_paths or policies.rules(_named(policies, options)):
        return ()
    with_rules = [ns for ns in policies.namespaces if policies.rules([ns])]
    if with_rules:
        tested = ", ".join(options.namespaces or DEFAULT_NAMESPACES)
        why = (f"no policies found in namespace {tested} (their rules are in "
               f"{', '.join(with_rules)}): choose them with --namespace or --all-namespaces")
    else:
        why = "no policies found: no package has a deny, violation or warn rule"
    return (Problem(", ".join(options.policy_paths), 0, why),)


def _selected(policy: PolicyInfo | None, options: ScanOptions) -> bool:
    """--profile and --severity: a namespace counts when its package METADATA matches."""
    profiles = PROFILES.get(options.profile or ALL_PROFILES)
    if profiles is not None and (policy is None or policy.custom.get("profile") not in profiles):
        return False
    if options.min_severity:
        severity = policy.severity if policy else ""
        wanted = SEVERITIES[SEVERITIES.index(options.min_severity):]
        return severity in wanted
    return True


def open_engine(modules: Mapping[str, str], options: ScanOptions) -> Engine:
    """An engine with these modules and every data file compiled in, ready for queries."""
    engine = select_engine(options.engine, options.timeout)
    builtins = conftest_builtins.builtins(modules)
    try:
        engine.load(modules, data_files.load(options.data_paths), builtins)
    except BaseException:
        engine.close()
        raise
    return engine


@contextmanager
def evaluator(policies: PolicySet, options: ScanOptions) -> Iterator[tuple[Engine, Plan]]:
    """An engine with everything loaded, and the plan of what to ask it; closed after."""
    namespaces = _namespaces(policies, options)
    engine = open_engine(policies.modules, options)
    splitter = DefinitionSplitter(
        policies.modules, lambda modules: open_engine(modules, options), is_check_rule
    )
    try:
        yield engine, Plan(
            rules=policies.rules(namespaces),
            namespaces=namespaces,
            policy_of=policies.policy_of(),
            show_builtin_errors=options.show_builtin_errors,
            per_document=policies.uses_print,
            splitter=splitter,
            excepting=policies.excepting,
            conftest_file=policies.reads_conftest_file,
        )
    finally:
        engine.close()
        splitter.close()


def _scan_files(policies: PolicySet, files: Sequence[str], options: ScanOptions,
                library: Library | None, tracker: Tracker) -> Evaluation:
    started = time.perf_counter()
    with evaluator(policies, options) as (engine, plan):
        setup = time.perf_counter() - started
        if library is not None or options.combine:
            evaluation = _scan_together(engine, plan, files, options, library)
            tracker.done(len(files), evaluation)
        else:
            evaluation = _scan_streaming(engine, plan, files, options, tracker,
                                         spare=lambda: open_engine(policies.modules, options))
    evaluation.time("setup", setup)
    evaluation.time("evaluate", time.perf_counter() - started - setup
                    - evaluation.timings.get("load", 0.0))
    return evaluation


def _scan_streaming(engine: Engine, plan: Plan, files: Sequence[str], options: ScanOptions,
                    tracker: Tracker | None = None,
                    spare: Callable[[], Engine] | None = None) -> Evaluation:
    """File by file, so only the documents being evaluated are held in memory: a window
    of files holding at least one engine batch of documents. `spare` opens another
    engine, for a long file's parts when --jobs allows more than one at once."""
    with collector.paused(keep=True):
        return _streamed(engine, plan, files, options, tracker, spare)


def _streamed(engine: Engine, plan: Plan, files: Sequence[str], options: ScanOptions,
              tracker: Tracker | None, spare: Callable[[], Engine] | None) -> Evaluation:
    evaluation = Evaluation()
    window: list[tuple[str, Sequence[Document]]] = []
    held = waiting = 0

    def flush() -> None:
        nonlocal window, held, waiting
        if window or waiting:
            part = _evaluated(engine, plan, window, options, tracker)
            evaluation.merge(part)
            if tracker is not None:
                tracker.done(waiting, part, counted=True)
        window, held, waiting = [], 0, 0

    for path in files:
        began = time.perf_counter()
        parts = manifests.read_parts(path, options.reading, long_files.PART)
        first, second = long_files.first_parts(parts)
        evaluation.time("load", time.perf_counter() - began)
        if second is not None:  # a long file: on its own, part by part
            flush()
            evaluate_part = functools.partial(_part_evaluated, plan=plan, path=path,
                                              options=options)
            with long_files.Engines(engine, spare if options.jobs > 1 else None,
                                    options.jobs) as engines:
                evaluation.merge(long_files.scan(
                    engines, path, itertools.chain([first, second], parts), evaluate_part,
                    tracker.add if tracker is not None else None))
            continue
        loaded = lists.expanded(first)
        waiting += 1
        evaluation.problems.extend(loaded.problems)
        if loaded.documents or not loaded.problems:  # a file of no documents is a result
            window.append((loaded.path, loaded.documents))
            held += len(loaded.documents)
        if held >= engine.batch_size:
            flush()
    flush()
    return evaluation


def _part_evaluated(engine: Engine, documents: Sequence[Document], *, plan: Plan, path: str,
                    options: ScanOptions) -> Evaluation:
    return _evaluated(engine, plan, [(path, documents)], options)


def _evaluated(engine: Engine, plan: Plan, files: Sequence[tuple[str, Sequence[Document]]],
               options: ScanOptions, tracker: Tracker | None = None) -> Evaluation:
    evaluation = evaluate(engine, plan, files, trace=options.trace,
                          answered=tracker.answered if tracker is not None else None)
    evaluation.documents += sum(len(docs) for _, docs in files)
    return evaluation


def _scan_together(engine: Engine, plan: Plan, files: Sequence[str], options: ScanOptions,
                   library: Library | None) -> Evaluation:
    """Every file in memory at once: Gatekeeper's inventory and --combine need them all."""
    began = time.perf_counter()
    with collector.paused(keep=True):
        loaded = manifests.load(files, options.reading)
        loading = time.perf_counter() - began
        problems = [p for f in loaded for p in f.problems]
        readable = [(f.path, f.documents) for f in loaded if f.documents or not f.problems]
        evaluation = evaluate_together(engine, plan, readable, options, library)
    evaluation.problems[:0] = problems
    evaluation.time("load", loading)
    return evaluation


def evaluate_together(engine: Engine, plan: Plan,
                      files: Sequence[tuple[str, Sequence[Document]]], options: ScanOptions,
                      library: Library | None) -> Evaluation:
    """Documents already in memory, Gatekeeper's constraints and --combine included."""
    gatekeeper = _gatekeeper(library, files, options)
    if options.combine:
        files = [(COMBINED, (_combined(files),))]
    evaluation = evaluate(engine, plan, files, trace=options.trace)
    if gatekeeper is not None:
        evaluation.merge(gatekeeper)
    evaluation.documents = sum(len(docs) for _, docs in files)
    return evaluation


def _gatekeeper(library: Library | None, files: Sequence[tuple[str, Sequence[Document]]],
                options: ScanOptions) -> Evaluation | None:
    if library is None:
        return None
    documents = [doc for _, docs in files for doc in docs]
    with gatekeeper_checker(library, options.engine, options.lint, documents,
                            options.timeout) as checker:
        return checker.check_files(files)


def _combined(files: Sequence[tuple[str, Sequence[Document]]]) -> Document:
    """conftest's --combine input: one {path, contents} per document, sorted by path."""
    content = [
        {"path": path, "contents": doc.content}
        for path, docs in sorted(files, key=lambda item: item[0])
        for doc in docs
    ]
    return Document(file=COMBINED, index=0, line=0, content=content, line_of=lambda _: 0)


def _scan_parallel(files: Sequence[str], options: ScanOptions, jobs: int,
                   tracker: Tracker) -> Evaluation:
    merged = Evaluation()
    for part in in_workers(_scanner, files, jobs, options, per_job=CHUNKS_PER_JOB,
                           done=lambda chunk, part: tracker.done(len(chunk), part)):
        merged.merge(part)
    return merged


# chunks per process: enough to even out slow and fast files, few enough that pickling
# the results back stays cheap
CHUNKS_PER_JOB = 8


@contextmanager
def _scanner(options: ScanOptions) -> Iterator[Callable[[Sequence[str]], Evaluation]]:
    """The policies, engine and plan of one process of a parallel run, and what scans one
    chunk of files with them."""
    with evaluator(policy_set(options), options) as (engine, plan):
        def scan_chunk(files: Sequence[str]) -> Evaluation:
            started = time.perf_counter()
            evaluation = _scan_streaming(engine, plan, files, replace(options, jobs=1))
            evaluation.time("evaluate", time.perf_counter() - started
                            - evaluation.timings.get("load", 0.0))
            return evaluation

        yield scan_chunk
