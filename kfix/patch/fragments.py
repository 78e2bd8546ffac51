"""Stage 3, patch: find a finding's remediation fragment and render it, sandboxed.

A fragment is a Jinja template that renders a YAML (or JSON) list of RFC 6902 JSON
Patch operations. Templates may come from others, so Jinja runs in the immutable
sandbox with strict undefined, its output is size-limited and parsed strictly, and only
add/replace/remove/test operations on well-formed pointers get through.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import signal
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import jinja2
import jsonpatch
import yaml
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from kfix import pointer as jp
from kfix.k8s import CONTAINER_LISTS, POD_SPEC_PATHS
from kfix.model import PATCH_OPS, Finding, PolicyInfo
from kfix.pack.policies import FRAGMENT_NAME
from kfix.patch.evidence import Bindings

MAX_OUTPUT = 64 * 1024
MAX_OPS = 256
RENDER_SECONDS = 2.0  # one fragment's rendering, for one finding
_ALLOW_REMOVE = re.compile(r"\{#-?\s*kfix:\s*allow-remove\s*-?#\}")



class FragmentError(Exception):
    """A template that does not render, or renders something that is not a safe patch."""

    def __init__(self, message: str, file: str, line: int = 0) -> None:
        super().__init__(message)
        self.message, self.file, self.line = message, file, line

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class Declined(Exception):
    """A fragment's `decline(reason)`: it will not fix this finding, and says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Fragment:
    path: str  # a template file, or `model:<name>` for a model's patch
    template: jinja2.Template | None = field(default=None, repr=False, compare=False)
    allow_remove: bool = False  # `{# kfix: allow-remove #}`: may remove containers, volumes, specs
    # A model's patch instead of a template: repaired afresh on each document it lands on
    operations: tuple[Mapping[str, Any], ...] | None = None
    note: str = ""  # said in the report when the fix is accepted


Drafter = Callable[[Finding, Any, "PolicyInfo | None"], "Fragment | None"]


class Fragments:
    """Fragment lookup and rendering for one run; templates compile once."""

    def __init__(self, fix_dirs: Sequence[str] = (), params: Mapping[str, Any] | None = None,
                 drafter: Drafter | None = None, bindings: Bindings | None = None):
        self._fix_dirs = list(fix_dirs)
        self._bindings = bindings or Bindings()  # ServiceAccounts the inputs bind to roles
        self._drafter = drafter  # `kfix fix --llm`: asked when no fragment exists
        self._params = dict(params or {})
        self._environment = _Sandbox(
            undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True
        )
        self._cache: dict[str, Fragment | FragmentError] = {}

    def find(self, finding: Finding, policy: PolicyInfo | None,
             document: Any = None) -> Fragment | None:
        """`--fixes` dirs by policy id, then (for a Gatekeeper constraint) by its kind, then
        by `<namespace>.<rule>`; then beside the policy (or the constraint's template).

        Raises FragmentError when the fragment exists but does not compile.
        """
        for path in self._candidates(finding, policy):
            if os.path.isfile(path):
                return self._load(path)
        if self._drafter is not None and document is not None:
            return self._drafter(finding, document, policy)
        return None

    def _candidates(self, finding: Finding, policy: PolicyInfo | None) -> list[str]:
        kind = policy.custom.get("constraint_kind") if policy is not None else None
        names = [f"{finding.policy_id}.yaml.j2",
                 *([f"{kind}.yaml.j2"] if isinstance(kind, str) else []),
                 f"{finding.namespace}.{finding.rule}.yaml.j2"]
        found = [os.path.join(d, name) for d in self._fix_dirs for name in names]
        if policy is not None and policy.file:
            found.append(os.path.join(os.path.dirname(policy.file), FRAGMENT_NAME))
        return found

    def _load(self, path: str) -> Fragment:
        cached = self._cache.get(path)
        if cached is None:
            try:
                with open(path, encoding="utf-8") as handle:
                    source = handle.read()
                template = self._environment.from_string(source)
                template.filename = path
                cached = Fragment(path, template, bool(_ALLOW_REMOVE.search(source)))
            except jinja2.TemplateSyntaxError as exc:
                cached = FragmentError(f"template syntax: {exc.message}", path, exc.lineno)
            except (OSError, UnicodeDecodeError) as exc:
                cached = FragmentError(f"cannot read: {exc}", path)
            self._cache[path] = cached
        if isinstance(cached, FragmentError):
            raise cached
        return cached

    def render(
        self,
        fragment: Fragment,
        document: Mapping[str, Any],
        finding: Finding,
        policy: PolicyInfo | None,
    ) -> list[dict[str, Any]]:
        """The fragment's operations for this finding on this document, checked."""
        if fragment.operations is not None:
            return _model_operations(fragment, document, policy)
        assert fragment.template is not None
        policy_params = dict((policy.custom.get("params") if policy else None) or {})
        context = {
            "doc": document,
            "finding": {
                "policy_id": finding.policy_id,
                "rule": finding.rule,
                "namespace": finding.namespace,
                "message": finding.message,
                "pointer": finding.pointer,
                "metadata": dict(finding.metadata),
                "document": finding.document,
            },
            "policy": _policy_context(policy),
            "params": {**policy_params, **self._params},
            "bound": self._bindings.bound,  # bound(namespace, service account) → bool
            "decline": _decline,
            **helpers(document),
        }
        try:
            with _deadline(RENDER_SECONDS):
                text = _bounded(fragment.template.generate(context), fragment.path)
        except (Declined, FragmentError):
            raise
        except jinja2.TemplateError as exc:
            line = _template_line(exc, fragment.path)
            raise FragmentError(_describe(exc), fragment.path, line) from None
        except RecursionError:
            raise FragmentError("recursion too deep", fragment.path) from None
        except Exception as exc:  # whatever a template does wrong fails its finding only
            raise FragmentError(f"{type(exc).__name__}: {exc}", fragment.path,
                                _template_line(exc, fragment.path)) from None
        return parse_operations(text, fragment.path)


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, with the operators that can allocate without bound
    checked before they run: `"a" * 10**9` or `9 ** 10**8` is refused, not computed."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any,
                   right: Any) -> Any:
        if operator == "*":
            for sized, count in ((left, right), (right, left)):
                if (isinstance(sized, str | list | tuple) and isinstance(count, int)
                        and len(sized) * count > MAX_OUTPUT):
                    raise SecurityError(f"the result would exceed {MAX_OUTPUT:,} items")
        elif (operator == "**" and isinstance(right, int | float) and abs(right) > 1024
              and isinstance(left, int | float) and abs(left) > 1):
            raise SecurityError("the power is too large")
        return super().call_binop(context, operator, left, right)


class _TimedOut(Exception):
    pass


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Raise _TimedOut in a template that runs too long; only the main thread can be
    interrupted so (a worker process's main thread included)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(_signal: int, _frame: Any) -> None:
        raise _TimedOut()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _TimedOut:
        raise TimeoutError(f"rendering took longer than {seconds:g} s") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _bounded(chunks: Iterator[str], path: str) -> str:
    """The rendered text, stopped as soon as it is longer than MAX_OUTPUT."""
    pieces, size = [], 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_OUTPUT:
            raise FragmentError(f"rendered more than {MAX_OUTPUT:,} bytes", path)
        pieces.append(chunk)
    return "".join(pieces)


def _model_operations(fragment: Fragment, document: Mapping[str, Any],
                      policy: PolicyInfo | None) -> list[dict[str, Any]]:
    """A model's patch, repaired for this document and checked like rendered output."""
    from kfix.llm.repair import RepairError, repair

    operations = fragment.operations or ()
    if len(operations) > MAX_OPS:
        raise FragmentError(f"{len(operations)} operations, more than {MAX_OPS}", fragment.path)
    try:
        repaired = repair(document, operations).operations
    except RepairError as exc:
        raise FragmentError(f"patch cannot be repaired: {exc}", fragment.path) from None
    return [_checked(op, fragment.path) for op in repaired]


def _decline(reason: Any) -> None:
    """`decline("why")` in a fragment: no fix for this finding, for that reason."""
    raise Declined(str(reason))


def needs_decision(fragment: Fragment, operations: Sequence[Mapping[str, Any]],
                   policy: PolicyInfo | None) -> str | None:
    """The path of a value a model's patch would set that the policy's METADATA leaves
    to a person (`custom.human_decision`, pointer globs such as `*/image`): such a patch
    is only ever a suggestion. None for fragments written by people."""
    if fragment.operations is None:
        return None
    decisions = (policy.custom.get("human_decision") if policy else None) or []
    return next((op["path"] for op in operations
                 if any(fnmatch.fnmatchcase(op["path"], str(glob)) for glob in decisions)),
                None)


def _policy_context(policy: PolicyInfo | None) -> dict[str, Any]:
    if policy is None:
        return {"id": "", "title": "", "description": "", "severity": "", "custom": {}}
    return {"id": policy.id, "title": policy.title, "description": policy.description,
            "severity": policy.severity, "custom": dict(policy.custom)}


def _describe(exc: jinja2.TemplateError) -> str:
    if isinstance(exc, jinja2.UndefinedError):
        return f"undefined: {exc.message}"
    if isinstance(exc, jinja2.exceptions.SecurityError):
        return f"not allowed in the sandbox: {exc}"
    return str(exc)


def _template_line(exc: BaseException, path: str) -> int:
    """Jinja rewrites tracebacks so the template's own frames carry its line numbers."""
    line = getattr(exc, "lineno", None) or 0
    trace: TracebackType | None = exc.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == path:
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


def parse_operations(text: str, source: str) -> list[dict[str, Any]]:
    """Rendered text → a list of checked operations; nested lists are flattened once."""
    if len(text) > MAX_OUTPUT:
        raise FragmentError(f"rendered {len(text):,} bytes, more than {MAX_OUTPUT:,}", source)
    try:
        loaded = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (rendered line {mark.line + 1})" if mark else ""
        raise FragmentError(f"output is not YAML{where}: {exc}", source) from None
    if loaded is None:
        return []
    if not isinstance(loaded, list):
        raise FragmentError("output is not a list of JSON Patch operations", source)
    operations: list[Any] = []
    for item in loaded:
        operations.extend(item if isinstance(item, list) else [item])
    if len(operations) > MAX_OPS:
        raise FragmentError(f"{len(operations)} operations, more than {MAX_OPS}", source)
    return [_checked(op, source) for op in operations]


def _checked(op: Any, source: str) -> dict[str, Any]:
    if not isinstance(op, dict):
        raise FragmentError(f"not an operation object: {json.dumps(op, default=str)}", source)
    kind = op.get("op")
    if kind not in PATCH_OPS:
        raise FragmentError(f"operation {kind!r} is not one of {sorted(PATCH_OPS)}", source)
    expected = {"op", "path", "value"} if kind != "remove" else {"op", "path"}
    if set(op) != expected:
        raise FragmentError(f"{kind} needs exactly {sorted(expected)}, got {sorted(op)}", source)
    path = op["path"]
    if not isinstance(path, str) or not path.startswith("/") or re.search(r"~[^01]|~$", path):
        raise FragmentError(f"not a JSON pointer: {path!r}", source)
    if "value" in op:
        try:
            json.dumps(op["value"], allow_nan=False)
        except (TypeError, ValueError):
            raise FragmentError(f"value at {path} is not JSON", source) from None
    return dict(op)


def helpers(document: Mapping[str, Any]) -> dict[str, Callable[..., Any]]:
    """Functions a fragment may call; each returns plain values or JSON text of operations.

    They work on a copy that every emitted operation is applied to, so a later call sees
    what an earlier one created (two `set`s under one missing parent make it once).
    """
    state = jp.copied(dict(document))

    def emit(operations: list[dict[str, Any]]) -> str:
        jsonpatch.apply_patch(state, operations, in_place=True)
        return json.dumps(operations)

    def get(pointer: str, default: Any = None) -> Any:
        value = jp.resolve(state, pointer)
        return default if value is jp.MISSING else value

    def exists(pointer: str) -> bool:
        return jp.resolve(state, pointer) is not jp.MISSING

    def set_(pointer: str, value: Any) -> str:
        """Make the field hold `value`, creating missing parent objects first."""
        _defined(value)
        return emit([*_create_parents(state, pointer), _add(pointer, value)])

    def add_if_missing(pointer: str, value: Any) -> str:
        return "[]" if exists(pointer) else set_(pointer, value)

    def append(pointer: str, value: Any) -> str:
        """Add to the end of a list, creating the list if it is missing."""
        _defined(value)
        current = jp.resolve(state, pointer)
        if isinstance(current, list):
            return emit([] if value in current else [_add(pointer + "/-", value)])
        return set_(pointer, [value])

    def remove(pointer: str) -> str:
        return emit([{"op": "remove", "path": pointer}] if exists(pointer) else [])

    def pod_spec_pointer() -> str:
        kind = state.get("kind")
        path = POD_SPEC_PATHS.get(kind) if isinstance(kind, str) else None
        return jp.join("", *path) if path else ""

    def containers() -> list[dict[str, Any]]:
        """Every container of the pod spec, in all three lists, with its pointer."""
        base = pod_spec_pointer()
        spec = jp.resolve(state, base) if base else None
        found = []
        for name in CONTAINER_LISTS:
            items = spec.get(name) if isinstance(spec, dict) else None
            for index, item in enumerate(items if isinstance(items, list) else []):
                if isinstance(item, dict):
                    found.append({"pointer": jp.join(base, name, index), "list": name,
                                  "index": index, "container": item})
        return found

    return {
        "get": get, "exists": exists, "set": set_, "add_if_missing": add_if_missing,
        "append": append, "remove": remove, "pod_spec_pointer": pod_spec_pointer,
        "containers": containers, "join": jp.join, "parent": jp.parent,
        "last": lambda pointer: (jp.split(pointer) or [""])[-1],
    }


def _defined(value: Any) -> None:
    """A missing parameter fails here with its name, not later as unserialisable JSON."""
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()


def _add(pointer: str, value: Any) -> dict[str, Any]:
    return {"op": "add", "path": pointer, "value": value}


def _create_parents(document: Any, pointer: str) -> list[dict[str, Any]]:
    """`add {}` for each missing object on the way to `pointer` (JSON Patch will not)."""
    ops = []
    current = ""
    for segment in jp.split(pointer)[:-1]:
        current = jp.join(current, segment)
        if jp.resolve(document, current) is jp.MISSING:
            ops.append(_add(current, {}))
    return ops


