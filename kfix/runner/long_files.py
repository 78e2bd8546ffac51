"""A file of many documents, scanned in parts of PART documents (manifests.read_parts).

Each part is evaluated on a thread of its own while the next is parsed (the engine runs
outside the interpreter's lock, so the two overlap), by as many engines at once as
--jobs allows, and the parts' results are merged into one per namespace, in order, as if
the file had been read whole. A file that turns out not to parse is its problem alone,
as when read whole. Only the parts in flight are held: 100,000 documents in one file
peaked at 150 MiB where reading it whole took 926 MiB.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar, cast

from kfix.engine import Engine
from kfix.evaluate.rules import Evaluation
from kfix.load import lists, manifests
from kfix.model import CheckResult, Document

# documents of one file parsed and evaluated at a time: a long file is never held whole
PART = 1_000


def first_parts(
    parts: Iterator[manifests.LoadedFile],
) -> tuple[manifests.LoadedFile, manifests.LoadedFile | None]:
    """A file's first part, and its second if it has more than one; a file that does not
    parse is its problem alone."""
    try:
        return next(parts), next(parts, None)
    except manifests.Unparsable as exc:
        return exc.loaded, None


class Engines:
    """The engines a long file's parts may use at once: the run's own, and up to
    `most - 1` more opened by `spare` as they are needed and closed after the file."""

    def __init__(self, engine: Engine, spare: Callable[[], Engine] | None, most: int) -> None:
        self.idle = [engine]
        self._spare, self._left = spare, most - 1
        self._opened: list[Engine] = []

    def more(self) -> bool:
        """Open one more engine, if one may be."""
        if self._spare is None or self._left <= 0:
            return False
        self._left -= 1
        self._opened.append(self._spare())
        self.idle.append(self._opened[-1])
        return True

    def __enter__(self) -> Engines:
        return self

    def __exit__(self, *_: object) -> None:
        for engine in self._opened:
            engine.close()


def scan(engines: Engines, path: str, parts: Iterator[manifests.LoadedFile],
         evaluate: Callable[[Engine, Sequence[Document]], Evaluation],
         counted: Callable[[int, int, int], None] | None) -> Evaluation:
    """The parts of one long file, each evaluated on a thread of its own while this one
    parses the next (the engine runs outside the interpreter's lock, so the two overlap;
    with --jobs N, N engines evaluate parts at once), and then given one result per
    namespace in order, as if the file had been read whole. If the file turns out not to
    parse, its problem is all there is of it, as when read whole."""
    file = Evaluation()
    running: deque[tuple[Callable[[], Evaluation], Engine]] = deque()

    def take_oldest() -> Evaluation:
        answer, engine = running.popleft()
        engines.idle.append(engine)
        return answer()

    def take(part: Evaluation) -> None:
        file.merge(part)
        if counted is not None:  # files, documents, findings
            counted(0, part.documents, sum(len(r.failures) + len(r.warnings)
                                           for r in part.results))

    try:
        while True:
            began = time.perf_counter()
            loaded = next(parts, None)
            file.time("load", time.perf_counter() - began)
            if loaded is None:
                break
            loaded = lists.expanded(loaded)
            file.problems.extend(loaded.problems)
            if not engines.idle and not engines.more():
                take(take_oldest())
            engine = engines.idle.pop()
            running.append((in_background(functools.partial(
                evaluate, engine, loaded.documents)), engine))
    except manifests.Unparsable as exc:
        while running:  # the engines are this run's: let them finish before going on
            take_oldest()
        return Evaluation(problems=list(exc.loaded.problems), timings=file.timings)
    while running:
        take(take_oldest())
    if counted is not None:
        counted(1, 0, 0)
    file.results = one_per_namespace(file.results)
    return file


def one_per_namespace(results: Sequence[CheckResult]) -> list[CheckResult]:
    """The results of a file's parts, one per file and namespace, in order."""
    merged: dict[tuple[str, str], CheckResult] = {}
    for result in results:
        key = (result.file, result.namespace)
        before = merged.get(key)
        merged[key] = result if before is None else CheckResult(
            result.file, result.namespace, before.successes + result.successes,
            before.failures + result.failures, before.warnings + result.warnings,
            before.exceptions + result.exceptions, before.traces + result.traces)
    return list(merged.values())


T = TypeVar("T")


def in_background(work: Callable[[], T]) -> Callable[[], T]:
    """`work` started on a daemon thread (a Ctrl-C does not wait for it); the function
    returned waits for its result, waking often enough to take a Ctrl-C at once."""
    box: list[tuple[Any, BaseException | None]] = []
    done = threading.Event()

    def run() -> None:
        try:
            box.append((work(), None))
        except BaseException as exc:  # handed to the waiting thread
            box.append((None, exc))
        done.set()

    threading.Thread(target=run, name="kfix-evaluate", daemon=True).start()

    def result() -> T:
        while not done.wait(0.05):
            pass
        value, error = box[0]
        if error is not None:
            raise error
        return cast(T, value)

    return result
