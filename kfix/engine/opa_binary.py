"""The `opa` binary on PATH, one `opa eval` per query, for users who want their own OPA.

Modules are written (already converted to v1) into a private directory once; error
locations are mapped back to the user's file names. kfix's custom builtins
(parse_config and friends) exist only in the embedded engine.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kfix.engine import Answer, Builtin, builtin_error_text
from kfix.errors import EngineUnavailable, EvalError, EvaluationTimeout, KfixError, PolicyError

_VERSION = re.compile(r"^Version:\s*(\S+)", re.MULTILINE)
_PRINT = re.compile(r"^(?P<loc>\S+:\d+): (?P<message>.*)$")


class OpaBinaryEngine:
    name = "opa"
    batch_size = 128  # each query starts `opa eval`: ask about many documents at once
    plain_input_faster = False  # a process per document would cost far more

    def __init__(self, binary: str | None = None, timeout: float | None = None) -> None:
        self._timeout = timeout or None
        found = binary or shutil.which("opa")
        if not found:
            raise EngineUnavailable("`opa` is not on PATH; install it or use --engine embedded")
        self._binary = found
        self._workdir = tempfile.TemporaryDirectory(prefix="kfix-opa-")
        self._names: dict[str, str] = {}
        self._trace: list[str] = []

    def opa_version(self) -> str:
        out = self._run(["version"], None).stdout
        match = _VERSION.search(out)
        return match.group(1) if match else out.strip()

    def load(
        self,
        modules: Mapping[str, str],
        data: Mapping[str, Any],
        builtins: Mapping[str, Builtin],
    ) -> None:
        root = Path(self._workdir.name)
        for number, (path, source) in enumerate(modules.items()):
            target = root / "policies" / f"{number:05d}-{Path(path).name}"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(source, encoding="utf-8")
            self._names[str(target)] = path
        (root / "data.json").write_text(json.dumps(dict(data)), encoding="utf-8")
        try:
            self.query("x := true", None)  # compile once now: errors belong to load time
        except EvalError as exc:
            raise PolicyError(exc.message, exc.file, exc.line) from None

    def query(
        self, query: str, input: Any, *, trace: bool = False, coverage: bool = False
    ) -> Answer:
        if coverage:
            raise KfixError("coverage needs the embedded engine; drop --engine opa")
        root = self._workdir.name
        args = ["eval", "--format", "json", "--strict-builtin-errors",
                "-d", f"{root}/policies", "-d", f"{root}/data.json", "--stdin-input"]
        if trace:
            args += ["--explain", "full"]
        done = self._run([*args, query], json.dumps(input))
        try:
            report = json.loads(done.stdout or "{}")
        except json.JSONDecodeError:
            raise EvalError(f"opa eval printed no JSON: {done.stderr.strip()}") from None
        if report.get("errors"):
            raise self._error(report["errors"])
        results = report.get("result") or []
        self._trace = [_trace_line(e) for e in report.get("explanation") or []]
        return Answer([r.get("bindings", {}) for r in results], self._prints(done.stderr))

    def last_trace(self) -> list[str]:
        return self._trace

    def close(self) -> None:
        self._workdir.cleanup()

    def _run(self, args: list[str], stdin: str | None) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run([self._binary, *args], input=stdin, capture_output=True,
                                  text=True, check=False, timeout=self._timeout)
        except subprocess.TimeoutExpired:
            raise EvaluationTimeout(f"evaluation took longer than --timeout "
                                    f"{self._timeout:g} s: a policy may not terminate "
                                    "(raise --timeout, or 0 for none)") from None
        except OSError as exc:
            raise EngineUnavailable(f"cannot run {self._binary}: {exc}") from None

    def _error(self, errors: list[Mapping[str, Any]]) -> KfixError:
        first = errors[0]
        location = first.get("location") or {}
        file = self._names.get(location.get("file", ""), location.get("file", ""))
        message = str(first.get("message", "opa eval failed"))
        code = str(first.get("code", ""))
        builtin = builtin_error_text(code, message)
        return EvalError(builtin or message, file, int(location.get("row") or 0),
                         builtin=builtin is not None)

    def _prints(self, stderr: str) -> list[tuple[str, str]]:
        prints = []
        for line in stderr.splitlines():
            match = _PRINT.match(line)
            if match:
                file, _, row = match["loc"].rpartition(":")
                prints.append((match["message"], f"{self._names.get(file, file)}:{row}"))
            elif line:
                prints.append((line, ""))
        return prints


def _trace_line(event: Mapping[str, Any]) -> str:
    location = event.get("location") or {}
    return f"{location.get('file', '')}:{location.get('row', '')}: {event.get('op', '')}"
