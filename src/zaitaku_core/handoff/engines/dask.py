"""The Dask engine: a Parquet dataset of events evaluated on a Dask cluster into a partitioned Parquet result.

Needs the ``dask`` extra (``pip install 'zaitaku-core[dask]'``: ``dask[dataframe]`` and ``distributed``).
Each partition's rows are handed to the same Arrow kernel as the local engine
(:func:`~zaitaku_core.handoff.engines.arrow.evaluate_arrow`) with ``map_partitions``, so the verdicts are
identical; contacts travel with their event in a nested ``contacts`` column (a list of structs), which
keeps every partition self-contained. With a ``subject`` column the events are first shuffled so that
each subject's events share a partition, where the monthly and per-stay caps are applied. Each event
carries its place in the dataset (its partition's number and its row there) through the shuffle: a
partition is judged in the file's order (so a tie between two claims of one subject at the same minute
goes to the earlier row, as in the local path), and the verdicts are put back in the file's order by a
second shuffle on that number, into as many partitions as were read, named ``part-000000.parquet`` … so
that reading the folder gives the rows in the order of the events. ``ordered=False`` skips that second
shuffle (its cost is measured by ``benchmarks/bench_batch.py --only dask``): the rows then come out
grouped by subject, each with its ``zaitaku_row`` (the event's place: a number that sorts in the file's
order). Partitions keep Arrow types end to end (``dtype_backend="pyarrow"``).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.dataset as pa_ds

from zaitaku_core.calendar.business import BusinessCalendar
from zaitaku_core.errors import InputError
from zaitaku_core.handoff.engine import DEFAULT_OPTIONS, HandoffOptions
from zaitaku_core.handoff.engines.arrow import evaluate_arrow, verdict_schema

__all__ = ["ROW", "evaluate_dask", "evaluate_partition", "replaced_folder"]

#: The column that carries an event's place through the shuffle: its partition's number << 40 | its row.
ROW = "zaitaku_row"
_ROW_BITS = 40  # rows per partition below 2**40; partitions below 2**23


def _import_dask() -> Any:
    try:
        import dask.dataframe as dd
    except ImportError:
        raise InputError(
            "Dask が入っていません / the Dask engine needs the dask extra: pip install 'zaitaku-core[dask]'"
        ) from None
    return dd


def _plain(schema: pa.Schema) -> pa.Schema:
    """``schema`` with dictionary columns as their values (pandas partitions carry no Arrow dictionaries)."""
    return pa.schema([pa.field(f.name, f.type.value_type) if pa.types.is_dictionary(f.type) else f for f in schema])


def _numbered(frame: Any, partition_info: dict[str, Any] | None = None) -> Any:
    """``frame`` with its rows' places in the dataset (:data:`ROW`)."""
    import pandas as pd

    first = (partition_info["number"] if partition_info else 0) << _ROW_BITS
    places = pa.array(np.arange(first, first + len(frame), dtype=np.int64))
    return frame.assign(**{ROW: pd.arrays.ArrowExtensionArray(places)})


def evaluate_partition(frame: Any, calendar: BusinessCalendar, options: HandoffOptions) -> Any:
    """The verdicts of one partition (a pandas frame of Arrow-backed columns), as such a frame.

    With a :data:`ROW` column the partition is judged in that order, and the verdicts carry it.
    """
    import pandas as pd

    table = pa.Table.from_pandas(frame, preserve_index=False)
    places = None
    if ROW in table.column_names:
        table = table.sort_by(ROW)
        places = table.column(ROW)
        table = table.drop_columns([ROW])
    verdicts = evaluate_arrow(table, calendar=calendar, options=options)
    plain = pa.Table.from_batches([verdicts]).cast(_plain(verdicts.schema))
    if places is not None:
        plain = plain.append_column(ROW, places)
    return plain.to_pandas(types_mapper=pd.ArrowDtype)


def _part_name(index: int) -> str:
    return f"part-{index:06d}.parquet"  # read back in this order: part-000010 after part-000009


def evaluate_dask(
    events: Path | str,
    output: Path | str,
    *,
    calendar: BusinessCalendar | None = None,
    options: HandoffOptions = DEFAULT_OPTIONS,
    scheduler: str | None = None,
    client: Any = None,
    ordered: bool = True,
) -> int:
    """Evaluate the Parquet dataset ``events`` on Dask into the partitioned Parquet dataset ``output``.

    ``scheduler`` is the address of a running scheduler (``tcp://host:8786``); ``client`` an existing
    ``distributed.Client``. With neither, Dask's own default scheduler runs the tasks in this process.
    ``ordered=False`` leaves the verdicts of a dataset with subjects grouped by subject, with a :data:`ROW`
    column, instead of in the events' order. Returns the number of events.

    Raises:
        InputError: Dask is not installed, or a cell cannot be read (named by row and column).
    """
    dd = _import_dask()
    import pandas as pd

    calendar = calendar or BusinessCalendar.government()
    own_client = None
    if scheduler is not None and client is None:
        from distributed import Client

        own_client = client = Client(scheduler)  # type: ignore[no-untyped-call]
    try:
        frame = dd.read_parquet(str(events), dtype_backend="pyarrow")
        names = list(frame.columns)
        if ROW in names:
            raise InputError(f"the events may not have a column named {ROW!r} (the engine adds it)")
        schema = _plain(verdict_schema(pa.schema([(name, pa.string()) for name in names])))
        parts = frame.npartitions
        grouped = "subject" in names
        if grouped:  # the caps count a subject's claims across all its events
            frame = frame.map_partitions(_numbered, meta=frame._meta.assign(**{ROW: pd.Series(dtype="int64[pyarrow]")}))
            dictionaries = {  # a shuffle moves plain Arrow columns, not dictionaries
                name: pd.ArrowDtype(dtype.pyarrow_dtype.value_type)
                for name, dtype in frame.dtypes.items()
                if isinstance(dtype, pd.ArrowDtype) and pa.types.is_dictionary(dtype.pyarrow_dtype)
            }
            frame = (frame.astype(dictionaries) if dictionaries else frame).shuffle(
                on="subject", shuffle_method="tasks"
            )
            schema = schema.append(pa.field(ROW, pa.int64()))
        meta = schema.empty_table().to_pandas(types_mapper=pd.ArrowDtype)
        verdicts = frame.map_partitions(evaluate_partition, calendar, options, meta=meta)
        if grouped and ordered:  # back to the file's order, partition for partition
            divisions = [part << _ROW_BITS for part in range(parts)] + [(parts << _ROW_BITS) - 1]
            verdicts = verdicts.set_index(ROW, divisions=divisions, shuffle_method="tasks").reset_index(drop=True)
            schema = schema.remove(schema.get_field_index(ROW))
        with replaced_folder(Path(output)) as folder:
            verdicts.to_parquet(str(folder), write_index=False, schema=schema, name_function=_part_name)
        return int(pa_ds.dataset(str(output), format="parquet").count_rows())
    finally:
        if own_client is not None:
            own_client.close()  # type: ignore[no-untyped-call]


@contextmanager
def replaced_folder(path: Path) -> Iterator[Path]:
    """A new folder that replaces ``path`` once the ``with`` block completes (nothing is left half-written).

    An existing ``path`` is replaced only if it holds nothing but Parquet files (an earlier result).

    Raises:
        InputError: ``path`` exists and is not such a folder.
    """
    if path.exists() and not (path.is_dir() and all(_is_result_file(p) for p in path.rglob("*") if p.is_file())):
        raise InputError(
            "出力先に結果以外のファイルがあります / the output exists and is not a folder of Parquet files",
            location={"file": str(path)},
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        yield temporary
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old.", dir=path.parent))
            path.rename(old / path.name)
            temporary.rename(path)
            shutil.rmtree(old)
        else:
            temporary.rename(path)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _is_result_file(path: Path) -> bool:
    return path.suffix == ".parquet" or path.name in ("_metadata", "_common_metadata", "_SUCCESS")
