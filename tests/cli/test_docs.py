"""The README documents every command, and every command explains itself."""

from __future__ import annotations

from pathlib import Path

import click

from kfix.cli import cli

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_command_has_help_and_a_readme_section() -> None:
    assert cli.commands, "the CLI has no commands"
    for name, command in cli.commands.items():
        assert command.help and command.help.strip(), f"kfix {name} has no help text"
        assert f"### kfix {name}" in README, f"kfix {name} is missing from the README"


def test_every_option_has_help() -> None:
    for name, command in cli.commands.items():
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"kfix {name} {param.opts[0]} has no help text"


def test_readme_gives_the_two_commands() -> None:
    assert "make demo" in README
    assert "make test" in README
