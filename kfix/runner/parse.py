"""`kfix parse`: the inputs loaded as scan loads them, handed back as data, as `conftest
parse` prints them for people writing policies."""

from __future__ import annotations

from collections.abc import Sequence

from kfix.load import manifests
from kfix.model import ParseResult, Problem


def parse(paths: Sequence[str], reading: manifests.Reading,
          ignore: str | None = None) -> ParseResult:
    """Each file's documents, as written (a List stays one document): the document
    itself when there is one, else the list of them; a file that does not parse
    becomes a problem and the others are still read."""
    contents = {}
    problems: list[Problem] = []
    files = manifests.discover(paths, ignore)
    for path in files:
        loaded = manifests.read(path, reading)
        problems += loaded.problems
        if loaded.problems and not loaded.documents:
            continue
        documents = [document.content for document in loaded.documents]
        contents[loaded.path] = documents[0] if len(documents) == 1 else documents or None
    return ParseResult(contents, tuple(problems), len(files))
