"""The Dask engine: a Parquet dataset of events evaluated on a Dask cluster into a partitioned Parquet result.

Needs the ``dask`` extra (``pip install 'zaitaku-core[dask]'``: ``dask[dataframe]`` and ``distributed``).
Each partition's rows are handed to the same Arrow kernel as the local engine
(:func:`~zaitaku_core.handoff.engines.arrow.evaluate_arrow`), so the verdicts are identical; contacts
travel with their event in a nested ``contacts`` column (a list of structs), which keeps every partition
self-contained. The verdicts are written one file per partition read, ``part-000000.parquet`` …, so that
reading the folder gives them in the events' order. Partitions keep Arrow types end to end
(``dtype_backend="pyarrow"``).

The monthly and per-stay caps count a subject's claims across all its events, which may lie in any
partition. As the local engine does with its spool, and without shuffling the events: with a ``subject``
column each partition is judged without them and written to a scratch file, returning the few columns
the caps need for its rows with a capped claim (:class:`~zaitaku_core.handoff.engines.local.CapLedger`);
the caps are decided over the whole dataset in the client, in the events' order (a tie goes to the
earlier row, as in the local path); then each partition's scratch file is rewritten with the claims they
take back. The client holds only the rows with a capped claim.
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
import pyarrow.parquet as pq

from zaitaku_core.calendar.business import BusinessCalendar
from zaitaku_core.errors import InputError
from zaitaku_core.handoff.engine import DEFAULT_OPTIONS, HandoffOptions
from zaitaku_core.handoff.engines.arrow import evaluate_arrow, verdict_schema
from zaitaku_core.handoff.engines.local import CapLedger, apply_caps
from zaitaku_core.i18n import N_

__all__ = ["evaluate_dask", "evaluate_partition", "replaced_folder"]

_ROW_BITS = 40  # a row's place in the dataset: its partition's number << 40 | its row there
_SCRATCH = pa.ipc.IpcWriteOptions(compression="lz4")


def _import_dask() -> Any:
    try:
        import dask.dataframe as dd
    except ImportError:
        raise InputError(
            N_("the Dask engine needs the dask extra: pip install 'zaitaku-core[dask]'"), values={}
        ) from None
    return dd


def _plain(schema: pa.Schema) -> pa.Schema:
    """``schema`` with dictionary columns as their values (pandas partitions carry no Arrow dictionaries)."""
    return pa.schema([pa.field(f.name, f.type.value_type) if pa.types.is_dictionary(f.type) else f for f in schema])


class _PartitionFailed(Exception):  # noqa: N818 - an internal signal, turned back into its InputError by evaluate_dask
    """``error`` raised by the partition numbered ``index``, whose rows it counts from that partition's first."""

    def __init__(self, index: int, error: InputError) -> None:
        self.index, self.error = index, error
        super().__init__(index, error)


def _evaluate(table: pa.Table, index: int, **options: Any) -> pa.RecordBatch:
    try:
        return evaluate_arrow(table, **options)
    except InputError as error:
        raise _PartitionFailed(index, error) from None


def _located(failed: _PartitionFailed, frame: Any, events: Path | str) -> InputError:
    """The error of a partition located as the local path locates it: the dataset, and the row in it (from 1)."""
    error = failed.error
    rest = {key: value for key, value in error.location.items() if key not in {"file", "row"}}
    location = {"file": str(events)}
    if "row" in error.location:
        before = len(frame.partitions[: failed.index]) if failed.index else 0  # counted only on this error
        location["row"] = str(before + int(error.location["row"]))
    error.location = {**location, **rest}
    return error


def evaluate_partition(frame: Any, calendar: BusinessCalendar, options: HandoffOptions) -> Any:
    """The verdicts of one partition (a pandas frame of Arrow-backed columns), as such a frame.

    Raises:
        InputError: a cell cannot be read (named by its row in the partition, from 1, and its column).
    """
    try:
        return _partition_verdicts(frame, calendar, options)
    except _PartitionFailed as failed:
        raise failed.error from None


def _partition_verdicts(
    frame: Any, calendar: BusinessCalendar, options: HandoffOptions, partition_info: dict[str, Any] | None = None
) -> Any:
    """:func:`evaluate_partition` for ``map_partitions``: Dask passes ``partition_info``, whose number goes with
    a bad cell's error (:class:`_PartitionFailed`) for :func:`evaluate_dask` to locate it in the dataset."""
    import pandas as pd

    table = pa.Table.from_pandas(frame, preserve_index=False)
    index = int((partition_info or {}).get("number", 0))
    verdicts = _evaluate(table, index, calendar=calendar, options=options)
    plain = pa.Table.from_batches([verdicts]).cast(_plain(verdicts.schema))
    return plain.to_pandas(types_mapper=pd.ArrowDtype)


def _judge(frame: Any, index: int, scratch: str, calendar: BusinessCalendar, options: HandoffOptions) -> CapLedger:
    """First pass over partition ``index``: its verdicts without the caps to a scratch file; its ledger."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    verdicts = _evaluate(table, index, calendar=calendar, options=options, monthly_caps=False)
    with pa.ipc.new_file(f"{scratch}/{index}.arrow", verdicts.schema, options=_SCRATCH) as writer:
        writer.write_batch(verdicts)  # Arrow IPC: exact types, no re-encoding, as the local engine's spool
    ledger = CapLedger()
    ledger.add(index << _ROW_BITS, verdicts)
    return ledger


def _capped(index: int, scratch: str, folder: str, rows: Any, why: dict[str, Any], schema: pa.Schema) -> int:
    """Second pass over partition ``index``: its scratch file with the claims the caps take back."""
    source = Path(scratch) / f"{index}.arrow"
    with pa.OSFile(str(source), "rb") as stream:
        batch = pa.ipc.open_file(stream).get_batch(0)
    if rows.size:
        batch = apply_caps(batch, index << _ROW_BITS, rows, why)
    pq.write_table(pa.Table.from_batches([batch]).cast(schema), f"{folder}/{_part_name(index)}")
    source.unlink()
    return int(batch.num_rows)


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
) -> int:
    """Evaluate the Parquet dataset ``events`` on Dask into the partitioned Parquet dataset ``output``.

    ``scheduler`` is the address of a running scheduler (``tcp://host:8786``); ``client`` an existing
    ``distributed.Client``. With neither, Dask's own default scheduler runs the tasks in this process.
    Returns the number of events.

    Raises:
        InputError: Dask is not installed, the ``scheduler`` cannot be reached, or a cell cannot be read
            (named by the dataset, its row there from 1 and its column, as on the local path; a bad nested
            contact by its event's row and ``contacts.<column>``).
    """
    dd = _import_dask()
    import pandas as pd

    calendar = calendar or BusinessCalendar.government()
    own_client = None
    if scheduler is not None and client is None:
        from distributed import Client

        try:
            own_client = client = Client(scheduler)  # type: ignore[no-untyped-call]
        except (OSError, ValueError) as exc:  # no scheduler there (a timeout), or not an address at all
            raise InputError(
                N_("cannot reach the Dask scheduler {address}: {reason}"),
                values={"address": scheduler, "reason": str(exc) or type(exc).__name__},
                location={"field": "--scheduler"},
            ) from None
    try:
        frame = dd.read_parquet(str(events), dtype_backend="pyarrow")
        names = list(frame.columns)
        schema = _plain(verdict_schema(pa.schema([(name, pa.string()) for name in names])))
        if "subject" not in names:  # no caps across partitions: one pass
            meta = schema.empty_table().to_pandas(types_mapper=pd.ArrowDtype)
            verdicts = frame.map_partitions(_partition_verdicts, calendar, options, meta=meta)
            with replaced_folder(Path(output)) as folder:
                verdicts.to_parquet(str(folder), write_index=False, schema=schema, name_function=_part_name)
        else:
            with replaced_folder(Path(output)) as folder:
                _two_passes(frame, folder, schema, calendar, options, client)
        return int(pa_ds.dataset(str(output), format="parquet").count_rows())
    except _PartitionFailed as failed:
        raise _located(failed, frame, events) from None
    finally:
        if own_client is not None:
            own_client.close()  # type: ignore[no-untyped-call]


def _two_passes(
    frame: Any, folder: Path, schema: pa.Schema, calendar: BusinessCalendar, options: HandoffOptions, client: Any
) -> None:
    """Judge every partition into a scratch file, decide the caps over the whole dataset, then write."""
    from dask.delayed import delayed

    scratch = folder / "_scratch"
    scratch.mkdir()
    parts = frame.to_delayed()
    judge = delayed(_judge, pure=False)
    ledgers = _compute(
        client, [judge(part, index, str(scratch), calendar, options) for index, part in enumerate(parts)]
    )
    ledger = CapLedger()
    for part in ledgers:
        ledger.extend(part)
    rows, why = ledger.changes()
    capped = delayed(_capped, pure=False)
    writes = []
    for index in range(len(parts)):
        lo, hi = (int(i) for i in np.searchsorted(rows, [index << _ROW_BITS, (index + 1) << _ROW_BITS]))
        mine = {a: reasons[lo:hi] for a, reasons in why.items()}
        writes.append(capped(index, str(scratch), str(folder), rows[lo:hi], mine, schema))
    _compute(client, writes)
    scratch.rmdir()


def _compute(client: Any, tasks: list[Any]) -> list[Any]:
    from dask.base import compute

    if client is not None:
        return list(client.gather(client.compute(tasks)))
    return list(compute(*tasks))  # type: ignore[no-untyped-call]


@contextmanager
def replaced_folder(path: Path) -> Iterator[Path]:
    """A new folder that replaces ``path`` once the ``with`` block completes (nothing is left half-written).

    An existing ``path`` is replaced only if it holds nothing but Parquet files (an earlier result).

    Raises:
        InputError: ``path`` exists and is not such a folder.
    """
    if path.exists() and not (path.is_dir() and all(_is_result_file(p) for p in path.rglob("*") if p.is_file())):
        raise InputError(
            N_("the output exists and is not a folder of Parquet files"),
            values={},
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
