"""Batch evaluation of a CSV of events and a CSV of contacts, with the columnar API.

Reads ``examples/data/events.csv`` and ``contacts.csv`` (or the files given), evaluates every event
against the national rules on the office's calendar, and prints one line per event. The same job on the
command line: ``zaitaku handoff-batch events.csv --contacts contacts.csv -o verdicts.csv``.

Run: python examples/batch_csv.py [EVENTS_CSV CONTACTS_CSV]
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

from zaitaku_core.calendar import BusinessCalendar
from zaitaku_core.handoff import evaluate_batch

DATA = Path(__file__).resolve().parent / "data"


def read_columns(path: Path) -> dict[str, np.ndarray]:
    """A CSV file as columns (NumPy object arrays), the form evaluate_batch reads."""
    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    return {name: np.array([row[name] for row in rows], dtype=object) for name in (rows[0] if rows else {})}


def main(events_csv: Path, contacts_csv: Path) -> None:
    events = read_columns(events_csv)
    events["admitted_at"] = np.array([value or "NaT" for value in events["admitted_at"]], dtype=object)
    contacts = read_columns(contacts_csv)
    contacts["event"] = contacts["event"].astype(np.int64)  # yes/no cells are read by evaluate_batch itself

    office = BusinessCalendar.build(closed_weekdays="sat,sun")
    result = evaluate_batch(events, contacts, calendar=office)

    for row, subject in enumerate(events["subject"]):
        claimed = [
            name.removesuffix(".units") for name, units in result.items() if name.endswith(".units") and units[row]
        ]
        print(f"{subject}: {result['units'][row]} units ({', '.join(claimed) or 'nothing claimable'})")


if __name__ == "__main__":
    arguments = [Path(a) for a in sys.argv[1:3]]
    main(*(arguments or [DATA / "events.csv", DATA / "contacts.csv"]))
