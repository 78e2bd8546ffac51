"""Output formats: each renders a ScanResult as text, the way `conftest test -o <name>` does.

FORMATTERS is the one registry of formats; the CLI offers exactly its keys.
"""

from __future__ import annotations

from kfix.output import github, json, junit, sarif, stdout, table, tap
from kfix.output.base import Formatter, OutputOptions

FORMATTERS: dict[str, Formatter] = {
    "stdout": stdout,
    "json": json,
    "tap": tap,
    "table": table,
    "junit": junit,
    "github": github,
    "sarif": sarif,
}

__all__ = ["FORMATTERS", "Formatter", "OutputOptions"]
