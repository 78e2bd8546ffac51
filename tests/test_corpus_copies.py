"""tests/data/corpus: what SOURCES.md says about the vendored files stays true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROW = re.compile(
    r"^\| (?P<folder>\S+) \| (?P<repository>\S+) \| (?P<commit>\S+) \| (?P<license>\S+) \|$"
)


def rows(sources: Path) -> dict[str, str]:
    """folder → its whole table row, from a SOURCES.md."""
    found = {}
    for line in sources.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match and match["folder"] not in ("folder", "---"):
            found[match["folder"]] = line
    return found


def vendored_files(vendored_corpus: Path) -> list[Path]:
    files = sorted(
        p for p in vendored_corpus.rglob("*")
        if p.is_file() and p.parent != vendored_corpus
    )
    assert files, f"no vendored files under {vendored_corpus}"
    return files


def test_every_folder_names_its_repository_commit_and_license(vendored_corpus: Path) -> None:
    listed = rows(vendored_corpus / "SOURCES.md")
    folders = {p.name for p in vendored_corpus.iterdir() if p.is_dir()}
    assert folders and set(listed) == folders
    for folder, line in listed.items():
        match = ROW.match(line)
        assert match
        assert match["repository"] == folder.replace("__", "/", 1)
        assert re.fullmatch(r"[0-9a-f]{40}", match["commit"]), line
        assert match["license"] == "Apache-2.0"
    assert "Apache License" in (vendored_corpus / "LICENSE").read_text(encoding="utf-8")


def test_only_manifests_below_the_folders(vendored_corpus: Path) -> None:
    top = {p.name for p in vendored_corpus.iterdir() if p.is_file()}
    assert top == {"SOURCES.md", "LICENSE"}
    strays = [p for p in vendored_files(vendored_corpus) if p.suffix not in (".yaml", ".yml")]
    assert strays == []


@pytest.mark.corpus
def test_the_copies_are_unmodified(vendored_corpus: Path, corpus_dir: Path) -> None:
    for copy in vendored_files(vendored_corpus):
        original = corpus_dir / copy.relative_to(vendored_corpus)
        assert original.is_file(), f"{original} is gone from the corpus"
        assert copy.read_bytes() == original.read_bytes(), f"{copy} differs from {original}"
    shared = rows(corpus_dir / "SOURCES.md")
    for folder, line in rows(vendored_corpus / "SOURCES.md").items():
        assert shared.get(folder) == line
