"""Checks for the handoff engine's two paths, for this project's tests and for a plugin's own.

:func:`assert_batch_equals_scalar` runs events through :func:`~zaitaku_core.handoff.evaluate_batch` and
through :func:`~zaitaku_core.handoff.evaluate` with :func:`~zaitaku_core.handoff.apply_monthly_caps` and
asserts the same answer, add-on by add-on, for every row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from zaitaku_core.calendar import BusinessCalendar
from zaitaku_core.handoff import Contact, Event, HandoffOptions, apply_monthly_caps, evaluate, evaluate_batch

__all__ = ["assert_batch_equals_scalar", "batch_columns"]


def batch_columns(events: Sequence[Event], logs: Sequence[Sequence[Contact]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Events and contacts as the columns evaluate_batch reads (times as datetime64, codes as text)."""
    columns = {
        "subject": np.array([e.subject for e in events], dtype=object),
        "kind": np.array([e.kind.value for e in events], dtype=object),
        "at": np.array([e.at.isoformat() for e in events], dtype="datetime64[m]"),
        "admitted_at": np.array(
            [e.admitted_at.isoformat() if e.admitted_at else "NaT" for e in events], dtype="datetime64[m]"
        ),
        "stay_in": np.array([e.stay_in.value if e.stay_in else "" for e in events], dtype=object),
        "service_start": np.array(
            [e.service_start.isoformat() if e.service_start else "NaT" for e in events], dtype="datetime64[D]"
        ),
        "initial_addon": np.array(["true" if e.initial_addon else "false" for e in events], dtype=object),
    }
    flat = [(i, c) for i, log in enumerate(logs) for c in log]
    contacts = {
        "event": np.array([i for i, _ in flat], dtype=np.int64),
        "at": np.array([c.at.isoformat() for _, c in flat], dtype="datetime64[m]"),
        "from_party": np.array([c.from_party.value for _, c in flat], dtype=object),
        "to_party": np.array([c.to_party.value for _, c in flat], dtype=object),
        "means": np.array([c.means.value for _, c in flat], dtype=object),
        "conference": np.array([c.conference for _, c in flat], dtype=bool),
    }
    return columns, contacts


def assert_batch_equals_scalar(
    events: Sequence[Event],
    logs: Sequence[Sequence[Contact]],
    calendar: BusinessCalendar,
    options: HandoffOptions | None = None,
) -> None:
    """evaluate_batch (with its caps) gives, row by row, what evaluate + apply_monthly_caps give."""
    options = options or HandoffOptions()
    columns, contacts = batch_columns(events, logs)
    result = evaluate_batch(columns, contacts, calendar=calendar, options=options)
    verdicts = apply_monthly_caps(
        [(e.subject, evaluate(e, log, calendar=calendar, options=options)) for e, log in zip(events, logs, strict=True)]
    )
    for row, verdict in enumerate(verdicts):
        assert bool(result["after_hours"][row]) == verdict.after_hours
        assert int(result["units"][row]) == verdict.units
        for addon in verdict.addons:
            key = addon.addon_id
            got = (
                bool(result[f"{key}.claimable"][row]),
                int(result[f"{key}.units"][row]),
                result[f"{key}.tier"][row] or None,
                result[f"{key}.reason"][row] or None,
            )
            assert got == (addon.claimable, addon.units, addon.tier, addon.reason.value if addon.reason else None)
            start, end = result[f"{key}.window_start"][row], result[f"{key}.window_end"][row]
            expected_start = addon.window.start if addon.window else None
            expected_end = addon.window.end if addon.window else None
            assert (None if np.isnat(start) else start.astype(object)) == expected_start
            assert (None if np.isnat(end) else end.astype(object)) == expected_end
            if f"{key}.claim_month" in result:
                assert (result[f"{key}.claim_month"][row] or None) == addon.claim_month
