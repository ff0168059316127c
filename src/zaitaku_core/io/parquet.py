"""Parquet files and datasets read and written as Arrow record batches, streaming (pyarrow.parquet / dataset).

A path is a single file or a folder of files (a dataset, partitioned or not). Only the columns a caller
knows are read (by name or alias, as for CSV); memory is bounded by the batch size. Two pyarrow defaults
would hold most of a file instead, measured on a 10M-row file of 180 MB read by a consumer slower than the
disk (the judging is): pre-buffering (the column chunks of every row group fetched ahead) and the scanner's
read-ahead, which runs in the background without bound, even single-threaded: ~280 MB of decoded batches
held early in a run, growing by ~20 MB a batch, against ~20 MB without either.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import attrs
import pyarrow as pa
import pyarrow.dataset as pa_ds
import pyarrow.parquet as pq

from zaitaku_core.errors import InputError
from zaitaku_core.i18n import N_, ByLanguage
from zaitaku_core.io.csv import resolve_header

__all__ = ["ParquetBatches", "ParquetWriter", "is_parquet", "stream_batches", "streamed_dataset"]

_MAGIC = b"PAR1"

#: Row groups fetched as they are decoded, not all ahead: peak memory set by the batch, not by the file.
_STREAMING = pa_ds.ParquetFileFormat(default_fragment_scan_options=pa_ds.ParquetFragmentScanOptions(pre_buffer=False))


def streamed_dataset(path: Path | str) -> Any:
    """A Parquet file or folder opened as a ``pyarrow.dataset`` for :func:`stream_batches`."""
    return pa_ds.dataset(str(path), format=_STREAMING)


def stream_batches(dataset: Any, columns: Sequence[str], batch_size: int = 131_072) -> Iterator[pa.RecordBatch]:
    """The ``columns`` of ``dataset`` in record batches, in order, with nothing read ahead."""
    return iter(
        dataset.to_batches(
            columns=list(columns),
            batch_size=batch_size,
            use_threads=False,
            batch_readahead=0,
            fragment_readahead=0,
        )
    )


def is_parquet(path: Path) -> bool:
    """Whether ``path`` is a Parquet file (by its magic bytes) or a folder (read as a Parquet dataset)."""
    if path.is_dir():
        return True
    with path.open("rb") as stream:
        return stream.read(4) == _MAGIC


@attrs.define
class ParquetBatches:
    """The known columns of a Parquet file or dataset as record batches of at most ``batch_size`` rows.

    Iterate for ``(index of the batch's first row, batch)``; :attr:`bytes_read` estimates the bytes read
    (in proportion to the rows) for a progress bar.
    """

    path: Path
    known: Mapping[str, tuple[str, ...]]
    required: Sequence[str]
    batch_size: int = 131_072
    mapping: dict[str, str] = attrs.field(init=False, factory=dict)
    unknown: list[str | ByLanguage] = attrs.field(init=False, factory=list)
    size: int = attrs.field(init=False, default=0)
    rows: int = attrs.field(init=False, default=0)
    _dataset: Any = attrs.field(init=False, default=None)
    _done: int = attrs.field(init=False, default=0)

    def __attrs_post_init__(self) -> None:
        try:
            self._dataset = streamed_dataset(self.path)
            self.rows = self._dataset.count_rows()
        except (pa.ArrowInvalid, OSError) as error:
            raise InputError(
                N_("not a readable Parquet file or dataset ({reason})"),
                values={"reason": type(error).__name__},
                location={"file": str(self.path)},
            ) from None
        files = [Path(f) for f in self._dataset.files]
        self.size = sum(f.stat().st_size for f in files)
        self.mapping, self.unknown = resolve_header(self._dataset.schema.names, self.known, self.required, self.path)

    @property
    def bytes_read(self) -> int:
        """Bytes read so far (estimated from the rows read)."""
        return self.size * self._done // max(self.rows, 1)

    def line_of(self, row: int) -> int:
        """The row number (from 1) of data row ``row``, for an error message."""
        return row + 1

    def __iter__(self) -> Iterator[tuple[int, pa.RecordBatch]]:
        first = 0
        try:
            batches = stream_batches(self._dataset, list(self.mapping), self.batch_size)
            for batch in batches:
                if batch.num_rows == 0:
                    continue
                renamed = pa.RecordBatch.from_arrays(batch.columns, names=[self.mapping[n] for n in batch.schema.names])
                yield first, renamed
                first += batch.num_rows
                self._done = first
        except (pa.ArrowInvalid, OSError) as error:
            raise InputError(
                N_("a part of the Parquet data cannot be read ({reason})"),
                values={"reason": type(error).__name__},
                location={"file": str(self.path)},
            ) from None


class ParquetWriter:
    """Record batches appended to a Parquet stream, one row group per batch (dictionary columns kept)."""

    def __init__(self, stream: BinaryIO, schema: pa.Schema) -> None:
        self._writer = pq.ParquetWriter(stream, schema, compression="zstd")

    def write(self, batch: pa.RecordBatch) -> None:
        """Append ``batch`` as a row group."""
        self._writer.write_batch(batch)

    def close(self) -> None:
        """Write the footer (the stream stays open)."""
        self._writer.close()
