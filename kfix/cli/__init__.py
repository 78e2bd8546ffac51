"""The `kfix` command line."""

from kfix.cli.main import cli, main

__all__ = ["cli", "main"]
