"""Where the tests' real manifests live; tests/conftest.py turns these into fixtures."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# A few files copied unmodified from the corpus (tests/data/corpus/SOURCES.md): every clone.
VENDORED_CORPUS = REPO / "tests" / "data" / "corpus"
# The whole development corpus, about 1,200 files, beside the clone: CI has it.
SHARED_CORPUS = REPO.parent / "shared" / "corpus"
CORPUS_ABSENT = "../shared/corpus is not beside this clone: the corpus tests need it (CI has it)"
