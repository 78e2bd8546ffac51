"""Body expressions by line: which expression of a rule body (or of a comprehension's
query) a line belongs to, and where it starts and ends. For what OPA reports by line
only: a failing test's expression (shown as written) and a builtin's error."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kfix.engine.rego_source import (
    OPEN,
    STRING,
    Body,
    ParsedModule,
    Token,
    literal_end,
    parse,
)

# A line starting after one of these, or with one of them (but `not`), goes on the
# expression before it.
_CONTINUES = frozenset({",", "(", "[", "{", "|", ":", ":=", "=", "==", "!=", "<", ">", "<=",
                        ">=", "+", "-", "*", "/", "%", "&", "in", "with", "as", "not"})


@dataclass(frozen=True)
class Expression:
    start: int  # token index of its first token
    end: int  # token index just past it
    body: Body  # the rule body holding it

    @property
    def alone(self) -> bool:
        """An unbraced `p if expr` body: no room for a second expression."""
        return not self.body.braced and self.start == self.body.start


def expression_at(module: ParsedModule, line: int) -> Expression | None:
    """The expression holding the first token of `line`, in the innermost query around
    it (a rule body, or a comprehension's part after `|`); None outside rule bodies."""
    tokens = module.tokens
    for body in bodies(module):
        if not tokens[body.start].line <= line <= tokens[body.end - 1].line:
            continue
        first = next((i for i in range(body.start, body.end) if tokens[i].line >= line), None)
        if first is None or tokens[first].line != line:
            return None
        begin = _query_start(module, first, body.start + 1 if body.braced else body.start)
        depth = tokens[begin].depth
        starts = [i for i in range(begin, first + 1)
                  if tokens[i].depth == depth and _starts_expression(tokens, i, begin)]
        if not starts:
            return None
        end = literal_end(module, starts[-1])
        return Expression(starts[-1], max(end, starts[-1] + 1), body)
    return None


def bodies(module: ParsedModule) -> list[Body]:
    """Every rule body: bodies, chained bodies and else branches."""
    found: list[Body] = []
    for rule in module.rules:
        found += [rule.body] if rule.body is not None else []
        found += list(rule.chained)
        found += [branch.body for branch in rule.elses if branch.body is not None]
    return found


def _query_start(module: ParsedModule, at: int, inner: int) -> int:
    """Just past the `|` of the innermost comprehension around token `at`; else `inner`."""
    tokens, partner = module.tokens, module.partner
    for j in range(at - 1, inner - 1, -1):
        if tokens[j].kind != OPEN or not (partner[j] < 0 or partner[j] > at):
            continue
        bar = next((k for k in range(j + 1, at) if tokens[k].is_("|")
                    and tokens[k].depth == tokens[j].depth + 1), None)
        if bar is not None:
            return bar + 1
    return inner


def _starts_expression(tokens: tuple[Token, ...], i: int, begin: int) -> bool:
    if i == begin or tokens[i - 1].is_(";"):
        return True
    before = tokens[i - 1]
    return tokens[i].first and not (before.text in _CONTINUES and before.kind != STRING) \
        and tokens[i].text not in _CONTINUES - {"not"}


def expression_text(source: str, line: int) -> str | None:
    """The expression at `line` as written, on one line; None outside rule bodies."""
    module = parse(source)
    found = expression_at(module, line)
    if found is None:
        return None
    text = source[module.tokens[found.start].start : module.tokens[found.end - 1].end]
    return re.sub(r"\s*\n\s*", " ", text)
