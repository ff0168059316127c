"""An office's yearly counts for 特定事業所医療介護連携加算, from a batch's results.

The add-on (an office-level one, claimed every month of a fiscal year) needs counts over a year of the
office's claims: 退院・退所加算 (the contacts behind them) and ターミナルケアマネジメント加算 (the claims),
from March of the fiscal year before last to February of the last one. :func:`office_summary` counts them
from the columns :func:`~zaitaku_core.handoff.evaluate_batch` returns, for every fiscal year whose
counting period the results touch, and compares them with the thresholds of the revision in force
(``[[office_addons]]`` in ``national_rules.toml``: FY2021–2023 35 and 5, from FY2024 35 and 15).

A claim is counted in its claim month: for 退院・退所加算 the month service use starts
(``discharge.claim_month``, from ``service_start``) or else the discharge month; for the others the
month of the event. A 退院・退所加算 claim counts as many contacts as its tier names ((Ⅰ) 1, (Ⅱ) 2, (Ⅲ) 3;
a reading, recorded as such in the data). The other conditions of the add-on (特定事業所加算 (Ⅰ)〜(Ⅲ))
are not the engine's to judge; the summary says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from zaitaku_core.handoff.rules import OfficeAddon, OfficeRevision, national_addons, office_addons

__all__ = ["OfficeCounter", "OfficeYear", "office_summary"]


@attrs.frozen
class OfficeYear:
    """One fiscal year's counts against an office add-on's thresholds."""

    addon: OfficeAddon
    fiscal_year: int
    period: tuple[str, str]
    revision: OfficeRevision | None
    counts: tuple[tuple[str, str, int, int], ...]  # (add-on id, what is counted, count, at least)
    #: The first and last month of the period in which the results have events: a period the data does
    #: not cover from end to end gives counts that are too low, and ``complete`` is false.
    covered: tuple[str, str]

    @property
    def complete(self) -> bool:
        """Whether the results have events in the period's first and last month."""
        return self.covered == self.period

    @property
    def met(self) -> bool:
        """Whether every threshold is reached (the other conditions are not judged here)."""
        return self.revision is not None and all(count >= least for _, _, count, least in self.counts)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "addon_id": self.addon.id,
            "name": self.addon.name,
            "name_en": self.addon.name_en,
            "fiscal_year": self.fiscal_year,
            "period": list(self.period),
            "units": self.revision.units if self.revision else None,
            "counts": [
                {"addon_id": a, "count_of": what, "count": count, "at_least": least}
                for a, what, count, least in self.counts
            ],
            "thresholds_met": self.met,
            "covered": list(self.covered),
            "complete": self.complete,
            "not_judged": self.addon.requires,
            "not_judged_en": self.addon.requires_en,
        }


def _months(at: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """Months since 1970-01 of event times (datetime64, or text read as :func:`evaluate_batch` reads it)."""
    values = np.asarray(at)
    if values.dtype.kind != "M":
        from zaitaku_core.handoff.batch import _minutes

        values = _minutes(values).view("datetime64[m]")
    months: npt.NDArray[np.int64] = values.astype("datetime64[M]").astype(np.int64)
    return months


def _claim_months(
    result: Mapping[str, npt.NDArray[Any]], addon_id: str, event_months: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    column = result.get(f"{addon_id}.claim_month")
    if column is None:
        return event_months
    values = np.asarray(column)
    if values.dtype.kind in "iM":  # months since 1970-01 (evaluate_batch with codes=True), or datetime64
        from zaitaku_core.handoff.batch import NO_VALUE

        if values.dtype.kind == "M":
            values = values.astype("datetime64[M]")
            none = np.isnat(values)
        else:
            none = values == NO_VALUE
        return np.where(none, event_months, values.astype(np.int64))
    given = values.astype(str)
    known = (given != "") & (given != "None")
    months = event_months.copy()
    if known.any():
        months[known] = given[known].astype("datetime64[M]").astype(np.int64)
    return months


def _tier_contacts(column: npt.NDArray[Any], tiers: Mapping[str, int]) -> npt.NDArray[np.int64]:
    """The contacts each claim counts by its tier (``tiers``: code -> contacts; 1 for no tier or one not
    listed): the tier as its text, or as its code (``evaluate_batch(..., codes=True)``: a position in
    ``TIERS``, -1 for none)."""
    if column.dtype.kind in "iu":
        from zaitaku_core.handoff.batch import TIERS

        return _contacts_by_code(TIERS, column, tiers)
    distinct, inverse = np.unique(column.astype(str), return_inverse=True)
    return _contacts_by_code(distinct.tolist(), inverse.reshape(-1), tiers)


def _contacts_by_code(
    labels: Sequence[object], codes: npt.NDArray[Any], tiers: Mapping[str, int]
) -> npt.NDArray[np.int64]:
    """The contacts of each claim whose tier is ``labels[code]`` (``tiers``: label -> contacts; 1 for a
    label not listed, and for code -1: no tier)."""
    by_code = np.array([tiers.get(str(label), 1) for label in labels] + [1], dtype=np.int64)  # -1: the last
    contacts: npt.NDArray[np.int64] = by_code[codes.astype(np.intp)]
    return contacts


def _label(months: int) -> str:
    return str(np.datetime64(months, "M"))


class OfficeCounter:
    """The counts of every office add-on, fed batch by batch (a batch's results are not kept).

    :meth:`add` takes the columns :func:`~zaitaku_core.handoff.evaluate_batch` returns (texts, or with
    ``codes=True`` codes, for tiers and claim months) and the events' times; :meth:`add_arrow` a record
    batch of verdicts as ``zaitaku handoff-batch`` writes them. :meth:`years` gives what
    :func:`office_summary` gives for all the rows seen. Memory is a few counters per fiscal year and the
    set of months the events fall in.
    """

    def __init__(self) -> None:
        addons = {a.id: a for a in national_addons()}
        needed = sorted({t.addon for o in office_addons() for r in o.revisions for t in r.thresholds})
        self._tiers = {a: {t.code: t.min_contacts for r in addons[a].revisions for t in r.tiers} for a in needed}
        self._counts: dict[int, dict[tuple[str, str], int]] = {}
        self._event_months: set[int] = set()

    def add(self, result: Mapping[str, npt.NDArray[Any]], at: npt.NDArray[Any]) -> None:
        """Count the claims of one batch of results (``at``: the times of its events)."""
        event_months = _months(at)
        self._event_months.update(np.unique(event_months).tolist())
        for addon_id, tiers in self._tiers.items():
            if f"{addon_id}.claimable" not in result:
                continue
            claimed = np.asarray(result[f"{addon_id}.claimable"]).astype(bool)
            contacts = None
            if tiers:
                contacts = _tier_contacts(np.asarray(result[f"{addon_id}.tier"])[claimed], tiers)
            self._count(addon_id, _claim_months(result, addon_id, event_months)[claimed], contacts)

    def add_arrow(self, batch: Any) -> None:
        """Count a record batch of verdicts (the columns of
        :func:`~zaitaku_core.handoff.engines.arrow.verdict_schema`, dictionary-encoded or plain), column-wise:
        tiers through their dictionary, claim months sliced as numbers, no Python object per row."""
        import pyarrow as pa
        import pyarrow.compute as pc

        names = batch.schema.names
        at = pc.cast(batch.column("at"), pa.timestamp("s")).to_numpy(zero_copy_only=False)
        event_months = at.astype("datetime64[M]").view(np.int64)
        self._event_months.update(pc.unique(pa.array(event_months)).to_pylist())
        for addon_id, tiers in self._tiers.items():
            if f"{addon_id}.claimable" not in names:
                continue
            claimed = np.flatnonzero(pc.fill_null(batch.column(f"{addon_id}.claimable"), False).to_numpy(False))
            if not claimed.size:
                continue
            rows = pa.array(claimed)
            months = event_months[claimed]
            if f"{addon_id}.claim_month" in names:  # "YYYY-MM", or null: the event's month
                given = batch.column(f"{addon_id}.claim_month").take(rows)
                known = pc.fill_null(pc.greater(pc.utf8_length(given), 0), False).to_numpy(zero_copy_only=False)
                text = pc.if_else(known, given, "1970-01")
                year = pc.cast(pc.utf8_slice_codeunits(text, 0, 4), pa.int64()).to_numpy()
                month = pc.cast(pc.utf8_slice_codeunits(text, 5, 7), pa.int64()).to_numpy()
                months = np.where(known, (year - 1970) * 12 + month - 1, months)
            contacts = None
            if tiers:
                tier = batch.column(f"{addon_id}.tier").take(rows)
                if not pa.types.is_dictionary(tier.type):
                    tier = pc.dictionary_encode(tier)
                codes = tier.indices.fill_null(-1).to_numpy(zero_copy_only=False)
                contacts = _contacts_by_code(tier.dictionary.to_pylist(), codes, tiers)
            self._count(addon_id, months.astype(np.int64), contacts)

    def _count(self, addon_id: str, months: npt.NDArray[np.int64], contacts: npt.NDArray[np.int64] | None) -> None:
        """Add claims in ``months`` (months since 1970-01), with ``contacts`` each (1 if not given)."""
        if not months.size:
            return
        target = months // 12 + 1970 + (months % 12 >= 2)  # March (T-1) … February (T) counts for FY T
        years, which = np.unique(target, return_inverse=True)
        claims = np.bincount(which)
        linked = np.bincount(which, weights=contacts) if contacts is not None else claims
        for fiscal_year, n, m in zip(years.tolist(), claims.tolist(), linked.tolist(), strict=True):
            counts = self._counts.setdefault(int(fiscal_year), {})
            counts[(addon_id, "claims")] = counts.get((addon_id, "claims"), 0) + int(n)
            counts[(addon_id, "contacts")] = counts.get((addon_id, "contacts"), 0) + int(m)

    def years(self) -> tuple[OfficeYear, ...]:
        """Every fiscal year with a revision in force whose counting period the rows seen touch."""
        event_months = sorted(self._event_months)
        touched = {m // 12 + 1970 + (m % 12 >= 2) for m in event_months} | set(self._counts)
        out: list[OfficeYear] = []
        for office in office_addons():
            for fiscal_year in sorted(touched):
                revision = office.revision(date(fiscal_year, 4, 1))
                if revision is None:
                    continue
                period = (f"{fiscal_year - 1}-03", f"{fiscal_year}-02")
                inside = [label for label in map(_label, event_months) if period[0] <= label <= period[1]]
                counts = self._counts.get(fiscal_year, {})
                out.append(
                    OfficeYear(
                        addon=office,
                        fiscal_year=fiscal_year,
                        period=period,
                        revision=revision,
                        counts=tuple(
                            (t.addon, t.count, counts.get((t.addon, t.count), 0), t.at_least)
                            for t in revision.thresholds
                        ),
                        covered=(inside[0], inside[-1]) if inside else ("", ""),
                    )
                )
        return tuple(out)


def office_summary(result: Mapping[str, npt.NDArray[Any]], at: npt.NDArray[Any]) -> tuple[OfficeYear, ...]:
    """Yearly counts of every office add-on from batch ``result`` (one office's events, times ``at``): every
    fiscal year with a revision of the add-on in force whose counting period the events or claims touch."""
    counter = OfficeCounter()
    counter.add(result, at)
    return counter.years()
