"""evaluate_batch at its real chunk size (131,072 rows): rows on either side of a chunk boundary, with their
contacts split across it, answer as the same events do in a batch of a few rows (the property tests shrink
the chunk instead; this checks the buffers and slices sized by the real one)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from test_handoff import HAND_WORKED, OFFICE

from zaitaku_core.handoff import evaluate_batch
from zaitaku_core.handoff.batch import _CHUNK, NO_VALUE, batch_windows
from zaitaku_core.testing.handoff import batch_columns

_EVENTS = [event for event, _ in HAND_WORKED]
_COLUMNS, _CONTACTS = batch_columns(_EVENTS, [log for _, log in HAND_WORKED])
del _COLUMNS["subject"]  # no caps: a row's answer is its event's alone, wherever it lies


def _tiled(n: int, contacts: dict[str, npt.NDArray[Any]] | None) -> tuple[npt.NDArray[np.intp], dict[str, Any], Any]:
    """``n`` rows cycling through the hand-worked events (offset so that no cycle starts at a boundary),
    each with its event's contacts, in the order of their events."""
    which = (np.arange(n) + 5) % len(_EVENTS)
    events = {name: values[which] for name, values in _COLUMNS.items()}
    if contacts is None:
        return which, events, None
    rows = [np.flatnonzero(which == int(event)) for event in contacts["event"]]
    source = np.concatenate([np.full(r.size, i) for i, r in enumerate(rows)])
    tiled = {name: values[source] for name, values in contacts.items()}
    tiled["event"] = np.concatenate(rows)
    order = np.argsort(tiled["event"], kind="stable")
    return which, events, {name: values[order] for name, values in tiled.items()}


@pytest.mark.parametrize("n", [_CHUNK - 1, _CHUNK + 1])
@pytest.mark.parametrize("codes", [False, True])
@pytest.mark.parametrize("contacts", ["all", "none", "discharge only"])
def test_rows_around_a_chunk_boundary(n: int, codes: bool, contacts: str) -> None:
    given: dict[str, npt.NDArray[Any]] | None = _CONTACTS
    if contacts == "none":
        given = None
    elif contacts == "discharge only":
        keep = np.array([_EVENTS[int(e)].kind.value == "discharge" for e in _CONTACTS["event"]])
        given = {name: values[keep] for name, values in _CONTACTS.items()}
    few = evaluate_batch(_COLUMNS, given, calendar=OFFICE, codes=codes)
    which, events, tiled = _tiled(n, given)
    many = evaluate_batch(events, tiled, calendar=OFFICE, codes=codes)
    assert list(many) == list(few)
    for name, values in many.items():
        assert values.dtype == few[name].dtype, name
        assert np.array_equal(values, few[name][which], equal_nan=values.dtype.kind == "M"), name
    if contacts == "all":
        assert many["units"][_CHUNK - 9 : _CHUNK - 1].any() and many["units"][-9:].any()  # claims by the boundary


def test_no_rows_and_one_row() -> None:
    # The columns of an empty batch, and of a batch of one row, are those of any batch (types included).
    for codes in (False, True):
        few = evaluate_batch(_COLUMNS, _CONTACTS, calendar=OFFICE, codes=codes)
        for n in (0, 1):
            events = {name: values[:n] for name, values in _COLUMNS.items()}
            keep = _CONTACTS["event"] < n
            got = evaluate_batch(events, {k: v[keep] for k, v in _CONTACTS.items()}, calendar=OFFICE, codes=codes)
            assert list(got) == list(few)
            for name, values in got.items():
                assert values.dtype == few[name].dtype and len(values) == n, name
                assert np.array_equal(values, few[name][:n], equal_nan=values.dtype.kind == "M"), name
    assert int(few["admission_1.units"][0]) > 0 and few["discharge.window_start"][0] == NO_VALUE


def test_windows_of_mixed_kinds_around_a_chunk_boundary() -> None:
    # batch_windows takes each chunk's rows of each kind apart: the last chunk here is one row, of one kind,
    # so the other kinds' columns are only filled there. Rows on both sides of the boundary answer as the same
    # events in a call of a few rows.
    which, events, _ = _tiled(_CHUNK + 1, None)
    few = batch_windows(_COLUMNS["kind"], _COLUMNS["at"], OFFICE)
    many = batch_windows(events["kind"], events["at"], OFFICE)
    assert len({str(k) for k in _COLUMNS["kind"]}) > 1 and list(many) == list(few)
    for name, values in many.items():
        assert np.array_equal(values, few[name][which], equal_nan=True), name
    ends = [name for name in many if name.endswith(".window_end")]
    assert sum(not np.isnat(many[name][_CHUNK - 9 :]).all() for name in ends) >= 2  # kinds by the boundary
    assert any(not np.isnat(many[name][-1]) for name in ends)  # the last chunk's row has its windows
