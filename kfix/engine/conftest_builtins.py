"""conftest's custom builtins, so conftest policies that parse extra files run unchanged."""

from __future__ import annotations

import configparser
import json
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kfix import loader

Parser = Callable[[str], Any]


def _yaml(text: str) -> Any:
    loaded = loader.parse("<parse_config>", text)
    if loaded.problem:
        raise ValueError(loaded.problem.message)
    contents = [d.content for d in loaded.documents]
    return contents[0] if len(contents) == 1 else contents


def _ini(text: str) -> Any:
    parser = configparser.ConfigParser()
    parser.read_string(text)
    return {section: dict(parser[section]) for section in parser.sections()}


PARSERS: dict[str, Parser] = {
    "yaml": _yaml,
    "yml": _yaml,
    "json": json.loads,
    "toml": tomllib.loads,
    "ini": _ini,
}


def parse_config(parser: str, config: str) -> Any:
    if parser not in PARSERS:
        raise ValueError(f"unknown parser {parser!r}; kfix knows {', '.join(sorted(PARSERS))}")
    return PARSERS[parser](config)


def parse_config_file(path: str) -> Any:
    return parse_config(Path(path).suffix.lstrip(".").lower(), Path(path).read_text("utf-8"))


def parse_combined_config_files(paths: Sequence[str]) -> list[dict[str, Any]]:
    return [{"path": path, "contents": parse_config_file(path)} for path in paths]


BUILTINS: dict[str, Callable[..., Any]] = {
    "parse_config": parse_config,
    "parse_config_file": parse_config_file,
    "parse_combined_config_files": parse_combined_config_files,
}
