"""Commands of the handoff engine: ``handoff`` (one event) and ``handoff-batch`` (a CSV of events)."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, time
from pathlib import Path
from typing import Any, TypeVar

import click

from zaitaku_core.cli.common import (
    cleanup_on_sigterm,
    echo_json,
    follow_symlinks_option,
    get_registry,
    json_format_option,
    lang_option,
    never_over_an_input,
    output_target,
)
from zaitaku_core.cli.helptext import FilledHelpOption, TranslatedCommand, current_language
from zaitaku_core.cli.params import CITY
from zaitaku_core.cli.terminal import echo_safe
from zaitaku_core.i18n import N_, NP_, tr, translate

__all__ = ["handoff", "handoff_batch"]

F = TypeVar("F", bound=Callable[..., Any])

#: The words of ``zaitaku handoff``'s output (English, translated through the message catalogue).
WORDS: dict[str, str] = {
    "after_hours": NP_("handoff", "after office hours or on a closed day"),
    "yes": NP_("handoff", "yes"),
    "no": NP_("handoff", "no"),
    "calendar": NP_("handoff", "office calendar"),
    "obligations": NP_("handoff", "Who contacts whom, by when, on which form"),
    "addons": NP_("handoff", "Billing (add-ons)"),
    "total": NP_("handoff", "total"),
    "units": NP_("handoff", "units"),
    "claimable": NP_("handoff", "claimable"),
    "not_claimable": NP_("handoff", "not claimable"),
    "met": NP_("handoff", "done"),
    "open": NP_("handoff", "not done"),
    "national": NP_("handoff", "national"),
    "city": NP_("handoff", "city"),
    "guidance": NP_("handoff", "guidance"),
    "binding": NP_("handoff", "binding"),
    "until": NP_("handoff", "until"),
    "forms": NP_("handoff", "forms"),
    "billing": NP_("handoff", "billing condition"),
    "first": NP_("handoff", "whoever learns first contacts the other"),
    "default": NP_("handoff", "the city has no rules of its own: national defaults apply"),
    "conflicts": NP_("handoff", "Where the city rules and the national rules differ"),
    "before": NP_("handoff", "earlier counts too"),
    "extended": NP_("handoff", "extended: after hours"),
    "closed": NP_("handoff", "closed"),
    "holidays": NP_("handoff", "holidays"),
    "year_end": NP_("handoff", "29 Dec–3 Jan"),
    "explain": NP_("handoff", "Why (the clauses of the national rules that decided, with their sources)"),
    "seen_at": NP_("handoff", "seen at"),
    "no_clause": NP_("handoff", "no clause recorded"),
    "modelled_from": NP_("handoff", "modelled from"),
    "claim_month": NP_("handoff", "claim month"),
    "readings": NP_("handoff", "reading"),
    "interpretation": NP_("handoff", "zaitaku-core's interpretation (national_rules.toml)"),
    "period": NP_("handoff", "period"),
    "reached": NP_("handoff", "thresholds reached"),
    "not_reached": NP_("handoff", "thresholds not reached"),
    "incomplete": NP_("handoff", "the data covers part of the period only"),
    "contacts": NP_("handoff", "contacts"),
    "claims": NP_("handoff", "claims"),
    "not_judged": NP_("handoff", "not judged here"),
    "summary": NP_("handoff", "yearly counts (March of the year before last to February of the last)"),
    "no_summary": NP_("handoff", "no fiscal year to count (no event in the period of a year the add-on exists)"),
    "fiscal_year": NP_("handoff", "fiscal year"),
    "verdict": NP_("handoff", "verdict"),
    "at_least": NP_("handoff", "at least"),
    "per_month": NP_("handoff", "units a month"),
}


#: How each status of a clause is named (``national_rules.toml``: confirmed, secondary, reading).
STATUS_WORDS: dict[str, str] = {
    "confirmed": NP_("clause status", "confirmed"),
    "secondary": NP_("clause status", "secondary source"),
    "reading": NP_("clause status", "reading"),
}


def _words(lang: str) -> dict[str, str]:
    return {key: translate(word, lang) for key, word in WORDS.items()}


def _parse_moment(text: str, hint: str, *, time_required: bool = False) -> datetime:
    """``text`` as a date and time, read by handoff-batch's own parser (令和 dates too, an offset turned into
    Japan time); with ``time_required`` (an event's ``--at``) a date alone is refused, as handoff-batch refuses
    it: the verdict turns on the time of day, never to be taken as midnight."""
    from zaitaku_core.errors import InputError
    from zaitaku_core.io.events import parse_moment

    try:
        return parse_moment(text, time_required=time_required)
    except InputError as exc:
        lang = current_language()
        raise click.BadParameter(
            tr(_BAD_MOMENT, lang, text=text, problem=exc.message_in(lang)), param_hint=hint
        ) from None


_BAD_MOMENT = N_("{text!r}: {problem}")


_CONTACT = re.compile(r"^(\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2})((?::[A-Za-z_]+)+)$")


def _parse_contact(text: str) -> dict[str, Any]:
    """``TIME:party[:conference|:means]`` — e.g. ``2025-01-04T10:00:hospital`` or ``…:hospital:conference``."""
    match = _CONTACT.match(text.strip())
    if not match:
        message = N_("{text!r}: write a contact as 2025-01-04T10:00:hospital[:conference]")
        raise click.BadParameter(tr(message, current_language(), text=text))
    party, *extras = match.group(2).lstrip(":").split(":")
    contact: dict[str, Any] = {"at": _parse_moment(match.group(1), "--contact"), "to_party": party}
    for extra in extras:
        if extra == "conference":
            contact["conference"] = True
        else:
            contact["means"] = extra
    return contact


def _readings(lang: str) -> dict[str, str]:
    """The documented readings, for the help of --reading in ``lang``."""
    from zaitaku_core.handoff.engine import READINGS

    lines = [
        f"{name}={'|'.join(values)} ({values[0]}): {en if lang == 'en' else ja}"
        for name, (values, ja, en) in READINGS.items()
    ]
    return {"readings": "; ".join(lines)}


def _options(readings: Sequence[str], lang: str) -> Any:
    """The readings as HandoffOptions; an unknown name or value is a usage error, in the run's language."""
    from zaitaku_core.errors import InputError
    from zaitaku_core.handoff import HandoffOptions

    try:
        return HandoffOptions.from_readings(readings)
    except InputError as error:
        raise click.BadParameter(error.message_in(lang), param_hint="--reading") from None


def _holidays_option(*names: str) -> Callable[[F], F]:
    """``--holidays-file FILE`` (and ``names``): the office's own closed dates (:mod:`zaitaku_core.io.holidays`).
    ``zaitaku handoff`` keeps ``--holidays/--no-holidays`` for national holidays, so there it has this name only."""
    return click.option(
        *names,
        "--holidays-file",
        "holidays_file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help=N_(
            "The office's own closed dates: one date per line, or CSV with a date/日付 column (2024-08-13, "
            "2024/8/13, 令和6年8月13日, R6.8.13; UTF-8 or cp932)."
        ),
    )


def _reading_option(fn: Any) -> Any:
    return click.option(
        "--reading",
        "readings",
        cls=FilledHelpOption,
        help_fill=_readings,
        multiple=True,
        metavar="NAME=VALUE",
        help=N_("A documented reading of the rules, NAME=VALUE (repeatable): {readings}"),
    )(fn)


def _hours(text: str) -> tuple[time, time]:
    try:
        opens, closes = (time.fromisoformat(part) for part in text.split("-"))
    except ValueError:
        message = N_("{text!r}: write office hours as 08:45-17:30")
        raise click.BadParameter(tr(message, current_language(), text=text)) from None
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
            known = ", ".join(specs) or "-"
            message = N_("no calendar {calendar!r} for {city}; known: {known}")
            raise click.BadParameter(tr(message, current_language(), calendar=calendar_id, city=city, known=known))
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
    w = _words(lang)
    echo_safe(f"{city_name}  {verdict.event_kind.label(lang)}  {verdict.at:%Y-%m-%d %H:%M}")
    echo_safe(f"{w['after_hours']}: {w['yes'] if verdict.after_hours else w['no']}")
    echo_safe(f"\n{w['obligations']}")
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
        echo_safe(
            f"- [{basis}・{force}] {title}\n    {who}\n    {w['until']}: {until}\n    "
            f"{w['forms']}: {forms}\n    {state}"
        )
    if verdict.national_default:
        echo_safe(f"  ({w['default']})")
    echo_safe(f"\n{w['addons']}")
    for addon in verdict.addons:
        name = addon.name if lang == "ja" else f"{addon.name_en} / {addon.name}"
        tier = f" {addon.tier}" if addon.tier else ""
        month = f" ({w['claim_month']} {addon.claim_month})" if addon.claim_month else ""
        if addon.claimable:
            echo_safe(f"- {name}{tier}: {w['claimable']} {addon.units} {w['units']}{month}")
        else:
            reason = addon.reason.label(lang) if addon.reason else ""
            if addon.modelled_from is not None:
                reason += f"; {w['modelled_from']} {addon.modelled_from}"
            echo_safe(f"- {name}: {w['not_claimable']} ({reason})")
    echo_safe(f"{w['total']}: {verdict.units} {w['units']}")
    if verdict.conflicts:
        echo_safe(f"\n{w['conflicts']}")
        for finding in verdict.conflicts:
            echo_safe(f"- {finding.code} {finding.message(lang)}")


def _print_explanation(verdict: Any, options: Any, lang: str) -> None:
    from zaitaku_core.handoff.explain import explain

    w = _words(lang)
    click.echo(f"\n{w['explain']}")
    for item in explain(verdict):
        addon = item.addon
        name = addon.name if lang == "ja" else f"{addon.name_en} / {addon.name}"
        outcome = f"{w['claimable']} {addon.units} {w['units']}" if addon.claimable else w["not_claimable"]
        if addon.reason is not None:
            outcome += f" ({addon.reason.label(lang)})"
        if addon.modelled_from is not None:
            outcome += f" [{w['modelled_from']} {addon.modelled_from}]"
        click.echo(f"- {name}: {outcome}")
        if not item.clauses:
            click.echo(f"    {w['no_clause']}")
        for clause in item.clauses:
            text = clause.text if lang == "ja" or not clause.text_en else clause.text_en
            source = clause.source
            click.echo(f"    [{translate(STATUS_WORDS[clause.status], lang)}] {text}")
            if source.id == "engine":  # the engine's own reading: name it and the value chosen
                chosen = options.as_readings().get(clause.part)
                if chosen:
                    click.echo(f"      {w['readings']}: --reading {clause.part}={chosen}")
                else:
                    click.echo(f"      {w['interpretation']}: {clause.part}")
                continue
            title = source.short or source.title
            if lang == "en" and source.title_en:
                title = f"{source.title_en} ({title})"
            when = f", {source.date}" if source.date else ""
            click.echo(f"      {title}（{source.number}{when}）{clause.part}")
            if clause.seen_at:
                click.echo(f"      {w['seen_at']}: {clause.seen_at}")


@click.command(
    cls=TranslatedCommand,
    help=N_(
        """Who must contact whom, by when, on which form, for an event in CITY, and what can be billed.

        Example: zaitaku handoff asahikawa --event admission --at 2025-01-03T19:10 --office-closed sat,sun
        --contact 2025-01-04T10:00:hospital"""
    ),
)
@click.argument("city", type=CITY)
@click.option(
    "--event",
    "kind",
    required=True,
    help=N_("The event: admission, discharge, outpatient_visit, home_conference, death …"),
)
@click.option("--at", "at", required=True, help=N_("When it happened: 2025-01-03T19:10 or 令和7年1月3日 19:10."))
@click.option("--admitted-at", help=N_("For a discharge: when the stay began."))
@click.option(
    "--stay-in",
    help=N_(
        "For a discharge: where the person stayed: hospital, clinic, community_nursing_home "
        "(地域密着型介護老人福祉施設) or ltc_facility (介護保険施設)."
    ),
)
@click.option("--service-start", help=N_("For a discharge: the day home services began (the claim month)."))
@click.option("--initial-addon", is_flag=True, help=N_("初回加算 is claimed in that month (excludes 退院・退所加算)."))
@click.option(
    "--contact", "contacts", multiple=True, help=N_("What the care manager did: TIME:party[:conference|:means].")
)
@click.option("--office-closed", help=N_("The office's closed weekdays (default sat,sun)."))
@click.option("--office-hours", help=N_("Office hours, e.g. 08:45-17:30 (the default)."))
@click.option("--holidays/--no-holidays", default=True, show_default=True, help=N_("Closed on national holidays."))
@click.option("--year-end/--no-year-end", default=True, show_default=True, help=N_("Closed 29 Dec – 3 Jan."))
@click.option("--calendar", "calendar_id", help=N_("Use an office calendar the city's plugin declares."))
@_holidays_option()
@_reading_option
@click.option("--explain", is_flag=True, help=N_("Print the clauses that decided each add-on, with their sources."))
@json_format_option
@lang_option
@click.pass_context
def handoff(
    ctx: click.Context,
    city: str,
    kind: str,
    at: str,
    admitted_at: str | None,
    stay_in: str | None,
    service_start: str | None,
    initial_addon: bool,
    contacts: Sequence[str],
    office_closed: str | None,
    office_hours: str | None,
    holidays: bool,
    year_end: bool,
    calendar_id: str | None,
    holidays_file: Path | None,
    readings: Sequence[str],
    explain: bool,
    as_json: bool,
    lang: str,
) -> None:
    from zaitaku_core.calendar.era import parse_date
    from zaitaku_core.errors import EraDateError
    from zaitaku_core.handoff import Contact, Event, evaluate
    from zaitaku_core.handoff.explain import explain as explain_verdict

    # An unknown event kind, party, means or place is a validation error of the models, printed by the
    # CLI's one error path as one line naming the field (exit 1); a bad reading or date is a usage error.
    options = _options(readings, lang)
    try:
        start = parse_date(service_start) if service_start else None
    except EraDateError:
        raise click.BadParameter(
            tr(N_("write a date such as 2024-07-01 or 令和6年7月1日"), lang), param_hint="--service-start"
        ) from None
    parsed_contacts = [_parse_contact(text) for text in contacts]
    registry = get_registry(ctx)
    city_info = registry.city(city)
    event = Event(
        kind=kind,
        at=_parse_moment(at, "--at", time_required=True),
        admitted_at=_parse_moment(admitted_at, "--admitted-at") if admitted_at else None,
        stay_in=stay_in or None,
        service_start=start,
        initial_addon=initial_addon,
    )
    calendar = _calendar(registry, city, calendar_id, office_closed, office_hours, holidays, year_end)
    if holidays_file is not None:
        from zaitaku_core.io.holidays import read_closed_dates

        calendar = calendar.with_closed(read_closed_dates(holidays_file))
    tools = registry.tools(city)
    verdict = evaluate(
        event,
        [Contact.model_validate(contact) for contact in parsed_contacts],
        calendar=calendar,
        city_rules=registry.handoff_rules(city),
        tools=tools,
        options=options,
    )
    if as_json:
        data = {"city": city, **verdict.to_dict(), "readings": options.as_readings()}
        if explain:
            data["explain"] = [item.to_dict() for item in explain_verdict(verdict)]
        echo_json(data)
        return
    name = city_info.municipality.name_en if lang == "en" and city_info.municipality.name_en else city_info.name
    _print_verdict(verdict, name, {t.id: f"{t.number or ''}{t.name}" for t in tools}, lang)
    if explain:
        _print_explanation(verdict, options, lang)


_FORMATS = ("csv", "parquet")


def _output_format(output: Path | None, given: str | None) -> str:
    if given:
        return given
    if output is not None and output.suffix.lower() in (".parquet", ".pq"):
        return "parquet"
    return "csv"


def _batch_calendar(
    ctx: click.Context,
    city: str | None,
    calendar_id: str | None,
    office_closed: str | None,
    office_hours: str | None,
    holidays_file: Path | None,
    encoding: str = "auto",
) -> Any:
    """The office calendar of a batch: the city's declared one (``--city``, ``--calendar``) or one built
    from ``--office-closed`` and ``--office-hours``, closed also on the dates of ``--holidays`` (read in
    ``--encoding`` when one is given)."""
    from zaitaku_core.calendar import BusinessCalendar
    from zaitaku_core.io.holidays import read_closed_dates

    if city is None:
        if calendar_id is not None:
            message = N_("--calendar names a calendar of the city given with --city")
            raise click.UsageError(tr(message, current_language()))
        opens, closes = _hours(office_hours) if office_hours else (time(8, 45), time(17, 30))
        calendar = BusinessCalendar.build(closed_weekdays=office_closed or "sat,sun", opens=opens, closes=closes)
    else:
        if office_closed is not None or office_hours is not None:
            message = N_("--city uses the city's calendar: give --office-closed/--office-hours without it")
            raise click.UsageError(tr(message, current_language()))
        specs = {spec.id: spec for spec in get_registry(ctx).office_calendars(city)}
        if calendar_id is None and len(specs) != 1:
            known = ", ".join(specs)
            message = (
                N_("{city} declares {n} office calendars: {known}; give --calendar ID")
                if specs
                else N_("{city} declares no office calendar; give --office-closed/--office-hours instead")
            )
            raise click.BadParameter(
                tr(message, current_language(), city=city, n=len(specs), known=known), param_hint="--city"
            )
        chosen = calendar_id if calendar_id is not None else next(iter(specs))
        if chosen not in specs:
            message = N_("no calendar {calendar!r} for {city}; known: {known}")
            known = ", ".join(specs) or "-"
            raise click.BadParameter(
                tr(message, current_language(), calendar=chosen, city=city, known=known), param_hint="--calendar"
            )
        calendar = BusinessCalendar.from_spec(specs[chosen])
    if holidays_file is not None:
        calendar = calendar.with_closed(
            read_closed_dates(holidays_file, encoding=None if encoding == "auto" else encoding)
        )
    return calendar


def _tell_ignored(source: Any) -> None:
    from zaitaku_core.io.csv import column_list

    if source.unknown:
        message = N_("zaitaku: {file}: columns ignored and not copied: {columns}")
        lang = current_language()
        click.echo(tr(message, lang, file=source.path.name, columns=column_list(source.unknown, lang)), err=True)


def _run_local(
    events_path: Path,
    contacts_path: Path | None,
    output: Path | None,
    fmt: str,
    encoding: str,
    batch_size: int,
    calendar: Any,
    options: Any,
    counter: Any,
    quiet: bool,
) -> None:
    """Stream EVENTS through the kernel into OUTPUT (atomically) or standard output; every batch written
    is counted by ``counter`` (an :class:`~zaitaku_core.handoff.summary.OfficeCounter`) when given."""
    from contextlib import ExitStack

    from zaitaku_core.handoff.engines.local import run_local
    from zaitaku_core.io.events import CONTACT_COLUMNS, CONTACT_REQUIRED, EVENT_COLUMNS, EVENT_REQUIRED, open_table
    from zaitaku_core.io.files import atomic_output, table_writer
    from zaitaku_core.io.progress import Progress

    nested = contacts_path is None  # a Parquet file's nested contacts column, as the Dask engine reads it
    events = open_table(
        events_path, EVENT_COLUMNS, EVENT_REQUIRED, encoding=encoding, batch_rows=batch_size, nested=nested
    )
    _tell_ignored(events)
    contacts = None
    if contacts_path is not None:
        contacts = open_table(
            contacts_path, CONTACT_COLUMNS, CONTACT_REQUIRED, encoding=encoding, batch_rows=batch_size
        )
        _tell_ignored(contacts)
    total = events.size + (contacts.size if contacts is not None else 0)
    with ExitStack() as stack:
        stream = stack.enter_context(atomic_output(output)) if output is not None else sys.stdout.buffer
        progress = stack.enter_context(Progress(total, "zaitaku handoff-batch", quiet=quiet))
        writers: list[Any] = []

        def open_sink(schema: Any) -> Any:
            writers.append(table_writer(fmt, stream, schema))
            return writers[-1] if counter is None else _CountingSink(writers[-1], counter)

        spool = output.parent if output is not None else None  # the caps' spool lies beside the output
        run_local(
            events,
            contacts,
            open_sink,
            calendar=calendar,
            options=options,
            advance=progress.advance_to,
            spool=spool,
        )
        for writer in writers:
            writer.close()
        stream.flush()
    if output is not None:
        click.echo(str(output), err=True)


class _CountingSink:
    """A sink that counts every batch of verdicts for the office summary, then hands it on."""

    def __init__(self, sink: Any, counter: Any) -> None:
        self.sink = sink
        self.counter = counter

    def write(self, batch: Any) -> None:
        self.counter.add_arrow(batch)
        self.sink.write(batch)


def _run_dask(
    events_path: Path,
    contacts_path: Path | None,
    output: Path | None,
    calendar: Any,
    options: Any,
    scheduler: str | None,
    counter: Any,
) -> None:
    from zaitaku_core.errors import InputError
    from zaitaku_core.handoff.engines.dask import evaluate_dask

    if contacts_path is not None:
        message = N_(
            "with --engine dask, give the contacts nested in the events' 'contacts' column (a list of structs), "
            "not --contacts"
        )
        raise InputError(tr(message, current_language()))
    if output is None:
        raise click.UsageError(tr(N_("--engine dask writes a Parquet dataset: give -o FOLDER"), current_language()))
    evaluate_dask(events_path, output, calendar=calendar, options=options, scheduler=scheduler)
    if counter is not None:  # the dataset read back batch by batch, only the columns the counts need
        from zaitaku_core.io.parquet import stream_batches, streamed_dataset

        dataset = streamed_dataset(output)
        wanted = [n for n in dataset.schema.names if n == "at" or n.rpartition(".")[2] in _COUNTED]
        for batch in stream_batches(dataset, wanted):  # one batch in memory at a time
            counter.add_arrow(batch)
    click.echo(str(output), err=True)


_COUNTED = ("claimable", "tier", "claim_month")


def _summary_text(years: Sequence[Any], lang: str) -> str:
    """The office summary as a Markdown table (Japanese, or English with ``lang="en"``)."""
    from zaitaku_core.calendar import FiscalYear
    from zaitaku_core.handoff.rules import national_addons, office_addons

    w = _words(lang)
    names = {a.id: (a.name if lang == "ja" else a.name_en) for a in national_addons()}
    lines: list[str] = []
    for office in office_addons():
        mine = [y for y in years if y.addon.id == office.id]
        units = sorted({y.revision.units for y in mine if y.revision is not None})
        title = office.name if lang == "ja" else f"{office.name_en} / {office.name}"
        unit_text = f"（{'・'.join(map(str, units))} {w['per_month']}）" if units and lang == "ja" else ""
        if units and lang == "en":
            unit_text = f" ({', '.join(map(str, units))} {w['per_month']})"
        lines.append(f"{title}{unit_text}: {w['summary']}")
        if not mine:
            lines.append(w["no_summary"])
            continue
        columns = list(dict.fromkeys((a, what) for y in mine for a, what, _, _ in y.counts))
        header = [w["fiscal_year"], w["period"], *(f"{names[a]} {w[what]}" for a, what in columns), w["verdict"]]
        lines += ["", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        notes = []
        for year in mine:
            counts = {(a, what): (count, least) for a, what, count, least in year.counts}
            cells = [
                f"{counts[key][0]} / {counts[key][1]}{w['at_least']}"
                if key in counts and lang == "ja"
                else (f"{counts[key][0]} ({w['at_least']} {counts[key][1]})" if key in counts else "-")
                for key in columns
            ]
            label = FiscalYear(year.fiscal_year).label(lang)
            period = "〜".join(year.period) if lang == "ja" else " – ".join(year.period)
            verdict = w["reached"] if year.met else w["not_reached"]
            if not year.complete:
                verdict += " *"
                covered = "〜".join(year.covered) if lang == "ja" else " – ".join(year.covered)
                notes.append(f"* {label}: {w['incomplete']} ({covered or '-'})")
            lines.append("| " + " | ".join([label, period, *cells, verdict]) + " |")
        lines += ["", *notes, f"{w['not_judged']}: {office.requires if lang == 'ja' else office.requires_en}"]
    return "\n".join(lines) + "\n"


def _write_summary(
    counter: Any, fmt: str, lang: str, target: Path | None, to_stderr: bool, follow_symlinks: bool
) -> None:
    """Print the office summary, or write it (atomically) to ``target``."""
    import json

    from zaitaku_core.cli.common import write_atomically

    years = counter.years()
    if fmt == "json":
        text = json.dumps({"office_addons": [y.to_dict() for y in years]}, ensure_ascii=False, indent=2, sort_keys=True)
        text += "\n"
    else:
        text = _summary_text(years, lang)
    if target is not None:
        write_atomically(target, text.encode("utf-8"), follow_symlinks=follow_symlinks)
        click.echo(str(target), err=True)
    else:
        click.echo(text, nl=False, err=to_stderr)


@click.command(
    "handoff-batch",
    cls=TranslatedCommand,
    help=N_(
        """Evaluate EVENTS (CSV or Parquet: kind, at[, admitted_at, subject]) into verdicts (CSV or Parquet).

        The output has, per event, its subject, kind and times, after_hours, units and per add-on claimable,
        units, tier, reason and its window. Other columns are ignored and never copied; a subject must be an
        opaque id. CSV cells are protected against spreadsheet formula injection. Japanese headers (種別, 日時 …)
        and dates (2024/06/14 10:00, 令和6年6月14日 10:00) are read; a bad cell is named by file, line and
        column, never by its value.

        The office calendar is weekdays 08:45–17:30 closed on weekends, national holidays and 29 Dec – 3 Jan
        (--office-closed, --office-hours), or the one a city declares (--city); --holidays adds the office's
        own closed dates. --reading chooses a documented reading of the rules, as for zaitaku handoff.
        --summary counts, while the verdicts are written, what 特定事業所医療介護連携加算 needs per fiscal year."""
    ),
)
@click.argument("events", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--contacts",
    "contacts_path",
    type=click.Path(exists=True, path_type=Path),
    help=N_(
        "Contacts (CSV or Parquet): event (row number of EVENTS, from 0), at, to_party[, from_party, means, "
        "conference]. Without it, a Parquet EVENTS' contacts column (a list per event, as for --engine dask) "
        "is read."
    ),
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help=N_("File to write (atomically); a folder with --engine dask."),
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(_FORMATS),
    help=N_("Output format (default: from the suffix of -o, else csv)."),
)
@click.option(
    "--encoding",
    default="auto",
    show_default=True,
    help=N_("Encoding of CSV input: auto (UTF-8, UTF-8 with BOM or cp932), utf-8, utf-8-sig, cp932."),
)
@follow_symlinks_option
@click.option("--office-closed", help=N_("The office's closed weekdays (default sat,sun)."))
@click.option("--office-hours", help=N_("Office hours, e.g. 08:45-17:30 (the default)."))
@click.option(
    "--batch-size",
    default=131_072,
    show_default=True,
    type=click.IntRange(1, 10_000_000),
    help=N_("Rows per batch."),
)
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help=N_("local: this process, streaming; dask: a Dask cluster (Parquet in, partitioned Parquet out)."),
)
@click.option(
    "--scheduler",
    help=N_("With --engine dask: the scheduler's address (default: none, Dask's own scheduler in this process)."),
)
@_holidays_option("--holidays")
@click.option(
    "--city",
    type=CITY,
    help=N_("Use the office calendar CITY's plugin declares (id, Japanese name or code)."),
)
@click.option("--calendar", "calendar_id", help=N_("With --city: which of the city's calendars (if it has several)."))
@_reading_option
@click.option(
    "--summary",
    is_flag=True,
    help=N_(
        "Also print the yearly counts for 特定事業所医療介護連携加算 (to standard output with -o, else to "
        "standard error)."
    ),
)
@click.option(
    "--summary-output",
    type=click.Path(path_type=Path),
    help=N_("Write the summary to this file (atomically); implies --summary."),
)
@click.option(
    "--summary-format",
    type=click.Choice(["table", "json"]),
    help=N_("The summary as a table (default) or JSON (default for a --summary-output ending in .json)."),
)
@lang_option
@click.option("-q", "--quiet", is_flag=True, help=N_("No progress bar."))
@click.pass_context
def handoff_batch(
    ctx: click.Context,
    events: Path,
    contacts_path: Path | None,
    output: Path | None,
    follow_symlinks: bool,
    fmt: str | None,
    encoding: str,
    office_closed: str | None,
    office_hours: str | None,
    batch_size: int,
    engine: str,
    scheduler: str | None,
    holidays_file: Path | None,
    city: str | None,
    calendar_id: str | None,
    readings: Sequence[str],
    summary: bool,
    summary_output: Path | None,
    summary_format: str | None,
    lang: str,
    quiet: bool,
) -> None:
    from zaitaku_core.handoff.summary import OfficeCounter

    options = _options(readings, lang)
    calendar = _batch_calendar(ctx, city, calendar_id, office_closed, office_hours, holidays_file, encoding)
    counter = OfficeCounter() if summary or summary_output is not None else None
    never_over_an_input(
        {"EVENTS": events, "--contacts": contacts_path, "--holidays": holidays_file},
        {"--output": output, "--summary-output": summary_output},
        lang,
    )
    if summary_output is not None:
        summary_output = output_target(summary_output, follow_symlinks=follow_symlinks)
        if output is not None and summary_output.resolve() == output.resolve():
            message = tr(N_("the summary would replace the verdicts: give another file"), lang)
            raise click.BadParameter(message, param_hint="--summary-output")
    if engine == "dask":
        _run_dask(events, contacts_path, output, calendar, options, scheduler, counter)
    else:
        if output is not None:
            output = output_target(output, follow_symlinks=follow_symlinks)  # a regular file only, never a FIFO
        with cleanup_on_sigterm():  # the temporary output and spool go on SIGTERM too
            _run_local(
                events,
                contacts_path,
                output,
                _output_format(output, fmt),
                encoding,
                batch_size,
                calendar,
                options,
                counter,
                quiet,
            )
    if counter is not None:
        as_json = summary_format == "json" or (
            summary_format is None and summary_output is not None and summary_output.suffix.lower() == ".json"
        )
        _write_summary(counter, "json" if as_json else "table", lang, summary_output, output is None, follow_symlinks)
