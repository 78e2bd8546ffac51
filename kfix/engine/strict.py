"""OPA's strict-mode checks (`--strict`), read from the tokens as OPA v1.20's compiler
makes them (ast/compile.go), with its messages:

- `import data.x unused`: an import no rule refers to (`future.*`, `rego.*` exempt);
- `assigned var x unused`: a local assigned with `:=` and never seen again in its body,
  the head or a nested comprehension. A name after `.` (`input.x`) and a quoted key are
  strings, not the variable;
- `unused argument y. (hint: use _ (wildcard variable) instead)`: a function argument no
  branch of the function (its `else` branches included) uses.

Duplicate imports, shadowed `input`/`data` and deprecated builtins are errors in Rego v1
anyway, so the engine reports those.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from kfix.engine.rego_source import CLOSE, IDENT, Body, ParsedModule, RuleDef, Token
from kfix.errors import KfixError

COMPILE_ERROR = "rego_compile_error"
_KEYWORDS = frozenset(
    {"not", "some", "every", "if", "else", "contains", "in", "with", "as", "default",
     "true", "false", "null", "import", "package"}
)
_EXEMPT_IMPORTS = ("future.", "rego.")


def strict_errors(path: str, module: ParsedModule) -> Iterator[KfixError]:
    yield from _unused_imports(path, module)
    for rule in module.rules:
        yield from _unused_assignments(path, module, rule)
        yield from _unused_arguments(path, module, rule)


def _error(message: str, path: str, line: int) -> KfixError:
    return KfixError(f"{COMPILE_ERROR}: {message}", path, line)


def _var_names(tokens: Sequence[Token], start: int, end: int) -> list[Token]:
    """Identifiers in tokens[start:end] that are variables or rule names: not a field
    after `.`, not a function being called, not a keyword."""
    found = []
    for i in range(start, end):
        token = tokens[i]
        if token.kind != IDENT or token.text in _KEYWORDS:
            continue
        if i > 0 and tokens[i - 1].is_("."):
            continue
        if _is_call(tokens, i):
            continue
        found.append(token)
    return found


def _is_call(tokens: Sequence[Token], i: int) -> bool:
    """Whether the (dotted) name starting at tokens[i] is called: `f(`, `a.b.c(`."""
    while i + 2 < len(tokens) and tokens[i + 1].is_(".") and tokens[i + 2].kind == IDENT:
        i += 2
    return i + 1 < len(tokens) and tokens[i + 1].is_("(")


def import_name(path: str, alias: str) -> str:
    """The name an import binds: its alias, or the last part of its path."""
    return alias or path.rsplit(".", 1)[-1].split("[", 1)[0]


def _unused_imports(path: str, module: ParsedModule) -> Iterator[KfixError]:
    tokens = module.tokens
    for item in module.imports:
        if item.path.startswith(_EXEMPT_IMPORTS):
            continue
        alias = import_name(item.path, item.alias)
        outside = [*range(item.start), *range(item.end, len(tokens))]
        if not any(tokens[i].text == alias and tokens[i].kind == IDENT
                   and not (i and tokens[i - 1].is_(".")) for i in outside):
            text = f"import {item.path}" + (f" as {item.alias}" if item.alias else "")
            yield _error(f"{text} unused", path, tokens[item.start].line)


def _branches(rule: RuleDef) -> list[tuple[range, Body]]:
    """Each scope of the rule, its head's tokens and its body: the rule's own head with
    its body and chained bodies, and each `else := value if { ... }` branch."""
    head = range(rule.start, rule.head_end)
    scopes = [(head, rule.body)] if rule.body is not None else []
    scopes += [(head, body) for body in rule.chained]
    scopes += [(range(branch.at, branch.body.start), branch.body)
               for branch in rule.elses if branch.body is not None]
    return scopes


def _unused_assignments(path: str, module: ParsedModule,
                        rule: RuleDef) -> Iterator[KfixError]:
    tokens = module.tokens
    for head, body in _branches(rule):
        names = _var_names(tokens, head.start, head.stop) + _var_names(tokens, body.start,
                                                                         body.end)
        for token in _assigned(module, body):
            if token.text != "_" and sum(t.text == token.text for t in names) == 1:
                yield _error(f"assigned var {token.text} unused", path, token.line)


def _assigned(module: ParsedModule, body: Body) -> Iterator[Token]:
    """Variables a `:=` in the body assigns: `x := ...`, `[a, b] := ...`."""
    tokens = module.tokens
    for k in range(body.start, body.end):
        if not tokens[k].is_(":=") or k == body.start:
            continue
        left = tokens[k - 1]
        if left.kind == IDENT:
            yield left
        elif left.kind == CLOSE and module.partner[k - 1] >= 0:
            yield from _var_names(tokens, module.partner[k - 1] + 1, k - 1)


def _unused_arguments(path: str, module: ParsedModule, rule: RuleDef) -> Iterator[KfixError]:
    tokens = module.tokens
    opening = rule.name_at + 1
    if opening >= len(tokens) or not tokens[opening].is_("(") or module.partner[opening] < 0:
        return
    closing = module.partner[opening]
    arguments = {t.text for t in _var_names(tokens, opening + 1, closing)} - {"_"}
    used = {t.text for t in _var_names(tokens, closing + 1, rule.end)}
    for name in sorted(arguments - used):
        yield _error(f"unused argument {name}. (hint: use _ (wildcard variable) instead)",
                     path, tokens[rule.start].line)
