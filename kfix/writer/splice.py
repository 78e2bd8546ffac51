"""Keeping untouched lines as written: a re-serialised document spliced into its source."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable

_ITEM = re.compile(r" *-(?:[ \t]|\r?$)")


def lines(text: str) -> list[str]:
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def normalised(text: str) -> str:
    """The text with "\n" line breaks and a final one, as the serialisers write it."""
    text = text.replace("\r\n", "\n")
    return text if text.endswith("\n") else text + "\n"


def restored(result: str, text: str) -> str:
    """The result with the line breaks and the (missing) final newline of `text`."""
    if not text.endswith("\n"):
        result = result[:-1]
    return result.replace("\n", "\r\n") if "\r\n" in text else result


def least_changed(
    source: str, before: str, after: str, reads_back: Callable[[str], bool]
) -> str | None:
    """The patched text with the untouched lines as written (see `splice`), else the
    serialiser's own `after`: whichever first reads back as patched."""
    candidates = (after,) if before == source else (splice(source, before, after), after)
    return next((c for c in candidates if c is not None and reads_back(c)), None)



def splice(source: str, before: str, after: str) -> str | None:
    """`after`, with the lines it shares with `before` taken from `source` as written.

    `before` and `after` are ruamel's renderings of the document unpatched and patched;
    `source` is its text. Lines of `source` that ruamel re-indented line up with `before`
    one to one; lines it re-flowed (a flow sequence over several lines, say) only as a
    group, and a change that cuts through such a group gives None. Changed lines are
    shifted to the indentation their neighbours have in `source`.
    """
    written, old, new = lines(source), lines(before), lines(after)
    units = _units(old, written)
    changes: dict[int, tuple[int, int]] = {}
    dropped: set[int] = set()
    anchors: dict[int, int] = {}  # line of `new` → the line of `written` it stands for
    single = {unit[0]: unit[2] for unit in units if unit[1] - unit[0] == 1 == unit[3] - unit[2]}
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            anchors.update((j1 + k, single[i]) for k, i in enumerate(range(i1, i2)) if i in single)
        else:
            changes[i1] = (j1, j2)
            dropped.update(range(i1, i2))
    out: list[str] = []
    for i1, i2, s1, s2 in units:
        if any(i1 < position < i2 for position in changes):
            return None
        if i1 in changes:
            hunk = _shifted(new, *changes.pop(i1), anchors, written)
            if hunk is None:
                return None
            out += hunk
        kept = [i not in dropped for i in range(i1, i2)]
        if all(kept):
            out += written[s1:s2]
        elif any(kept):
            return None
    if changes:  # lines added at the end
        hunk = _shifted(new, *changes.pop(len(old)), anchors, written)
        if hunk is None:
            return None
        out += hunk
    return "".join(out)


def _units(old: list[str], written: list[str]) -> list[tuple[int, int, int, int]]:
    """(old start, old end, written start, written end), lining up lines that differ only
    in indentation one to one, the rest in groups; in order, covering both."""
    matcher = difflib.SequenceMatcher(
        None, [line.strip() for line in old], [line.strip() for line in written], autojunk=False
    )
    units: list[tuple[int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            units += [(i1 + k, i1 + k + 1, j1 + k, j1 + k + 1) for k in range(i2 - i1)]
        else:
            units.append((i1, i2, j1, j2))
    return units


def _shifted(
    new: list[str], start: int, end: int, anchors: dict[int, int], written: list[str]
) -> list[str] | None:
    """Lines `new[start:end]`, moved as far as a neighbour of theirs moved from `new`
    to `written`: a sibling before them, else one after them, else their parent."""
    lines = new[start:end]
    first = next((line for line in lines if _is_content(line)), None)
    if first is None:
        return lines
    delta = _sibling_delta(new, range(start - 1, -1, -1), first, anchors, written)
    if delta is None:
        delta = _sibling_delta(new, range(end, len(new)), first, anchors, written)
    if delta is None:
        parent = next((j for j in range(start - 1, -1, -1) if _holds(new[j], first)), None)
        delta = _indent(written[anchors[parent]]) - _indent(new[parent]) if parent in anchors else 0
    if any(line.strip() and _indent(line) < -delta for line in lines):
        return None
    if delta >= 0:
        return [" " * delta + line if line.strip() else line for line in lines]
    return [line[-delta:] if line.strip() else line for line in lines]


def _sibling_delta(
    new: list[str], scan: range, first: str, anchors: dict[int, int], written: list[str]
) -> int | None:
    """How far the first sibling of `first` in `scan` moved; None if the scan leaves
    their parent first."""
    depth, item = _indent(first), bool(_ITEM.match(first))
    for j in scan:
        line = new[j]
        if _holds(line, first):
            return None
        sibling = _is_content(line) and _indent(line) == depth and bool(_ITEM.match(line)) == item
        if sibling and j in anchors:
            return _indent(written[anchors[j]]) - depth
    return None


def _holds(line: str, first: str) -> bool:
    """Whether `line` can hold `first`: less indented, or (`- ` items may sit under
    their key at its own indentation) the key of a sequence `first` is an item of."""
    if not _is_content(line):
        return False
    if _indent(line) == _indent(first):
        return bool(_ITEM.match(first)) and not _ITEM.match(line)
    return _indent(line) < _indent(first)


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))
