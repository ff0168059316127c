"""Handoff engine benchmark: batch windows vs numpy.busday_offset, per-event API vs a naive loop, memory.

Usage: python benchmarks/bench_handoff.py [--quick]

Every ratio compares two ways of computing the SAME windows (checked equal before timing) on the same
calendar (weekends, national holidays, 29 Dec - 3 Jan), measured in this run.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from datetime import date, datetime, timedelta

import numpy as np

from zaitaku_core.calendar import BusinessCalendar, national_holidays
from zaitaku_core.handoff import HandoffOptions, windows
from zaitaku_core.handoff.batch import batch_windows

OPTIONS = HandoffOptions(extension_unit="business_day")  # the reading that needs business-day arithmetic
CLOSES = 17 * 60 + 30


def synthetic(n: int, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-04-01T00:00", "m").astype(np.int64)
    span = np.datetime64("2027-03-31T23:59", "m").astype(np.int64) - start
    return (start + rng.integers(0, span, n)).astype("datetime64[m]")


def holiday_array() -> np.ndarray:
    days = list(national_holidays())
    days += [date(y, 12, d) for y in range(2000, 2052) for d in (29, 30, 31)]
    days += [date(y, 1, d) for y in range(2000, 2052) for d in (1, 2, 3)]
    return np.array(sorted(set(days)), dtype="datetime64[D]")


def busday_windows(at: np.ndarray, holidays: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same FY2024 admission windows with NumPy's business-day functions (the baseline)."""
    day = at.astype("datetime64[D]")
    minute = (at - day.astype("datetime64[m]")).astype(np.int64)
    calendar = np.busdaycalendar(weekmask="1111100", holidays=holidays)
    closed = ~np.is_busday(day, busdaycal=calendar)
    late = closed | (minute >= CLOSES)
    one_end = np.where(late, np.busday_offset(day + 1, 0, roll="forward", busdaycal=calendar), day)
    third = day + 2
    extend = late & ~np.is_busday(third, busdaycal=calendar)
    two_end = np.where(extend, np.busday_offset(third + 1, 0, roll="forward", busdaycal=calendar), third)
    return one_end, two_end


def naive_windows(moment: datetime, holidays: object) -> tuple[date, date]:
    """Per event, day by day, asking the holidays library (the baseline of the per-event API)."""

    def closed(d: date) -> bool:
        return d.weekday() >= 5 or d in holidays or (d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3)  # type: ignore[operator]

    def next_open(d: date) -> date:
        while closed(d):
            d += timedelta(days=1)
        return d

    day = moment.date()
    late = closed(day) or moment.hour * 60 + moment.minute >= CLOSES
    one_end = next_open(day + timedelta(days=1)) if late else day
    third = day + timedelta(days=2)
    two_end = next_open(third + timedelta(days=1)) if late and closed(third) else third
    return one_end, two_end


def timed(fn, *args, repeat: int = 3):  # type: ignore[no-untyped-def]
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - started)
    return best, result


def batch(n: int, calendar: BusinessCalendar, holidays: np.ndarray) -> None:
    at = synthetic(n)
    kinds = np.full(n, "admission")
    ours_t, ours = timed(batch_windows, kinds, at, calendar, OPTIONS)
    base_t, (one, two) = timed(busday_windows, at, holidays)
    assert np.array_equal(ours["admission_1.window_end"], one), "batch (I) differs from busday_offset"
    assert np.array_equal(ours["admission_2.window_end"], two), "batch (II) differs from busday_offset"
    print(
        f"batch {n:>11,} events: zaitaku {n / ours_t / 1e6:7.2f} M/s   busday_offset {n / base_t / 1e6:7.2f} M/s"
        f"   ratio {base_t / ours_t:5.2f}x (goal >= 2x)"
    )


def per_event(n: int, calendar: BusinessCalendar) -> None:
    import holidays as holidays_lib

    table = holidays_lib.country_holidays("JP", years=range(2024, 2028))
    moments = [m.astype(datetime) for m in synthetic(n, seed=11)]

    def ours() -> list[tuple[date, date]]:
        out = []
        for moment in moments:
            found = windows("admission", moment, calendar, OPTIONS)
            out.append((found[0][1].end, found[1][1].end))
        return out

    def naive() -> list[tuple[date, date]]:
        return [naive_windows(moment, table) for moment in moments]

    ours_t, a = timed(ours)
    base_t, b = timed(naive)
    assert a == b, "per-event windows differ from the naive loop"
    print(
        f"per-event {n:>7,} events: zaitaku {ours_t / n * 1e6:6.2f} µs/event   naive loop "
        f"{base_t / n * 1e6:6.2f} µs/event   ratio {base_t / ours_t:5.2f}x (goal >= 5x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (100k and 1M; 20k per-event)")
    args = parser.parse_args()
    calendar = BusinessCalendar.government()
    holidays = holiday_array()
    sizes = (100_000, 1_000_000) if args.quick else (1_000_000, 10_000_000)
    per_event(20_000 if args.quick else 200_000, calendar)
    for n in sizes:
        batch(n, calendar, holidays)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (whole run, largest batch {sizes[-1]:,} events): {peak:,.0f} MB (goal <= 2,048 MB)")


if __name__ == "__main__":
    sys.exit(main())
