"""OPA's default for builtin errors in `kfix test`: the failing call is undefined.

`opa test` (like `opa eval` without --strict-builtin-errors) treats a builtin that
fails, `object.get(null, ...)` or `to_number("x")`, as undefined: the expression
holding it fails and evaluation goes on, so `not is_exempt(c)` can still hold. The
embedded engine always raises instead. When a test raises a builtin error, kfix asks
the test again of modules in which the expression the error names is undefined, until
the test answers or another kind of error comes up.

The narrowing is per expression and per test: the expression is undefined for every
evaluation during that test, where OPA would drop only the evaluations that failed. A
negated expression whose own call fails (`not startswith(1, "a")`) is true instead, as
`not` of an undefined expression is.
"""

from __future__ import annotations

from kfix.engine.rego_expressions import expression_at
from kfix.engine.rego_source import parse

UNDEFINED = "false; "  # put before an expression: its body stops there


def undefined_at(source: str, line: int) -> str | None:
    """`source` with the body expression at `line` made undefined (a negated one true),
    or None when no expression of a rule body (or comprehension) holds that line."""
    module = parse(source)
    found = expression_at(module, line)
    if found is None:
        return None
    offset = module.tokens[found.start].start
    if module.tokens[found.start].is_("not"):
        end = module.tokens[found.end - 1].end
        kept_lines = "\n" * source.count("\n", offset, end)  # no line moves
        return f"{source[:offset]}true{kept_lines}{source[end:]}"
    if not found.alone:
        return source[:offset] + UNDEFINED + source[offset:]
    end = module.tokens[found.body.end - 1].end  # `p if expr`: braces for two expressions
    return f"{source[:offset]}{{{UNDEFINED}{source[offset:end]}}}{source[end:]}"
