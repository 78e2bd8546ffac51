"""conftest's TAP: one numbered block per file and namespace.

    1..4
    not ok 1 - deploy.yaml - main - <failure>
    # warnings
    not ok 2 - deploy.yaml - main - <warning>
    # exceptions
    ok 3 - deploy.yaml - main - <exception>
    # successes
    ok 4 - deploy.yaml - main - SUCCESS

A file and namespace with no tests prints nothing; conftest stops its whole output
there, kfix goes on with the next one. kfix adds a last block, `# errors`, with a
`not ok <n> - <file>:<line> - <message>` per input it could not read or parse.
"""

from __future__ import annotations

from kfix.model import CheckResult, ScanResult
from kfix.output import ReportOptions
from kfix.output.common import prefix, where


def render(result: ScanResult, options: ReportOptions) -> str:
    blocks = [_block(check) for check in result.results]
    if result.problems:
        errors = [f"- {where(p.file, p.line)} - {p.message}" for p in result.problems]
        blocks.append(_numbered([("# errors", "not ok", errors)]))
    return "".join(blocks)


def _block(check: CheckResult) -> str:
    head = prefix(check.file, check.namespace)
    if not (check.failures or check.warnings or check.exceptions):
        # most checks: successes alone, numbered here without _numbered's lists
        count = check.successes
        if count == 1:
            return f"1..1\n# successes\nok 1 {head} SUCCESS\n"
        if not count:
            return ""
        lines = [f"ok {number} {head} SUCCESS\n" for number in range(1, count + 1)]
        return f"1..{count}\n# successes\n" + "".join(lines)
    return _numbered(
        [
            ("", "not ok", [f"{head} {f.message}" for f in check.failures]),
            ("# warnings", "not ok", [f"{head} {f.message}" for f in check.warnings]),
            ("# exceptions", "ok", [f"{head} {f.message}" for f in check.exceptions]),
            ("# successes", "ok", [f"{head} SUCCESS"] * check.successes),
        ]
    )


def _numbered(groups: list[tuple[str, str, list[str]]]) -> str:
    """A plan line, then each non-empty group under its comment, numbered on from 1."""
    lines: list[str] = []
    number = 0
    for comment, status, texts in groups:
        if texts and comment:
            lines.append(comment)
        for text in texts:
            number += 1
            lines.append(f"{status} {number} {text}")
    return "".join(f"{line}\n" for line in [f"1..{number}", *lines]) if number else ""
