"""`kind: List` documents, as `kubectl get -o yaml|json` prints them, expanded into items.

A document whose `kind` is `List` or ends in `List` (`DeploymentList`, ...), with an
`apiVersion` and an `items` array, holds objects rather than being one: each mapping item
becomes a Document of its own, in the same file and under the same document index, with
`item` set to its JSON pointer (`/items/3`), the item's first line as `line`, and the
document's line map narrowed to it, so findings point at the item's lines. Items that are
not mappings are passed over, as empty documents are; an empty List gives no document.
One level only: a List among a List's items is an item like any other.

The API server's typed lists (`DeploymentList` from `/apis/apps/v1/deployments`) leave
`apiVersion` and `kind` out of their items; an item without them is given the list's
`apiVersion` and its kind less `List`, as kubectl does, so policies see what they would
see in the object itself. The expansion depends on the content only, so a file read
again expands the same way (the fix runner's read-back check relies on it).

`manifests.load` expands, as what scan and fix read goes through it; `manifests.read` and
`parse` give the documents as written, which the writer, data files and conftest's
`parse_config` need. Fixes go the other way: an item's operations are written into its
document under the item's pointer (`operations`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from kfix import pointer as pointer_
from kfix.model import Document

if TYPE_CHECKING:  # manifests calls expanded(); importing it here would be a cycle
    from collections.abc import Callable

    from kfix.load.manifests import LoadedFile

LIST = "List"
ITEMS = "items"


def is_list(content: Any) -> bool:
    """Whether a document is a List of objects: kind `List` or `*List`, an apiVersion, and
    an `items` array."""
    if not isinstance(content, Mapping):
        return False
    kind, api_version = content.get("kind"), content.get("apiVersion")
    return (
        isinstance(kind, str)
        and kind.endswith(LIST)
        and isinstance(api_version, str)
        and bool(api_version)
        and isinstance(content.get(ITEMS), list)
    )


def expanded(loaded: LoadedFile) -> LoadedFile:
    """The file with each List document replaced by its items; the same object when the
    file holds no List."""
    if not any(is_list(document.content) for document in loaded.documents):
        return loaded
    return replace(loaded, documents=tuple(expand(loaded.documents)))


def expand(documents: Sequence[Document]) -> Iterator[Document]:
    """The documents, each List among them replaced by its mapping items."""
    for document in documents:
        if document.item or not is_list(document.content):
            yield document  # an item already, or no List: one level only
            continue
        content = document.content
        for position, value in enumerate(content[ITEMS]):
            if not isinstance(value, Mapping):
                continue
            item = pointer_.join("", ITEMS, position)
            line_of = ItemLines(document.line_of, item)
            yield replace(document, line=line_of(""), content=_typed(value, content),
                          line_of=line_of, item=item)


def _typed(value: Mapping[str, Any], listed: Mapping[str, Any]) -> Any:
    """The item, with the typed list's apiVersion and kind when it leaves them out."""
    kind = listed["kind"][: -len(LIST)]
    if not kind or ("apiVersion" in value and "kind" in value):
        return value
    return {"apiVersion": listed["apiVersion"], "kind": kind, **value}


class ItemLines:
    """An item's line map: its pointers read as pointers under the item in its document's
    line map (the deepest node that exists, the item itself at least)."""

    __slots__ = ("_item", "_lines")

    def __init__(self, lines: Callable[[str], int], item: str) -> None:
        self._lines = lines
        self._item = item

    def __call__(self, pointer: str) -> int:
        # "/" + pointer[1:]: the same segments pointer.split reads, well formed or not
        return self._lines(self._item + "/" + pointer[1:] if pointer else self._item)


def operations(item: str, ops: Sequence[Mapping[str, Any]]) -> Sequence[Mapping[str, Any]]:
    """An item's RFC 6902 operations as operations on its document: each path under the
    item's pointer. A whole document's operations (item "") are returned as they are."""
    if not item:
        return ops
    return [{**op, "path": item + op["path"]} for op in ops]
