"""The audit log's hash chain finds any edited, deleted, inserted or moved record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kfix.errors import PlanError
from kfix.plan import audit


def logged(tmp_path: Path, count: int = 4) -> Path:
    log = tmp_path / "plan.audit.jsonl"
    audit.append(str(log), [{"action": f"a{n}", "result": "verified"} for n in range(2)])
    audit.append(str(log), [{"action": f"a{n}", "result": "rolled-back"}
                            for n in range(2, count)])
    return log


def lines(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines(keepends=True)


def test_appended_records_are_numbered_and_chained_across_runs(tmp_path: Path) -> None:
    log = logged(tmp_path)
    records = [json.loads(line) for line in lines(log)]
    assert [r["seq"] for r in records] == [1, 2, 3, 4]
    assert records[0]["prev"] == audit.GENESIS
    assert [r["prev"] for r in records[1:]] == [r["hash"] for r in records[:-1]]
    assert audit.verify(str(log)) == audit.Check(4)
    assert audit.read(str(log))[2]["action"] == "a2"


def test_an_edited_record_is_named(tmp_path: Path) -> None:
    log = logged(tmp_path)
    text = lines(log)
    text[2] = text[2].replace('"rolled-back"', '"verified"')
    log.write_text("".join(text), encoding="utf-8")
    check = audit.verify(str(log))
    assert (check.bad, check.records, check.exit_code) == (3, 2, 1)
    assert "edited" in check.reason


def test_a_deleted_record_breaks_the_chain_at_the_next(tmp_path: Path) -> None:
    log = logged(tmp_path)
    text = lines(log)
    log.write_text("".join(text[:1] + text[2:]), encoding="utf-8")
    check = audit.verify(str(log))
    assert check.bad == 2
    assert check.reason == "does not follow record 1: a record was deleted, inserted or moved"


def test_reordered_and_first_deleted_records_are_found(tmp_path: Path) -> None:
    log = logged(tmp_path)
    text = lines(log)
    log.write_text("".join([text[0], text[2], text[1], text[3]]), encoding="utf-8")
    assert audit.verify(str(log)).bad == 2
    log.write_text("".join(text[1:]), encoding="utf-8")
    check = audit.verify(str(log))
    assert check.bad == 1 and "records before it were deleted" in check.reason


def test_a_line_that_is_not_json_is_named(tmp_path: Path) -> None:
    log = logged(tmp_path)
    text = lines(log)
    text[1] = "{oops\n"
    log.write_text("".join(text), encoding="utf-8")
    check = audit.verify(str(log))
    assert (check.bad, check.reason) == (2, "is not a JSON object")


def test_a_broken_log_is_not_appended_to(tmp_path: Path) -> None:
    log = logged(tmp_path)
    text = lines(log)
    log.write_text("".join(text[1:]), encoding="utf-8")
    before = log.read_bytes()
    with pytest.raises(PlanError, match="record 1 is not the first record"):
        audit.append(str(log), [{"action": "late"}])
    assert log.read_bytes() == before


def test_verify_head_finds_records_cut_from_the_end(tmp_path: Path) -> None:
    log = logged(tmp_path)
    records = audit.read(str(log))
    assert audit.verify_head(str(log), 4, records[3]["hash"]) == audit.Check(4)
    assert audit.verify_head(str(log), 3, records[2]["hash"]) == audit.Check(4)  # grew: fine
    log.write_text("".join(lines(log)[:3]), encoding="utf-8")
    assert audit.verify_head(str(log), 4, records[3]["hash"]).bad == 4
    assert audit.verify_head(str(log), 3, "f" * 64).bad == 3


def test_the_default_log_sits_beside_the_plan() -> None:
    assert audit.default_path("/r/plans/plan.json") == "/r/plans/plan.audit.jsonl"


def test_a_missing_log_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="cannot read the audit log"):
        audit.verify(str(tmp_path / "none.jsonl"))
