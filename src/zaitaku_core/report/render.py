"""Render a :class:`~zaitaku_core.report.model.Report` as Markdown, HTML, JSON, CSV or XLSX.

Every renderer is a pure function of the report, so the same report gives the same bytes.

* ``md`` — headings and pipe tables.
* ``html`` — one self-contained page: inline CSS (with a print style sheet) and inline SVG bar charts,
  no script, no external resource; opens offline. Text new for the year is ``<mark class="new">`` (red, as in
  the sources), an inferred fact ``<span class="inferred">`` with its reason as the title.
* ``json`` — the report structure itself (``schema_version`` 1, see :func:`report_json_schema`).
* ``csv`` — all tables in one UTF-8 file with a byte-order mark (so spreadsheet programs read the
  Japanese): each table is a row ``["#", table id, table title]``, its header row and its rows, then an
  empty row.
* ``xlsx`` — one sheet per table (sheet name = table id), title in the first row, header in the second.

In CSV and XLSX, text cells that a spreadsheet would read as a formula (starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) are neutralised with a leading apostrophe; numbers stay numbers.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable, Iterable

from zaitaku_core.report.model import Cell, Chart, Mark, Report, Table

__all__ = ["FORMATS", "neutralize", "render"]

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: Cell) -> Cell:
    """Make a text cell safe from formula injection in spreadsheets; other values pass through.

    >>> neutralize("=HYPERLINK(\\"http://x\\")"), neutralize("-1"), neutralize(-1), neutralize("旭川市")
    ('\\'=HYPERLINK("http://x")', "'-1", -1, '旭川市')
    """
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# --- Markdown ------------------------------------------------------------------------------------------------


def _md_cell(value: Cell) -> str:
    return _text(value).replace("|", "\\|").replace("\n", "<br>")


def _md_table(table: Table) -> list[str]:
    lines = [f"### {table.title}", ""]
    lines.append("| " + " | ".join(_md_cell(c) for c in table.columns) + " |")
    lines.append("|" + "|".join(" --- " for _ in table.columns) + "|")
    lines.extend("| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows)
    return [*lines, ""]


def _markdown(report: Report) -> bytes:
    lines = [f"# {report.title}", "", f"<!-- {report.generator} -->", ""]
    for section in report.sections:
        lines += [f"## {section.title}", ""]
        if section.text:
            lines += [section.text, ""]
        for table in section.tables:
            lines += _md_table(table)
    return ("\n".join(lines).rstrip("\n") + "\n").encode("utf-8")


# --- HTML ----------------------------------------------------------------------------------------------------

_CSS = """
:root { --ink: #1d2733; --muted: #5b6775; --line: #d5dbe1; --plan: #9aa7b4; --actual: #2f6db5; }
* { box-sizing: border-box; }
body { font-family: "Hiragino Sans", "Noto Sans JP", "Yu Gothic", Meiryo, sans-serif; color: var(--ink);
       margin: 2rem auto; max-width: 75rem; padding: 0 1rem; line-height: 1.6; }
h1 { font-size: 1.6rem; border-bottom: 3px solid var(--actual); padding-bottom: .3rem; }
h2 { font-size: 1.25rem; margin-top: 2.2rem; border-left: 6px solid var(--actual); padding-left: .5rem; }
h3 { font-size: 1rem; color: var(--muted); }
nav ol { columns: 2; font-size: .9rem; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .5rem 0 1rem; }
th, td { border: 1px solid var(--line); padding: .3rem .45rem; vertical-align: top; text-align: left; }
th { background: #eef2f6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.generator { color: var(--muted); font-size: .8rem; }
svg text { font-size: 12px; fill: var(--ink); }
mark.new { background: none; color: #c0262d; font-weight: bold; }
.inferred { border-bottom: 1px dashed var(--muted); color: var(--muted); }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  nav { display: none; }
  h2 { break-after: avoid; }
  table, svg { break-inside: avoid; }
  th { background: #eee !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _svg_chart(chart: Chart, lang: str) -> str:
    bars = [b for b in chart.bars if b.plan is not None or b.actual is not None]
    if not bars:
        return ""
    # Each group (an indicator, in its own unit) is scaled to its own largest value: 2 meetings and 120
    # participants are not drawn on one axis.
    tops: dict[str | None, float] = {}
    for bar in bars:
        tops[bar.group] = max(tops.get(bar.group, 0), bar.plan or 0, bar.actual or 0)
    label_w, bar_w, row_h = 300, 380, 34
    height = 30 + row_h * len(bars)
    plan_label, actual_label = ("計画値", "実績値") if lang == "ja" else ("plan", "actual")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{label_w + bar_w + 60}" height="{height}" '
        f'viewBox="0 0 {label_w + bar_w + 60} {height}"><title>{html.escape(chart.title)}</title>',
        f'<rect x="{label_w}" y="4" width="12" height="10" fill="var(--plan, #9aa7b4)"/>'
        f'<text x="{label_w + 16}" y="13">{plan_label}</text>'
        f'<rect x="{label_w + 80}" y="4" width="12" height="10" fill="var(--actual, #2f6db5)"/>'
        f'<text x="{label_w + 96}" y="13">{actual_label}</text>',
    ]
    for index, bar in enumerate(bars):
        y = 24 + index * row_h
        label = bar.label if len(bar.label) <= 24 else bar.label[:23] + "…"
        parts.append(f'<text x="0" y="{y + 17}"><title>{html.escape(bar.label)}</title>{html.escape(label)}</text>')
        for offset, value, color in ((0, bar.plan, "#9aa7b4"), (13, bar.actual, "#2f6db5")):
            if value is None:
                continue
            width = round(bar_w * value / (tops[bar.group] or 1), 1)
            parts.append(f'<rect x="{label_w}" y="{y + offset}" width="{width}" height="11" fill="{color}"/>')
            parts.append(f'<text x="{label_w + width + 4}" y="{y + offset + 10}">{_text(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _html_escape(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def _html_marked(text: str, marks: list[Mark]) -> str:
    """``text`` with its marked spans wrapped: ``<mark class="new">`` or ``<span class="inferred">``."""
    out, at = [], 0
    for mark in sorted(marks, key=lambda m: (m.start, -m.end)):
        if mark.start < at:  # overlapping spans: the first one wins
            continue
        title = f' title="{html.escape(mark.note)}"' if mark.note else ""
        tag, css = ("mark", "new") if mark.kind == "new" else ("span", "inferred")
        out.append(_html_escape(text[at : mark.start]))
        out.append(f'<{tag} class="{css}"{title}>{_html_escape(text[mark.start : mark.end])}</{tag}>')
        at = mark.end
    out.append(_html_escape(text[at:]))
    return "".join(out)


def _html_table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    marks: dict[tuple[int, int], list[Mark]] = {}
    for mark in table.marks:
        marks.setdefault((mark.row, mark.column), []).append(mark)
    body = []
    for r, row in enumerate(table.rows):
        cells = []
        for c, value in enumerate(row):
            css = ' class="num"' if isinstance(value, int | float) else ""
            spans = marks.get((r, c))
            text = _html_marked(value, spans) if spans and isinstance(value, str) else _html_escape(_text(value))
            cells.append(f"<td{css}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<table id="table-{html.escape(table.id)}"><caption>{html.escape(table.title)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _html(report: Report) -> bytes:
    nav = "".join(f'<li><a href="#{html.escape(s.id)}">{html.escape(s.title)}</a></li>' for s in report.sections)
    body = []
    for section in report.sections:
        body.append(f'<section id="{html.escape(section.id)}"><h2>{html.escape(section.title)}</h2>')
        if section.text:
            body.append(f"<p>{html.escape(section.text)}</p>")
        body.extend(_html_table(t) for t in section.tables)
        body.extend(
            f'<figure id="chart-{html.escape(c.id)}"><figcaption>{html.escape(c.title)}</figcaption>'
            f"{_svg_chart(c, report.lang)}</figure>"
            for c in section.charts
        )
        body.append("</section>")
    page = (
        f'<!DOCTYPE html>\n<html lang="{report.lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(report.title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(report.title)}</h1>\n"
        f'<p class="generator">{html.escape(report.generator)}</p>\n'
        f"<nav><ol>{nav}</ol></nav>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )
    return page.encode("utf-8")


# --- JSON, CSV, XLSX -----------------------------------------------------------------------------------------


def _json(report: Report) -> bytes:
    # pydantic's serializer (Rust): keys in the schema's field order, which is fixed, so output is deterministic.
    # Compact, one line: half the bytes and time of an indented file (`python -m json.tool` pretty-prints it).
    return report.__pydantic_serializer__.to_json(report) + b"\n"  # bytes as they are, no str round trip


def _tables(report: Report) -> Iterable[Table]:
    for section in report.sections:
        yield from section.tables


def _csv(report: Report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for table in _tables(report):
        writer.writerow(["#", table.id, neutralize(table.title)])
        writer.writerow([neutralize(c) for c in table.columns])
        writer.writerows([_text(neutralize(c)) for c in row] for row in table.rows)
        writer.writerow([])
    return buffer.getvalue().encode("utf-8-sig")


def _sheet_name(table_id: str, taken: set[str]) -> str:
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in table_id)[:31] or "table"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f"-{n}"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _xlsx(report: Report) -> bytes:
    from datetime import datetime

    import xlsxwriter  # type: ignore[import-untyped]

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    # A fixed creation date keeps the bytes identical for the same report.
    workbook.set_properties({"title": report.title, "created": datetime(2000, 1, 1), "comments": report.generator})
    bold = workbook.add_format({"bold": True})
    head = workbook.add_format({"bold": True, "bg_color": "#EEF2F6", "border": 1, "text_wrap": True})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    taken: set[str] = set()
    for table in _tables(report):
        sheet = workbook.add_worksheet(_sheet_name(table.id, taken))
        sheet.write_string(0, 0, str(neutralize(table.title)), bold)
        for col, name in enumerate(table.columns):
            sheet.write_string(1, col, str(neutralize(name)), head)
            sheet.set_column(col, col, min(60, max(8, len(name) * 2 + 2)))
        for r, row in enumerate(table.rows, start=2):
            for col, value in enumerate(row):
                if isinstance(value, int | float):
                    sheet.write_number(r, col, value)
                elif value is not None:
                    sheet.write_string(r, col, str(neutralize(value)), wrap)
        sheet.freeze_panes(2, 0)
    workbook.close()
    return buffer.getvalue()


_RENDERERS: dict[str, Callable[[Report], bytes]] = {
    "md": _markdown,
    "html": _html,
    "json": _json,
    "csv": _csv,
    "xlsx": _xlsx,
}

#: The output formats, by their usual file suffix.
FORMATS: tuple[str, ...] = tuple(_RENDERERS)


def render(report: Report, fmt: str) -> bytes:
    """The bytes of ``report`` in format ``fmt`` (one of ``FORMATS``).

    Raises:
        ValueError: ``fmt`` is not a known format.
    """
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}; choose from {', '.join(FORMATS)}") from None
    return renderer(report)
