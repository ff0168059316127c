"""An office's own closed dates (夏季休業, 創立記念日 …) read from a small text or CSV file.

The file (``zaitaku handoff-batch --holidays FILE``) is either one date per line, or a CSV file whose
header names a date column (``date``, ``日付``, ``休業日``, ``年月日``; other columns, such as a name, are
ignored). Without such a header the first cell of every line is the date and any further cells are
ignored, unless one of them is a date too (``2024-08-13,2024-08-14``: a row of dates saved from a
spreadsheet), which is refused rather than read in part. Blank lines and lines starting with ``#`` are
skipped. Dates are written as the events reader accepts them: ``2024-08-13``, ``2024/8/13``,
``2024年8月13日``, ``令和6年8月13日``, ``R6.8.13``, full-width digits too. The encoding is UTF-8, UTF-8
with a BOM or cp932 (what Japanese Excel saves as CSV), detected as for the events.

A line that is not a date is refused with one error naming the file and the line (the first line is
line 1), never the text it holds.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from zaitaku_core.calendar.business import FIRST_DAY, LAST_DAY
from zaitaku_core.calendar.era import parse_date
from zaitaku_core.errors import EraDateError, FileAccessError, InputError
from zaitaku_core.i18n import N_
from zaitaku_core.io.csv import check_encoding, detect_encoding

__all__ = ["DATE_HEADERS", "read_closed_dates"]

#: The header names of the date column (compared case-insensitively).
DATE_HEADERS = ("date", "day", "closed", "holiday", "日付", "休業日", "休日", "年月日")
_FORMS = "2024-08-13, 2024/8/13, 令和6年8月13日, R6.8.13"


def read_closed_dates(path: Path, *, encoding: str | None = None) -> tuple[date, ...]:
    """The dates in the file at ``path``, sorted and without repeats.

    ``encoding`` is detected when not given (UTF-8, UTF-8 with a BOM, cp932).

    Raises:
        InputError: a line is not a date, or a date lies outside the business-day tables (the file and
            line are named, the text is not).
        FileAccessError: the file cannot be read.
    """
    where = {"file": str(path)}
    try:
        chosen = check_encoding(encoding) if encoding else detect_encoding(path)
        text = path.read_text(encoding=chosen)
    except UnicodeDecodeError:
        raise InputError(N_("the file is not valid {encoding}"), values={"encoding": chosen}, location=where) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise FileAccessError(N_("cannot read the file: {reason}"), values={"reason": reason}, location=where) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    column: int | None = None
    header = False
    days: set[date] = set()
    for number, line_text in enumerate(text.splitlines(), start=1):
        line = {**where, "line": str(number)}
        try:
            cells = next(csv.reader([line_text]), [])
        except csv.Error:  # a stray quote or NUL, a cell past the csv module's size limit
            raise InputError(N_("not a CSV line"), values={}, location=line) from None
        if not cells or not "".join(cells).strip() or cells[0].lstrip().startswith("#"):
            continue
        if column is None:
            names = [cell.strip().casefold() for cell in cells]
            found = next((i for i, name in enumerate(names) if name in DATE_HEADERS), None)
            column = found if found is not None else 0
            if found is not None:
                header = True
                continue  # the header line
        cell = cells[column].strip() if column < len(cells) else ""
        try:
            day = parse_date(cell)
        except EraDateError:
            raise InputError(N_("not a date (write e.g. {forms})"), values={"forms": _FORMS}, location=line) from None
        if not header and any(_is_date(other) for other in cells[1:]):
            raise InputError(
                N_("more than one date on the line: write one date per line (or name the date column)"),
                values={},
                location=line,
            )
        if not FIRST_DAY <= day <= LAST_DAY:
            raise InputError(
                N_("the date lies outside {first} … {last}"),
                values={"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
                location=line,
            )
        days.add(day)
    return tuple(sorted(days))


def _is_date(cell: str) -> bool:
    try:
        parse_date(cell.strip())
    except EraDateError:
        return False
    return True
