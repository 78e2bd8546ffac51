"""Static checks on policy source, before the engine sees it.

The embedded engine takes no capabilities or strict-mode settings, and its http.send
cannot be replaced, so what a policy may use is decided here, from the tokens:
network builtins only when asked for; `--capabilities` as OPA reads the file (the
builtins it lists, its `features` and `future_keywords`), with OPA's messages; and
`--strict` adds OPA's strict-mode checks (kfix.engine.strict).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kfix.engine.conftest_builtins import NAMES as CONFTEST_BUILTINS
from kfix.engine.rego_source import IDENT, ParsedModule, Token, parse
from kfix.engine.strict import COMPILE_ERROR, import_name, strict_errors
from kfix.errors import KfixError

NETWORK_BUILTINS = frozenset({"http.send", "net.lookup_ip_addr"})
_KEYWORDS = frozenset(
    {"not", "some", "every", "if", "else", "contains", "in", "with", "as", "default"}
)
# OPA's future keywords (ast/parser.go futureKeywordsV0); Rego v1 has them all.
FUTURE_KEYWORDS = ("contains", "every", "if", "in")
_TYPE_ERROR = "rego_type_error"
_PARSE_ERROR = "rego_parse_error"


@dataclass(frozen=True)
class LintOptions:
    allow_network: bool = False
    capabilities: str | None = None  # path of an OPA capabilities JSON file
    strict: bool = False


@dataclass(frozen=True)
class Capabilities:
    """What an OPA capabilities file allows."""

    builtins: frozenset[str]
    features: frozenset[str]
    future_keywords: tuple[str, ...]


def check(modules: Mapping[str, str], options: LintOptions,
          rego_version: str = "v1") -> list[KfixError]:
    """Every objection to every module, as file:line errors. `rego_version` is what the
    user wrote (modules arrive converted to v1), for the capabilities' `features`."""
    parsed = {path: parse(source) for path, source in modules.items()}
    defined = {rule.name for module in parsed.values() for rule in module.rules}
    allowed = load_capabilities(options.capabilities) if options.capabilities else None
    errors: list[KfixError] = []
    if allowed is not None and options.capabilities:
        errors.extend(_capability_errors(options.capabilities, allowed, parsed, rego_version))
    for path, module in parsed.items():
        for name, token in _calls(module, defined):
            if allowed is not None and name not in allowed.builtins \
                    and name not in CONFTEST_BUILTINS:
                errors.append(KfixError(f"{_TYPE_ERROR}: undefined function {name}",
                                        path, token.line))
            elif allowed is None and name in NETWORK_BUILTINS and not options.allow_network:
                errors.append(KfixError(
                    f"{name} needs network access, which is off; pass --allow-network to "
                    "permit it", path, token.line))
        if options.strict:
            errors.extend(strict_errors(path, module))
    return errors


def load_capabilities(path: str) -> Capabilities:
    try:
        document: Any = json.loads(Path(path).read_text(encoding="utf-8"))
        builtins = frozenset(str(item["name"]) for item in document.get("builtins", []))
        features = frozenset(str(item) for item in document.get("features") or [])
        keywords = tuple(str(item) for item in document.get("future_keywords") or [])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise KfixError(f"not an OPA capabilities file: {exc}", path) from None
    return Capabilities(builtins, features, keywords)


def _capability_errors(path: str, allowed: Capabilities, parsed: Mapping[str, ParsedModule],
                       rego_version: str) -> Iterator[KfixError]:
    """OPA's parser and compiler on the file's `features` and `future_keywords`."""
    unknown = [k for k in allowed.future_keywords if k not in FUTURE_KEYWORDS]
    if unknown:
        yield KfixError(f"{_PARSE_ERROR}: illegal capabilities: unknown keyword: {unknown[0]}",
                        path)
        return
    v1 = "rego_v1" in allowed.features
    if rego_version == "v1" and not v1:
        yield KfixError(f"{_PARSE_ERROR}: illegal capabilities: rego_v1 feature required for "
                        "parsing v1 Rego", path)
        return
    keywords = sorted(set(FUTURE_KEYWORDS if v1 else allowed.future_keywords))
    for module_path, module in parsed.items():
        for item in module.imports:
            line = module.tokens[item.start].line
            if item.path == "rego.v1" and not v1 and "rego_v1_import" not in allowed.features:
                yield KfixError(f"{COMPILE_ERROR}: rego.v1 import is not supported",
                                module_path, line)
            keyword = item.path.removeprefix("future.keywords.")
            if item.path.startswith("future.keywords.") and keyword not in keywords:
                yield KfixError(f"{_PARSE_ERROR}: unexpected keyword, must be one of "
                                f"[{' '.join(keywords)}]", module_path, line)


def _calls(module: ParsedModule, defined: set[str]) -> Iterator[tuple[str, Token]]:
    """Builtin calls: dotted names followed by `(`, minus user functions and imports."""
    tokens = module.tokens
    aliases = {import_name(item.path, item.alias) for item in module.imports}
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
