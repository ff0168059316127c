"""Commands of the handoff engine: ``handoff`` (one event) and ``handoff-batch`` (a CSV of events)."""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Sequence
from datetime import datetime, time
from pathlib import Path
from typing import Any

import click

from zaitaku_core.cli.common import echo_json, emit, follow_symlinks_option, get_registry, lang_option
from zaitaku_core.cli.params import CITY

__all__ = ["handoff", "handoff_batch"]

WORDS = {
    "ja": {
        "after_hours": "営業時間外または休業日",
        "yes": "はい",
        "no": "いいえ",
        "calendar": "事業所カレンダー",
        "obligations": "連携（誰が・誰に・いつまでに・様式）",
        "addons": "算定（加算）",
        "total": "合計",
        "units": "単位",
        "claimable": "算定可",
        "not_claimable": "算定不可",
        "met": "実施済み",
        "open": "未実施",
        "national": "国の基準",
        "city": "市のルール",
        "guidance": "目安",
        "binding": "義務",
        "until": "期限",
        "forms": "様式",
        "billing": "算定要件",
        "first": "先に把握した方が連絡",
        "default": "市独自のルールがないため、国の基準（既定）を適用",
        "conflicts": "国の基準と市のルールの食い違い",
        "before": "事前を含む",
        "extended": "時間外のため延長",
        "closed": "休業",
        "holidays": "祝日",
        "year_end": "12/29〜1/3",
    },
    "en": {
        "after_hours": "after office hours or on a closed day",
        "yes": "yes",
        "no": "no",
        "calendar": "office calendar",
        "obligations": "Who contacts whom, by when, on which form",
        "addons": "Billing (add-ons)",
        "total": "total",
        "units": "units",
        "claimable": "claimable",
        "not_claimable": "not claimable",
        "met": "done",
        "open": "not done",
        "national": "national",
        "city": "city",
        "guidance": "guidance",
        "binding": "binding",
        "until": "until",
        "forms": "forms",
        "billing": "billing condition",
        "first": "whoever learns first contacts the other",
        "default": "the city has no rules of its own: national defaults apply",
        "conflicts": "Where the city rules and the national rules differ",
        "before": "earlier counts too",
        "extended": "extended: after hours",
        "closed": "closed",
        "holidays": "holidays",
        "year_end": "29 Dec–3 Jan",
    },
}


def _parse_moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date and time such as 2025-01-03T19:10") from None


_CONTACT = re.compile(r"^(\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2})((?::[A-Za-z_]+)+)$")


def _parse_contact(text: str) -> dict[str, Any]:
    """``TIME:party[:conference|:means]`` — e.g. ``2025-01-04T10:00:hospital`` or ``…:hospital:conference``."""
    match = _CONTACT.match(text.strip())
    if not match:
        raise click.BadParameter(f"{text!r}: write a contact as 2025-01-04T10:00:hospital[:conference]")
    party, *extras = match.group(2).lstrip(":").split(":")
    contact: dict[str, Any] = {"at": _parse_moment(match.group(1)), "to_party": party}
    for extra in extras:
        if extra == "conference":
            contact["conference"] = True
        else:
            contact["means"] = extra
    return contact


def _hours(text: str) -> tuple[time, time]:
    try:
        opens, closes = (time.fromisoformat(part) for part in text.split("-"))
    except ValueError:
        raise click.BadParameter(f"{text!r}: write office hours as 08:45-17:30") from None
    return opens, closes


def _calendar(
    registry: Any,
    city: str,
    calendar_id: str | None,
    closed: str | None,
    hours: str | None,
    holidays: bool,
    year_end: bool,
) -> Any:
    from zaitaku_core.calendar import BusinessCalendar

    if calendar_id:
        specs = {spec.id: spec for spec in registry.office_calendars(city)}
        if calendar_id not in specs:
            raise click.BadParameter(f"no calendar {calendar_id!r} for {city}; known: {', '.join(specs) or 'none'}")
        return BusinessCalendar.from_spec(specs[calendar_id])
    opens, closes = _hours(hours) if hours else (time(8, 45), time(17, 30))
    return BusinessCalendar.build(
        closed_weekdays=closed if closed is not None else "sat,sun",
        national_holidays_closed=holidays,
        year_end_closed=year_end,
        opens=opens,
        closes=closes,
    )


def _print_verdict(verdict: Any, city_name: str, tool_names: dict[str, str], lang: str) -> None:
    w = WORDS[lang]
    click.echo(f"{city_name}  {verdict.event_kind.label(lang)}  {verdict.at:%Y-%m-%d %H:%M}")
    click.echo(f"{w['after_hours']}: {w['yes'] if verdict.after_hours else w['no']}")
    click.echo(f"\n{w['obligations']}")
    english = {f"national:{a.addon_id}": f"{a.name_en} / {a.name}" for a in verdict.addons}
    for ob in verdict.obligations:
        basis = w["national"] if ob.basis.value == "national" else w["city"]
        force = w["billing"] if ob.basis.value == "national" else (w["binding"] if ob.binding else w["guidance"])
        title = english.get(ob.rule_id, ob.title) if lang == "en" else ob.title
        arrow = " ⇄ " if ob.first_to_learn else " → "
        parties = "・".join(p.label(lang) for p in ob.contact_from)
        receivers = "・".join(p.label(lang) for p in ob.contact_to)
        who = (
            f"{parties}（{w['first']}）"
            if ob.first_to_learn and lang == "ja"
            else (f"{parties} ({w['first']})" if ob.first_to_learn else f"{parties}{arrow}{receivers}")
        )
        window = ob.window
        until = ob.deadline_text
        if ob.basis.value == "national" and window is not None and window.end is not None:
            notes = [w["before"]] if window.start is None else [f"{window.start}〜"]
            if window.extended:
                notes.append(w["extended"])
            until = f"{window.end} ({', '.join(notes)})"
        forms = "、".join(tool_names.get(t, t) for t in ob.tools) or "-"
        state = w["met"] if ob.met else w["open"]
        click.echo(
            f"- [{basis}・{force}] {title}\n    {who}\n    {w['until']}: {until}\n    "
            f"{w['forms']}: {forms}\n    {state}"
        )
    if verdict.national_default:
        click.echo(f"  ({w['default']})")
    click.echo(f"\n{w['addons']}")
    for addon in verdict.addons:
        name = addon.name if lang == "ja" else f"{addon.name_en} / {addon.name}"
        tier = f" {addon.tier}" if addon.tier else ""
        if addon.claimable:
            click.echo(f"- {name}{tier}: {w['claimable']} {addon.units} {w['units']}")
        else:
            reason = addon.reason.label(lang) if addon.reason else ""
            click.echo(f"- {name}: {w['not_claimable']} ({reason})")
    click.echo(f"{w['total']}: {verdict.units} {w['units']}")
    if verdict.conflicts:
        click.echo(f"\n{w['conflicts']}")
        for finding in verdict.conflicts:
            click.echo(f"- {finding.code} {finding.message(lang)}")


@click.command()
@click.argument("city", type=CITY)
@click.option("--event", "kind", required=True, help="admission, discharge, outpatient_visit, home_conference, death …")
@click.option("--at", "at", required=True, help="When it happened: 2025-01-03T19:10.")
@click.option("--admitted-at", help="For a discharge: when the stay began.")
@click.option("--contact", "contacts", multiple=True, help="What the care manager did: TIME:party[:conference|:means].")
@click.option("--office-closed", help="The office's closed weekdays (default sat,sun).")
@click.option("--office-hours", help="Office hours, e.g. 08:45-17:30 (the default).")
@click.option("--holidays/--no-holidays", default=True, show_default=True, help="Closed on national holidays.")
@click.option("--year-end/--no-year-end", default=True, show_default=True, help="Closed 29 Dec – 3 Jan.")
@click.option("--calendar", "calendar_id", help="Use an office calendar the city's plugin declares.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@lang_option
@click.pass_context
def handoff(
    ctx: click.Context,
    city: str,
    kind: str,
    at: str,
    admitted_at: str | None,
    contacts: Sequence[str],
    office_closed: str | None,
    office_hours: str | None,
    holidays: bool,
    year_end: bool,
    calendar_id: str | None,
    as_json: bool,
    lang: str,
) -> None:
    """Who must contact whom, by when, on which form, for an event in CITY, and what can be billed.

    Example: zaitaku handoff asahikawa --event admission --at 2025-01-03T19:10 --office-closed sat,sun
    --contact 2025-01-04T10:00:hospital
    """
    from zaitaku_core.handoff import Contact, Event, evaluate

    registry = get_registry(ctx)
    city_info = registry.city(city)
    event = Event(kind=kind, at=_parse_moment(at), admitted_at=_parse_moment(admitted_at) if admitted_at else None)
    calendar = _calendar(registry, city, calendar_id, office_closed, office_hours, holidays, year_end)
    tools = registry.tools(city)
    verdict = evaluate(
        event,
        [Contact.model_validate(_parse_contact(text)) for text in contacts],
        calendar=calendar,
        city_rules=registry.handoff_rules(city),
        tools=tools,
    )
    if as_json:
        echo_json({"city": city, **verdict.to_dict()})
        return
    name = city_info.municipality.name_en if lang == "en" and city_info.municipality.name_en else city_info.name
    _print_verdict(verdict, name, {t.id: f"{t.number or ''}{t.name}" for t in tools}, lang)


#: The columns handoff-batch reads; any other column is dropped (it may hold personal data).
EVENT_COLUMNS = ("subject", "kind", "at", "admitted_at", "stay_in", "service_start", "initial_addon")
CONTACT_COLUMNS = ("event", "at", "from_party", "to_party", "means", "conference")


def _read_csv(path: Path, known: Sequence[str]) -> dict[str, list[str]]:
    """The ``known`` columns of a CSV file; the others are named on standard error and never read further."""
    with path.open(newline="", encoding="utf-8-sig") as stream:
        reader = csv.DictReader(stream)
        names = list(reader.fieldnames or ())
        ignored = [name for name in names if name not in known]
        if ignored:
            click.echo(f"zaitaku: {path.name}: columns ignored and not copied: {', '.join(ignored)}", err=True)
        columns: dict[str, list[str]] = {name: [] for name in names if name in known}
        for row in reader:
            for name in columns:
                columns[name].append(row[name] or "")
    return columns


def _check_subjects(subjects: Sequence[str], path: Path) -> None:
    """Subjects must be opaque ids, as in the per-event API: no names or insurance numbers in the output."""
    from zaitaku_core.errors import InputError
    from zaitaku_core.handoff.model import SUBJECT_PATTERN

    pattern = re.compile(SUBJECT_PATTERN)
    bad = [index + 2 for index, subject in enumerate(subjects) if not pattern.match(subject)]  # +2: header, 1-based
    if bad:
        rows = ", ".join(map(str, bad[:5])) + (" …" if len(bad) > 5 else "")
        raise InputError(
            f"the subject must be an opaque id (1-64 letters, digits or -_.:), never personal data; line {rows}",
            location={"file": str(path), "field": "subject"},
        )


@click.command("handoff-batch")
@click.argument("events_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--contacts",
    "contacts_csv",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV of contacts: event (row number of EVENTS_CSV, from 0), at, to_party[, from_party, means, conference].",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="CSV to write (atomically).")
@follow_symlinks_option
@click.option("--office-closed", help="The office's closed weekdays (default sat,sun).")
@click.option("--office-hours", help="Office hours, e.g. 08:45-17:30 (the default).")
@click.option("--chunk", default=100_000, show_default=True, help="Rows evaluated at a time (for the progress bar).")
def handoff_batch(
    events_csv: Path,
    contacts_csv: Path | None,
    output: Path | None,
    follow_symlinks: bool,
    office_closed: str | None,
    office_hours: str | None,
    chunk: int,
) -> None:
    """Evaluate EVENTS_CSV (columns kind, at[, admitted_at, subject]) into a CSV of verdicts.

    The output has those columns and, per add-on, claimable, units, tier, reason and its window. Other
    columns are ignored and never copied; a subject must be an opaque id. Cells are protected against
    spreadsheet formula injection.
    """
    import numpy as np

    from zaitaku_core.calendar import BusinessCalendar
    from zaitaku_core.handoff import apply_caps_columns, evaluate_batch
    from zaitaku_core.report import neutralize

    opens, closes = _hours(office_hours) if office_hours else (time(8, 45), time(17, 30))
    calendar = BusinessCalendar.build(closed_weekdays=office_closed or "sat,sun", opens=opens, closes=closes)
    events = {k: np.array(v, dtype=object) for k, v in _read_csv(events_csv, EVENT_COLUMNS).items()}
    if "subject" in events:
        _check_subjects(events["subject"].tolist(), events_csv)
    for name in ("admitted_at", "service_start"):
        if name in events:
            events[name] = np.array([v or "NaT" for v in events[name]], dtype=object)
    contacts = (
        {k: np.array(v, dtype=object) for k, v in _read_csv(contacts_csv, CONTACT_COLUMNS).items()}
        if contacts_csv
        else None
    )
    if contacts is not None:
        contacts["event"] = contacts["event"].astype(np.int64)
    n = len(events.get("at", ()))
    results: dict[str, list[Any]] = {}
    with click.progressbar(range(0, n, chunk), label="zaitaku handoff-batch", file=sys.stderr, show_pos=True) as bar:
        for lo in bar:
            hi = min(n, lo + chunk)
            part = {k: v[lo:hi] for k, v in events.items()}
            part_contacts = None
            if contacts is not None:
                mine = (contacts["event"] >= lo) & (contacts["event"] < hi)
                part_contacts = {k: v[mine] for k, v in contacts.items()}
                part_contacts["event"] = part_contacts["event"] - lo
            found = evaluate_batch(part, part_contacts, calendar=calendar, monthly_caps=False)
            for key, values in found.items():
                results.setdefault(key, []).extend(values.tolist())
    if "subject" in events and n:  # caps span chunks: a subject's events may lie in several
        capped = {
            k: np.array(v, dtype=object if k.endswith((".tier", ".reason")) else None) for k, v in results.items()
        }
        apply_caps_columns(capped, events["subject"], events["at"])
        results = {k: v.tolist() for k, v in capped.items()}
    names = [*events, *results]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(names)
    for row in range(n):
        cells = [events[k][row] for k in events] + [results[k][row] for k in results]
        writer.writerow([neutralize("" if c is None or str(c) == "NaT" else str(c)) for c in cells])
    emit(buffer.getvalue().encode("utf-8-sig"), output, follow_symlinks=follow_symlinks)
