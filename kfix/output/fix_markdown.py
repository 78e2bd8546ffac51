"""`kfix fix -o markdown`: a pull-request comment or `$GITHUB_STEP_SUMMARY`.

    ## kfix fix: 19 fixed, 12 suggested, 3 no-fix, 1 rejected

    | Status | Findings |          fixed, suggested, no-fix, rejected, skipped, total
    | Severity | Fixed | Suggested | No-fix | Rejected | Skipped |
    Fix rate 54%. Wrote 1 file. | 1 file would change: `kfix fix --write` writes it.

    ### Files written                                    (--write, --output-dir)
    ### Verified fixes
    #### <file>        | Policy | Line | Risk | Effect |, then the file's ```diff
    ### Suggested fixes
    #### <policy · title · severity>   | Location | Risk | Reason |
    ### Not fixed
    #### <policy · title · severity>   | Status | Location | Message | Reason |
    ### Inputs that could not be checked or written      | Location | Error |

A long diff is folded into `<details>`; a long table too; and the page stops short of
GitHub's comment limit with a note of what it left out (`kfix.output.markdown`).
"""

from __future__ import annotations

from collections.abc import Callable

from kfix.model import (
    FIX_STATUSES,
    FIXED,
    NO_FIX,
    REJECTED,
    SKIPPED,
    SUGGESTED,
    Finding,
    FixResult,
    Resolution,
)
from kfix.output import ReportOptions
from kfix.output.common import plural, where
from kfix.output.markdown import (
    COLLAPSED_ROWS,
    LIMIT,
    Page,
    by_policy,
    by_severity,
    details,
    escape,
    fenced,
    policy_heading,
    problem_row,
    section_table,
    table,
)
from kfix.writer.diff import unified_diff

_NOT_FIXED = (NO_FIX, REJECTED, SKIPPED)


def render(result: FixResult, options: ReportOptions, limit: int = LIMIT) -> str:
    page = Page(limit)
    page.add(f"## kfix fix: {_headline(result)}\n\n")
    if result.resolutions:
        statuses = [(status, str(result.count(status))) for status in FIX_STATUSES]
        page.add(table(("Status", "Findings"),
                       [*statuses, ("total", str(len(result.resolutions)))], numeric=1) + "\n")
        findings = [r.finding for r in result.resolutions]
        status_of = {id(r.finding): r.status for r in result.resolutions}
        counted = by_severity(findings, result.policies, FIX_STATUSES,
                              lambda finding: status_of[id(finding)])
        page.add(table(("Severity", *(s.capitalize() for s in FIX_STATUSES)), counted,
                       numeric=len(FIX_STATUSES)) + "\n")
    page.add(f"Fix rate {result.fix_rate:.0%}. {_files(result)}\n\n")
    if result.written:
        section_table(page, "### Files written", ("File",), result.written,
                      lambda path: (escape(path),), "files written")
    _fixes(page, result)
    _by_policy(page, result, "### Suggested fixes", (SUGGESTED,),
               ("Location", "Risk", "Reason"),
               lambda r: (_where(r.finding), r.risk or "-", escape(r.reason or r.effect)))
    _by_policy(page, result, "### Not fixed", _NOT_FIXED,
               ("Status", "Location", "Message", "Reason"),
               lambda r: (r.status, _where(r.finding), escape(r.finding.message),
                          escape(r.reason)))
    if result.problems:
        section_table(page, "### Inputs that could not be checked or written",
                      ("Location", "Error"), result.problems, problem_row, "errors")
    return page.text("`kfix fix -o json`")


def _headline(result: FixResult) -> str:
    parts = [f"{result.count(status)} {status}" for status in FIX_STATUSES
             if result.count(status)]
    if result.problems:
        parts.append(plural(len(result.problems), "error"))
    return ", ".join(parts) if parts else "nothing to fix"


def _files(result: FixResult) -> str:
    if result.written:
        return f"Wrote {plural(len(result.written), 'file')}."
    if result.changes:
        changed = len(result.changes)
        return (f"{plural(changed, 'file')} would change: `kfix fix --write` writes "
                f"{'it' if changed == 1 else 'them'}.")
    return "No file changed."


def _fixes(page: Page, result: FixResult) -> None:
    """Per changed file: the fixes in it, with their risk and effect, and its diff."""
    if not result.changes:
        return
    fixed: dict[str, list[Resolution]] = {}
    for resolution in result.resolutions:
        if resolution.status == FIXED:
            fixed.setdefault(resolution.finding.file, []).append(resolution)
    page.add("### Verified fixes\n\n")
    for change in result.changes:
        resolutions = sorted(fixed.get(change.path, ()), key=lambda r: r.finding.line)
        section_table(page, f"#### {escape(change.path)}", ("Policy", "Line", "Risk", "Effect"),
                      resolutions, lambda r: _fix_row(r, result), "fixes")
        diff = unified_diff(change.path, change.before, change.after)
        block = fenced(diff, "diff")
        lines = diff.count("\n")
        if lines > 4 * COLLAPSED_ROWS:
            block = details(f"diff of {change.path}: {plural(lines, 'line')}", block)
        page.add_or_count(block + "\n", "diffs")


def _fix_row(resolution: Resolution, result: FixResult) -> tuple[str, str, str, str]:
    finding = resolution.finding
    return (policy_heading(finding, result.policies), str(finding.line or "-"),
            resolution.risk or "-", escape(resolution.effect or resolution.reason))


def _by_policy(page: Page, result: FixResult, heading: str, statuses: tuple[str, ...],
               header: tuple[str, ...], row: Callable[[Resolution], tuple[str, ...]]) -> None:
    chosen = [r for r in result.resolutions if r.status in statuses]
    if not chosen:
        return
    page.add(f"{heading}\n\n")
    for group in by_policy(chosen, _finding, result.policies):
        section_table(page, f"#### {policy_heading(group[0].finding, result.policies)}",
                      header, group, row, "findings")


def _where(finding: Finding) -> str:
    return escape(where(finding.file, finding.line))


def _finding(resolution: Resolution) -> Finding:
    return resolution.finding
