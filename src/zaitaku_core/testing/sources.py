"""Source coverage: does every statement of a city's source document reach its reports, in its words?

A city plugin's source-coverage test extracts the statements of its document (table cells, rules, status
lines …) and asks these helpers which of them are missing from a rendered report. Matching normalises only
what a renderer may change without changing the words: white space (removed) and full / half width
(Unicode NFKC). Nothing else is folded, so a dropped 等 or a rewritten heading is a miss.

>>> normalize("ケアマネジャーと病院等で，早く 把握した方が連絡")
'ケアマネジャーと病院等で,早く把握した方が連絡'
>>> missing(["旧ア 地域の医療", "旧イ"], ["旧ア　地域の医療・介護の資源の把握"])
['旧イ']
>>> html_texts('<table><tr><td>令和6年度は<mark class="new">全面更新</mark>を行う。</td></tr></table>')
['令和6年度は全面更新を行う。']
>>> html_marked('<td>令和6年度は<mark class="new">全面<br>更新</mark>を行う。</td>', "new")
['全面更新']
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from typing import Any

__all__ = ["column_cells", "html_marked", "html_texts", "json_strings", "missing", "normalize", "tsv_rows"]

#: Elements whose text is one block: a table cell, a paragraph, a list item, a heading, a caption.
_BLOCKS = frozenset({"td", "th", "p", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "caption", "figcaption"})
#: Elements that never close (their end tag is absent).
_VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base", "source"})


def normalize(text: str) -> str:
    """``text`` with full / half width folded (NFKC) and every white-space character removed."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def missing(statements: Iterable[str], texts: Iterable[str]) -> list[str]:
    """The statements (in their given order) whose normalised form is in none of the normalised ``texts``."""
    haystack = [normalize(text) for text in texts]
    return [s for s in statements if not any(normalize(s) in text for text in haystack)]


class _Blocks(HTMLParser):
    """Collects the text of every block element, and the text of every element carrying a CSS class."""

    def __init__(self, css_class: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.css_class = css_class
        self.blocks: list[str] = []
        self.marked: list[str] = []
        self._open: list[list[str]] = []  # one buffer per open block element
        self._stack: list[tuple[str, bool]] = []  # (tag, carries the class) of every open element
        self._marks: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        classes = next((value or "" for name, value in attrs if name == "class"), "").split()
        carries = self.css_class is not None and self.css_class in classes
        self._stack.append((tag, carries))
        if tag in _BLOCKS:
            self._open.append([])
        if carries:
            self._marks.append([])

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            name, carries = self._stack.pop()
            if name in _BLOCKS:
                self.blocks.append("".join(self._open.pop()))
            if carries:
                self.marked.append("".join(self._marks.pop()))
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        for buffer in (*self._open[-1:], *self._marks):
            buffer.append(data)


def _parse(document: str | bytes, css_class: str | None) -> _Blocks:
    parser = _Blocks(css_class)
    parser.feed(document.decode("utf-8") if isinstance(document, bytes) else document)
    parser.close()
    return parser


def html_texts(document: str | bytes) -> list[str]:
    """The text of every block element (cell, paragraph, list item, heading, caption) of an HTML page,
    inline markup removed, entities decoded."""
    return _parse(document, None).blocks


def html_marked(document: str | bytes, css_class: str) -> list[str]:
    """The text of every element of an HTML page that carries ``css_class`` (e.g. ``"new"``)."""
    return _parse(document, css_class).marked


def json_strings(document: str | bytes | Any) -> list[str]:
    """Every string value (not key) of a JSON document, given as text, bytes or already parsed."""
    data = json.loads(document) if isinstance(document, str | bytes) else document
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(data)
    return found


def tsv_rows(text: str) -> Iterator[list[str]]:
    """The rows of tab-separated text (the seeds' tables), each as its cells with outer space stripped;
    lines without a tab are skipped."""
    for line in text.splitlines():
        if "\t" in line:
            yield [cell.strip() for cell in line.split("\t")]


def _md_rows(document: str) -> Iterator[list[str]]:
    for line in document.splitlines():
        if line.startswith("|"):
            cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
            yield [cell.strip().replace("\\|", "|").replace("<br>", "\n") for cell in cells]
        else:
            yield []


def _csv_rows(document: str) -> Iterator[list[str]]:
    yield from csv.reader(io.StringIO(document))


def _xlsx_rows(document: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(document), read_only=True)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            yield ["" if value is None else str(value) for value in row]
        yield []  # a sheet ends its table
    workbook.close()


def column_cells(document: bytes, fmt: str, header: str) -> list[str]:
    """Every cell under a column headed ``header``, in any table of a Markdown, CSV or XLSX report.

    A table is found by its header row wherever it starts (so a title block above it does not matter); it
    ends at an empty row (CSV, Markdown) or at the end of its sheet (XLSX).
    """
    if fmt == "xlsx":
        rows: Iterator[list[str]] = _xlsx_rows(document)
    else:
        text = document.decode("utf-8-sig")
        rows = _md_rows(text) if fmt == "md" else _csv_rows(text)
    found: list[str] = []
    column: int | None = None
    for row in rows:
        if not any(row):
            column = None
        elif column is None:
            column = row.index(header) if header in row else None
        elif column < len(row) and not set(row[column]) <= set("- "):  # skip Markdown's --- row
            found.append(row[column])
    return found
