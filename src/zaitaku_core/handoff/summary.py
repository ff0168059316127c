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

from collections.abc import Mapping
from datetime import date
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from zaitaku_core.handoff.rules import OfficeAddon, OfficeRevision, national_addons, office_addons

__all__ = ["OfficeYear", "office_summary"]


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
        }


def _claim_months(result: Mapping[str, npt.NDArray[Any]], addon_id: str, at: npt.NDArray[Any]) -> npt.NDArray[Any]:
    from zaitaku_core.handoff.batch import _minutes

    event_month = _minutes(np.asarray(at)).view("datetime64[m]").astype("datetime64[M]")
    column = result.get(f"{addon_id}.claim_month")
    if column is None:
        return event_month
    given = np.asarray(column).astype(str)
    known = (given != "") & (given != "None")
    months = event_month.copy()
    if known.any():
        months[known] = given[known].astype("datetime64[M]")
    return months


def office_summary(result: Mapping[str, npt.NDArray[Any]], at: npt.NDArray[Any]) -> tuple[OfficeYear, ...]:
    """Yearly counts of every office add-on from batch ``result`` (one office's events, times ``at``)."""
    from zaitaku_core.handoff.batch import _minutes

    addons = {a.id: a for a in national_addons()}
    event_months = np.unique(_minutes(np.asarray(at)).view("datetime64[m]").astype("datetime64[M]")).astype(str)
    out: list[OfficeYear] = []
    for office in office_addons():
        needed = {t.addon for rev in office.revisions for t in rev.thresholds}
        per_year: dict[int, dict[tuple[str, str], int]] = {}
        for addon_id in sorted(needed):
            if f"{addon_id}.claimable" not in result:
                continue
            claimed = np.asarray(result[f"{addon_id}.claimable"]).astype(bool)
            months = _claim_months(result, addon_id, at)[claimed].astype(np.int64)  # months since 1970-01
            year, month = months // 12 + 1970, months % 12 + 1
            target = np.where(month >= 3, year + 1, year)  # March (T-1) … February (T) counts for FY T
            tiers = {t.code: t.min_contacts for r in addons[addon_id].revisions for t in r.tiers}
            contacts = np.ones(claimed.sum(), dtype=np.int64)
            if tiers:
                codes = np.asarray(result[f"{addon_id}.tier"])[claimed]
                contacts = np.array([tiers.get(str(c), 1) for c in codes], dtype=np.int64)
            for fiscal_year in np.unique(target):
                mine = target == fiscal_year
                counts = per_year.setdefault(int(fiscal_year), {})
                counts[(addon_id, "claims")] = int(mine.sum())
                counts[(addon_id, "contacts")] = int(contacts[mine].sum())
        for fiscal_year in sorted(per_year):
            revision = office.revision(date(fiscal_year, 4, 1))
            thresholds = revision.thresholds if revision else ()
            period = (f"{fiscal_year - 1}-03", f"{fiscal_year}-02")
            inside = [m for m in event_months if period[0] <= m <= period[1]]
            out.append(
                OfficeYear(
                    addon=office,
                    fiscal_year=fiscal_year,
                    period=period,
                    revision=revision,
                    counts=tuple(
                        (t.addon, t.count, per_year[fiscal_year].get((t.addon, t.count), 0), t.at_least)
                        for t in thresholds
                    ),
                    covered=(inside[0], inside[-1]) if inside else ("", ""),
                )
            )
    return tuple(out)
