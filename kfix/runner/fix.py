"""The fix pipeline in order: detect → render → apply → verify → new file text.

Kept apart from `runner` so `kfix scan` never imports the schema and Kubernetes
client machinery it does not use.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from kfix.errors import WriteError
from kfix.evaluate.rules import detect
from kfix.gatekeeper.evaluate import checker as gatekeeper_checker
from kfix.llm.client import ChatClient, LlmConfig
from kfix.load import lists, manifests
from kfix.model import (
    DEFAULT_MAX_RISK,
    FIXED,
    REJECTED,
    SUGGESTED,
    Document,
    FileChange,
    Finding,
    FixResult,
    Problem,
    Resolution,
)
from kfix.pack import sources
from kfix.patch.dry_run import ServerDryRun
from kfix.patch.evidence import Bindings
from kfix.patch.fragments import Fragments
from kfix.patch.llm_patches import LlmPatches
from kfix.patch.loop import DocumentState, FixLoop
from kfix.patch.schema import DEFAULT_KUBE_VERSION, SchemaValidator
from kfix.runner.pool import chunks, in_workers, shard
from kfix.runner.scan import (
    Progress,
    ScanOptions,
    Tracker,
    default_policies,
    evaluator,
    gatekeeper_library,
    policy_set,
)
from kfix.writer.files import Written
from kfix.writer.text import apply_to_text


@dataclass(frozen=True)
class FixOptions:
    scan: ScanOptions = field(default_factory=ScanOptions)
    fix_dirs: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    policy_ids: tuple[str, ...] = ()  # fix only these; empty: every policy
    kube_version: str | None = None
    schema: bool = True
    server_dry_run: bool = False
    kubeconfig: str | None = None
    context: str | None = None  # kubeconfig context for the dry run
    llm: LlmConfig | None = None  # --llm: ask it where no fragment exists
    use_cache: bool = True
    max_risk: str = DEFAULT_MAX_RISK  # riskier fixes are verified and only suggested


def fix(paths: Sequence[str], options: FixOptions = FixOptions(),
        progress: Progress | None = None) -> FixResult:
    """Detect, patch, verify, and return the new text of every file that changes;
    `progress` hears how far the run is after each chunk of files.

    Writes nothing: `kfix.writer` writes what the result says, as the user asked.
    """
    if options.server_dry_run:  # no cluster: say so before any work, and write nothing
        ServerDryRun(options.kubeconfig, options.context)
    scan_options, chosen = default_policies(options.scan)
    fetched = sources.resolve(scan_options.policy_paths)
    options = replace(options, scan=replace(scan_options, policy_paths=fetched))
    return replace(_fix(paths, options, progress), policy_set=chosen)


def _fix(paths: Sequence[str], options: FixOptions, progress: Progress | None) -> FixResult:
    files = shard(manifests.discover(paths, options.scan.ignore), options.scan.shard)
    tracker = Tracker(len(files), progress)
    if options.scan.gatekeeper_paths or manifests.STDIN in files or len(files) < 2:
        return _told(tracker, _fix_together(files, options))
    # every chunk needs the bindings of all the inputs, not only of its own files
    work = (options, _bindings(files))
    if options.scan.jobs <= 1:  # chunk by chunk, so only one chunk's node trees are held
        with _fixer(*work) as fixer:
            parts = [_told(tracker, fixer(chunk))
                     for chunk in chunks(files, _in_process_chunks(files))]
    else:
        parts = in_workers(_fixer_for, files, options.scan.jobs, work, per_job=CHUNKS_PER_JOB,
                           done=lambda _chunk, part: _told(tracker, part))
    timings: dict[str, float] = {}
    for part in parts:
        for stage, seconds in part.timings.items():
            timings[stage] = timings.get(stage, 0.0) + seconds
    return FixResult(
        resolutions=tuple(o for p in parts for o in p.resolutions),
        problems=tuple(x for p in parts for x in p.problems),
        changes=tuple(c for p in parts for c in p.changes),
        policies=parts[0].policies,
        files=len(files),
        documents=sum(p.documents for p in parts),
        timings=timings,
    )


def _told(tracker: Tracker, part: FixResult) -> FixResult:
    tracker.add(part.files, part.documents, len(part.resolutions))
    return part


# chunks per worker process: the cost of fixing a file is not its size (a CRD has
# nothing to fix), so many chunks even the work out; the set-up is kept between them
CHUNKS_PER_JOB = 16
CHUNK_BYTES = 4 << 20  # in one process: about this much YAML (and its node trees) at once


def _in_process_chunks(files: Sequence[str]) -> int:
    total = sum(os.path.getsize(f) for f in files if os.path.isfile(f))
    return max(1, min(len(files), total // CHUNK_BYTES))


def _bindings(files: Sequence[str]) -> Bindings:
    """The ServiceAccounts bound among the files; only documents that mention a binding
    are parsed for it."""
    found = Bindings()
    for path in files:
        found += Bindings.of(manifests.contents_mentioning(path, "RoleBinding"))
    return found


def _fix_together(files: Sequence[str], options: FixOptions) -> FixResult:
    """Every file in memory at once: Gatekeeper's inventory needs them all, and standard
    input can be read only once."""
    loaded = manifests.load(files, options.scan.reading)  # paused, and kept frozen
    documents = _fixable(loaded)
    bindings = Bindings.of(doc.content for doc in documents)
    with _fixer(options, bindings, documents) as fixer:
        return fixer(files, loaded)


def _fixer_for(work: tuple[FixOptions, Bindings]) -> AbstractContextManager[Fixer]:
    return _fixer(*work)


def _fixable(loaded: Sequence[manifests.LoadedFile]) -> list[Document]:
    """A file with a refused document is not fixed: its write-back could not be proved."""
    return [doc for f in loaded if not f.problems for doc in f.documents]


class Fixer(Protocol):
    def __call__(self, files: Sequence[str],
                 loaded: Sequence[manifests.LoadedFile] | None = None) -> FixResult: ...


@contextmanager
def _fixer(options: FixOptions, bindings: Bindings,
           inventory: Sequence[Document] = ()) -> Iterator[Fixer]:
    """The engine, schemas, fragments and policies of a run, set up once; the function it
    gives fixes some files (loading them unless they are `loaded` already). Gatekeeper's
    checker sees `inventory`: every document of the run."""
    dry_run = ServerDryRun(options.kubeconfig, options.context) if options.server_dry_run else None
    version = options.kube_version or DEFAULT_KUBE_VERSION
    schema = SchemaValidator(version) if options.schema else None
    policies = policy_set(options.scan)
    library = gatekeeper_library(options.scan)
    with ExitStack() as stack:
        engine, plan = stack.enter_context(evaluator(policies, options.scan))
        gatekeeper = None if library is None else stack.enter_context(gatekeeper_checker(
            library, options.scan.engine, options.scan.lint, inventory, options.scan.timeout))
        known = {**policies.by_id, **(library.policies() if library else {})}
        drafter = None
        if options.llm is not None:
            drafter = LlmPatches(ChatClient(options.llm, use_cache=options.use_cache))
        fragments = Fragments(options.fix_dirs, options.params, drafter, bindings)

        def fix_files(files: Sequence[str],
                      loaded: Sequence[manifests.LoadedFile] | None = None) -> FixResult:
            began = time.perf_counter()
            problems: list[Problem] = []

            def detect_all(documents: Sequence[Document]) -> list[list[Finding]]:
                found, evaluation = detect(engine, plan, documents)
                said = evaluation.problems
                if gatekeeper is not None:
                    found = [a + b for a, b in zip(found, gatekeeper.findings(documents),
                                                   strict=True)]
                    said = said + gatekeeper.problems
                problems.extend(p for p in said if p not in problems)
                return found

            if loaded is None:  # the collector paused, and the documents kept frozen
                loaded = manifests.load(files, options.scan.reading)
            documents = _fixable(loaded)
            loop = FixLoop(detect_all, fragments, known, schema,
                           frozenset(options.policy_ids), options.max_risk)
            states = loop.run(documents)
            if dry_run is not None:
                _dry_run(dry_run, states)
            changed_at = time.perf_counter()
            changes = _changes(loaded, states, problems)
            loop.timings["write"] = time.perf_counter() - changed_at
            resolutions = [o for state in states for o in _in_order(state)]
            return FixResult(
                resolutions=tuple(resolutions),
                problems=tuple([p for f in loaded for p in f.problems] + problems),
                changes=tuple(changes),
                policies=known,
                files=len(files),
                documents=len(documents),
                timings={**loop.timings, "total": time.perf_counter() - began},
            )

        yield fix_files


def _in_order(state: DocumentState) -> list[Resolution]:
    return sorted(state.settled.values(), key=lambda o: (o.finding.line, o.finding.policy_id,
                                                         o.finding.pointer))


def _dry_run(dry_run: ServerDryRun, states: Sequence[DocumentState]) -> None:
    """The server's word on each changed document; refused ones are left as they were."""
    for state in states:
        if state.operations:
            message = dry_run.check(state.content)
            if message is not None:
                _unfix([state], f"dry-run error {message}")


def _unfix(states: Iterable[DocumentState], reason: str) -> None:
    """Take back a document's verified fixes: its text will not change."""
    for state in states:
        for key, outcome in state.settled.items():
            if outcome.status == FIXED:
                state.settled[key] = replace(outcome, status=REJECTED, reason=reason)
        state.content, state.operations = state.original.content, []


def _changes(
    loaded: Sequence[manifests.LoadedFile], states: Sequence[DocumentState], problems: list[Problem]
) -> list[FileChange]:
    """New text per changed file, proved by parsing it back before anyone writes it.

    The items of a List share their document: their operations are written into it
    together, each under its item's pointer, and the file read back is expanded as it
    was when loaded (the writer has proved the whole List document already). A file
    whose new text cannot be made or proved keeps its old text, and its fixes are
    reported rejected with the reason.
    """
    by_file: dict[str, dict[int, list[DocumentState]]] = {}
    for state in states:
        if state.operations:
            in_file = by_file.setdefault(state.original.file, {})
            in_file.setdefault(state.original.index, []).append(state)
    changes = []
    for item in loaded:
        changed = by_file.get(item.path)
        if not changed:
            continue
        fixed = [state for group in changed.values() for state in group]
        patches = {index: [op for state in group
                           for op in lists.operations(state.original.item, state.operations)]
                   for index, group in changed.items()}
        try:
            after = apply_to_text(item.text, item.path, patches)
        except WriteError as exc:
            _unfix(fixed, f"cannot write back: {exc.message}")
            problems.append(Problem(item.path, exc.line, f"cannot write back: {exc.message}"))
            continue
        expected = manifests.contents(item)
        expected.update({(state.original.index, state.original.item): state.content
                         for state in fixed})
        if manifests.reread(item, after) != expected:
            reason = "write-back would not give the verified documents back"
            _unfix(fixed, reason)
            problems.append(Problem(item.path, 0, f"{reason}; file left as it was"))
            continue
        bom = manifests.BOM if item.bom else ""
        changes.append(FileChange(item.path, bom + item.text, bom + after))
    return changes


def after_writing(result: FixResult, written: Sequence[Written]) -> FixResult:
    """The result as it stands once written: a file declined at the prompt keeps its
    fixes as suggestions, one that could not be written turns them into rejections (and
    a problem, exit 2); only the files written count as changed, and `written` names
    where each went."""
    not_written = {w.change.path: w for w in written if not w.ok}
    targets = tuple(w.target for w in written if w.ok)
    if not not_written:
        return replace(result, changes=tuple(w.change for w in written), written=targets)

    def settled(resolution: Resolution) -> Resolution:
        left = not_written.get(resolution.finding.file)
        if left is None or resolution.status != FIXED:
            return resolution
        if left.declined:
            return replace(resolution, status=SUGGESTED,
                           reason="verified suggestion, not written: declined at the prompt")
        return replace(resolution, status=REJECTED, reason=left.error)

    problems = [Problem(w.change.path, 0, w.error) for w in not_written.values() if w.error]
    return replace(result, resolutions=tuple(map(settled, result.resolutions)),
                   changes=tuple(w.change for w in written if w.ok), written=targets,
                   problems=(*result.problems, *problems))
