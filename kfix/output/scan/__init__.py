"""`kfix scan` reports: the formats of `conftest test -o <name>`, one module each."""

from __future__ import annotations

from kfix.model import ScanResult
from kfix.output import Report
from kfix.output.scan import (
    azuredevops,
    github,
    gitlab,
    json,
    junit,
    markdown,
    sarif,
    stdout,
    table,
    tap,
)

REPORTS: dict[str, Report[ScanResult]] = {
    "stdout": stdout.render,
    "json": json.render,
    "tap": tap.render,
    "table": table.render,
    "junit": junit.render,
    "github": github.render,
    "sarif": sarif.render,
    "markdown": markdown.render,
    "gitlab": gitlab.render,
    "azuredevops": azuredevops.render,
}
