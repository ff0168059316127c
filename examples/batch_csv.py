"""Batch evaluation of a CSV of events and a CSV of contacts, with the Arrow API.

Reads ``examples/data/events.csv`` and ``contacts.csv`` (or the files given: CSV in UTF-8 or cp932, or
Parquet), evaluates every event against the national rules on the office's calendar, and prints one line
per event. The same job on the command line:
``zaitaku handoff-batch events.csv --contacts contacts.csv -o verdicts.csv``.

Run: python examples/batch_csv.py [EVENTS CONTACTS]
"""

from __future__ import annotations

import sys
from pathlib import Path

from zaitaku_core.calendar import BusinessCalendar
from zaitaku_core.handoff.engines.arrow import evaluate_arrow
from zaitaku_core.io.events import read_contacts, read_events

DATA = Path(__file__).resolve().parent / "data"


def main(events_path: Path, contacts_path: Path) -> None:
    events = read_events(events_path)  # checked and typed: a bad cell is named by line and column
    contacts = read_contacts(contacts_path)
    office = BusinessCalendar.build(closed_weekdays="sat,sun")
    verdicts = evaluate_arrow(events, contacts, calendar=office).to_pylist()

    for row in verdicts:
        claimed = [name.removesuffix(".units") for name, units in row.items() if name.endswith(".units") and units]
        print(f"{row['subject']}: {row['units']} units ({', '.join(claimed) or 'nothing claimable'})")


if __name__ == "__main__":
    arguments = [Path(a) for a in sys.argv[1:3]]
    main(*(arguments or [DATA / "events.csv", DATA / "contacts.csv"]))
