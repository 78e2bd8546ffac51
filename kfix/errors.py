"""Run-level failures. Per-file trouble is a `Problem` in the result instead.

Every KfixError stops the run; the CLI's error edge prints it once, as
`kfix: error: file:line: message`, and exits 2 (an error of input, policy, engine,
write or usage). Which error it was changes the message, never the exit code.
"""

from __future__ import annotations


class KfixError(Exception):
    """A failure that stops the run; rendered once, as `file:line: message`."""

    def __init__(self, message: str, file: str = "", line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    def __str__(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}: {self.message}"
        if self.file:
            return f"{self.file}: {self.message}"
        return self.message


class EngineUnavailable(KfixError):
    """No Rego engine can be loaded."""


class PolicyError(KfixError):
    """A policy does not parse or compile, or uses something it may not."""

    def __init__(self, message: str, file: str = "", line: int = 0, *,
                 more: tuple[KfixError, ...] = ()) -> None:
        super().__init__(message, file, line)
        self.more: tuple[KfixError, ...] = more

    @classmethod
    def of(cls, errors: list[KfixError]) -> PolicyError:
        first = errors[0]
        return cls(first.message, first.file, first.line, more=tuple(errors[1:]))

    def all(self) -> tuple[KfixError, ...]:
        return (self, *self.more)


class EvalError(KfixError):
    """The engine failed while evaluating; `builtin` marks a builtin function's error."""

    def __init__(self, message: str, file: str = "", line: int = 0, *, builtin: bool = False):
        super().__init__(message, file, line)
        self.builtin = builtin


class EvaluationTimeout(KfixError):
    """A query ran past --timeout, or was interrupted: the engine cannot be used again."""


class UsageError(KfixError):
    """Options that cannot work together, or input that is missing."""


class WriteError(KfixError):
    """A patch that cannot be applied, or a file that cannot be written."""


class SourceError(KfixError):
    """A policy source that cannot be fetched, fails its checksum, or is refused (an
    archive entry that would land outside its directory, a link out, a device file, too
    much data)."""


class PlanError(KfixError):
    """A plan or audit log that cannot be used: unreadable, not valid, or changed meanwhile."""
