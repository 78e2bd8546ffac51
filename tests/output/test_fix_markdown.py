"""`kfix fix -o markdown`, read back by markdown-it-py."""

from __future__ import annotations

from dataclasses import replace

from kfix.model import (
    FAILURE,
    FIXED,
    NO_FIX,
    REJECTED,
    SUGGESTED,
    WARNING,
    FileChange,
    Finding,
    FixResult,
    PolicyInfo,
    Problem,
    Resolution,
)
from kfix.output import ReportOptions, fix_markdown
from kfix.output.fix import REPORTS
from kfix.writer.diff import unified_diff
from tests.output.markdown_parse import parse, rows

BEFORE = "kind: Deployment\nspec:\n  privileged: true\n  replicas: 1\n"
AFTER = "kind: Deployment\nspec:\n  privileged: false\n  replicas: 1\n"
POLICIES = {
    "privileged-container": PolicyInfo("privileged-container", "p", "p.rego",
                                       title="Privileged containers", severity="high"),
    "deployment-replicas": PolicyInfo("deployment-replicas", "r", "r.rego",
                                      title="Single replica", severity="low"),
}
PRIVILEGED = Finding(outcome=FAILURE, policy_id="privileged-container", rule="deny",
                     namespace="p", message="Deployment/web: runs privileged",
                     file="app.yaml", document=0, line=3, severity="high")
REPLICAS = Finding(outcome=WARNING, policy_id="deployment-replicas", rule="warn",
                   namespace="r", message="Deployment/web: runs 1 replica",
                   file="app.yaml", document=0, line=4, severity="low")


def result(**changes: object) -> FixResult:
    fix = FixResult(
        resolutions=(
            Resolution(PRIVILEGED, FIXED, risk="high", effect="the container loses devices"),
            Resolution(replace(PRIVILEGED, file="b.yaml", line=9), SUGGESTED, risk="high",
                       reason="verified suggestion, not written: risk high is above "
                              "--max-risk medium"),
            Resolution(REPLICAS, NO_FIX, reason="needs a human decision (capacity)"),
            Resolution(replace(PRIVILEGED, file="c.yaml", line=2), REJECTED,
                       reason="schema error: spec | bad"),
        ),
        changes=(FileChange("app.yaml", BEFORE, AFTER),),
        policies=POLICIES,
        problems=(Problem("broken.yaml", 3, "mapping values are not allowed here"),),
    )
    return replace(fix, **changes)  # type: ignore[arg-type]


def test_registered() -> None:
    assert REPORTS["markdown"] is fix_markdown.render


def test_counts_fixes_with_their_diff_suggestions_and_reasons() -> None:
    text = fix_markdown.render(result(), ReportOptions())
    parsed = parse(text)
    assert parsed.headings(2) == ["kfix fix: 1 fixed, 1 suggested, 1 no-fix, 1 rejected, 1 error"]
    statuses, severities, fixes, suggested, rejected, no_fix, errors = parsed.tables
    assert rows(statuses) == [["Status", "Findings"], ["fixed", "1"], ["suggested", "1"],
                              ["no-fix", "1"], ["rejected", "1"], ["skipped", "0"],
                              ["total", "4"]]
    assert rows(severities) == [
        ["Severity", "Fixed", "Suggested", "No-fix", "Rejected", "Skipped"],
        ["high", "1", "1", "0", "1", "0"],
        ["low", "0", "0", "1", "0", "0"],
    ]
    assert "Fix rate 25%. 1 file would change: `kfix fix --write` writes it." in text
    assert parsed.headings(3) == ["Verified fixes", "Suggested fixes", "Not fixed",
                                  "Inputs that could not be checked or written"]
    assert parsed.headings(4) == [
        "app.yaml",
        "privileged-container · Privileged containers · high",
        "privileged-container · Privileged containers · high",
        "deployment-replicas · Single replica · low",
    ]
    assert rows(fixes) == [
        ["Policy", "Line", "Risk", "Effect"],
        ["privileged-container · Privileged containers · high", "3", "high",
         "the container loses devices"],
    ]
    assert parsed.fences == [("diff", unified_diff("app.yaml", BEFORE, AFTER))]
    assert rows(suggested)[1] == [
        "b.yaml:9", "high", "verified suggestion, not written: risk high is above "
                            "--max-risk medium"]
    assert rows(rejected)[1] == ["rejected", "c.yaml:2", "Deployment/web: runs privileged",
                                 "schema error: spec | bad"]
    assert rows(no_fix)[1] == ["no-fix", "app.yaml:4", "Deployment/web: runs 1 replica",
                               "needs a human decision (capacity)"]
    assert rows(errors)[1] == ["broken.yaml:3", "mapping values are not allowed here"]


def test_a_write_run_names_the_files_it_wrote() -> None:
    text = fix_markdown.render(result(written=("out/app.yaml",)), ReportOptions())
    parsed = parse(text)
    assert "Fix rate 25%. Wrote 1 file." in text
    assert parsed.headings(3)[0] == "Files written"
    assert rows(parsed.tables[2]) == [["File"], ["out/app.yaml"]]


def test_nothing_to_fix() -> None:
    text = fix_markdown.render(FixResult(), ReportOptions())
    assert parse(text).headings(2) == ["kfix fix: nothing to fix"]
    assert "No file changed." in text and parse(text).tables == []


def test_a_diff_holding_backticks_and_html_stays_one_block() -> None:
    before = "data:\n  readme: |\n    ```\n    <script>x</script>\n"
    after = before + "    ```\n"
    text = fix_markdown.render(result(changes=(FileChange("app.yaml", before, after),)),
                               ReportOptions())
    assert parse(text).fences == [("diff", unified_diff("app.yaml", before, after))]


def test_a_long_run_is_folded_and_bounded() -> None:
    big_before = "".join(f"key{n}: value\n" for n in range(3000))
    big_after = big_before.replace("value", "other")
    changes = tuple(FileChange(f"f{n}.yaml", big_before if n else BEFORE,
                               big_after if n else AFTER) for n in range(3))
    fixed = tuple(Resolution(replace(PRIVILEGED, file=f"f{n}.yaml"), FIXED, risk="low")
                  for n in range(3))
    many = tuple(Resolution(replace(REPLICAS, line=n, message=f"m{n} " + "x" * 300), NO_FIX,
                            reason="needs a human decision") for n in range(2000))
    text = fix_markdown.render(result(resolutions=fixed + many, changes=changes),
                               ReportOptions())
    assert len(text) < 65_536
    parsed = parse(text)
    assert parsed.headings(4)[:3] == ["f0.yaml", "f1.yaml", "f2.yaml"]
    assert parsed.fences == [("diff", unified_diff("f0.yaml", BEFORE, AFTER))]
    assert "<details><summary>diff of f1.yaml: " not in text  # too big: cut whole
    assert "2 diffs" in text and "findings not shown; `kfix fix -o json` has everything" in text
    assert "<details><summary>2,000 findings</summary>" in text


def test_a_long_diff_is_folded_and_still_one_diff_block() -> None:
    before = "".join(f"key{n}: value\n" for n in range(60))
    after = before.replace("value", "other")
    text = fix_markdown.render(result(changes=(FileChange("app.yaml", before, after),)),
                               ReportOptions())
    diff = unified_diff("app.yaml", before, after)
    assert f"<details><summary>diff of app.yaml: {diff.count(chr(10))} lines</summary>" in text
    assert parse(text).fences == [("diff", diff)]
