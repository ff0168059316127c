"""Read a plan workbook back into a city's data files, validated through the models.

:func:`read_workbook` checks the file before parsing it (size, zip bombs, a macro-enabled, encrypted,
legacy or renamed text file are refused with a reason), reads it with openpyxl in read-only mode
(bounded: at most :data:`MAX_ROWS` rows and :data:`MAX_COLUMNS` columns a sheet), finds each sheet's
header row by its headers (so columns may be reordered, a title row added above, the help row
deleted), reads every cell as its column's kind (full-width digits, era dates such as 令和6年4月1日,
dates typed as text, dropdown labels), groups continuation rows into lists, and validates every record
through the same models a plugin's data goes through.

It never stops at the first problem: every problem of the workbook is collected, each with its sheet,
cell and column header (``取組!E7 新項目: 'イ(エ)' は国の取組項目にありません``), in Japanese or English,
and raised together as one :class:`~zaitaku_core.errors.WorkbookError`. Only a wholly valid workbook
gives a result, so nothing can be written from a half-read file.

Formulas are never evaluated: a formula cell's value is the result Excel saved with the file (the
import says so in its notices); a formula without a saved result is a problem. Text that looks like a
formula (``=HYPERLINK(…)`` typed as text) is kept as the text it is: the data files are never executed,
and every export of the library neutralises such text.
"""

from __future__ import annotations

import itertools
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
from pydantic import BaseModel, ValidationError

from zaitaku_core.errors import WorkbookError, WorkbookProblem, field_error_text
from zaitaku_core.i18n import NP_, translate
from zaitaku_core.io.xlsx_cells import ERROR_VALUE, as_1900_serial, is_error, load_values, serial_offset, unescape
from zaitaku_core.io.xlsx_schema import (
    LIST_SHEET,
    LOG_SHEET,
    SHEETS,
    CellError,
    Column,
    Kind,
    SheetSpec,
    columns,
    decode,
    is_blank,
    normalize_header,
)

__all__ = ["MAX_BYTES", "MAX_COLUMNS", "MAX_ROWS", "MAX_UNCOMPRESSED", "WorkbookImport", "read_workbook"]

#: The largest workbook file read (a city's plan is well under 1 MB).
MAX_BYTES = 20 * 1024 * 1024
#: The most bytes the workbook's parts may unpack to (guards against zip bombs).
MAX_UNCOMPRESSED = 200 * 1024 * 1024
#: The most rows read in one sheet.
MAX_ROWS = 20_000
#: The most columns read in one sheet.
MAX_COLUMNS = 300
#: How many rows from the top are searched for the header row.
HEADER_SEARCH_ROWS = 10
_IGNORED_SHEETS = {normalize_header(LIST_SHEET), normalize_header("使い方")}
_LOG_SHEET = normalize_header(LOG_SHEET)

_MESSAGES: dict[str, str] = {
    "number": NP_("workbook", "not a number: {value!r}"),
    "integer": NP_("workbook", "not a whole number: {value!r}"),
    "fiscal_year": NP_("workbook", "not a fiscal year: {value!r}"),
    "bool": NP_("workbook", "write はい or いいえ: {value!r}"),
    "date": NP_("workbook", "not a date: {value!r} (write 令和6年4月1日 or 2024-04-01)"),
    "time": NP_("workbook", "not a time: {value!r} (write 8:45)"),
    "choice": NP_("workbook", "{value!r} is not one of: {choices}"),
    "national_item": NP_("workbook", "{value!r} is not a national item (expected one of: {choices})"),
    "json": NP_("workbook", "not valid JSON: {error}"),
    "json_list": NP_("workbook", "expected a JSON list of objects"),
    "line_fields": NP_("workbook", "too many ｜-separated fields (at most {count}): {line!r}"),
    "formula_no_value": NP_(
        "workbook",
        "a formula without a saved result (formulas are never evaluated; save the file in Excel or type the "
        "value): {formula}",
    ),
    "formula_used": NP_(
        "workbook", "a formula cell: its saved result {value!r} is used (formulas are never evaluated): {formula}"
    ),
    "error_value": ERROR_VALUE,
    "missing_sheet": NP_("workbook", "no sheet {name!r} (found: {found})"),
    "log_sheet": NP_(
        "workbook", "the activities of sheet {name!r} are not part of the plan; import them with zaitaku log import"
    ),
    "unknown_sheet": NP_(
        "workbook",
        "sheet {name!r} is not part of the plan workbook; if it was renamed, give it back its name ({expected})",
    ),
    "no_header": NP_("workbook", "no header row found ({headers} …)"),
    "missing_column": NP_("workbook", "the required column {header!r} is missing"),
    "unknown_column": NP_("workbook", "unknown column {header!r} (it holds values)"),
    "no_header_cell": NP_("workbook", "a value under a column without header (under merged cells?)"),
    "duplicate_column": NP_("workbook", "the header {header!r} appears twice ({other})"),
    "duplicate_id": NP_("workbook", "id {value!r} is also used at {other}"),
    "continuation": NP_("workbook", "a row without id continues the record above and may only hold its {what}"),
    "no_record": NP_("workbook", "no id (the first row of a record needs one)"),
    "conflict": NP_("workbook", "rows of the same id disagree ({other} says {first!r})"),
    "city_rows": NP_("workbook", "write exactly one city row (found {count})"),
    "too_many_rows": NP_("workbook", "too many rows (at most {limit})"),
    "too_many_columns": NP_("workbook", "too many columns (at most {limit})"),
    "too_large": NP_("workbook", "the file is too large ({size:.1f} MB; the limit is {limit:.0f} MB)"),
    "unpacks_too_large": NP_("workbook", "the workbook unpacks too large ({size:.0f} MB; the limit is {limit:.0f} MB)"),
    "not_found": NP_("workbook", "no such file"),
    "unreadable": NP_("workbook", "cannot read the file: {error}"),
    "encrypted": NP_(
        "workbook", "a password-protected workbook or a legacy .xls file; remove the password and save it as .xlsx"
    ),
    "macro": NP_("workbook", "a macro-enabled workbook (.xlsm) is not read (macros are never run); save it as .xlsx"),
    "not_workbook": NP_(
        "workbook",
        "not an Excel workbook (.xlsx): it looks like a text file such as CSV; open it in Excel and save it as .xlsx",
    ),
    "corrupt": NP_("workbook", "the file is damaged and cannot be read: {error}"),
    "missing": NP_("workbook", "required"),
    # An id cell's refused value is never repeated: what is typed there instead of an id may be a person's name.
    "invalid_id": NP_(
        "workbook", "not an id: ids are lower-case ASCII letters, digits, '-', '_' and '.' (the value is not shown)"
    ),
    "invalid": NP_("workbook", "invalid value: {error}"),
}


def _message(key: str, lang: str, **params: Any) -> str:
    return translate(_MESSAGES[key], lang).format(**params)


@attrs.frozen
class WorkbookImport:
    """A wholly valid workbook, as the data files of a city folder."""

    city_id: str
    #: File name -> content (what ``tomllib`` would give for that file).
    files: Mapping[str, Mapping[str, Any]]
    #: Things to know that are not problems (formula results used).
    notices: tuple[WorkbookProblem, ...] = ()


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@attrs.define
class _Reader:
    """The state of one import: the problems and notices found so far, and the language of messages."""

    file: str
    lang: str
    #: Days added to a bare serial number in a date column (see :func:`~zaitaku_core.io.xlsx_cells.serial_offset`).
    serial_offset: int = 0
    problems: list[WorkbookProblem] = attrs.Factory(list)
    notices: list[WorkbookProblem] = attrs.Factory(list)

    def problem(
        self, key: str, sheet: str | None = None, cell: str | None = None, field: str | None = None, **p: Any
    ) -> None:
        self.problems.append(WorkbookProblem(sheet, cell, field, _message(key, self.lang, **p), key))

    def notice(self, key: str, sheet: str, cell: str, field: str | None, **p: Any) -> None:
        self.notices.append(WorkbookProblem(sheet, cell, field, _message(key, self.lang, **p), key))

    def fail(self) -> WorkbookError:
        """The error listing every problem, in sheet order, then by row and column."""
        order = {spec.name: index for index, spec in enumerate(SHEETS)}

        def position(problem: WorkbookProblem) -> tuple[int, int, int, str]:
            match = re.fullmatch(r"([A-Z]+)(\d+)", problem.cell or "")
            row, col = (int(match.group(2)), len(match.group(1)) * 100 + ord(match.group(1)[-1])) if match else (0, 0)
            return (order.get(problem.sheet or "", -1 if problem.sheet is None else len(order)), row, col, problem.key)

        return WorkbookError(self.file, sorted(self.problems, key=position), lang=self.lang)


# --- the file, before parsing ---------------------------------------------------------------------------------


def _check_file(path: Path, reader: _Reader, max_bytes: int) -> None:
    try:
        size = path.stat().st_size
        with path.open("rb") as stream:
            head = stream.read(8)
    except FileNotFoundError:
        reader.problem("not_found")
        raise reader.fail() from None
    except OSError as exc:
        reader.problem("unreadable", error=exc.strerror or type(exc).__name__)
        raise reader.fail() from None
    if size > max_bytes:
        reader.problem("too_large", size=size / 2**20, limit=max_bytes / 2**20)
        raise reader.fail()
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE compound file: encrypted OOXML, or a legacy .xls
        reader.problem("encrypted")
        raise reader.fail()
    if not head.startswith(b"PK"):
        reader.problem("not_workbook")
        raise reader.fail()
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            content_types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError, EOFError) as exc:
        reader.problem("corrupt", error=str(exc) or type(exc).__name__)
        raise reader.fail() from None
    if "xl/vbaProject.bin" in names or b"macroEnabled" in content_types:
        reader.problem("macro")
        raise reader.fail()
    if "xl/workbook.xml" not in names:
        reader.problem("not_workbook" if not content_types else "corrupt", error="xl/workbook.xml がありません")
        raise reader.fail()
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNCOMPRESSED:
        reader.problem("unpacks_too_large", size=unpacked / 2**20, limit=MAX_UNCOMPRESSED / 2**20)
        raise reader.fail()


# --- the sheets ------------------------------------------------------------------------------------------------


@attrs.frozen
class _Cell:
    value: Any
    formula: str | None
    #: An Excel error value (``#N/A``, ``#REF!`` …): a formula's failed result, or one pasted as a value.
    error: bool = False


def _rows(values_sheet: Any, formula_sheet: Any, reader: _Reader, name: str, max_rows: int) -> list[list[_Cell]]:
    """The sheet's rows (blank rows kept, so indices are row numbers - 1), values beside their formulas."""
    values_sheet.reset_dimensions()
    formula_sheet.reset_dimensions()
    rows: list[list[_Cell]] = []
    for index, (values, formulas) in enumerate(zip(values_sheet.iter_rows(), formula_sheet.iter_rows(), strict=False)):
        cells = [
            _Cell(
                unescape(v.value),
                f.value if getattr(f, "data_type", None) == "f" else None,
                is_error(v),
            )
            for v, f in zip(values, formulas, strict=False)
        ]
        has_data = any(not is_blank(c.value) or c.formula for c in cells)
        if index >= max_rows:
            if has_data:
                reader.problem("too_many_rows", name, f"A{index + 1}", None, limit=max_rows)
                break
            continue
        if len(cells) > MAX_COLUMNS:
            if any(not is_blank(c.value) for c in cells[MAX_COLUMNS:]):
                reader.problem(
                    "too_many_columns", name, f"{_column_letter(MAX_COLUMNS)}{index + 1}", None, limit=MAX_COLUMNS
                )
            cells = cells[:MAX_COLUMNS]
        rows.append(cells)
    while rows and not any(not is_blank(c.value) or c.formula for c in rows[-1]):
        rows.pop()
    return rows


def _header_names(column: Column) -> set[str]:
    return {normalize_header(column.header), normalize_header(".".join(column.path))}


def _find_header(rows: Sequence[Sequence[_Cell]], cols: Sequence[Column]) -> int | None:
    known = {name for column in cols for name in _header_names(column)}
    best, best_count = None, 0
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        count = sum(1 for cell in row if isinstance(cell.value, str) and normalize_header(cell.value) in known)
        if count > best_count:
            best, best_count = index, count
    return best


@attrs.define
class _Record:
    """One record being read: its fields (a nested dict), and the cell each field path came from."""

    data: dict[str, Any]
    cells: dict[tuple[Any, ...], tuple[str, str, str]]
    sheet: str
    anchor: str
    #: Field paths whose cell could not be read (a problem already), not to be reported again as missing.
    failed: set[tuple[Any, ...]] = attrs.Factory(set)
    #: The record's own fields (not a list's) by path: the cell of its first row and the column header, where
    #: a problem of a field left blank is said (``取組!C5 年度``, not ``取組!A5 fiscal_year``).
    blanks: dict[tuple[Any, ...], tuple[str, str]] = attrs.Factory(dict)


def _set(data: dict[str, Any], path: Sequence[Any], value: Any) -> None:
    target: Any = data
    for part, following in itertools.pairwise(path):
        if isinstance(target, list):
            while len(target) <= part:
                target.append({} if not isinstance(following, int) else [])
            target = target[part]
        else:
            target = target.setdefault(part, [] if isinstance(following, int) else {})
    target[path[-1]] = value


def _read_sheet(spec: SheetSpec, rows: list[list[_Cell]], reader: _Reader) -> list[_Record]:
    """The records of one sheet, each with the rows it was read from."""
    cols = columns(spec)
    header_index = _find_header(rows, cols)
    if header_index is None:
        if any(any(not is_blank(c.value) for c in row) for row in rows):
            reader.problem("no_header", spec.name, "A1", None, headers="、".join(c.header for c in cols[:3]))
        return []
    by_name = {name: column for column in cols for name in _header_names(column)}
    mapping: dict[int, Column] = {}
    seen: dict[tuple[str, ...], int] = {}
    data_rows = rows[header_index + 1 :]
    for index, cell in enumerate(rows[header_index]):
        ref = f"{_column_letter(index)}{header_index + 1}"
        has_values = any(index < len(row) and not is_blank(row[index].value) for row in data_rows)
        if is_blank(cell.value):
            if has_values:
                reader.problem("no_header_cell", spec.name, ref, None)
            continue
        column = by_name.get(normalize_header(str(cell.value)))
        if column is None:
            if has_values:
                reader.problem("unknown_column", spec.name, ref, None, header=str(cell.value).strip())
            continue
        if column.path in seen:
            reader.problem(
                "duplicate_column",
                spec.name,
                ref,
                column.header,
                header=column.header,
                other=_column_letter(seen[column.path]),
            )
            continue
        seen[column.path] = index
        mapping[index] = column
    present = {column.path for column in mapping.values()}
    for column in cols:
        if column.required and len(column.path) == 1 and column.path not in present and data_rows:
            reader.problem("missing_column", spec.name, None, column.header, header=column.header)
    helps = {index: normalize_header(column.help) for index, column in mapping.items() if column.help}
    start = header_index + 1
    if start < len(rows) and any(
        index < len(rows[start])
        and isinstance(rows[start][index].value, str)
        and normalize_header(rows[start][index].value).endswith(text)
        for index, text in helps.items()
    ):
        start += 1  # the help row
    return _group(spec, rows, start, mapping, reader)


def _group(
    spec: SheetSpec, rows: list[list[_Cell]], start: int, mapping: dict[int, Column], reader: _Reader
) -> list[_Record]:
    """Rows into records: a row with an id starts a record; in a sheet that expands a list into rows, a row
    whose id is empty (or that of the record above) adds an item to it."""
    records: list[_Record] = []
    ids: dict[tuple[str | None, Any], str] = {}
    id_index = next((index for index, column in mapping.items() if column.path == ("id",)), None)
    keyed = not spec.single
    children = 0
    for row_index in range(start, len(rows)):
        number = row_index + 1
        values = _row_values(spec, rows[row_index], number, mapping, reader)
        if values is None:
            continue
        record_id = _decode_id(mapping, id_index, values)
        current = records[-1] if records else None
        continues = (
            current is not None
            and spec.rows is not None
            and (record_id is None or (record_id == current.data.get("id") and _agrees(current, values, mapping)))
        )
        if not continues:
            if keyed and id_index is not None:
                ref = f"{_column_letter(id_index)}{number}"
                header = mapping[id_index].header
                if id_index not in values:
                    reader.problem("no_record", spec.name, ref, header)
                    continue
                key = (record_id, _year(mapping, values))
                if record_id is not None and key in ids:
                    reader.problem("duplicate_id", spec.name, ref, header, value=record_id, other=ids[key])
                if record_id is not None:
                    ids.setdefault(key, f"{spec.name}!{ref}")
            current = _Record({}, {}, spec.name, f"A{number}")
            current.blanks = {
                column.path: (f"{_column_letter(index)}{number}", column.header)
                for index, column in mapping.items()
                if not column.child
            }
            records.append(current)
            children = 0
        assert current is not None
        if _fill(spec, current, values, number, mapping, reader, children, first=not continues):
            children += 1
    return records


def _row_values(
    spec: SheetSpec, row: Sequence[_Cell], number: int, mapping: Mapping[int, Column], reader: _Reader
) -> dict[int, Any] | None:
    """The non-blank values of a row by column index (formulas replaced by their saved results), or
    ``None`` for a blank row."""
    if not any(not is_blank(cell.value) or cell.formula for cell in row):
        return None
    values: dict[int, Any] = {}
    for index, column in mapping.items():
        if index >= len(row):
            continue
        cell = row[index]
        ref = f"{_column_letter(index)}{number}"
        if cell.error:
            reader.problem("error_value", spec.name, ref, column.header, value=cell.value)
            continue
        if cell.formula is not None:
            if is_blank(cell.value):
                reader.problem("formula_no_value", spec.name, ref, column.header, formula=cell.formula)
                continue
            reader.notice("formula_used", spec.name, ref, column.header, value=cell.value, formula=cell.formula)
        if not is_blank(cell.value):
            # A date column's bare serial of a 1904-system workbook, read as decode's 1900-system one.
            values[index] = as_1900_serial(cell.value, reader.serial_offset) if column.kind is Kind.DATE else cell.value
    return values


def _agrees(record: _Record, values: Mapping[int, Any], mapping: Mapping[int, Column]) -> bool:
    """Whether a row's record-level values are those of ``record`` (a repeated first row, not a new year)."""
    for index, value in values.items():
        column = mapping[index]
        if column.child or column.path == ("id",):
            continue
        try:
            if decode(column, value) != _lookup(record.data, column.path):
                return False
        except CellError:
            return False
    return True


def _year(mapping: Mapping[int, Column], values: Mapping[int, Any]) -> Any:
    """The fiscal year of a row of a sheet keyed by id and year (programs), else ``None``."""
    for index, column in mapping.items():
        if column.path == ("fiscal_year",) and index in values:
            try:
                return decode(column, values[index])
            except CellError:
                return values[index]
    return None


def _decode_id(mapping: Mapping[int, Column], id_index: int | None, values: Mapping[int, Any]) -> str | None:
    if id_index is None or id_index not in values:
        return None
    try:
        return str(decode(mapping[id_index], values[id_index]))
    except CellError:
        return None


def _fill(
    spec: SheetSpec,
    record: _Record,
    values: Mapping[int, Any],
    number: int,
    mapping: Mapping[int, Column],
    reader: _Reader,
    children: int,
    *,
    first: bool,
) -> bool:
    """Put a row's values into ``record``; True if the row added an item to the expanded list."""
    added = False
    for index, value in values.items():
        column = mapping[index]
        ref = f"{_column_letter(index)}{number}"
        if not column.child and not first:
            if column.path != ("id",):
                _check_repeat(spec, record, column, value, ref, mapping, reader)
            continue
        try:
            decoded = decode(column, value)
        except CellError as exc:
            params = dict(exc.params)
            key = exc.key
            if key == "choice" and column.enum is not None and column.enum.__name__ in {"NewItem", "OldItem"}:
                key, params["choices"] = "national_item", "、".join(m.code for m in column.enum)
            reader.problem(key, spec.name, ref, column.header, **params)
            record.failed.add(_path(column, children))
            continue
        path = _path(column, children)
        _set(record.data, path, decoded)
        record.cells[path] = (spec.name, ref, column.header)
        added = added or column.child
    return added


def _path(column: Column, children: int) -> tuple[Any, ...]:
    return (column.path[0], children, *column.path[1:]) if column.child else column.path


def _check_repeat(
    spec: SheetSpec,
    record: _Record,
    column: Column,
    value: Any,
    ref: str,
    mapping: Mapping[int, Column],
    reader: _Reader,
) -> None:
    """A continuation row may repeat its record's values (as a copy of the first row would), no others."""
    first = _lookup(record.data, column.path)
    if first is None:
        what = "、".join(c.header for c in mapping.values() if c.child) or "—"
        reader.problem("continuation", spec.name, ref, column.header, what=what)
        return
    try:
        same = decode(column, value) == first
    except CellError:
        same = False
    if not same:
        other = record.cells.get(column.path, ("", "?", ""))[1]
        reader.problem("conflict", spec.name, ref, column.header, other=other, first=first)


def _lookup(data: Mapping[str, Any], path: Sequence[str]) -> Any:
    value: Any = data
    for name in path:
        if not isinstance(value, Mapping) or name not in value:
            return None
        value = value[name]
    return value


# --- validation ------------------------------------------------------------------------------------------------


def _error_text(error: Mapping[str, Any], lang: str) -> tuple[str, str]:
    kind = error["type"]
    if kind == "missing":
        return "missing", _message("missing", lang)
    if kind == "string_pattern_mismatch" and error["loc"] and error["loc"][-1] in {"id", "tools", "parts", "programs"}:
        return "invalid_id", _message("invalid_id", lang)
    if isinstance(error["loc"][-1] if error["loc"] else None, int) and error["loc"][-2:-1] in {
        ("tools",),
        ("parts",),
        ("programs",),
    }:
        return "invalid_id", _message("invalid_id", lang)
    said = field_error_text(error)  # a validator's own error, or pydantic's common ones, in each language
    message = said.ja if lang == "ja" else said.en
    return "invalid", _message("invalid", lang, error=message)


def _validate(model: type[BaseModel], record: _Record, reader: _Reader, skip: set[tuple[str, ...]]) -> None:
    try:
        model.model_validate(record.data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            if any(loc[: len(path)] == path for path in (*skip, *record.failed)):
                continue
            where = None
            for length in range(len(loc), 0, -1):
                where = record.cells.get(loc[:length])
                if where is not None:
                    break
            if where is None and loc in record.blanks:  # a field of the record whose cell was left blank
                where = (record.sheet, *record.blanks[loc])
            key, text = _error_text(error, reader.lang)
            if where is None:
                field = ".".join(str(part) for part in loc) or None
                reader.problems.append(WorkbookProblem(record.sheet, record.anchor, field, text, key))
            else:
                reader.problems.append(WorkbookProblem(where[0], where[1], where[2], text, key))


def _sheet_map(workbook: Any) -> dict[str, Any]:
    return {normalize_header(sheet.title): sheet for sheet in workbook.worksheets}


def read_workbook(
    path: str | Path, *, lang: str = "ja", max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS
) -> WorkbookImport:
    """Read and validate the plan workbook at ``path``.

    Raises:
        WorkbookError: anything is wrong; ``problems`` lists every problem found, each with sheet, cell
            and field, and nothing of the workbook is returned.
    """
    path = Path(path)
    reader = _Reader(str(path), lang)
    _check_file(path, reader, max_bytes)
    try:
        import openpyxl

        values_book = load_values(path)
        reader.serial_offset = serial_offset(values_book)
        formula_book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds (KeyError, ValueError, lxml's) on a damaged file
        reader.problem("corrupt", error=f"{type(exc).__name__}: {exc}"[:200])
        raise reader.fail() from None
    try:
        sheet_rows = _read_sheets(values_book, formula_book, reader, max_rows)
    except WorkbookError:
        raise
    except Exception as exc:  # a damaged part found only while reading rows
        reader.problem("corrupt", error=f"{type(exc).__name__}: {exc}"[:200])
        raise reader.fail() from None
    finally:
        values_book.close()
        formula_book.close()
    result = _assemble(sheet_rows, reader)
    if reader.problems:
        raise reader.fail()
    assert result is not None
    return result


def _read_sheets(values_book: Any, formula_book: Any, reader: _Reader, max_rows: int) -> dict[str, list[list[_Cell]]]:
    values_sheets = _sheet_map(values_book)
    formula_sheets = _sheet_map(formula_book)
    expected = {normalize_header(spec.name) for spec in SHEETS}
    found = "、".join(sheet.title for sheet in values_book.worksheets) or "なし"
    out: dict[str, list[list[_Cell]]] = {}
    for spec in SHEETS:
        key = normalize_header(spec.name)
        if key not in values_sheets:
            reader.problem("missing_sheet", spec.name, None, None, name=spec.name, found=found)
            continue
        out[spec.name] = _rows(values_sheets[key], formula_sheets[key], reader, spec.name, max_rows)
    missing = [spec.name for spec in SHEETS if spec.name not in out]
    for key, sheet in values_sheets.items():
        if key in expected or key in _IGNORED_SHEETS:
            continue
        if key == _LOG_SHEET:  # the activity log's sheet: read by zaitaku log import
            below_help = sheet.iter_rows(min_row=3, max_row=52, values_only=True)
            if any(not is_blank(value) for row in below_help for value in row):
                reader.notice("log_sheet", sheet.title, "A3", None, name=sheet.title)
            continue
        if any(
            any(not is_blank(c.value) for c in row)
            for row in _rows(sheet, formula_sheets[key], reader, sheet.title, 50)
        ):
            reader.problem(
                "unknown_sheet", sheet.title, None, None, name=sheet.title, expected="、".join(missing) or "—"
            )
    return out


def _assemble(sheet_rows: Mapping[str, list[list[_Cell]]], reader: _Reader) -> WorkbookImport | None:
    read: dict[str, list[_Record]] = {
        spec.name: _read_sheet(spec, sheet_rows[spec.name], reader) for spec in SHEETS if spec.name in sheet_rows
    }
    city_spec = SHEETS[0]
    city_records = read.get(city_spec.name, [])
    if city_spec.name in read and len(city_records) != 1:
        # Named at the second row when there are two (the first may be right), else where the row belongs.
        where = city_records[1].anchor if len(city_records) > 1 else "A3"
        reader.problem("city_rows", city_spec.name, where, None, count=len(city_records))
    city = city_records[0] if city_records else _Record({}, {}, city_spec.name, "A3")
    skip = {path for problem in reader.problems if problem.key == "missing_column" for path in _paths_of(problem.field)}
    files: dict[str, dict[str, Any]] = {city_spec.file: {city_spec.key: city.data}}
    if city_records:  # the first row is checked as the city; a sheet without one is the problem above
        _validate(city_spec.model, city, reader, skip)
    for spec in SHEETS[1:]:
        items = []
        for record in read.get(spec.name, []):
            _validate(spec.model, record, reader, skip)
            items.append(record.data)
        files[spec.file] = {spec.key: items}
    if reader.problems:
        return None
    return WorkbookImport(str(city.data.get("id", "")), files, tuple(reader.notices))


def _paths_of(header: str | None) -> Iterator[tuple[str, ...]]:
    for spec in SHEETS:
        for column in columns(spec):
            if column.header == header:
                yield column.path
