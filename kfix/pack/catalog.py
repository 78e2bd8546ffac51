"""What a policy repository holds: each policy's METADATA, its fix, its fixtures.

Feeds `kfix policy list|show`, `kfix doc` (the Markdown reference committed as
docs/policies.md) and the fix coverage of `kfix test`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from kfix.model import PolicyEntry
from kfix.pack import sources
from kfix.pack.policies import FRAGMENT_NAME, PolicySet, bundled_policy_dir, load_policies


def catalog(policy_paths: Sequence[str] = (), fixtures: str | None = None) -> list[PolicyEntry]:
    """Every annotated policy under the paths (default: the built-in pack), sorted by id."""
    paths = list(sources.resolve(policy_paths)) or [str(bundled_policy_dir())]
    return entries(load_policies(paths), fixtures or fixtures_beside(paths))


def fixtures_beside(paths: Sequence[str]) -> str:
    """The default fixture directory: `fixtures` beside the first policy path."""
    return str(Path((list(paths) or ["."])[0]).resolve().parent / "fixtures")


def entries(policies: PolicySet, fixtures: str) -> list[PolicyEntry]:
    """Each annotated policy of the set with its fragment and fixture counts, by id."""
    root = Path(fixtures)
    found = []
    for info in sorted(policies.by_id.values(), key=lambda i: i.id):
        fragment = os.path.join(os.path.dirname(info.file), FRAGMENT_NAME)
        home = root / info.id
        found.append(PolicyEntry(
            info=info,
            fragment=fragment if os.path.isfile(fragment) else "",
            positive=_count(home / "positive", "*.y*ml"),
            negative=_count(home / "negative", "*.y*ml"),
            fix_pairs=_count(home / "fix", "*.before.yaml"),
        ))
    return found


def _count(directory: Path, pattern: str) -> int:
    return sum(1 for _ in directory.glob(pattern)) if directory.is_dir() else 0
