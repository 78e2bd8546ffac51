"""A small Rego lexer and module outline, independent of OPA.

Rule discovery, METADATA reading and the v0 rewriter must see where the
package, imports, rules, bodies and comments are before a module reaches the
engine, including modules the engine would reject (Rego v0), so this is a
forgiving scanner that never raises on bad input: it reports what it can.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

IDENT = "ident"
NUMBER = "number"
STRING = "string"
RAW_STRING = "raw_string"
OP = "op"
OPEN = "open"
CLOSE = "close"
COMMENT = "comment"
INVALID = "invalid"  # unknown character or unterminated string

_TOKEN_RE = re.compile(
    r"""
    (?P<space>[ \t\r\f\v]+)
    | (?P<newline>\n)
    | (?P<comment>\#[^\n]*)
    | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<number>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
    | (?P<string>"(?:[^"\\\n]|\\.)*")
    | (?P<raw_string>`[^`]*`)
    | (?P<op>:=|==|!=|<=|>=|[-=<>+*/%&|,;:.!])
    | (?P<open>[(\[{])
    | (?P<close>[)\]}])
    | (?P<invalid>"(?:[^"\\\n]|\\.)*\\?|`[^`]*|.)
    """,
    re.VERBOSE,
)

# Binary operators (and the infix keywords) that continue an expression.
_INFIX = frozenset(
    {"=", ":=", "==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "&", "|"}
    | {"in", "with", "as"}
)
_PREFIX = frozenset({"-", "not"})


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    start: int  # offset in the source
    line: int  # 1-based
    col: int  # 1-based
    depth: int  # bracket depth outside the token (an open/close bracket sits at its outer depth)
    first: bool  # first token on its line

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    def is_(self, text: str) -> bool:
        """True for this operator/bracket/word; strings never match keywords."""
        return self.text == text and self.kind in (IDENT, OP, OPEN, CLOSE)


def tokenize(source: str) -> list[Token]:
    """Tokens of `source` in order, comments included, whitespace dropped."""
    tokens: list[Token] = []
    line, line_start, depth, first = 1, 0, 0, True
    for m in _TOKEN_RE.finditer(source):
        kind = m.lastgroup or INVALID
        text = m.group()
        if kind == "newline":
            line, line_start, first = line + 1, m.end(), True
            continue
        if kind == "space":
            continue
        if kind == CLOSE:
            depth = max(depth - 1, 0)
        tokens.append(Token(kind, text, m.start(), line, m.start() - line_start + 1, depth, first))
        if kind == OPEN:
            depth += 1
        first = False
        if "\n" in text:  # raw strings may span lines
            line += text.count("\n")
            line_start = m.start() + text.rindex("\n") + 1
    return tokens


@dataclass(frozen=True)
class Body:
    if_at: int | None  # token index of the `if` before it, None for v0 style
    start: int  # token index of `{`, or of the first token of a one-literal body
    end: int  # token index just past the body
    braced: bool


@dataclass(frozen=True)
class Else:
    at: int  # token index of `else`
    body: Body | None


@dataclass(frozen=True)
class RuleDef:
    """One rule statement; token indexes refer to `ParsedModule.tokens`."""

    name: str
    start: int  # `default` or the name
    name_at: int
    ref_end: int  # just past the ref and function arguments
    head_end: int  # just past `contains x` / `= value`, if any
    default: bool
    body: Body | None
    chained: tuple[Body, ...]  # `p { a } { b }`: each further body is a rule of its own
    elses: tuple[Else, ...]
    end: int


@dataclass(frozen=True)
class Import:
    path: str
    alias: str
    start: int
    end: int


@dataclass(frozen=True)
class ParsedModule:
    tokens: tuple[Token, ...]  # code tokens, comments excluded
    partner: tuple[int, ...]  # index of the matching bracket, -1 if none / not a bracket
    comments: tuple[Token, ...]
    package: str
    package_at: int  # token index of `package`, -1 if none
    imports: tuple[Import, ...]
    rules: tuple[RuleDef, ...]


def _partners(tokens: list[Token]) -> list[int]:
    pairs = {")": "(", "]": "[", "}": "{"}
    partner = [-1] * len(tokens)
    stack: list[int] = []
    for i, tok in enumerate(tokens):
        if tok.kind == OPEN:
            stack.append(i)
        elif tok.kind == CLOSE and stack and tokens[stack[-1]].text == pairs[tok.text]:
            j = stack.pop()
            partner[i], partner[j] = j, i
    return partner


class _Parser:
    """Statement-level recursive descent; expressions are only skipped over."""

    def __init__(self, tokens: list[Token]) -> None:
        self.toks = tokens
        self.n = len(tokens)
        self.partner = _partners(tokens)

    def at(self, i: int, text: str) -> bool:
        return i < self.n and self.toks[i].is_(text)

    def skip_group(self, i: int) -> int:
        return self.partner[i] + 1 if self.partner[i] >= 0 else self.n

    def term_end(self, i: int) -> int:
        """Past a term starting at `i` with its `.x`, `[..]`, `(..)` tails; `i` if none."""
        if i >= self.n:
            return i
        kind = self.toks[i].kind
        if kind == OPEN:
            i = self.skip_group(i)
        elif kind in (IDENT, NUMBER, STRING, RAW_STRING):
            i += 1
        else:
            return i
        while i < self.n and not self.toks[i].first:
            tok = self.toks[i]
            if tok.is_(".") and i + 1 < self.n and self.toks[i + 1].kind == IDENT:
                i += 2
            elif tok.is_("[") or tok.is_("("):
                i = self.skip_group(i)
            else:
                break
        return i

    def expr_end(self, i: int, infix: frozenset[str] = _INFIX) -> int:
        """Past terms joined by infix operators, e.g. a head value or a literal."""
        while True:
            while i < self.n and self.toks[i].kind in (OP, IDENT) and self.toks[i].text in _PREFIX:
                i += 1
            j = self.term_end(i)
            if j == i:
                return i
            i = j
            if i < self.n and self.toks[i].text in infix and self.toks[i].kind in (OP, IDENT):
                i += 1
                continue
            return i

    def literal_end(self, i: int) -> int:
        if self.at(i, "some"):
            return self.expr_end(i + 1, _INFIX | {","})
        if self.at(i, "every"):
            while i < self.n and not self.at(i, "{"):
                i = self.skip_group(i) if self.toks[i].kind == OPEN else i + 1
            return self.skip_group(i) if i < self.n else i
        return self.expr_end(i)

    def body(self, i: int) -> Body | None:
        if_at = None
        if self.at(i, "if"):
            if_at, i = i, i + 1
            if not self.at(i, "{"):
                return Body(if_at, i, self.literal_end(i), braced=False)
        if self.at(i, "{"):
            return Body(if_at, i, self.skip_group(i), braced=True)
        return None

    def rule(self, i: int) -> RuleDef:
        start = i
        default = self.at(i, "default")
        if default:
            i += 1
        name_at = i
        if i >= self.n or self.toks[i].kind != IDENT:  # a stray `default`
            return RuleDef("", start, i, i, i, default, None, (), (), max(i, start + 1))
        name = self.toks[i].text
        ref_end = i = self.term_end(i)
        if self.at(i, "contains") or self.at(i, "=") or self.at(i, ":="):
            i = self.expr_end(i + 1)
        head_end = i
        body = self.body(i)
        chained: list[Body] = []
        elses: list[Else] = []
        if body is not None:
            i = body.end
            while True:
                if self.at(i, "else"):
                    else_at, i = i, i + 1
                    if self.at(i, "=") or self.at(i, ":="):
                        i = self.expr_end(i + 1)
                    else_body = self.body(i)
                    elses.append(Else(else_at, else_body))
                    if else_body is not None:
                        i = else_body.end
                elif self.at(i, "{") and not elses:
                    chained.append(Body(None, i, self.skip_group(i), braced=True))
                    i = chained[-1].end
                else:
                    break
        return RuleDef(
            name, start, name_at, ref_end, head_end, default, body, tuple(chained), tuple(elses), i
        )

    def ref_text(self, start: int, end: int) -> str:
        return "".join(t.text for t in self.toks[start:end])


def parse(source: str) -> ParsedModule:
    """Split a module into package, imports and rule statements."""
    all_tokens = tokenize(source)
    toks = [t for t in all_tokens if t.kind != COMMENT]
    p = _Parser(toks)
    package, package_at = "", -1
    imports: list[Import] = []
    rules: list[RuleDef] = []
    i = 0
    while i < p.n:
        tok = toks[i]
        if tok.is_("package"):
            end = p.term_end(i + 1)
            if package_at < 0:
                package, package_at = p.ref_text(i + 1, end), i
            i = max(end, i + 1)
        elif tok.is_("import"):
            end = p.term_end(i + 1)
            path, alias = p.ref_text(i + 1, end), ""
            if p.at(end, "as") and end + 1 < p.n and toks[end + 1].kind == IDENT:
                alias, end = toks[end + 1].text, end + 2
            imports.append(Import(path, alias, i, max(end, i + 1)))
            i = max(end, i + 1)
        elif tok.kind == IDENT and not tok.is_("else"):
            rules.append(p.rule(i))
            i = rules[-1].end
        else:
            i += 1  # stray token: the engine will report it
    return ParsedModule(
        tuple(toks),
        tuple(p.partner),
        tuple(t for t in all_tokens if t.kind == COMMENT),
        package,
        package_at,
        tuple(imports),
        tuple(rules),
    )


@dataclass(frozen=True)
class RuleHead:
    name: str
    line: int


@dataclass(frozen=True)
class Annotation:
    line: int  # line of the "# METADATA" comment
    target_line: int  # line of the package/rule statement that follows it, 0 if none
    scope: str
    data: dict[str, Any]
    error: str


@dataclass(frozen=True)
class Outline:
    package: str
    package_line: int
    rules: tuple[RuleHead, ...]
    annotations: tuple[Annotation, ...]
    imports: tuple[str, ...]


def _metadata_blocks(comments: tuple[Token, ...]) -> list[tuple[int, int, str]]:
    """(first line, last line, YAML text) of each `# METADATA` comment block.

    As in OPA, continuation lines must be comments starting in column 1 on
    consecutive lines.
    """
    blocks: list[tuple[int, int, str]] = []
    i = 0
    while i < len(comments):
        head = comments[i]
        i += 1
        if not head.first or head.text[1:].strip() != "METADATA":
            continue
        last, lines = head.line, []
        while i < len(comments) and comments[i].line == last + 1 and comments[i].col == 1:
            text = comments[i].text[1:]
            lines.append(text[1:] if text.startswith(" ") else text)
            last = comments[i].line
            i += 1
        blocks.append((head.line, last, "\n".join(lines)))
    return blocks


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's: 0.6 s less a run


def _annotation(line: int, target_line: int, is_package: bool, text: str) -> Annotation:
    scope = "package" if is_package else "rule"
    try:
        data = yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        return Annotation(line, target_line, scope, {}, str(exc))
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return Annotation(line, target_line, scope, {}, "METADATA must be a YAML mapping")
    if not is_package:
        scope = str(data.get("scope") or scope)
    return Annotation(line, target_line, scope, data, "")


def outline(source: str) -> Outline:
    """Package, rule heads (one per rule OPA would create), METADATA and imports."""
    module = parse(source)
    toks = module.tokens
    heads: list[RuleHead] = []
    rules = [rule for rule in module.rules if rule.name]
    for rule in rules:
        heads.append(RuleHead(rule.name, toks[rule.start].line))
        heads.extend(RuleHead(rule.name, toks[b.start].line) for b in rule.chained)
    package_line = toks[module.package_at].line if module.package_at >= 0 else 0
    targets = [(toks[rule.start].line, False) for rule in rules]
    if package_line:
        targets = sorted([(package_line, True), *targets])
    annotations = []
    for line, last, text in _metadata_blocks(module.comments):
        target_line, is_package = next(((t, p) for t, p in targets if t > last), (0, False))
        annotations.append(_annotation(line, target_line, is_package, text))
    return Outline(
        module.package,
        package_line,
        tuple(heads),
        tuple(annotations),
        tuple(imp.path for imp in module.imports),
    )
