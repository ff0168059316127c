"""Japanese eras (元号): conversion, formatting and parsing of era dates.

The library's calendar starts on 1868-01-01 (明治元年; the era was proclaimed later that year but applies
from the first day of 明治元年 by the rule of 1868), and dates before it are an error. An era year exists
only where some date of that year lies within the era, so 平成32年 and 令和元年4月 are errors.

>>> to_era(date(2019, 5, 1))
(<Era.REIWA: 'reiwa'>, 1)
>>> format_date(date(2024, 4, 1))
'令和6年4月1日'
>>> parse_date("Ｒ６.４.１")
datetime.date(2024, 4, 1)
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from datetime import date

from zaitaku_core.errors import EraDateError
from zaitaku_core.framework import LabeledEnum
from zaitaku_core.i18n import N_

__all__ = ["EARLIEST", "Era", "format_date", "from_era", "parse_date", "to_era"]

#: The first date the library converts.
EARLIEST = date(1868, 1, 1)


class Era(LabeledEnum):
    """The modern eras, with their first day."""

    MEIJI = ("meiji", "明治", "Meiji")
    TAISHO = ("taisho", "大正", "Taisho")
    SHOWA = ("showa", "昭和", "Showa")
    HEISEI = ("heisei", "平成", "Heisei")
    REIWA = ("reiwa", "令和", "Reiwa")

    @classmethod
    def _aliases(cls) -> dict[str, list[str]]:
        return {era.value: [_LETTERS[era.value]] for era in cls}

    @property
    def start(self) -> date:
        """The first day of the era."""
        return _STARTS[self.value]

    @property
    def end(self) -> date | None:
        """The last day of the era (``None`` for the current one)."""
        members = list(Era)
        index = members.index(self)
        if index + 1 == len(members):
            return None
        return date.fromordinal(members[index + 1].start.toordinal() - 1)

    @property
    def letter(self) -> str:
        """The one-letter romaji abbreviation (M, T, S, H, R)."""
        return _LETTERS[self.value]


_STARTS = {
    "meiji": EARLIEST,
    "taisho": date(1912, 7, 30),
    "showa": date(1926, 12, 25),
    "heisei": date(1989, 1, 8),
    "reiwa": date(2019, 5, 1),
}
_LETTERS = {"meiji": "M", "taisho": "T", "showa": "S", "heisei": "H", "reiwa": "R"}
_ORDINALS = [_STARTS[era.value].toordinal() for era in Era]
_ERAS = list(Era)


def to_era(day: date) -> tuple[Era, int]:
    """The era and era year of ``day``.

    Raises:
        EraDateError: ``day`` is before 1868-01-01.
    """
    index = bisect_right(_ORDINALS, day.toordinal()) - 1
    if index < 0:
        raise EraDateError(
            N_("{day} is before {earliest}, the first date supported"),
            values={"day": day.isoformat(), "earliest": EARLIEST.isoformat()},
        )
    era = _ERAS[index]
    return era, day.year - era.start.year + 1


def _year_label(year: int) -> str:
    return "元" if year == 1 else str(year)


def from_era(era: Era | str, year: int, month: int = 1, day: int = 1) -> date:
    """The Gregorian date of ``era`` ``year``/``month``/``day``.

    Raises:
        EraDateError: the date does not exist, or does not lie in that era (平成32年, 令和元年4月).
    """
    era = Era.parse(era)
    label = f"{era.ja}{_year_label(year)}年{month}月{day}日"
    if year < 1:
        raise EraDateError(
            N_("{label} does not exist: era years start at 1 (元年)"), values={"label": f"{era.ja}{year}年"}
        )
    try:
        result = date(era.start.year + year - 1, month, day)
    except (ValueError, OverflowError) as exc:
        raise EraDateError(N_("{label} is not a date: {reason}"), values={"label": label, "reason": exc}) from exc
    if result < era.start:
        began = {"label": label, "era": era.ja, "day": format_date(era.start)}
        raise EraDateError(N_("{label} does not exist: {era} began on {day}"), values=began)
    end = era.end
    if end is not None and result > end:
        ended = {"label": label, "era": era.ja, "day": format_date(end)}
        raise EraDateError(N_("{label} does not exist: {era} ended on {day}"), values=ended)
    return result


def format_date(day: date, style: str = "ja") -> str:
    """Write ``day`` in an era style: ``"ja"`` 令和6年4月1日, ``"short"`` R6.4.1, ``"en"`` Reiwa 6-04-01."""
    era, year = to_era(day)
    if style == "short":
        return f"{era.letter}{year}.{day.month}.{day.day}"
    if style == "en":
        return f"{era.en} {year} ({day.isoformat()})"
    return f"{era.ja}{_year_label(year)}年{day.month}月{day.day}日"


_ERA_NAMES = "|".join([*(e.ja for e in Era), *(e.letter for e in Era), *(e.letter.lower() for e in Era)])
# Digit runs are bounded (an era year has at most 3 digits, a month or day 2), so int() never sees a run
# of thousands of digits; digits are ASCII after NFKC (other scripts' digits are not dates).
_Y, _MD = "[0-9]{1,3}", "[0-9]{1,2}"
_ERA_DATE = re.compile(rf"^({_ERA_NAMES})(元|{_Y})(?:年({_MD})月({_MD})日?|[./\-]({_MD})[./\-]({_MD}))$")
_GREGORIAN = re.compile(rf"^([0-9]{{4}})(?:年({_MD})月({_MD})日?|[./\-]({_MD})[./\-]({_MD}))$")


def parse_date(text: str) -> date:
    """Read a date written in an era (令和6年4月1日, 令和元年5月1日, R6.4.1, R6/4/1) or in the Gregorian
    calendar (2024-04-01, 2024年4月1日, 2024/4/1); full-width digits are accepted.

    Raises:
        EraDateError: the text is not such a date, or the date does not exist.
    """
    folded = "".join(unicodedata.normalize("NFKC", text).split())
    match = _ERA_DATE.match(folded)
    if match:
        era_text, year_text = match.group(1), match.group(2)
        month = match.group(3) or match.group(5)
        day = match.group(4) or match.group(6)
        year = 1 if year_text == "元" else int(year_text)
        return from_era(Era.parse(era_text.upper() if len(era_text) == 1 else era_text), year, int(month), int(day))
    match = _GREGORIAN.match(folded)
    if match:
        month = match.group(2) or match.group(4)
        day = match.group(3) or match.group(5)
        try:
            result = date(int(match.group(1)), int(month), int(day))
        except ValueError as exc:
            raise EraDateError(
                N_("{label} is not a date: {reason}"), values={"label": repr(text), "reason": exc}
            ) from exc
        if result < EARLIEST:
            raise EraDateError(
                N_("{day} is before {earliest}, the first date supported"),
                values={"day": repr(text), "earliest": EARLIEST.isoformat()},
            )
        return result
    raise EraDateError(
        N_("cannot read {text!r} as a date; write it as 令和6年4月1日, R6.4.1 or 2024-04-01"), values={"text": text}
    )
