"""Stage 2, evaluate: one interface over the Rego engines kfix can drive.

A backend loads modules and data once, then answers a fixed set of query strings, one
document at a time or a batch of them per call (`batch_size`, `plain_input_faster`).
Everything conftest-specific lives in `kfix.evaluate.rules`.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from kfix.errors import EngineUnavailable

Builtin = Callable[..., Any]


@dataclass(frozen=True)
class Answer:
    """The bindings of one query, and what print() said while computing them."""

    bindings: list[dict[str, Any]]
    prints: list[tuple[str, str]] = field(default_factory=list)  # (message, "file:line")
    # Asked for with coverage=True: {"files": {path: {"covered": [...], "not_covered": [...]}}}
    coverage: dict[str, Any] | None = None
    # Asked for with trace=True, where the backend gives them: {"op", "location", "node",
    # "locals"} per event, so `kfix test` can show a failing expression's variables.
    events: list[dict[str, Any]] = field(default_factory=list)


class Engine(Protocol):
    name: str
    # most documents one query may ask about (each call has a fixed cost)
    batch_size: int
    # whether a query of many rules runs faster over one plain document than over a
    # batch (`with input as` in a comprehension keeps the engine from indexing rules)
    plain_input_faster: bool

    def opa_version(self) -> str: ...

    def load(
        self,
        modules: Mapping[str, str],
        data: Mapping[str, Any],
        builtins: Mapping[str, Builtin],
    ) -> None:
        """Compile everything once; raise PolicyError naming file and line."""

    def query(
        self, query: str, input: Any, *, trace: bool = False, coverage: bool = False
    ) -> Answer:
        """Evaluate; raise EvalError (builtin=True for a builtin function's error).

        coverage=True fills Answer.coverage, or raises KfixError if the backend cannot.
        """

    def last_trace(self) -> list[str]: ...

    def close(self) -> None: ...


# A builtin's operand check fails with a type error ("object.get: operand 1 must be
# object but got null"); OPA counts it among builtin errors, as `eval_builtin_error`.
_OPERAND_ERROR = re.compile(r"[\w.]+: operand \d+ ")
BUILTIN_ERROR = "built-in error"  # how OPA and conftest name them (rego.BuiltinErrorList)


def builtin_error_text(code: str, message: str) -> str | None:
    """`built-in error: <message>` for a builtin function's error, None for any other.

    OPA's default leaves such a call undefined; conftest's --show-builtin-errors and
    OPA's --strict-builtin-errors report it instead, under this name.
    """
    if code == "eval_builtin_error" or (code == "eval_type_error"
                                        and _OPERAND_ERROR.match(message)):
        return f"{BUILTIN_ERROR}: {message}"
    return None


# seconds a query may take before the run stops (--timeout; 0: no limit)
DEFAULT_TIMEOUT = 60.0


def _embedded(timeout: float | None) -> Engine:
    from kfix.engine.embedded import EmbeddedEngine

    return EmbeddedEngine(timeout)


def _opa_binary(timeout: float | None) -> Engine:
    from kfix.engine.opa_binary import OpaBinaryEngine

    return OpaBinaryEngine(timeout=timeout)


BACKENDS: dict[str, Callable[[float | None], Engine]] = {
    "embedded": _embedded, "opa": _opa_binary,
}

INSTALL_HINT = (
    "no Rego engine available: run `kfix engine install` to install the embedded one "
    "(or put the `opa` binary on PATH and pass --engine opa)"
)


def select_engine(name: str | None = None, timeout: float | None = DEFAULT_TIMEOUT) -> Engine:
    """The named backend, or the embedded one, falling back to `opa` on PATH; each query
    it answers may take `timeout` seconds (0 or None: no limit)."""
    if name:
        return BACKENDS[name](timeout)
    try:
        return _embedded(timeout)
    except EngineUnavailable:
        if shutil.which("opa"):
            return _opa_binary(timeout)
        raise EngineUnavailable(INSTALL_HINT) from None
