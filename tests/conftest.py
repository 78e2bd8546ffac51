"""Where the real manifests come from.

Every clone has `tests/data/corpus/`: a few real files copied unmodified from the
development corpus, enough for the writer, schema and CLI tests. The whole corpus,
about 1,200 files, lives beside the clone in `../shared/corpus` (CI has it); tests that
need it are marked `corpus` and ask for the `corpus_dir` fixture, which skips them, with
the reason in the summary, when the directory is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.corpus_paths import CORPUS_ABSENT, SHARED_CORPUS, VENDORED_CORPUS
from tests.properties import register_profiles

register_profiles()  # hypothesis: `ci` unless KFIX_HYPOTHESIS_PROFILE names another


@pytest.fixture(scope="session")
def vendored_corpus() -> Path:
    """The copies in tests/data/corpus: always there, so missing means broken."""
    assert VENDORED_CORPUS.is_dir(), f"vendored corpus missing at {VENDORED_CORPUS}"
    return VENDORED_CORPUS


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The whole development corpus, or a skip saying why it is not there."""
    if not SHARED_CORPUS.is_dir():
        pytest.skip(CORPUS_ABSENT)
    return SHARED_CORPUS


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`-m "not corpus"` must leave out exactly the tests that read ../shared/corpus."""
    for item in items:
        uses = "corpus_dir" in getattr(item, "fixturenames", ())
        marked = item.get_closest_marker("corpus") is not None
        if uses != marked:
            need = "is not marked `corpus`" if uses else "does not use the corpus_dir fixture"
            raise pytest.UsageError(f"{item.nodeid} {need}")
