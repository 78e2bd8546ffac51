"""Settings from a file and the environment, under the flags: flags > environment > file.

Every option of every command may also come from

- the environment: `KFIX_<FLAG>`, the long flag upper-cased with `-` as `_`
  (`KFIX_OUTPUT=json`, `KFIX_POLICY="a b"`), and `CONFTEST_<FLAG>` for the flags conftest
  has too, as conftest's viper binds them;
- a configuration file: `-c/--config-file FILE` (`--config` too), else the first of
  FILE_NAMES in the working directory. Its keys are long flag names (`policy`,
  `all-namespaces` or `all_namespaces`) for every command that has the flag; a key
  naming a command (`scan`, `fix`, `policy list`) holds that command's own settings,
  over the others; `params:` and `llm:` are fragment parameters and the model's settings.

Click does the layering: the environment through each option's `envvar`, the file
through the context's `default_map`, which the eager config option fills in before any
other option is read. `configure` gives every command both, in one place.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import click

from kfix.cli.options import LLM_FLAGS
from kfix.errors import KfixError

# looked up in this order; pyproject.toml counts only with a [tool.kfix] table
FILE_NAMES = ("kfix.yaml", "kfix.yml", "pyproject.toml",
              "conftest.toml", "conftest.yaml", "conftest.yml", "conftest.json")
SECTIONS = ("params", "llm")
# the flags of `conftest test` and `conftest parse` kfix has too: CONFTEST_<FLAG> sets them
CONFTEST_FLAGS = frozenset({
    "all-namespaces", "combine", "data", "fail-on-warn", "ignore", "namespace", "no-color",
    "no-fail", "suppress-exceptions", "output", "parser", "policy", "stdin-filename",
    "capabilities", "rego-version", "trace", "strict", "show-builtin-errors",
    "junit-hide-message", "github-hide-passed", "quiet", "config-file", "update",
})
# conftest's settings kfix has no use for: a shared conftest.toml may hold them
CONFTEST_ONLY = frozenset({"tls", "proto-file-dirs"})
_META_KEY = "kfix.config"
_GIVEN_KEY = "kfix.config_file"  # `kfix -c FILE scan`, as `conftest -c FILE test`


@dataclass(frozen=True)
class Config:
    """The settings of one file; no path: no file was given or found."""

    path: str = ""
    settings: Mapping[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        value = self.settings.get(name, {})
        if not isinstance(value, dict):
            raise KfixError(f"`{name}` must be a mapping", self.path)
        return value


def current() -> Config:
    """The configuration of the command being run."""
    config: Config = click.get_current_context().meta.get(_META_KEY, Config())
    return config


def find(directory: str = ".") -> Config:
    """The first configuration file of FILE_NAMES in `directory`, read."""
    for name in FILE_NAMES:
        path = os.path.join(directory, name)
        if os.path.isfile(path) and (name != "pyproject.toml" or _has_kfix_table(path)):
            return read(os.path.relpath(path) if directory == "." else path)
    return Config()


def read(path: str) -> Config:
    """A TOML file (pyproject.toml: its [tool.kfix] table) or a YAML or JSON one."""
    if path.endswith(".toml"):
        settings = _toml(path)
        if os.path.basename(path) == "pyproject.toml":
            settings = settings.get("tool", {}).get("kfix")
            if not isinstance(settings, dict):
                raise KfixError("no [tool.kfix] table", path)
        return Config(path, settings)
    from kfix.load import manifests

    loaded = manifests.read(path)
    if loaded.problems:
        problem = loaded.problems[0]
        raise KfixError(problem.message, path, problem.line)
    if loaded.documents:
        return Config(path, loaded.documents[0].content)
    import yaml

    if yaml.safe_load(loaded.text) is not None:  # a list or a scalar; comments alone are fine
        raise KfixError("settings must be a mapping of flag names to values", path)
    return Config(path, {})


def _toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise KfixError(f"cannot read: {exc.strerror or exc}", path) from None
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+)", str(exc))
        message = re.sub(r"\s*\(at line.*\)$", "", str(exc))
        raise KfixError(f"cannot parse: {message}", path,
                        int(found.group(1)) if found else 0) from None


def _has_kfix_table(path: str) -> bool:
    settings = _toml(path).get("tool", {})
    return isinstance(settings, dict) and "kfix" in settings


def _load(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    """The config option's callback: read the file, make its settings the defaults."""
    value = value or ctx.meta.get(_GIVEN_KEY)
    config = read(value) if value else find()
    ctx.meta[_META_KEY] = config
    if not config.path:
        return
    name = _command_name(ctx)
    root = ctx.find_root().command
    known = {key for _, command in _commands(root) for key in _keys(command)}
    commands = {path for path, _ in _commands(root)}
    for key in config.settings:
        if key in CONFTEST_ONLY:
            click.echo(f"kfix: note: {config.path}: `{key}` is conftest's, not kfix's; "
                       "ignored", err=True)
        elif key not in known and key not in commands and key not in SECTIONS:
            click.echo(f"kfix: note: {config.path}: `{key}` is no kfix setting; ignored",
                       err=True)
    settings = {k: v for k, v in config.settings.items()
                if k not in commands and k not in SECTIONS}
    own = config.settings.get(name, {})
    if not isinstance(own, dict):
        raise KfixError(f"`{name}` must be a mapping", config.path)
    keys = _keys(ctx.command)
    defaults = dict(ctx.default_map or {})
    for key, given in {**settings, **own}.items():
        param = keys.get(key)
        if param is not None and param.name:
            defaults[param.name] = [given] if param.multiple and not isinstance(
                given, list) else given
    ctx.default_map = defaults


def _command_name(ctx: click.Context) -> str:
    """`scan`, `policy list`: the command's path after the program's name."""
    names = []
    while ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(reversed(names))


def _keys(command: click.Command) -> dict[str, click.Option]:
    """The options a file may set, by long flag name, with `-` or `_`: not the config
    option itself, nor flags that share their value with others (--diff, --write)."""
    keys: dict[str, click.Option] = {}
    for param in command.params:
        if (not isinstance(param, click.Option) or param.callback is _load
                or (param.is_flag and not param.is_bool_flag)):
            continue
        for opt in param.opts:
            if opt.startswith("--"):
                keys[opt[2:]] = keys[opt[2:].replace("-", "_")] = param
    return keys


def _commands(group: click.Command, path: str = "") -> Iterator[tuple[str, click.Command]]:
    """Every command under `group` that is not a group, with its path."""
    if isinstance(group, click.Group):
        for name, command in group.commands.items():
            yield from _commands(command, f"{path} {name}".strip())
    elif path:
        yield path, group


def _given(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    """`kfix -c FILE <command>`: the file for the command to read."""
    if value:
        ctx.meta[_GIVEN_KEY] = value


def _config_option(taken: set[str], callback: Any) -> click.Option:
    names = ["--config-file", "--config", "config_file"]
    return click.Option(
        [*(["-c"] if "-c" not in taken else []), *names],
        type=click.Path(exists=True, dir_okay=False), is_eager=True, expose_value=False,
        callback=callback, metavar="FILE",
        help="Settings file (TOML, YAML or JSON). Default: the first of "
             f"{', '.join(FILE_NAMES)} here.")


def configure(root: click.Group) -> None:
    """Give `root` and every command of it the config option, and each option of a
    command the environment variables KFIX_<FLAG> (and CONFTEST_<FLAG> for conftest's)."""
    root.params.append(_config_option(set(), _given))
    for _, command in _commands(root):
        command.params.append(_config_option(
            {opt for param in command.params for opt in param.opts}, _load))
        for param in command.params:
            if isinstance(param, click.Option) and not param.envvar \
                    and param.name not in LLM_FLAGS:
                param.envvar = _environment_names(param)


def _environment_names(param: click.Option) -> list[str]:
    flag = next((opt[2:] for opt in param.opts if opt.startswith("--")), "")
    if not flag:
        return []
    name = flag.upper().replace("-", "_")
    return [f"KFIX_{name}", *([f"CONFTEST_{name}"] if flag in CONFTEST_FLAGS else [])]
