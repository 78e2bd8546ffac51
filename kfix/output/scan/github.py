"""GitHub Actions workflow commands, as conftest writes them, so findings annotate the PR.

    ::group::Testing "deploy.yaml" against 4 policies in namespace "main"
    ::error file=deploy.yaml,line=12::<failure>
    ::warning file=deploy.yaml,line=9::<warning>
    ::notice file=deploy.yaml,line=1::<exception>
    ::notice file=deploy.yaml,line=1::Number of successful checks: 3
    ::endgroup::
    ::error file=broken.yaml,line=3::<message>
    N tests, N passed, N warnings, N failures, N exceptions[, N errors]

The line is the finding's, else 1, as conftest. With --github-hide-passed, a file and
namespace with only successes gets no group, as conftest's; the summary still counts it.
kfix adds an `::error` per input it could not read or parse, after the groups so a
collapsed group cannot hide it, and escapes `%`, CR and LF (and `:` `,` in file names)
as GitHub asks, where conftest does not: a message of several lines stays one
annotation instead of breaking the log.
"""

from __future__ import annotations

from json.encoder import encode_basestring

from kfix.model import CheckResult, Finding, ScanResult
from kfix.output import ReportOptions
from kfix.output.common import summary

# GitHub's escapes, `%` first so the others' `%` stay as they are
_DATA_ESCAPES = (("%", "%25"), ("\r", "%0D"), ("\n", "%0A"))
_PROPERTY_ESCAPES = (*_DATA_ESCAPES, (":", "%3A"), (",", "%2C"))


def render(result: ScanResult, options: ReportOptions) -> str:
    # A file has a group per namespace and a namespace one per file: each name is
    # escaped and quoted once.
    files: dict[str, tuple[str, str]] = {}
    namespaces: dict[str, str] = {}
    lines = [_group(check, files, namespaces) for check in result.results
             if not (options.github_hide_passed and _passed(check))]
    lines += [_command("error", p.file, p.line, p.message) + "\n" for p in result.problems]
    lines.append(summary(result) + "\n")
    return "".join(lines)


def _group(check: CheckResult, files: dict[str, tuple[str, str]],
           namespaces: dict[str, str]) -> str:
    """The check's lines, each ending in a newline."""
    named = files.get(check.file)
    if named is None:
        named = files[check.file] = (_escape(check.file, _PROPERTY_ESCAPES), _quote(check.file))
    file, quoted_file = named
    quoted_namespace = namespaces.get(check.namespace)
    if quoted_namespace is None:
        quoted_namespace = namespaces[check.namespace] = _quote(check.namespace)
    failures, warnings, exceptions = check.failures, check.warnings, check.exceptions
    tests = check.successes + len(failures) + len(warnings) + len(exceptions)
    findings = "".join([
        f"{_annotation(level, file, check, finding)}\n"
        for level, found in (("error", failures), ("warning", warnings), ("notice", exceptions))
        for finding in found
    ]) if failures or warnings or exceptions else ""
    return (
        f"::group::Testing {quoted_file} against {tests} policies"
        f" in namespace {quoted_namespace}\n{findings}"
        f"::notice file={file},line=1::Number of successful checks: {check.successes}\n"
        "::endgroup::\n"
    )


def _passed(check: CheckResult) -> bool:
    """Only successes: --github-hide-passed leaves its group out (the summary counts it)."""
    return not (check.failures or check.warnings or check.exceptions)


def _quote(name: str) -> str:
    """`name` as Go's %q writes it in the group's title, escaped as a title's text.

    encode_basestring is json.dumps(name, ensure_ascii=False) without the call's
    overhead, and quotes any name a manifest can have as %q does. It writes CR and LF
    as `\\r` and `\\n`, so `%` is the only one of _DATA_ESCAPES left to escape.
    """
    quoted: str = encode_basestring(name)
    return quoted.replace("%", "%25") if "%" in quoted else quoted


def _annotation(level: str, check_file: str, check: CheckResult, finding: Finding) -> str:
    """`check_file` is the check's file, escaped."""
    file = _escape(finding.file, _PROPERTY_ESCAPES) if finding.file else check_file
    message = _escape(finding.message, _DATA_ESCAPES)
    return f"::{level} file={file},line={finding.line or 1}::{message}"


def _command(level: str, file: str, line: int, message: str) -> str:
    file = _escape(file, _PROPERTY_ESCAPES)
    return f"::{level} file={file},line={line or 1}::{_escape(message, _DATA_ESCAPES)}"


def _escape(text: str, escapes: tuple[tuple[str, str], ...]) -> str:
    for char, escaped in escapes:
        if char in text:
            text = text.replace(char, escaped)
    return text
