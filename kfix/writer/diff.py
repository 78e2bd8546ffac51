"""Unified diffs of changed files, as `git diff` heads them."""

from __future__ import annotations

import difflib
from typing import Literal

from kfix.writer.splice import lines


def unified_diff(path: str, before: str, after: str) -> str:
    """A unified diff of the file as `git diff` headers it; "" when nothing changed."""
    if before == after:
        return ""
    old, new = lines(before), lines(after)
    out = [f"--- a/{path}\n", f"+++ b/{path}\n"]
    for group in _Trimmed(old, new).get_grouped_opcodes(3):
        (_, i1, _, j1, _), (_, _, i2, _, j2) = group[0], group[-1]
        out.append(f"@@ -{_span(i1, i2)} +{_span(j1, j2)} @@\n")
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                out += [" " + line for line in old[a1:a2]]
                continue
            out += ["-" + line for line in old[a1:a2]]
            out += ["+" + line for line in new[b1:b2]]
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in out
    )


# difflib's opcode: (tag, old start, old stop, new start, new stop)
_Opcode = tuple[Literal["replace", "delete", "insert", "equal"], int, int, int, int]


class _Trimmed(difflib.SequenceMatcher[str]):
    """difflib's matcher on the span between the common head and tail only.

    difflib is quadratic on big files with repeated lines (3.5 s for a 3.5 MB file of
    CRDs); the unchanged head and tail are handed back as plain `equal` runs.
    """

    def __init__(self, old: list[str], new: list[str]) -> None:
        head = 0
        while head < min(len(old), len(new)) and old[head] == new[head]:
            head += 1
        tail = 0
        while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
            tail += 1
        super().__init__(None, old[head : len(old) - tail], new[head : len(new) - tail],
                         autojunk=False)
        middle = [(tag, a1 + head, a2 + head, b1 + head, b2 + head)
                  for tag, a1, a2, b1, b2 in super().get_opcodes() if a1 != a2 or b1 != b2]
        self._opcodes: list[_Opcode] = [
            ("equal", 0, head, 0, head), *middle,
            ("equal", len(old) - tail, len(old), len(new) - tail, len(new)),
        ]

    def get_opcodes(self) -> list[_Opcode]:
        return self._opcodes


def _span(start: int, stop: int) -> str:
    """A unified diff range: `start,length`, 1-based; an empty range names the line before."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"
