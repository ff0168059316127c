"""A cell's value as the person typed it, from a workbook Excel saved: what openpyxl leaves undone.

Both readers of workbooks (the plan workbook, :mod:`zaitaku_core.io.xlsx_import`, and the activity log,
:mod:`zaitaku_core.activity.reader`) open files through :func:`load_values` and read each cell's text through
:func:`unescape`:

* Excel writes a character XML cannot carry as itself as ``_xHHHH_`` (a carriage return, as in text pasted
  from Windows with CR LF, is ``_x000D_``), and a typed ``_x`` that would read as one as ``_x005F_x``.
  openpyxl leaves these undecoded, but for shared strings drops every ``x005F_`` first, after which a typed
  ``_x000D_`` and a carriage return look alike. :func:`load_values` keeps shared strings as saved, and
  :func:`unescape` decodes them (and inline strings) in one pass.
* A date cell that lost its date format is a bare serial number, counted from 1900, or from 1904 in a
  workbook of the 1904 date system; :func:`serial_offset` says which, and :func:`as_1900_serial` reads a
  date column's cell with it, so that no date is read four years and a day early.
* An Excel error value (``#N/A``, ``#REF!``: a formula that failed, or its result pasted as a value) comes
  from openpyxl as that text; :func:`is_error` tells it apart, so that a reader refuses it rather than keep
  ``#N/A`` as a name.

Imports no other module of zaitaku-core but :mod:`zaitaku_core.i18n` (the activity log, which the plan workbook's
layout imports, uses it).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from zaitaku_core.i18n import NP_

__all__ = ["ERROR_VALUE", "as_1900_serial", "is_error", "load_values", "serial_offset", "unescape"]

#: What both readers say of a cell :func:`is_error` finds (``{value}``: ``#N/A``, ``#REF!`` …).
ERROR_VALUE = NP_(
    "workbook",
    "the Excel error value {value} (a formula that failed, or its result pasted as a value): correct the cell or "
    "type the value",
)

_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape(value: Any) -> Any:
    """A cell's text as typed: Excel's ``_xHHHH_`` escapes decoded left to right (so ``_x005F_x000D_`` stays
    the typed ``_x000D_``), and a line break of any convention made the LF of Excel's own Alt+Enter. Any
    other value is returned as it is.

    >>> unescape("一行目_x000D_\\n二行目"), unescape("_x005F_x000D_"), unescape(3)
    ('一行目\\n二行目', '_x000D_', 3)
    """
    if not isinstance(value, str):
        return value
    if "_x" in value:
        value = _EXCEL_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), value)
    return value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value


def serial_offset(workbook: Any) -> int:
    """Days to add to a bare serial number of ``workbook`` (a date cell that lost its date format) to read it
    as the 1900 date system, which both readers assume: 0, or 1,462 for a workbook in the 1904 date system
    (old Excel for Mac), whose serial 0 is 1904-01-01. A cell formatted as a date is converted by openpyxl
    in either system already."""
    from datetime import datetime

    return 1462 if getattr(workbook, "epoch", None) == datetime(1904, 1, 1) else 0


def as_1900_serial(value: Any, offset: int) -> Any:
    """A date column's cell as the 1900 date system reads it: a bare serial number (an ``int`` or a ``float``,
    never a boolean) plus ``offset`` (:func:`serial_offset`); any other value as it is.

    >>> as_1900_serial(45000, 1462), as_1900_serial("2024-04-01", 1462), as_1900_serial(True, 1462)
    (46462, '2024-04-01', True)
    """
    return value + offset if offset and type(value) in (int, float) else value


def is_error(cell: Any) -> bool:
    """Whether an openpyxl cell holds an Excel error value (``#N/A``, ``#REF!`` …)."""
    return getattr(cell, "data_type", None) == "e"


def load_values(path: Path) -> Any:
    """The workbook as ``openpyxl.load_workbook(path, read_only=True, data_only=True)`` gives it, except that
    its shared strings are the text as saved (Excel's escapes left for :func:`unescape`), not half-decoded."""
    from openpyxl.cell.text import Text
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    class SavedStrings(ExcelReader):
        def read_strings(self) -> None:
            part = self.package.find(SHARED_STRINGS)  # type: ignore[no-untyped-call]
            if part is None:
                return
            tag = f"{{{SHEET_MAIN_NS}}}si"
            with self.archive.open(part.PartName[1:]) as source:
                for _, node in iterparse(source):
                    if node.tag == tag:
                        text = Text.from_tree(node)
                        self.shared_strings.append("" if text is None else text.content)
                        node.clear()

    reader = SavedStrings(path, read_only=True, data_only=True)
    reader.read()
    return reader.wb
