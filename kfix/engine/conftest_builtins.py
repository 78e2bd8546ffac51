"""conftest's custom builtins, so conftest policies that parse extra files run unchanged."""

from __future__ import annotations

import configparser
import json
import os
import tomllib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from kfix.load import manifests

Parser = Callable[[str], Any]


def _yaml(text: str) -> Any:
    loaded = manifests.parse("<parse_config>", text)
    if loaded.problems:
        raise ValueError(loaded.problems[0].message)
    contents = [d.content for d in loaded.documents]
    return contents[0] if len(contents) == 1 else contents


def _ini(text: str) -> Any:
    """Sections of typed values with their keys' case kept, as conftest's go-ini parser."""
    parser = configparser.ConfigParser(interpolation=None)
    # typeshed declares optionxform a method; replacing it is configparser's documented way
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    return {
        section: {key: _ini_value(value) for key, value in parser[section].items()}
        for section in parser.sections()
    }


def _ini_value(text: str) -> Any:
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for number in (int, float):
        try:
            return number(text)
        except ValueError:
            pass
    return text


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


def builtins(policy_files: Iterable[str]) -> dict[str, Callable[..., Any]]:
    """The builtins, reading relative paths beside the policies, as conftest does.

    conftest joins a relative path with the calling policy's directory; the engine does
    not say which policy calls, so the policy directories are tried in order, then the
    working directory.
    """
    directories = list(dict.fromkeys(os.path.dirname(f) for f in policy_files))

    def resolve(path: str) -> Path:
        if not os.path.isabs(path):
            for directory in directories:
                candidate = Path(directory, path)
                if candidate.exists():
                    return candidate
        return Path(path)

    def parse_file(file: Path) -> Any:
        return parse_config(file.suffix.lstrip(".").lower(), file.read_text("utf-8"))

    def parse_config_file(path: str) -> Any:
        return parse_file(resolve(path))

    def parse_combined_config_files(paths: Sequence[str]) -> list[dict[str, Any]]:
        """conftest's CombineConfigurations: one {path, contents} per document (a file
        that parses to a list, such as a YAML stream, gives one per item), sorted by the
        path it was read from."""
        combined = []
        for file in map(resolve, paths):
            contents = parse_file(file)
            items = contents if isinstance(contents, list) else [contents]
            combined += [{"path": str(file), "contents": item} for item in items]
        return sorted(combined, key=lambda entry: entry["path"])

    return {
        "parse_config": parse_config,
        "parse_config_file": parse_config_file,
        "parse_combined_config_files": parse_combined_config_files,
    }


NAMES = frozenset(builtins(()))
