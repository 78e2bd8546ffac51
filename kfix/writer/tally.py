"""How patched YAML documents were written: spliced as text, or by the round trip and why.

Counted per process (a `--jobs N` run counts in its workers); benchmarks print it.
"""

from __future__ import annotations

from collections import Counter

SPLICED = "spliced"
ROUND_TRIP = "round trip: "

_counts: Counter[str] = Counter()


def record(outcome: str) -> None:
    """`SPLICED`, or `ROUND_TRIP` followed by the reason the splicer gave."""
    _counts[outcome] += 1


def counts() -> dict[str, int]:
    return dict(_counts)


def reset() -> None:
    _counts.clear()
