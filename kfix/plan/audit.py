"""The audit log: one JSON line per action an apply or rollback handled, hash-chained.

Each record carries `hash`, the sha256 of its own canonical JSON without that field,
and `prev`, the previous record's `hash` (64 zeros for the first), and `seq`, its
1-based place. An edited record no longer matches its hash; a deleted, inserted or
moved one breaks the `prev` chain or the numbering. Records are appended under an
advisory lock, and a log whose chain is already broken is not appended to.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kfix.errors import PlanError

GENESIS = "0" * 64


def default_path(plan_path: str) -> str:
    """Beside the plan: plan.json → plan.audit.jsonl."""
    root, _ = os.path.splitext(plan_path)
    return root + ".audit.jsonl"


def record_hash(record: Mapping[str, Any]) -> str:
    body = {k: v for k, v in record.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Check:
    """What `kfix audit verify` found: the records that hold, and the first bad one."""

    records: int  # good records before the first bad one (all of them when `bad` is 0)
    bad: int = 0  # 1-based number of the first bad record; 0: none
    reason: str = ""

    @property
    def exit_code(self) -> int:
        return 1 if self.bad else 0


def verify(path: str) -> Check:
    previous = GENESIS
    count = 0
    for number, record in enumerate(_lines(path), 1):
        if not isinstance(record, dict):
            return Check(count, number, "is not a JSON object")
        if record.get("hash") != record_hash(record):
            return Check(count, number, "was edited: its content does not match its hash")
        if record.get("prev") != previous:
            return Check(count, number, f"does not follow record {number - 1}: a record was "
                         "deleted, inserted or moved" if number > 1 else
                         "is not the first record of a log: records before it were deleted")
        if record.get("seq") != number:
            return Check(count, number, f"is numbered {record.get('seq')}, not {number}")
        previous, count = record["hash"], number
    return Check(count)


def verify_head(path: str, records: int, head: str) -> Check:
    """`verify`, and the log still reaches the record a plan saw last, unchanged."""
    check = verify(path)
    if check.bad:
        return check
    if check.records < records:
        return Check(check.records, check.records + 1,
                     f"is missing: the plan saw {records} records, the log holds "
                     f"{check.records} (deleted from the end)")
    last = read(path)[records - 1]
    if last["hash"] != head:
        return Check(records - 1, records, "is not the record the plan saw last")
    return check


def read(path: str) -> list[dict[str, Any]]:
    """The records, once the chain is checked; a broken log is an error naming the record."""
    check = verify(path)
    if check.bad:
        raise PlanError(f"record {check.bad} {check.reason}", path, check.bad)
    return [r for r in _lines(path) if isinstance(r, dict)]


def append(path: str, records: Sequence[Mapping[str, Any]]) -> tuple[int, str]:
    """Chain the records on to the log (created if missing) and make them durable; the
    number of records it then holds, and the last one's hash."""
    with open(path, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            existing = read(path)
            previous = existing[-1]["hash"] if existing else GENESIS
            lines = []
            for seq, record in enumerate(records, len(existing) + 1):
                chained = {**record, "seq": seq, "prev": previous}
                chained["hash"] = previous = record_hash(chained)
                lines.append(json.dumps(chained, ensure_ascii=False) + "\n")
            handle.write("".join(lines))
            handle.flush()
            os.fsync(handle.fileno())
            return len(existing) + len(records), previous
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _lines(path: str) -> Iterator[Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    yield None  # verify names it
    except OSError as exc:
        raise PlanError(f"cannot read the audit log: {exc.strerror}", path) from None
    except UnicodeDecodeError:
        raise PlanError("cannot read the audit log: not UTF-8", path) from None
