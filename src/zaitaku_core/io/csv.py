"""CSV files read and written as Arrow record batches, streaming (pyarrow.csv).

Reading detects the encoding Japanese users' files come in (UTF-8, UTF-8 with a BOM, or cp932 — what
Japanese Excel saves as "CSV"), or takes the one given; maps the header onto the columns a caller knows
(by name or by a documented alias, Japanese headers included), refusing a file that lacks a required
column with a message that lists the missing and the unknown ones; and yields every cell as text, in
record batches of a bounded size, for :mod:`zaitaku_core.io.events` to parse. Columns the caller does not
know are never read past the header (they may hold personal data).

Errors name the file and the line (the header is line 1) and never echo a cell's value.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import attrs
import pyarrow as pa
import pyarrow.csv as pa_csv

from zaitaku_core.errors import InputError
from zaitaku_core.i18n import N_, ByLanguage, ja_en

__all__ = [
    "ENCODINGS",
    "CsvBatches",
    "CsvWriter",
    "check_encoding",
    "column_list",
    "detect_encoding",
    "resolve_header",
]

#: The encodings a file may be given in with ``--encoding`` (``auto`` detects among the first three).
ENCODINGS = ("utf-8", "utf-8-sig", "cp932", "shift_jis", "euc_jp")
_SAMPLE = 1 << 20
_BOM = codecs.BOM_UTF8


def check_encoding(encoding: str) -> str:
    """``encoding`` if it is one of :data:`ENCODINGS` (by any of its names: ``sjis``, ``UTF8``).

    Raises:
        InputError: it is another encoding, or no encoding at all (``--encoding xyz``).
    """
    try:
        known = codecs.lookup(encoding).name in {codecs.lookup(e).name for e in ENCODINGS}
    except LookupError:
        known = False
    if not known:
        raise InputError(
            N_("unsupported encoding {encoding!r}; use one of: {encodings}"),
            values={"encoding": encoding, "encodings": ", ".join(ENCODINGS)},
        )
    return encoding


def detect_encoding(path: Path) -> str:
    """``"utf-8-sig"`` (a BOM), ``"utf-8"`` or ``"cp932"`` for the file at ``path``, judged on its start.

    Raises:
        InputError: the start of the file is neither UTF-8 nor cp932 (give the encoding explicitly).
    """
    with path.open("rb") as stream:
        sample = stream.read(_SAMPLE)
    if sample.startswith(_BOM):
        return "utf-8-sig"
    for encoding in ("utf-8", "cp932"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=len(sample) < _SAMPLE)
        except UnicodeDecodeError:
            continue
        return encoding
    raise InputError(
        N_("the file is neither UTF-8 nor Shift_JIS (cp932): give --encoding"), values={}, location={"file": str(path)}
    )


#: How a column without a header name (a blank cell, a trailing comma in the header line) is named: by position.
_UNNAMED = N_("column {number}")


def column_list(columns: Sequence[str | ByLanguage], lang: str) -> str:
    """Header names for a message in ``lang``, each unnamed column by its position (列3 / column 3)."""
    return ", ".join(column if isinstance(column, str) else column[0 if lang == "ja" else 1] for column in columns)


def resolve_header(
    names: Sequence[str], known: Mapping[str, tuple[str, ...]], required: Sequence[str], path: Path
) -> tuple[dict[str, str], list[str | ByLanguage]]:
    """Map a header onto the ``known`` columns (canonical name -> accepted aliases).

    Returns ``(header name -> canonical name, unknown header names)``; an unknown column without a name is
    named by its position in each language (:func:`column_list` says them).

    Raises:
        InputError: a required column is missing (the message lists the missing and the unknown
            columns, and the aliases accepted), or two header cells name the same column.
    """
    lookup = {alias.casefold(): canonical for canonical, aliases in known.items() for alias in (canonical, *aliases)}
    mapping: dict[str, str] = {}
    unknown: list[str | ByLanguage] = []
    for position, name in enumerate(names, 1):
        canonical = lookup.get(name.strip().casefold())
        if canonical is None:
            unknown.append(name if name.strip() else ByLanguage(*ja_en(_UNNAMED, number=position)))
        elif canonical in mapping.values():
            raise InputError(
                N_("column {column!r} appears twice"), values={"column": canonical}, location={"file": str(path)}
            )
        else:
            mapping[name] = canonical
    missing = [name for name in required if name not in mapping.values()]
    if missing:
        accepted = "; ".join(f"{c}: {', '.join(known[c]) or '-'}" for c in missing)
        raise InputError(
            N_("missing column(s): {missing} (unknown column(s): {unknown}; accepted names: {accepted})"),
            values={
                "missing": ", ".join(missing),
                "unknown": ByLanguage(column_list(unknown, "ja") or "-", column_list(unknown, "en") or "-"),
                "accepted": accepted,
            },
            location={"file": str(path), "line": "1"},
        )
    return mapping, unknown


#: A row with more or fewer cells than the header.
_WRONG_WIDTH = N_("wrong number of cells")
#: Bytes of a line that holds no value (the same in UTF-8, cp932 and EUC-JP: none is a second byte there).
_BLANK = frozenset(b" \t\r\n,")


def _data_end(path: Path, chunk: int = 1 << 16) -> int:
    """The offset just past the last line of ``path`` that holds a value (the file's size if that line has no
    line break): the lines after it hold only commas, spaces and line breaks."""
    with path.open("rb") as stream:
        end = stream.seek(0, os.SEEK_END)
        while end > 0:
            start = max(0, end - chunk)
            stream.seek(start)
            block = stream.read(end - start)
            last = next((i for i in range(len(block) - 1, -1, -1) if block[i] not in _BLANK), None)
            if last is not None:
                stream.seek(start + last)
                rest = stream.read()
                newline = rest.find(b"\n")
                return start + last + (newline + 1 if newline >= 0 else len(rest))
            end = start
    return 0


class _Head(io.RawIOBase):
    """The first ``size`` bytes of the file at ``path`` as a stream, read with ``read`` calls: never a memory
    map, whose pages would count in the process's memory up to the file's size; the reader holds only its
    blocks, whatever the size of the file."""

    def __init__(self, path: Path, size: int) -> None:
        super().__init__()
        self._file = path.open("rb", buffering=0)
        self._left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")[: self._left]
        count = self._file.readinto(view) or 0
        self._left -= count
        return count

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes in one ``read`` of the file (what Arrow's reader calls for each block: one
        copy, where the default's ``readinto`` of a new buffer makes two)."""
        data = self._file.read(self._left if size < 0 else min(size, self._left))
        self._left -= len(data)
        return data

    def tell(self) -> int:
        return self._file.tell()

    def close(self) -> None:
        self._file.close()
        super().close()


@attrs.define
class CsvBatches:
    """The known columns of a CSV file, as record batches of text (``""`` for an empty cell).

    Iterate for ``(index of the batch's first row, batch)``; :attr:`bytes_read` follows the input for a
    progress bar; :meth:`line_of` gives the line of a row for an error message.
    """

    path: Path
    known: Mapping[str, tuple[str, ...]]
    required: Sequence[str]
    encoding: str | None = None
    block_size: int = 8 << 20
    #: Header name -> canonical column name, and the header names not known (never read).
    mapping: dict[str, str] = attrs.field(init=False, factory=dict)
    unknown: list[str | ByLanguage] = attrs.field(init=False, factory=list)
    size: int = attrs.field(init=False, default=0)
    header: list[str] = attrs.field(init=False, factory=list)
    _source: Any = attrs.field(init=False, default=None)
    _bad_row: bool = attrs.field(init=False, default=False)

    def __attrs_post_init__(self) -> None:
        if self.encoding in (None, "auto"):
            self.encoding = detect_encoding(self.path)
        else:
            check_encoding(self.encoding)
        self.size = os.stat(self.path).st_size
        self.header = self._header()
        self.mapping, self.unknown = resolve_header(self.header, self.known, self.required, self.path)

    def _header(self) -> list[str]:
        assert self.encoding is not None
        try:
            with self.path.open(encoding=self.encoding, newline="") as stream:
                first = next(csv.reader(stream), None)
        except UnicodeDecodeError:
            raise self._error(1, N_("the file is not valid {encoding}"), encoding=self.encoding) from None
        if not first:
            raise InputError(N_("the file is empty"), values={}, location={"file": str(self.path)})
        if first[0].startswith("\ufeff"):
            first[0] = first[0][1:]
        return first

    @property
    def bytes_read(self) -> int:
        """Bytes of the file read so far."""
        return int(self._source.tell()) if self._source is not None else 0

    def _error(self, line: int, what: str, column: str | None = None, **values: object) -> InputError:
        """An error at ``line`` (and ``column``): ``what`` is a catalogue message, ``values`` its placeholders."""
        location = {"file": str(self.path), "line": str(line)}
        if column is not None:
            location["column"] = column
        return InputError(what, values=values, location=location)

    def _invalid_row(self, _row: Any) -> str:
        self._bad_row = True
        return "skip"

    def line_of(self, row: int) -> int:
        """The line of data row ``row`` (0-based; the header is line 1, so row 0 is on line 2)."""
        return row + 2

    def __iter__(self) -> Iterator[tuple[int, pa.RecordBatch]]:
        header = self.header
        # Read the columns by position, under unique names, so a header with odd or repeated unknown names
        # still parses; only the known ones are converted.
        positional = [f"c{i}" for i in range(len(header))]
        wanted = {f"c{i}": self.mapping[name] for i, name in enumerate(header) if name in self.mapping}
        encoding = "utf8" if self.encoding in ("utf-8", "utf-8-sig") else self.encoding
        assert encoding is not None
        read = pa_csv.ReadOptions(
            column_names=positional, skip_rows=1, block_size=self.block_size, encoding=encoding, use_threads=False
        )
        parse = pa_csv.ParseOptions(ignore_empty_lines=False, invalid_row_handler=self._invalid_row)
        convert = pa_csv.ConvertOptions(
            column_types=dict.fromkeys(wanted, pa.string()),
            include_columns=list(wanted),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        )
        # Trailing rows with no value (",,,," rows Excel writes below the data it saved, a last blank line)
        # end the data: they are no events, and no row index after them can shift.
        self._source = pa.PythonFile(_Head(self.path, _data_end(self.path)), mode="r")
        first = 0
        try:
            try:
                reader = pa_csv.open_csv(self._source, read_options=read, parse_options=parse, convert_options=convert)
                for batch in reader:
                    if self._bad_row:
                        raise self._error(self._find_bad_line(), _WRONG_WIDTH)
                    renamed = pa.RecordBatch.from_arrays(batch.columns, names=[wanted[n] for n in batch.schema.names])
                    yield first, renamed
                    first += renamed.num_rows
            except (pa.ArrowInvalid, UnicodeDecodeError) as error:
                raise self._read_error(error) from None
            if self._bad_row:
                raise self._error(self._find_bad_line(), _WRONG_WIDTH)
        finally:
            self._source.close()

    def _read_error(self, error: Exception) -> InputError:
        # Arrow's messages quote the row; never pass them on. Find the place with the csv module instead.
        if isinstance(error, UnicodeDecodeError) or "UTF8" in str(error) or "decode" in str(error).lower():
            return InputError(
                N_("the file is not valid {encoding} (give --encoding)"),
                values={"encoding": self.encoding},
                location={"file": str(self.path)},
            )
        return self._error(self._find_bad_line(), N_("malformed CSV"))

    def _find_bad_line(self) -> int:
        """The line of the first row whose number of cells differs from the header's (the error path only)."""
        assert self.encoding is not None
        with self.path.open(encoding=self.encoding, newline="", errors="replace") as stream:
            reader = csv.reader(stream)
            width = len(next(reader, []))
            start = 1
            try:
                for row in reader:
                    if len(row) != width:
                        return start + 1
                    start = reader.line_num
            except csv.Error:
                return start + 1
        return start


class CsvWriter:
    """Record batches appended to a CSV stream (UTF-8 with a BOM, for Excel), one batch at a time."""

    def __init__(self, stream: BinaryIO, schema: pa.Schema) -> None:
        stream.write(_BOM)
        self._schema = _text_schema(schema)
        self._writer = pa_csv.CSVWriter(stream, self._schema)

    def write(self, batch: pa.RecordBatch) -> None:
        """Append ``batch`` (dictionary columns are written as their values)."""
        columns = [
            column.dictionary_decode() if pa.types.is_dictionary(column.type) else column for column in batch.columns
        ]
        self._writer.write_batch(pa.RecordBatch.from_arrays(columns, schema=self._schema))

    def close(self) -> None:
        """Finish the CSV (the stream stays open)."""
        self._writer.close()


def _text_schema(schema: pa.Schema) -> pa.Schema:
    return pa.schema([pa.field(f.name, f.type.value_type) if pa.types.is_dictionary(f.type) else f for f in schema])
