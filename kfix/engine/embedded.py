"""OPA in-process, through opa_bindings (OPA v1.20.2, Rego v1 only)."""

from __future__ import annotations

import queue
import re
import signal
import threading
import time
from collections.abc import Callable, Mapping
from importlib import metadata
from typing import Any

from kfix.engine import INSTALL_HINT, Answer, Builtin, builtin_error_text
from kfix.errors import EngineUnavailable, EvalError, EvaluationTimeout, KfixError, PolicyError

OPA_VERSION = "1.20.2"  # what opa-golib-python-bindings 0.4.4 embeds
# Module names always end in .rego, so a location can be picked out of a longer message.
_LOCATED = re.compile(r"(?P<file>[^\s:]+\.rego):(?P<line>\d+): (?P<message>[^\n]*)")
_CODED = re.compile(r"(?P<code>[a-z_]+): (?P<message>.*)", re.DOTALL)


class _Caller:
    """The engine's calls, made on one daemon thread of their own, so that the calling
    thread can give up on one that outlives the time limit, and takes Ctrl-C at once (in
    a call into Go it would wait for the call to return). A call given up on keeps its
    thread; the engine is not used again."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], list[Any], threading.Event]]
        self._jobs = queue.SimpleQueue()
        threading.Thread(target=self._serve, name="kfix-opa", daemon=True).start()
        self.stuck = False

    def _serve(self) -> None:
        while True:
            work, box, done = self._jobs.get()
            try:
                box.append((work(), None))
            except BaseException as exc:  # handed back to the waiting thread
                box.append((None, exc))
            done.set()

    def __call__(self, work: Callable[[], Any], timeout: float | None) -> Any:
        if self.stuck:
            raise EvaluationTimeout("the engine is still busy with a query it was given up on")
        box: list[tuple[Any, BaseException | None]] = []
        done = threading.Event()
        self._jobs.put((work, box, done))
        try:
            finished = _wait(done, timeout)
        except BaseException:
            self.stuck = True
            raise
        if not finished:
            self.stuck = True
            raise EvaluationTimeout(f"evaluation took longer than --timeout {timeout:g} s: a "
                                    "policy may not terminate (raise --timeout, or 0 for none)")
        result, error = box[0]
        if error is not None:
            raise error
        return result


def _wait(done: threading.Event, timeout: float | None) -> bool:
    """Wait in short slices: the Go runtime's threads may take a SIGINT, and Python then
    runs its handler only when the main thread wakes, which one long wait would put off
    to the end of the query (57 s of a 60 s limit, measured)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while not done.wait(_SLICE):
        if deadline is not None and time.monotonic() >= deadline:
            return False
    return True


_SLICE = 0.05  # seconds: how late Ctrl-C may be noticed during a query


def _take_back_signals() -> None:
    """The Go runtime starts with the first engine and takes SIGINT and SIGTERM for
    itself (os/signal.Notify in the library), so Ctrl-C did nothing until the query
    ended. Python's own handlers are put back; only the main thread may do that."""
    if threading.current_thread() is threading.main_thread():
        for number in (signal.SIGINT, signal.SIGTERM):
            handler = signal.getsignal(number)
            if handler is not None:
                signal.signal(number, handler)


class EmbeddedEngine:
    name = "embedded"
    batch_size = 64
    plain_input_faster = True  # measured: 4.0 ms a workload alone, 8.3 ms in a batch

    def __init__(self, timeout: float | None = None) -> None:
        try:
            from opa_bindings import OpaEngine, OpaError
        except ImportError:
            raise EngineUnavailable(INSTALL_HINT) from None
        self._error_type = OpaError
        self._engine = OpaEngine()
        _take_back_signals()
        self._engine.print_handler = _discard
        self._trace: list[str] = []
        self._timeout = timeout or None  # seconds per query; 0 or None: no limit
        self._call = _Caller()

    def opa_version(self) -> str:
        return OPA_VERSION

    def bindings_version(self) -> str:
        return metadata.version("opa-golib-python-bindings")

    def load(
        self,
        modules: Mapping[str, str],
        data: Mapping[str, Any],
        builtins: Mapping[str, Builtin],
    ) -> None:
        errors: list[KfixError] = []
        for path, source in modules.items():
            try:
                self._engine.add_policy(path, source)
            except self._error_type as exc:
                errors.extend(located_errors(exc.message, path))
        if errors:
            raise PolicyError.of(errors)
        if data:
            self._engine.add_data(dict(data))
        for name, function in builtins.items():
            self._engine.register_function(name, function)
        try:
            self._engine.eval_query("x := true")  # compiles every module now, not mid-scan
        except self._error_type as exc:
            raise PolicyError.of(located_errors(exc.message, "")) from None

    def query(
        self, query: str, input: Any, *, trace: bool = False, coverage: bool = False
    ) -> Answer:
        try:
            bindings = self._call(
                lambda: self._engine.eval_query(query, input, trace=trace, coverage=coverage),
                self._timeout)
        except self._error_type as exc:
            raise _eval_error(exc.message) from None
        events = list(self._engine.last_trace or [])
        if trace:
            self._trace = [_trace_line(event) for event in events]
        return Answer(bindings, list(self._engine.last_prints), self._engine.last_coverage, events)

    def last_trace(self) -> list[str]:
        return self._trace

    def close(self) -> None:
        if not self._call.stuck:  # a query still running holds the engine
            self._engine.close()


def _discard(message: str, location: str) -> None:
    """print() output is collected from last_prints and attributed to its input file."""


def located_errors(text: str, default_file: str) -> list[KfixError]:
    """OPA's `file:line: message` lines as errors; one unlocated error if there are none."""
    found = [
        KfixError(m["message"], m["file"], int(m["line"]))
        for m in _LOCATED.finditer(text)
    ]
    return found or [KfixError(text.strip(), default_file, 0)]


def _eval_error(text: str) -> EvalError:
    """The first located error of an evaluation; a builtin's named as OPA names it."""
    first = located_errors(text, "")[0]
    coded = _CODED.fullmatch(first.message)
    builtin = builtin_error_text(coded["code"], coded["message"]) if coded else None
    if builtin is not None:
        return EvalError(builtin, first.file, first.line, builtin=True)
    return EvalError(first.message, first.file, first.line)


def _trace_line(event: Mapping[str, Any]) -> str:
    """OPA's pretty trace: one line per event, indented by query depth."""
    depth = "| " * int(event.get("query_id") or 0)
    message = f" {event['message']}" if event.get("message") else ""
    where = event.get("location", "")
    return f"{depth}{event.get('op', '')} {event.get('node', '')}{message} ({where})"
