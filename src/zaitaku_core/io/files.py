"""Output files written atomically: a temporary file beside the target, renamed over it when complete."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

__all__ = ["atomic_output", "current_umask", "table_writer"]


def current_umask() -> int:
    """The process's file-creation mask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """A binary stream whose bytes replace ``path`` only if the ``with`` block completes.

    A failure (or an interrupt) half-way leaves any earlier file at ``path`` untouched and no partial
    file behind, however many batches were written before it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
        # mkstemp makes the file private (0600); give it the mode a plain open() would have.
        os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~current_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def table_writer(fmt: str, stream: BinaryIO, schema: Any) -> Any:
    """A batch-by-batch writer of ``fmt`` (``"csv"`` or ``"parquet"``) onto ``stream`` for ``schema``."""
    if fmt == "parquet":
        from zaitaku_core.io.parquet import ParquetWriter

        return ParquetWriter(stream, schema)
    from zaitaku_core.io.csv import CsvWriter

    return CsvWriter(stream, schema)
