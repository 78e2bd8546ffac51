"""Markdown read back with markdown-it-py, as a CommonMark + GFM-tables renderer sees it:
tables as rows of cells, each cell's literal text, fenced blocks, headings."""

from __future__ import annotations

from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

PARSER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


@dataclass
class Cell:
    text: str  # what a reader sees
    kinds: set[str]  # the inline token types it is made of: {"text"} for plain text


@dataclass
class Parsed:
    tokens: list[Token]

    @property
    def tables(self) -> list[list[list[Cell]]]:
        tables: list[list[list[Cell]]] = []
        previous = ""
        for token in self.tokens:
            if token.type == "table_open":
                tables.append([])
            elif token.type == "tr_open":
                tables[-1].append([])
            elif token.type == "inline" and previous in ("th_open", "td_open"):
                children = token.children or []
                tables[-1][-1].append(Cell("".join(c.content for c in children),
                                           {c.type for c in children}))
            previous = token.type
        return tables

    @property
    def fences(self) -> list[tuple[str, str]]:
        return [(t.info, t.content) for t in self.tokens if t.type == "fence"]

    def headings(self, level: int) -> list[str]:
        found = []
        for number, token in enumerate(self.tokens):
            if token.type == "heading_open" and token.tag == f"h{level}":
                children = self.tokens[number + 1].children or []
                found.append("".join(c.content for c in children))
        return found

    @property
    def html(self) -> list[str]:
        return [t.content for t in self.tokens if t.type == "html_block"]


def parse(text: str) -> Parsed:
    return Parsed(PARSER.parse(text))


def rows(table: list[list[Cell]]) -> list[list[str]]:
    return [[cell.text for cell in row] for row in table]
