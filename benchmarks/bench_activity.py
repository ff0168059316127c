"""Activity-log benchmark: import and aggregate a million activities vs a bare sqlite3 insert + GROUP BY.

Usage: python benchmarks/bench_activity.py [--rows N] [--rounds R] [--quick]

The input: one CSV of N activity rows (default 1,000,000) of a city across FY2023–2024, as a centre's log
would hold them (20 programs; meetings, trainings, lectures with participants, some by profession;
consultations with who asked, the topic and, for some, a case id; scenes), made by a seeded generator
before anything is timed, with ISO dates and codes so that the baseline can read it too.

- baseline: Python's ``sqlite3`` with nothing else: ``csv.reader`` over the decoded file, ``executemany``
  of the raw strings into one table of the same columns (no keys, no checks, one transaction), then
  ``GROUP BY`` queries giving the same totals as below;
- zaitaku: ``ActivityLog.open`` (a new log: Alembic creates the schema), ``import_entries(read_file(…))``
  (every row validated, keyed and written in one transaction, participants by profession in their own
  table), then ``summary()`` and three ``total()`` queries (consultations per asker, participants of one
  program, doctors among participants).

Rounds are paired and interleaved (zaitaku then baseline, then the other way round, …), each on a fresh
database file (in ``/dev/shm`` when there is one, so the disk's writeback is not what is measured); the
totals of both sides are compared. Prints each round, the median of the paired ratios (goal: at most 3x)
and peak memory. The wall clock decides the goal; the processes' CPU times are printed beside it, since on a
machine shared with other work the wall clock of either side also measures the others.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import shutil
import sqlite3
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from zaitaku_core.activity import ActivityKind, Asker, Profession
from zaitaku_core.activity.reader import read_file
from zaitaku_core.activity.store import ActivityLog

HEADER = ("date", "city", "program", "kind", "count", "participants", "participants_doctor",
          "participants_care_manager", "scenes", "body", "asker", "topic", "case_id")  # fmt: skip
SCENES = ("daily_support", "admission_discharge", "emergency", "end_of_life")
TOPICS = ("入退院", "在宅医療", "介護サービス", "看取り", "認知症", "医療機関の紹介")
START = date(2023, 4, 1)
DAYS = 730  # FY2023 and FY2024


def make_csv(path: Path, rows: int, seed: int = 21) -> None:
    """A synthetic activity log of ``rows`` rows."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        for index in range(rows):
            day = (START + timedelta(days=rng.randrange(DAYS))).isoformat()
            program = f"p{rng.randrange(20):02d}"
            scenes = ",".join(rng.sample(SCENES, rng.randrange(3)))
            if rng.random() < 0.6:
                asker = rng.choice(("professional", "resident", "family", "other"))
                case = f"C-{index:07d}" if rng.random() < 0.3 else ""
                writer.writerow((day, "bench", program, "consultation", "", "", "", "", scenes, "", asker,
                                 rng.choice(TOPICS), case))  # fmt: skip
            else:
                kind = rng.choice(("meeting", "training", "lecture", "event"))
                people = rng.randrange(15, 80)
                doctors = str(rng.randrange(0, 5)) if rng.random() < 0.2 else ""
                managers = str(rng.randrange(0, 10)) if doctors else ""
                writer.writerow((day, "bench", program, kind, "", people, doctors, managers, scenes, "医師会",
                                 "", "", ""))  # fmt: skip


def run_zaitaku(source: Path, folder: Path) -> dict[str, Any]:
    """Import the file into a new log and aggregate it."""
    with ActivityLog.open(folder / "zaitaku.sqlite") as log:
        log.import_entries(read_file(source, today=date(2026, 1, 1)), source=source.name)
        summary = {(r.fiscal_year, r.program, r.kind.code): (r.entries, r.activities, r.participants)
                   for r in log.summary(city="bench")}  # fmt: skip
        until = date(2025, 3, 31)
        askers = {asker.code: log.total("bench", measure="activities", until=until, askers=[asker]) for asker in Asker}
        people = log.total("bench", measure="participants", until=until, programs=["p03"])
        doctors = log.total("bench", measure="profession_participants", until=until, professions=[Profession.DOCTOR])
    return {
        "summary": summary,
        "askers": {code: {fy: total for fy, (total, _) in years.items()} for code, years in askers.items()},
        "people": {fy: total for fy, (total, _) in people.items()},
        "doctors": {fy: total for fy, (total, _) in doctors.items()},
    }


_FY = "(CAST(substr(date, 1, 4) AS INTEGER) - (substr(date, 6, 2) < '04'))"


def run_bare(source: Path, folder: Path) -> dict[str, Any]:
    """The same file into plain sqlite3, and the same totals by GROUP BY."""
    connection = sqlite3.connect(folder / "bare.sqlite")
    connection.execute(f"CREATE TABLE activity ({', '.join(HEADER)})")
    with source.open(encoding="utf-8", newline="") as stream:
        reader = csv.reader(stream)
        next(reader)
        connection.executemany(f"INSERT INTO activity VALUES ({', '.join('?' * len(HEADER))})", reader)
    connection.commit()
    summary = {
        (fy, program, kind): (entries, activities, participants)
        for fy, program, kind, entries, activities, participants in connection.execute(
            f"SELECT {_FY}, program, kind, count(*), sum(coalesce(nullif(count, ''), 1)), "
            "coalesce(sum(nullif(participants, '')), 0) FROM activity WHERE city = 'bench' "
            "GROUP BY 1, program, kind"
        )
    }
    askers = {asker.code: {} for asker in Asker}
    for asker, fy, total in connection.execute(
        f"SELECT asker, {_FY}, sum(coalesce(nullif(count, ''), 1)) FROM activity WHERE asker != '' GROUP BY 1, 2"
    ):
        askers[asker][fy] = total
    people = dict(
        connection.execute(
            f"SELECT {_FY}, sum(participants) FROM activity WHERE program = 'p03' AND participants != '' GROUP BY 1"
        ).fetchall()
    )
    doctors = dict(
        connection.execute(
            f"SELECT {_FY}, sum(participants_doctor) FROM activity WHERE participants_doctor != '' "
            "AND participants_doctor != '0' GROUP BY 1"
        ).fetchall()
    )
    connection.close()
    return {"summary": summary, "askers": askers, "people": people, "doctors": doctors}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3, help="pairs of runs (default 3)")
    parser.add_argument("--quick", action="store_true", help="100,000 rows, 2 rounds")
    args = parser.parse_args()
    rows, rounds = (100_000, 2) if args.quick else (args.rows, args.rounds)
    base = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    work = Path(tempfile.mkdtemp(prefix="zaitaku-bench-", dir=base))
    try:
        source = work / "activities.csv"
        started = time.perf_counter()
        make_csv(source, rows)
        size = source.stat().st_size / 1e6
        print(f"{rows:,} rows, {size:.0f} MB CSV, made in {time.perf_counter() - started:.1f} s, in {work}")
        # Both counted ActivityKind members the same way: the kind codes are what the CSV holds.
        assert {kind.code for kind in ActivityKind} >= {"consultation", "meeting"}
        ratios: list[float] = []
        cpu_ratios: list[float] = []
        for round_ in range(rounds):
            order = ("zaitaku", "bare") if round_ % 2 == 0 else ("bare", "zaitaku")
            times: dict[str, float] = {}
            cpu: dict[str, float] = {}
            results: dict[str, dict[str, Any]] = {}
            for side in order:
                folder = work / f"{side}-{round_}"
                folder.mkdir()
                began, began_cpu = time.perf_counter(), time.process_time()
                results[side] = (run_zaitaku if side == "zaitaku" else run_bare)(source, folder)
                times[side] = time.perf_counter() - began
                cpu[side] = time.process_time() - began_cpu
                shutil.rmtree(folder)
            if results["zaitaku"] != results["bare"]:
                raise SystemExit("the two sides disagree on the totals")
            ratio = times["zaitaku"] / times["bare"]
            cpu_ratio = cpu["zaitaku"] / cpu["bare"]
            ratios.append(ratio)
            cpu_ratios.append(cpu_ratio)
            print(f"round {round_ + 1} ({' then '.join(order)}): zaitaku {times['zaitaku']:.2f} s "
                  f"(CPU {cpu['zaitaku']:.2f} s), bare sqlite3 {times['bare']:.2f} s (CPU {cpu['bare']:.2f} s), "
                  f"ratio {ratio:.2f}x (CPU {cpu_ratio:.2f}x)")  # fmt: skip
        median = statistics.median(ratios)
        verdict = "met" if median <= 3 else "NOT met"
        print(f"median ratio {median:.2f}x wall clock, {statistics.median(cpu_ratios):.2f}x CPU time "
              f"(goal <= 3x on the wall clock: {verdict}); peak memory {peak_mb():.0f} MB")  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
