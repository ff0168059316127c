"""Batch benchmark: what users run, against floors measured in the same run, paired and interleaved.

Usage: python benchmarks/bench_batch.py [--quick] [--only cli,kernel,per-event,dask] [--repeat N] [--dir DIR]

* ``cli``: ``zaitaku handoff-batch`` end to end (a fresh process) on 10M events, CSV -> CSV and Parquet ->
  Parquet, against the floor: a process that streams the same file with pyarrow, gathers the window ends
  from the precomputed day table and writes the same columns with pyarrow. Goals: <= 5x, peak RSS <= 1 GB.
* ``kernel``: in memory, 10M events with 5M contacts, CPU time: ``evaluate_batch`` as the Arrow path calls it
  (positions in, codes out) against the bare day-table gather (goal <= 10x), and with text in and out;
  ``batch_windows`` against the gather (goal <= 2x); the gather against ``numpy.busday_offset`` computing
  the same windows (shown: >= 6x).
* ``per-event``: ``windows()`` on distinct keys (every day FY2017-FY2026 on both sides of closing time,
  once each, on a cold memo) against a naive day-by-day loop over the ``holidays`` library (goal >= 5x).
* ``dask``: the Dask engine on a LocalCluster of 2 worker processes against the local engine in one
  process, on the same Parquet dataset; prints the scaling efficiency and the per-core rate.

Events span FY2017-FY2026 (four revisions of the add-ons). Each ratio is the median of ``--repeat``
pairs, the two sides run back to back in alternating order; every pair's ratio is printed.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_handoff import busday_windows, holiday_array, naive_windows

from zaitaku_core.calendar import BusinessCalendar
from zaitaku_core.handoff import HandoffOptions, windows
from zaitaku_core.handoff.batch import _result_columns, batch_windows, evaluate_batch

OPTIONS = HandoffOptions(extension_unit="business_day")
KINDS = np.array(["admission", "discharge", "outpatient_visit", "death", "home_conference", "sudden_change"])
WEIGHTS = np.array([0.45, 0.3, 0.12, 0.05, 0.05, 0.03])
FIRST = np.datetime64("2017-04-01T00:00", "m")
SPAN = int((np.datetime64("2027-03-31T23:59", "m") - FIRST).astype(np.int64))
SHIFT = date(1970, 1, 1).toordinal() - date(2000, 1, 1).toordinal()  # epoch day -> day-table index


def events(n: int, seed: int = 7) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    at = FIRST + rng.integers(0, SPAN, n).astype("timedelta64[m]")
    kind = rng.choice(len(KINDS), n, p=WEIGHTS)
    admitted = np.where(kind == 1, at - rng.integers(0, 60 * 1440, n).astype("timedelta64[m]"), np.datetime64("NaT"))
    return {
        "subject": np.char.add("S-", (np.arange(n) % 1_000_003).astype(str)),
        "kind": kind,
        "at": at,
        "admitted_at": admitted,
    }


def contacts(columns: dict[str, np.ndarray], m: int, seed: int = 11) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    event = np.sort(rng.integers(0, len(columns["at"]), m))
    at = columns["at"][event] + rng.integers(-10 * 1440, 4 * 1440, m).astype("timedelta64[m]")
    parties = np.array(["hospital", "hospital_liaison", "home_doctor", "dental_clinic", "visiting_nurse", "user"])
    return {
        "event": event,
        "at": at,
        "from_party": np.full(m, "care_manager"),
        "to_party": parties[rng.integers(0, len(parties), m)],
        "means": np.full(m, "unspecified"),
        "conference": rng.random(m) < 0.2,
    }


def event_table(columns: dict[str, np.ndarray]) -> pa.Table:
    return pa.table(
        {
            "subject": pa.array(columns["subject"]),
            "kind": pa.DictionaryArray.from_arrays(pa.array(columns["kind"].astype(np.int8)), pa.array(KINDS)),
            "at": pa.array(columns["at"].astype("datetime64[s]")),
            "admitted_at": pa.array(columns["admitted_at"].astype("datetime64[s]"), from_pandas=True),
        }
    )


def write_inputs(folder: Path, n: int) -> dict[str, Path]:
    table = event_table(events(n))
    paths = {"parquet": folder / f"events-{n}.parquet", "csv": folder / f"events-{n}.csv"}
    if not paths["parquet"].exists():
        pq.write_table(table, paths["parquet"], row_group_size=1 << 17)
    if not paths["csv"].exists():
        text = table.set_column(1, "kind", table.column("kind").cast(pa.string()))
        for name in ("at", "admitted_at"):
            text = text.set_column(
                text.schema.get_field_index(name), name, pc.strftime(text.column(name), format="%Y-%m-%d %H:%M")
            )
        pa_csv.write_csv(text, paths["csv"], pa_csv.WriteOptions(quoting_style="none"))
    return paths


# --- the floor of the CLI: read, gather, write the same columns, streaming ----------------------------------

FLOOR = rf"""
import sys
import numpy as np, pyarrow as pa, pyarrow.compute as pc, pyarrow.csv as pa_csv, pyarrow.parquet as pq
from zaitaku_core.calendar import BusinessCalendar
from zaitaku_core.handoff.engines.arrow import verdict_schema
source, target = sys.argv[1], sys.argv[2]
tables = BusinessCalendar.build(closed_weekdays="sat,sun").arrays()
next_open, closed, shift = tables["next_open"].astype(np.int32), tables["closed"], {SHIFT}
names = ["subject", "kind", "at", "admitted_at"]
schema = verdict_schema(pa.schema([(n, pa.string()) for n in names]))
if source.endswith(".csv"):
    types = {{"subject": pa.string(), "kind": pa.dictionary(pa.int32(), pa.string()), "at": pa.timestamp("s"),
             "admitted_at": pa.timestamp("s")}}
    batches = pa_csv.open_csv(source, read_options=pa_csv.ReadOptions(block_size=8 << 20, use_threads=False),
                              convert_options=pa_csv.ConvertOptions(column_types=types))
else:
    batches = pq.ParquetFile(source).iter_batches(batch_size=131072)
sink = open(target, "wb")
writer = pq.ParquetWriter(sink, schema) if target.endswith(".parquet") else None
for batch in batches:
    n = batch.num_rows
    day = pc.cast(batch.column("at").cast(pa.timestamp("s")), pa.int64()).to_numpy() // 86400
    end = (next_open[day + shift] - shift).astype(np.int32)
    late = closed[day + shift]
    columns = []
    for field in schema:
        if field.name in names:
            columns.append(batch.column(field.name).cast(field.type))
        elif pa.types.is_date32(field.type):
            columns.append(pa.Array.from_buffers(pa.date32(), n, [None, pa.py_buffer(end)]))
        elif pa.types.is_boolean(field.type):
            columns.append(pa.array(late))
        elif pa.types.is_dictionary(field.type):
            columns.append(pa.nulls(n, field.type))
        else:
            columns.append(pa.array(np.zeros(n, np.int32)))
    out = pa.RecordBatch.from_arrays(columns, schema=schema)
    if writer is None:
        plain = pa.schema([pa.field(f.name, f.type.value_type) if pa.types.is_dictionary(f.type) else f
                           for f in schema])
        writer = pa_csv.CSVWriter(sink, plain)
    if isinstance(writer, pq.ParquetWriter):
        writer.write_batch(out)
    else:
        writer.write_batch(pa.RecordBatch.from_arrays(
            [c.dictionary_decode() if pa.types.is_dictionary(c.type) else c for c in out.columns],
            names=out.schema.names))
writer.close()
sink.close()
"""


# Linux's ru_maxrss of a child counts the image it was forked from until it calls exec (the high-water mark
# of the old memory map is kept): a child of this process, which has held the 10M generated events, reported
# ~2,000 MB whatever it ran. A small launcher process in between starts the command from its own small image
# and reports the command's peak and CPU time on its last line of standard error.
LAUNCHER = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(process.pid, 0)
print(f"\\nLAUNCHER {usage.ru_maxrss} {usage.ru_utime + usage.ru_stime}", file=sys.stderr)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def child(args: list[str]) -> tuple[float, float, float]:
    """(seconds, peak RSS in MB, CPU seconds) of a fresh process running ``args``."""
    started = time.perf_counter()
    process = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
    )
    elapsed = time.perf_counter() - started
    error = process.stderr.decode()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({process.returncode}): {error[-2000:]}")
    _, peak, cpu = error.strip().splitlines()[-1].split()
    return elapsed, int(peak) / 1024, float(cpu)


def seconds(value: float) -> str:
    return f"{value:7.2f} s" if value >= 1 else f"{value * 1e3:7.1f} ms"


def paired(name: str, ours: Callable[[], float], base: Callable[[], float], repeat: int, goal: str) -> float:
    ratios, ours_t, base_t = [], [], []
    for index in range(repeat):
        if index % 2 == 0:
            a, b = ours(), base()
        else:
            b, a = base(), ours()
        ours_t.append(a)
        base_t.append(b)
        ratios.append(a / b)
    ratio = statistics.median(ratios)
    print(
        f"{name}: {seconds(statistics.median(ours_t))} vs {seconds(statistics.median(base_t))}   ratio {ratio:5.2f}x "
        f"(pairs {', '.join(f'{r:.2f}' for r in ratios)}; goal {goal})",
        flush=True,
    )
    return ratio


def bench_cli(folder: Path, n: int, repeat: int) -> None:
    paths = write_inputs(folder, n)
    zaitaku = str(Path(sys.executable).with_name("zaitaku"))
    floor = [sys.executable, "-c", FLOOR]
    for source, suffix in (("csv", "csv"), ("parquet", "parquet")):
        target = folder / f"out.{suffix}"
        peaks: list[float] = []

        def ours(source: str = source, target: Path = target, peaks: list[float] = peaks) -> float:
            seconds, peak, _ = child([zaitaku, "handoff-batch", str(paths[source]), "-o", str(target), "--quiet"])
            peaks.append(peak)
            return seconds

        def base(source: str = source, target: Path = target) -> float:
            return child([*floor, str(paths[source]), str(target.with_name(f"floor.{target.name}"))])[0]

        paired(f"CLI {n:,} events {source} -> {suffix}", ours, base, repeat, "<= 5x")
        print(
            f"  peak RSS of zaitaku handoff-batch: {max(peaks):,.0f} MB (goal <= 1,024 MB); "
            f"input {paths[source].stat().st_size / 1e6:,.0f} MB, output {target.stat().st_size / 1e6:,.0f} MB"
        )


def gather(at: np.ndarray, table: np.ndarray) -> np.ndarray:
    """The floor of the kernel: each event's day, and a gather of the next open day from the day table."""
    day = at.astype("datetime64[D]").astype(np.int64)
    return table[day + SHIFT]


def gather_int(at: np.ndarray, table: np.ndarray) -> np.ndarray:
    """A stricter floor: the day by integer division of the minutes (what the kernel itself does)."""
    return table[at.view(np.int64) // 1440 + SHIFT]


def timed(fn: Callable[[], Any]) -> float:
    """CPU seconds of ``fn()`` (the kernel runs on one thread; on a shared machine wall time is mostly
    waiting for a core), with the garbage collector paused as ``timeit`` does (a full collection landing
    in one side's run otherwise decides a pair)."""
    gc.collect()
    gc.disable()
    try:
        started = time.process_time()
        fn()
        return time.process_time() - started
    finally:
        gc.enable()


def filled_like(n: int) -> dict[str, np.ndarray]:
    """The result columns of ``evaluate_batch`` for ``n`` rows, allocated by its own ``_result_columns`` (one
    piece, from a 2 MiB boundary, so that the system backs every page with huge pages) and each filled once:
    the least a call returning them costs."""
    columns = _result_columns(n)
    for column in columns.values():
        column.fill(1)
    return columns


def positions(values: np.ndarray, enum: Any) -> np.ndarray:
    """Labels as positions in ``enum``: what the Arrow path hands the kernel (dictionary indices)."""
    members = list(enum)
    distinct, inverse = np.unique(values, return_inverse=True)
    return np.array([members.index(enum.parse(str(v))) for v in distinct], dtype=np.int16)[inverse]


def bench_kernel(n: int, repeat: int) -> None:
    from zaitaku_core.framework import ActorKind, EventKind
    from zaitaku_core.handoff import ContactMeans

    calendar = BusinessCalendar.build(closed_weekdays="sat,sun")
    columns = events(n)
    kinds = KINDS[columns["kind"]]
    text_events = {"kind": kinds, "at": columns["at"], "admitted_at": columns["admitted_at"]}
    text_contacts = contacts(columns, n // 2)
    # The Arrow path's form: kinds, parties and means as positions (dictionary indices), codes out.
    coded_events = dict(text_events, kind=positions(kinds, EventKind))
    coded_contacts = dict(
        text_contacts,
        from_party=positions(text_contacts["from_party"], ActorKind),
        to_party=positions(text_contacts["to_party"], ActorKind),
        means=positions(text_contacts["means"], ContactMeans),
    )
    years = columns["at"].astype("datetime64[Y]").astype(int) + 1970
    print(
        f"kernel: {n:,} events {years.min()}-{years.max()} (FY2017-FY2026: every revision), {n // 2:,} contacts; "
        "CPU time, paired and interleaved",
        flush=True,
    )
    next_open = calendar.arrays()["next_open"]
    at = columns["at"]
    result = evaluate_batch(coded_events, coded_contacts, calendar=calendar, codes=True)  # builds the tables
    size = sum(column.nbytes for column in result.values())
    paired(
        f"evaluate_batch {n:,} events, {n // 2:,} contacts (Arrow-path columns: positions in, codes out) vs gather",
        lambda: timed(lambda: evaluate_batch(coded_events, coded_contacts, calendar=calendar, codes=True)),
        lambda: timed(lambda: gather(at, next_open)),
        repeat,
        "<= 10x",
    )
    batch = 131_072  # the rows per batch zaitaku handoff-batch streams by default

    def in_batches() -> None:
        for low in range(0, n, batch):
            high = min(low + batch, n)
            first, last = np.searchsorted(coded_contacts["event"], [low, high])
            part = {name: values[first:last] for name, values in coded_contacts.items()}
            part["event"] = part["event"] - low
            rows = {name: values[low:high] for name, values in coded_events.items()}
            evaluate_batch(rows, part, calendar=calendar, codes=True)

    paired(
        f"  the same in batches of {batch:,} rows (as handoff-batch streams them) vs gather",
        lambda: timed(in_batches),
        lambda: timed(lambda: gather(at, next_open)),
        repeat,
        "shown",
    )
    paired(
        "  the same with text in and text out (the NumPy API's convenience form) vs gather",
        lambda: timed(lambda: evaluate_batch(text_events, text_contacts, calendar=calendar)),
        lambda: timed(lambda: gather(at, next_open)),
        repeat,
        "shown",
    )
    paired(
        f"  only allocating (in one piece, as evaluate_batch does) and filling result columns of the same size "
        f"({size / 1e6:,.0f} MB) vs gather",
        lambda: timed(lambda: filled_like(n)),
        lambda: timed(lambda: gather(at, next_open)),
        repeat,
        "shown: the floor the result's size sets",
    )
    admissions = np.zeros(n, dtype=np.int16)  # EventKind position of admission
    assert next(iter(EventKind)) is EventKind.ADMISSION
    texts = np.full(n, "admission")
    for name, kinds_given, floor, goal in (
        (f"batch_windows {n:,} admissions (kinds as positions) vs gather", admissions, gather, "<= 2x"),
        ("  the same vs the stricter gather (days by integer division)", admissions, gather_int, "shown"),
        ("  the same with the kinds as text vs gather", texts, gather, "shown"),
    ):
        paired(
            name,
            lambda kinds_given=kinds_given: timed(lambda: batch_windows(kinds_given, at, calendar, OPTIONS)),
            lambda floor=floor: timed(lambda: floor(at, next_open)),
            repeat,
            goal,
        )
    government = BusinessCalendar.government()
    holidays = holiday_array()
    minutes = at.astype("datetime64[m]")
    minutes = minutes[minutes >= np.datetime64("2024-04-01T00:00")]  # the FY2024 windows busday_windows models
    ours = batch_windows(np.full(minutes.size, "admission"), minutes, government, OPTIONS)
    one, two = busday_windows(minutes, holidays)
    assert np.array_equal(ours["admission_1.window_end"], one) and np.array_equal(ours["admission_2.window_end"], two)
    ratio = paired(
        f"busday_offset {minutes.size:,} FY2024+ admissions vs gather of as many",
        lambda: timed(lambda: busday_windows(minutes, holidays)),
        lambda: timed(lambda: gather(minutes, next_open)),
        repeat,
        "the gather >= 6x busday_offset",
    )
    print(f"  the gather is {ratio:.1f}x faster than busday_offset (shown: >= 6x)")


def naive_any(moment: datetime, holidays: Any) -> tuple[date, ...]:
    """The admission windows' ends day by day over ``holidays`` in every revision: none before FY2018
    (not modelled), days 3 and 7 in FY2018-FY2023, the FY2024 rules with their extensions after."""
    day = moment.date()
    if day < date(2018, 4, 1):
        return ()
    if day < date(2024, 4, 1):
        return (day + timedelta(days=2), day + timedelta(days=6))
    return naive_windows(moment, holidays)


def bench_per_event(repeat: int) -> None:
    import holidays as holidays_lib

    table = holidays_lib.country_holidays("JP", years=range(2017, 2028))
    # FY2017-FY2026, every day on both sides of closing time: 7,300 distinct keys, every revision.
    days = [date(2017, 4, 1) + timedelta(days=d) for d in range((date(2027, 4, 1) - date(2017, 4, 1)).days)]
    moments = [datetime.combine(d, datetime.min.time()) + timedelta(hours=h, minutes=7) for d in days for h in (10, 19)]
    random.Random(5).shuffle(moments)
    calendar = BusinessCalendar.government()

    def ours() -> float:
        calendar.memo.clear()  # every key met for the first time (windows shared between keys forgotten too)
        return timed(lambda: [windows("admission", m, calendar, OPTIONS) for m in moments])

    def naive() -> float:
        return timed(lambda: [naive_any(m, table) for m in moments])

    def hits() -> float:
        return timed(lambda: [windows("admission", m, calendar, OPTIONS) for m in moments])

    calendar.memo.clear()
    got = [tuple(w.end for _, w in windows("admission", m, calendar, OPTIONS)) for m in moments]
    assert got == [naive_any(m, table) for m in moments]
    ratio = paired(
        f"per-event windows() on {len(moments):,} distinct keys FY2017-FY2026 (cold memo) vs naive loop",
        naive,
        ours,
        repeat,
        ">= 5x (printed as naive / ours)",
    )
    naive_s, cold_s, hit_s = naive(), ours(), hits()
    per_call = [seconds / len(moments) * 1e6 for seconds in (naive_s, cold_s, hit_s)]
    print(
        f"  per call (CPU): naive {per_call[0]:.2f} us, cold key {per_call[1]:.2f} us, memo hit {per_call[2]:.2f} us "
        f"(naive / hit {naive_s / hit_s:.1f}x); ratio {ratio:.2f}x"
    )
    # The whole per-event answer (windows, obligations, verdicts; no contacts) on the same distinct events:
    # shown, not a goal of its own (it builds a Verdict with its add-on verdicts and obligations).
    from zaitaku_core.handoff import Event, evaluate

    admissions = [Event(kind="admission", at=m) for m in moments]
    calendar.memo.clear()  # evaluate() reads its windows through windows()' memo: cold keys, as above
    whole = timed(lambda: [evaluate(e, calendar=calendar, options=OPTIONS) for e in admissions])
    print(
        f"  evaluate() on the same {len(moments):,} events (no contacts, cold memo): "
        f"{whole / len(moments) * 1e6:.1f} us each (CPU), {naive_s / whole:.2f}x the naive loop's speed (shown)"
    )


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def bench_dask(folder: Path, n: int, repeat: int) -> None:
    from distributed import Client, LocalCluster

    from zaitaku_core.handoff.engines.dask import evaluate_dask

    dataset = folder / f"dataset-{n}"
    if not dataset.exists():
        dataset.mkdir()
        table = event_table(events(n, seed=3))
        parts = 8
        for part in range(parts):
            pq.write_table(table.slice(part * (n // parts), n // parts), dataset / f"part-{part}.parquet")
    zaitaku = str(Path(sys.executable).with_name("zaitaku"))
    calendar = BusinessCalendar.build(closed_weekdays="sat,sun")
    cpu: dict[str, list[float]] = {"single": [], "dask": []}
    wall: dict[str, list[float]] = {"single": [], "dask": []}
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        client.run(lambda: __import__("zaitaku_core.handoff.engines.arrow"))  # warm the workers' imports

        def cluster_cpu() -> float:  # the workers' processes, and this one (client and scheduler)
            return sum(client.run(_cpu_seconds).values()) + _cpu_seconds()

        def on_dask() -> float:
            before = cluster_cpu()
            started = time.perf_counter()  # wall clock: the work is in the workers' processes
            evaluate_dask(dataset, folder / "dask-out", calendar=calendar, client=client)
            seconds = time.perf_counter() - started
            cpu["dask"].append(cluster_cpu() - before)
            wall["dask"].append(seconds)
            return seconds

        def single() -> float:
            seconds, _, used = child(
                [zaitaku, "handoff-batch", str(dataset), "-o", str(folder / "single.parquet"), "-q"]
            )
            cpu["single"].append(used)
            wall["single"].append(seconds)
            return seconds

        ratio = paired(
            f"Dask LocalCluster(2 workers) vs one process, {n:,} events",
            single,
            on_dask,
            repeat,
            "printed as one process / Dask",
        )
        # The one process starts Python and imports the library; the Dask workers are warm. Its start-up, as
        # the same command on a one-row dataset, is subtracted for the efficiencies below.
        tiny = folder / "dataset-1"
        if not tiny.exists():
            tiny.mkdir()
            pq.write_table(event_table(events(1, seed=3)), tiny / "part-0.parquet")
        startups = [
            child([zaitaku, "handoff-batch", str(tiny), "-o", str(folder / "tiny.parquet"), "-q"]) for _ in range(3)
        ]
        start_wall = statistics.median(wall for wall, _, _ in startups)
        start_cpu = statistics.median(used for _, _, used in startups)
    median = {key: statistics.median(values) for key, values in cpu.items()}
    single_wall, dask_wall = statistics.median(wall["single"]), statistics.median(wall["dask"])
    work_wall, work_cpu = single_wall - start_wall, median["single"] - start_cpu
    print(
        f"  the one process's start-up (the same command on a one-row dataset): {start_wall:.2f} s wall, "
        f"{start_cpu:.2f} s CPU, counted in its side above"
    )
    print(
        f"  scaling efficiency on 2 workers, wall clock, the start-up subtracted: {work_wall / dask_wall / 2:.0%} "
        f"(100% = twice as fast as one process; {ratio / 2:.0%} with it; this machine has 2 cores, shared: see the "
        "load)"
    )
    print(
        f"  CPU seconds, the start-up subtracted: one process {work_cpu:.2f}, Dask (workers, client and scheduler) "
        f"{median['dask']:.2f}, {median['dask'] / work_cpu:.2f}x the work: efficiency on idle cores at most "
        f"{work_cpu / median['dask']:.0%}"
    )
    print(
        f"  per core: {n / work_cpu / 1e6:.2f}M events per CPU second in one process (Parquet in, Parquet "
        f"out, caps included; start-up subtracted), {n / median['dask'] / 1e6:.2f}M on Dask"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1M events instead of 10M (4M for Dask: 500k)")
    parser.add_argument("--only", default="cli,kernel,per-event,dask", help="comma-separated sections")
    parser.add_argument("--repeat", type=int, default=3, help="pairs per ratio (default 3)")
    parser.add_argument("--dir", type=Path, help="folder for the generated files (default: a temporary one)")
    args = parser.parse_args()
    sections = set(args.only.split(","))
    n = 1_000_000 if args.quick else 10_000_000
    with tempfile.TemporaryDirectory(dir="/dev/shm" if Path("/dev/shm").is_dir() else None) as scratch:
        folder = args.dir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        if "per-event" in sections:
            bench_per_event(args.repeat)
        if "kernel" in sections:
            bench_kernel(n, args.repeat)
        if "cli" in sections:
            bench_cli(folder, n, args.repeat)
        if "dask" in sections:
            bench_dask(folder, 500_000 if args.quick else 4_000_000, args.repeat)


if __name__ == "__main__":
    main()
