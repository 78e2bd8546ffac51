"""Static checks on policy source, before the engine sees it.

The embedded engine takes no capabilities or strict-mode settings, and its http.send
cannot be replaced, so what a policy may call is decided here, from the tokens:
network builtins only when asked for, `--capabilities` lists the builtins allowed,
and `--strict` adds OPA's strict-mode checks that Rego v1 does not already make.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from kfix.engine.conftest_builtins import NAMES as CONFTEST_BUILTINS
from kfix.engine.rego_source import IDENT, ParsedModule, Token, parse
from kfix.errors import KfixError

NETWORK_BUILTINS = frozenset({"http.send", "net.lookup_ip_addr"})
_KEYWORDS = frozenset(
    {"not", "some", "every", "if", "else", "contains", "in", "with", "as", "default"}
)
_IMPLICIT_IMPORTS = ("rego.v1", "future.keywords")


@dataclass(frozen=True)
class LintOptions:
    allow_network: bool = False
    capabilities: str | None = None  # path of an OPA capabilities JSON file
    strict: bool = False


def check(modules: Mapping[str, str], options: LintOptions) -> list[KfixError]:
    """Every objection to every module, as file:line errors."""
    parsed = {path: parse(source) for path, source in modules.items()}
    defined = {rule.name for module in parsed.values() for rule in module.rules}
    allowed = _capabilities(options.capabilities) if options.capabilities else None
    errors: list[KfixError] = []
    for path, module in parsed.items():
        for name, token in _calls(module, defined):
            if allowed is not None and name not in allowed and name not in CONFTEST_BUILTINS:
                errors.append(KfixError(f"{name} is not allowed by the capabilities file",
                                        path, token.line))
            elif allowed is None and name in NETWORK_BUILTINS and not options.allow_network:
                errors.append(KfixError(
                    f"{name} needs network access, which is off; pass --allow-network to "
                    "permit it", path, token.line))
        if options.strict:
            errors.extend(_strict(path, module))
    return errors


def _capabilities(path: str) -> frozenset[str]:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        return frozenset(str(item["name"]) for item in document.get("builtins", []))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise KfixError(f"not an OPA capabilities file: {exc}", path) from None


def _calls(module: ParsedModule, defined: set[str]) -> Iterator[tuple[str, Token]]:
    """Builtin calls: dotted names followed by `(`, minus user functions and imports."""
    tokens = module.tokens
    aliases = {_alias(item.path, item.alias) for item in module.imports}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.kind != IDENT or (i and tokens[i - 1].text == "."):
            i += 1
            continue
        j = i + 1
        while j + 1 < len(tokens) and tokens[j].text == "." and tokens[j + 1].kind == IDENT:
            j += 2
        name = "".join(t.text for t in tokens[i:j])
        head = name.split(".", 1)[0]
        if (j < len(tokens) and tokens[j].is_("(") and name not in defined
                and head not in aliases and head not in {"data", "input"}
                and name not in _KEYWORDS):
            yield name, token
        i = j


def _alias(path: str, alias: str) -> str:
    return alias or path.rsplit(".", 1)[-1].split("[", 1)[0]


def _strict(path: str, module: ParsedModule) -> Iterable[KfixError]:
    """OPA strict mode's unused imports and unused local assignments."""
    words = [t.text for t in module.tokens if t.kind == IDENT]
    for item in module.imports:
        if item.path.startswith(_IMPLICIT_IMPORTS):
            continue
        alias = _alias(item.path, item.alias)
        own = [t.text for t in module.tokens[item.start : item.end]].count(alias)
        if words.count(alias) <= own:
            yield KfixError(f"import {item.path} is unused", path,
                            module.tokens[item.start].line)
    for rule in module.rules:
        names = [t for t in module.tokens[rule.start : rule.end] if t.kind == IDENT]
        counts: dict[str, int] = {}
        for token in names:
            counts[token.text] = counts.get(token.text, 0) + 1
        span = module.tokens[rule.start : rule.end]
        for k, token in enumerate(span[:-1]):
            assigned = token.kind == IDENT and span[k + 1].is_(":=")
            if assigned and token.text not in _KEYWORDS and counts[token.text] == 1 and (
                rule.body is not None and rule.start + k > rule.body.start
            ):
                yield KfixError(f"assigned variable {token.text} is unused", path, token.line)
