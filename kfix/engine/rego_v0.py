"""Rewrite Rego v0 source to v1 without moving any line.

The embedded engine parses Rego v1 only, while many conftest and Gatekeeper
policies are still v0. This does what `opa fmt --v0-v1` does for the syntax,
but only ever inserts or replaces text within a line, so every error and every
rule location the engine reports points at the user's original line.
"""

from __future__ import annotations

from dataclasses import dataclass

from kfix.engine.rego_source import (
    CLOSE,
    IDENT,
    INVALID,
    NUMBER,
    OPEN,
    RAW_STRING,
    STRING,
    ParsedModule,
    RuleDef,
    parse,
)

_KEYWORDS = ("if", "contains", "in", "every")

# Deprecated built-ins removed in v1, as the text that replaces the call's
# `name(`, each separating comma and the closing `)`: arguments stay in place,
# so the arity is len(pieces) - 1. "$v" becomes a fresh local variable.
_BUILTINS = {
    "re_match": ("regex.match(", ",", ")"),
    "net.cidr_overlap": ("net.cidr_contains(", ",", ")"),
    "set_diff": ("((", ") - (", "))"),
    "any": ("(true in (", "))"),
    "all": ("(count([$v | some $v in (", "); $v != true]) == 0)"),
    "cast_array": ("[$v | some $v in (", ")]"),
    "cast_set": ("{$v | some $v in (", ")}"),
    "cast_string": ("[$v | $v := (", "); is_string($v)][0]"),
    "cast_boolean": ("[$v | $v := (", "); is_boolean($v)][0]"),
    "cast_null": ("[$v | $v := (", "); is_null($v)][0]"),
    "cast_object": ("[$v | $v := (", "); is_object($v)][0]"),
}

_TERM_END = (IDENT, NUMBER, STRING, RAW_STRING, CLOSE)
_TERM_START = (IDENT, NUMBER, STRING, RAW_STRING, OPEN)


class RegoV0Error(ValueError):
    """The module uses v0 syntax that has no line-preserving v1 equivalent."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str


def to_v1(source: str) -> str:
    """Return `source` as Rego v1 with the same number of lines.

    Modules importing rego.v1, and v1 rules in general, come back unchanged.
    """
    module = parse(source)
    if any(imp.path == "rego.v1" for imp in module.imports):
        return source
    _check_tokens(module)
    enabled = _imported_keywords(module)
    if not _uses_v1_keywords(module, enabled):
        _check_keyword_names(module, enabled)
    _check_reserved_names(module)
    # v0 with `future.keywords.if` but not `contains`: `p[x] if` is a set rule.
    if_means_set = "if" in enabled and "contains" not in enabled
    edits: list[_Edit] = []
    for rule in module.rules:
        edits += _rule_edits(module, rule, if_means_set)
    edits += _builtin_edits(module)
    edits += _duplicate_import_edits(module)
    result = _apply(source, edits)
    if result.count("\n") != source.count("\n"):
        raise AssertionError("v0 rewrite moved lines")
    return result


def _check_tokens(module: ParsedModule) -> None:
    """The rewrite relies on the token structure; stray text would mislead it."""
    for tok in module.tokens:
        if tok.kind == INVALID:
            raise RegoV0Error(tok.line, f"unexpected or unterminated {tok.text[:20]!r}")
    for tok, partner in zip(module.tokens, module.partner, strict=True):
        if tok.kind in (OPEN, CLOSE) and partner < 0:
            raise RegoV0Error(tok.line, f"unbalanced {tok.text!r}")


def _imported_keywords(module: ParsedModule) -> set[str]:
    enabled: set[str] = set()
    for imp in module.imports:
        if imp.path == "future.keywords":
            enabled.update(_KEYWORDS)
        elif imp.path.startswith("future.keywords."):
            enabled.add(imp.path.removeprefix("future.keywords."))
    return enabled


def _keyword_positions(module: ParsedModule) -> set[int]:
    """Token indexes where rule heads use `if` / `contains` as keywords."""
    found: set[int] = set()
    for rule in module.rules:
        if rule.ref_end < rule.head_end and module.tokens[rule.ref_end].is_("contains"):
            found.add(rule.ref_end)
        bodies = [rule.body, *(e.body for e in rule.elses)]
        found.update(b.if_at for b in bodies if b is not None and b.if_at is not None)
    return found


def _uses_v1_keywords(module: ParsedModule, enabled: set[str]) -> bool:
    """True if the module uses keywords it does not import, i.e. it is v1 already."""
    toks = module.tokens
    if any(toks[i].text not in enabled for i in _keyword_positions(module)):
        return True
    for i in range(1, len(toks) - 2):
        tok, prev, nxt = toks[i], toks[i - 1], toks[i + 1]
        if tok.kind != IDENT or tok.text in enabled:
            continue
        after_term = prev.kind in _TERM_END and prev.line == tok.line
        if tok.text == "in" and after_term and nxt.kind in _TERM_START:
            return True  # `x in xs`
        if tok.text == "every" and nxt.kind == IDENT and toks[i + 2].text in (",", "in"):
            return True  # `every x in xs`
    return False


def _check_keyword_names(module: ParsedModule, enabled: set[str]) -> None:
    """In v0 without future imports, `if`, `contains`, `in`, `every` may be names."""
    toks = module.tokens
    for i, tok in enumerate(toks):
        if tok.kind != IDENT or tok.text not in _KEYWORDS or tok.text in enabled:
            continue
        if i > 0 and toks[i - 1].is_("."):
            continue  # `input.contains` is fine in v1
        is_call = i + 1 < len(toks) and toks[i + 1].is_("(")
        if tok.text == "contains" and is_call and all(r.name_at != i for r in module.rules):
            continue  # the contains() built-in
        raise RegoV0Error(
            tok.line, f"`{tok.text}` is a Rego v1 keyword and cannot be used as a name; rename it"
        )


def _check_reserved_names(module: ParsedModule) -> None:
    """v1 rejects assigning to `input`/`data` and using them as function arguments."""
    toks = module.tokens
    args: set[int] = set()
    for rule in module.rules:
        for j in range(rule.name_at, rule.ref_end):
            if toks[j].is_("("):
                args.update(range(j + 1, module.partner[j]))
    for i in range(1, len(toks) - 1):
        tok, prev, nxt = toks[i], toks[i - 1], toks[i + 1]
        if tok.kind != IDENT or tok.text not in ("input", "data") or prev.is_("."):
            continue
        whole_arg = (prev.is_("(") or prev.is_(",")) and (nxt.is_(")") or nxt.is_(","))
        if nxt.is_(":=") or (i in args and whole_arg):
            raise RegoV0Error(
                tok.line, f"`{tok.text}` cannot be assigned or shadowed in Rego v1; rename it"
            )


def _is_partial_set(module: ParsedModule, rule: RuleDef, if_means_set: bool) -> bool:
    """`p[x]` with no value: a set rule in v0 (with a body lacking `if`, or bodiless)."""
    toks, i = module.tokens, rule.name_at
    if rule.default or rule.head_end != rule.ref_end or rule.ref_end <= i + 1:
        return False
    if not toks[i + 1].is_("[") or module.partner[i + 1] != rule.ref_end - 1:
        return False
    return rule.body is None or rule.body.if_at is None or if_means_set


def _rule_edits(module: ParsedModule, rule: RuleDef, if_means_set: bool) -> list[_Edit]:
    toks = module.tokens
    edits: list[_Edit] = []
    if _is_partial_set(module, rule, if_means_set):
        open_, close = toks[rule.name_at + 1], toks[rule.ref_end - 1]
        edits += [_Edit(open_.start, open_.end, " contains "), _Edit(close.start, close.end, "")]
    for body in [rule.body, *(e.body for e in rule.elses)]:
        if body is not None and body.if_at is None:
            brace, before = toks[body.start], toks[body.start - 1]
            text = "if " if before.end < brace.start else " if "
            edits.append(_Edit(brace.start, brace.start, text))
    return edits


def _call_args(module: ParsedModule, paren: int) -> list[tuple[int, int]]:
    """Token index ranges of the arguments of the call whose `(` is at `paren`."""
    toks, close = module.tokens, module.partner[paren]
    depth = toks[paren].depth + 1
    args, start = [], paren + 1
    for i in range(paren + 1, close):
        if toks[i].is_(",") and toks[i].depth == depth:
            args.append((start, i))
            start = i + 1
    if start < close or args:
        args.append((start, close))
    return args


def _builtin_edits(module: ParsedModule) -> list[_Edit]:
    """Rewrite calls of removed built-ins, also in the `f(args..., out)` form."""
    toks = module.tokens
    defined = {rule.name for rule in module.rules}
    edits: list[_Edit] = []
    for i, tok in enumerate(toks[:-1]):
        if tok.kind != IDENT or (i > 0 and toks[i - 1].is_(".")):
            continue
        name, paren = tok.text, i + 1
        dotted = paren + 2 < len(toks) and toks[paren].is_(".") and toks[paren + 1].line == tok.line
        if name == "net" and dotted:
            name, paren = f"net.{toks[paren + 1].text}", paren + 2
        pieces = _BUILTINS.get(name)
        if pieces is None or name in defined or not toks[paren].is_("("):
            continue
        arity = len(pieces) - 1
        args = _call_args(module, paren)
        if len(args) not in (arity, arity + 1) or any(a == b for a, b in args):
            raise RegoV0Error(tok.line, f"{name}() takes {arity} argument(s)")
        pieces = tuple(p.replace("$v", f"__v0_{i}") for p in pieces)
        close = module.partner[paren]
        edits.append(_Edit(tok.start, toks[paren].end, pieces[0]))
        edits += [
            _Edit(toks[end].start, toks[end].end, pieces[k + 1])
            for k, (_, end) in enumerate(args[: arity - 1])
        ]
        if len(args) == arity:
            edits.append(_Edit(toks[close].start, toks[close].end, pieces[-1]))
        else:  # the output argument: `f(x, out)` becomes `<expr> = out`
            comma = toks[args[-1][0] - 1]
            edits += [
                _Edit(comma.start, comma.end, pieces[-1] + " ="),
                _Edit(toks[close].start, toks[close].end, ""),
            ]
    return edits


def _duplicate_import_edits(module: ParsedModule) -> list[_Edit]:
    """v1 rejects an import repeated verbatim; blank the repeats."""
    seen: set[tuple[str, str]] = set()
    edits = []
    for imp in module.imports:
        key = (imp.path, imp.alias)
        first, last = module.tokens[imp.start], module.tokens[imp.end - 1]
        if key in seen and first.line == last.line:
            edits.append(_Edit(first.start, last.end, ""))
        seen.add(key)
    return edits


def _apply(source: str, edits: list[_Edit]) -> str:
    out, pos = [], 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if edit.start < pos:
            raise AssertionError("overlapping v0 rewrites")
        out += [source[pos : edit.start], edit.text]
        pos = edit.end
    out.append(source[pos:])
    return "".join(out)
