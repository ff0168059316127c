"""Render a :class:`~zaitaku_core.report.model.Report` as Markdown, HTML, PDF, JSON, CSV or XLSX.

Every renderer is a pure function of the report (and its options), so the same report gives the same bytes.

* ``md`` — headings and pipe tables; text is escaped so a city's data cannot break the structure (a CR or a
  newline in a cell, raw HTML, a newline in a heading).
* ``html`` — one self-contained page, print-ready: A4 portrait (a wide table on an A4 landscape page of its
  own), a title block (city, fiscal year and plan period, 担当課 / operator, 作成日), page numbers, rows never
  split across pages; inline SVG charts, no script, no external resource; opens offline. Identifier columns
  are left out unless ``show_ids``, and so are columns empty in every row. It names common Japanese fonts
  (:data:`FONT_STACK`): the viewer's machine needs one of them, or any Japanese font. Text new for the
  year is ``<mark class="new">`` (red, as in the sources), an inferred fact ``<span class="inferred">`` with
  its reason as the title.
* ``pdf`` — that page printed to PDF by WeasyPrint (the ``pdf`` extra; needs the Pango library), with the
  fonts embedded, so the PDF needs nothing on the reader's machine.
* ``json`` — the report structure itself (``schema_version`` 2, see :func:`report_json_schema`).
* ``csv`` — all tables in one UTF-8 file with a byte-order mark (so spreadsheet programs read the
  Japanese): each table is a row ``["#", table id, table title]``, its header row and its rows, then an
  empty row.
* ``xlsx`` — a cover sheet, then one sheet per table named by its title (Japanese, or English with
  ``lang="en"``): title in the first row, header in the second (frozen, filtered, repeated on every printed
  page), widths from the content, long text wrapped, numbers and percentages formatted, A4 fit to width,
  a Japanese font. A cell longer than Excel's limit is an :class:`~zaitaku_core.errors.ExportLimitError`.

In CSV and XLSX, text cells that a spreadsheet would read as a formula (starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return, or with their full-width forms ``＝ ＋ － ＠`` that Japanese Excel
also takes as a formula, also after leading spaces, which spreadsheets trim) are neutralised with a leading
apostrophe; numbers stay numbers.
"""

from __future__ import annotations

import csv
import html
import io
import math
import re
import unicodedata
import weakref
from collections.abc import Callable, Iterable
from datetime import date

from zaitaku_core.calendar import FiscalYear
from zaitaku_core.errors import ExportLimitError, InputError, MissingDependencyError
from zaitaku_core.i18n import N_, NP_, tr
from zaitaku_core.report.charts import plan_period_label
from zaitaku_core.report.model import Bar, Cell, Chart, Mark, Report, Section, Table

__all__ = ["FONT_STACK", "FORMATS", "neutralize", "render"]

#: What a spreadsheet reads as the start of a formula: ``= + - @`` or their full-width forms (Japanese
#: Excel converts ``＝SUM(A1)`` typed or imported into ``=SUM(A1)``), after any leading spaces
#: (half- or full-width, which CSV imports trim), or a leading tab or carriage return.
_FORMULA_START = re.compile("[ \t\r\n\u3000]*[=+\\-@\uff1d\uff0b\uff0d\uff20]|[\t\r]")

#: The fonts the HTML report asks for, in order: common Japanese fonts of Linux, macOS and Windows.
FONT_STACK = (
    '"Noto Sans CJK JP", "Noto Sans JP", "Hiragino Kaku Gothic ProN", "Hiragino Sans", "BIZ UDPGothic", '
    '"Yu Gothic", YuGothic, Meiryo, "IPAexGothic", "TakaoPGothic", sans-serif'
)

#: Column keys of identifiers: left out of HTML, PDF and Markdown unless ``show_ids``.
_ID_KEYS = frozenset({"id", "program"})
#: Columns of one table that are data paths for the data's authors (``programs[kushiro-2024-a].scenes[1]``,
#: ``scene_aims``), left out with the identifiers: the findings' field (each message says the place in words).
_ID_COLUMNS = frozenset({("findings", "field")})

#: Excel's limit on the characters of one cell.
XLSX_CELL_LIMIT = 32_767


def neutralize(value: Cell) -> Cell:
    """Make a text cell safe from formula injection in spreadsheets; other values pass through.

    >>> neutralize("=HYPERLINK(\\"http://x\\")"), neutralize("-1"), neutralize(-1), neutralize("旭川市")
    ('\\'=HYPERLINK("http://x")', "'-1", -1, '旭川市')
    >>> neutralize("＝1+2"), neutralize("  =1+2"), neutralize("　＠cmd"), neutralize("a=b")
    ("'＝1+2", "'  =1+2", "'　＠cmd", 'a=b')
    """
    if isinstance(value, str) and _FORMULA_START.match(value):
        return "'" + value
    return value


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _shown(value: Cell, key: str) -> str:
    """A cell as a reader sees it (an achievement ratio with its % sign)."""
    if key == "ratio" and isinstance(value, int | float):
        return f"{value:g}%"
    return _text(value)


def _width(text: str) -> float:
    """The width of ``text`` in ems: wide (CJK) characters 1, others about half."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.55 for ch in text)


def _visible(table: Table, show_ids: bool) -> list[int]:
    """The indices of the columns a reader sees: not identifiers or data paths (unless asked), not empty in
    every row."""
    keys = table.keys or ("",) * len(table.columns)
    return [
        index
        for index, key in enumerate(keys)
        if (show_ids or (key not in _ID_KEYS and (table.id, key) not in _ID_COLUMNS))
        and any(row[index] not in (None, "") for row in table.rows)
    ] or list(range(len(table.columns)))


def _date(day: date, lang: str) -> str:
    return day.isoformat() if lang == "en" else f"{day.year}年{day.month}月{day.day}日"


_WORDS: dict[str, str] = {
    "city": N_("City"),
    "fiscal_year": N_("Fiscal year"),
    "operators": N_("Run by"),
    "issued": N_("Issued"),
    "issued_data": N_("{date} (the latest date in the data)"),
    "issued_none": N_("(not given)"),
    "generator": N_("Made with"),
    "contents": N_("Contents"),
    "plan": N_("plan"),
    "actual": N_("actual"),
    "provisional": N_("provisional"),
    "partial": N_("partial"),
    "partial_as_of": N_("as of {date}"),
    "cancelled": N_("cancelled"),
    "frequency": N_("target (frequency)"),
    "no_actual": N_("no actual yet"),
    "page": N_("{page} / {pages}"),
    "span": N_("{start} to {end}"),
    "this_year": N_("this report's year"),
    "title": NP_("report field", "Title"),
    "heading": NP_("report field", "Heading of column {number}"),
}


def _w(key: str, lang: str, **values: object) -> str:
    return tr(_WORDS[key], lang, **values)


def _facts(report: Report) -> list[tuple[str, str]]:
    """The title block: (label, value) for what the report states about itself."""
    lang = report.lang
    facts: list[tuple[str, str]] = []
    if report.city_name:
        code = f"（{report.municipality_code}）" if lang == "ja" else f" ({report.municipality_code})"
        facts.append((_w("city", lang), report.city_name + (code if report.municipality_code else "")))
    if report.fiscal_year is not None:
        fiscal = FiscalYear(report.fiscal_year)
        span = _w("span", lang, start=_date(fiscal.start, lang), end=_date(fiscal.end, lang))
        period = plan_period_label(report.fiscal_year, "ja" if lang == "ja" else "en")
        parts = [fiscal.label(lang), f"（{span}）" if lang == "ja" else f" ({span})"]
        if period:
            parts.append(f"・{period}" if lang == "ja" else f", {period}")
        facts.append((_w("fiscal_year", lang), "".join(parts)))
    if report.operators:
        facts.append((_w("operators", lang), ("、" if lang == "ja" else ", ").join(report.operators)))
    if report.issued is None:
        issued = _w("issued_none", lang)
    elif report.issued_from == "data":
        issued = _w("issued_data", lang, date=_date(report.issued, lang))
    else:
        issued = _date(report.issued, lang)
    facts.append((_w("issued", lang), issued))
    facts.append((_w("generator", lang), report.generator))
    return facts


# --- Markdown ------------------------------------------------------------------------------------------------

# Characters that would start HTML, break a pipe table, or make text a link, an image, emphasis or code
# (``[x](javascript:…)``, ``![](http://…/pixel.png)``, ``*x*``, ``_x_``, a backtick, ``~~x~~``); a backslash
# first, so an escape is not undone.
_MD_ESCAPES = str.maketrans(
    {"\\": "\\\\", "|": "\\|", "&": "&amp;", "<": "&lt;", ">": "&gt;"} | {ch: "\\" + ch for ch in "[]*_`~"}
)
_NEWLINES = re.compile(r"\r\n|\r|\n|\u2028|\u2029|\x0b|\x0c|\x85")
_MD_LINE_STARTS = re.compile(r"^([#=+*>`~-]|\d+[.)])")


def _md_inline(text: str, newline: str = "<br>") -> str:
    """``text`` as one line of Markdown that shows exactly that text (line breaks become ``newline``)."""
    return _NEWLINES.sub(newline, text.translate(_MD_ESCAPES))


def _md_paragraph(text: str) -> str:
    """A paragraph: each line escaped, and escaped again where it would start a heading, list or quote."""
    lines = [_MD_LINE_STARTS.sub(r"\\\1", _md_inline(line)) for line in _NEWLINES.split(text)]
    return "<br>\n".join(lines)


def _md_table(table: Table, show_ids: bool, section_title: str) -> list[str]:
    columns = _visible(table, show_ids)
    keys = table.keys or ("",) * len(table.columns)
    lines = [] if table.title == section_title else [f"### {_md_inline(table.title, ' ')}", ""]
    lines.append("| " + " | ".join(_md_inline(table.columns[i]) for i in columns) + " |")
    lines.append("|" + "|".join(" --- " for _ in columns) + "|")
    lines.extend("| " + " | ".join(_md_inline(_shown(row[i], keys[i])) for i in columns) + " |" for row in table.rows)
    return [*lines, ""]


def _markdown(report: Report, show_ids: bool = False) -> bytes:
    lines = [f"# {_md_inline(report.title, ' ')}", ""]
    lines += [f"- {label}: {_md_inline(value, ' ')}" for label, value in _facts(report)]
    lines.append("")
    for section in report.sections:
        lines += [f"## {_md_inline(section.title, ' ')}", ""]
        if section.text:
            lines += [_md_paragraph(section.text), ""]
        for table in section.tables:
            lines += _md_table(table, show_ids, section.title)
    return ("\n".join(lines).rstrip("\n") + "\n").encode("utf-8")


# --- HTML ----------------------------------------------------------------------------------------------------

# Colours of the charts, literal (not CSS variables) so that every SVG renderer draws them; each mark has
# its own colour, so that the browser test can tell them apart.
PLAN, ACTUAL = "#9aa7b4", "#2f6db5"
PROVISIONAL_INK, PROVISIONAL_PAPER = "#1f4e8c", "#dbe6f4"
PARTIAL_FILL, PARTIAL_EDGE = "#9cc0e8", "#1f4e8c"
CANCELLED = "#c0392b"
TARGET = "#7b4fa0"
_INK, _MUTED, _GRID, _BAND = "#1d2733", "#5b6775", "#e3e7ec", "#f3f5f8"

_CSS = f"""
* {{ box-sizing: border-box; }}
body {{ font-family: {FONT_STACK}; color: {_INK}; margin: 2rem auto; max-width: 75rem; padding: 0 1rem;
       line-height: 1.55; }}
header.title-block h1 {{ font-size: 1.5rem; border-bottom: 3px solid {ACTUAL}; padding-bottom: .3rem;
                         margin: 0 0 .6rem; }}
table.facts {{ width: auto; font-size: .9rem; margin: 0 0 .8rem; }}
table.facts th {{ background: none; font-weight: normal; color: {_MUTED}; padding-right: 1rem; }}
table.facts th, table.facts td {{ border: none; padding: .05rem .4rem .05rem 0; }}
h2 {{ font-size: 1.2rem; margin: 1.6rem 0 .5rem; border-left: 6px solid {ACTUAL}; padding-left: .5rem; }}
nav ol {{ columns: 2; font-size: .9rem; }}
table.data {{ border-collapse: collapse; width: 100%; font-size: .82rem; margin: .3rem 0 1rem; }}
caption {{ text-align: left; font-weight: bold; color: {_MUTED}; padding: .2rem 0; }}
th, td {{ border: 1px solid #d5dbe1; padding: .25rem .4rem; vertical-align: top; text-align: left; }}
th {{ background: #eef2f6; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
.nw {{ white-space: nowrap; }}
table.data td:not(.nw):not(.num) {{ min-width: 5.5em; }}
figure {{ margin: .5rem 0 1.2rem; }}
figcaption {{ font-weight: bold; font-size: .9rem; margin-bottom: .2rem; }}
figure svg {{ max-width: 100%; height: auto; }}
p.note {{ font-size: .85rem; color: {_MUTED}; }}
mark.new {{ background: none; color: #c0262d; font-weight: bold; }}
.inferred {{ border-bottom: 1px dashed {_MUTED}; color: {_MUTED}; }}
@media print {{
  body {{ margin: 0; max-width: none; padding: 0; font-size: 9.5pt; }}
  nav {{ display: none; }}
  h2, h3, caption, figcaption {{ break-after: avoid; }}
  thead {{ display: table-header-group; }}
  tr, figure, table.facts {{ break-inside: avoid; }}
  section.wide {{ page: wide; }}
  th, figure svg {{ -webkit-print-color-adjust: exact; }}
}}
"""


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal that cannot end the string or the style element."""
    return '"' + "".join(f"\\{ord(ch):x} " if ch in '"\\<>' or ord(ch) < 32 else ch for ch in text) + '"'


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


def _page_css(report: Report) -> str:
    """The printed page: A4, a running head (the title) and foot (作成日, page n / total)."""
    margin_box = f"font-family: {FONT_STACK}; font-size: 8pt; color: {_MUTED};"
    issued = f"{_w('issued', report.lang)} {_date(report.issued, report.lang)}" if report.issued else ""
    page = _w("page", report.lang, page='" counter(page) "', pages='" counter(pages) "')
    return (
        f"@page {{ size: A4 portrait; margin: 16mm 14mm 16mm 14mm;"
        f" @top-left {{ content: {_css_string(report.title)}; {margin_box} }}"
        f" @bottom-left {{ content: {_css_string(issued)}; {margin_box} }}"
        f' @bottom-right {{ content: "{page}"; {margin_box} }} }}\n'
        "@page wide { size: A4 landscape; }\n"
    )


def _landscape(table: Table, columns: Iterable[int]) -> bool:
    """Whether ``table`` needs an A4 landscape page: the room its columns need to stay readable (short ones
    whole, long text wrapped at about 10 characters) adds up to more than a portrait page holds (about 60
    ems of the tables' 7.8 pt text; a landscape page holds about 95)."""
    total = 0.0
    for index in columns:
        texts = [table.columns[index], *(_text(row[index]) for row in table.rows)]
        longest = max((_width(line) for text in texts for line in text.split("\n")), default=0)
        total += min(longest, 10) + 1.5
    return total > 60


#: A table holding a cell longer than this (in characters) gets a fixed layout (:func:`_fixed_layout`).
FIXED_LAYOUT_CHARS = 500


def _fixed_layout(table: Table, columns: list[int], widths: dict[int, float]) -> tuple[str, str]:
    """For a table holding a very long cell, the attribute and ``<colgroup>`` of a fixed layout; else "", "".

    A browser, and WeasyPrint for the PDF, size an automatic table's columns by each cell's narrowest
    width, found by laying out the rest of the text at every place a line may break: the time grows with
    the square of a cell's length, and Japanese text may break after any character (a 3,000-character
    取組の概要 took about 18 s of CPU to print, 6,000 more than 150 s). A fixed layout gives the columns
    that must not wrap (``widths``: their widest text in ems) that width and shares the rest of the page
    equally among the others."""
    longest = max((len(_text(row[i])) for row in table.rows for i in columns), default=0)
    if longest <= FIXED_LAYOUT_CHARS:
        return "", ""
    cols = "".join(f'<col style="width: {widths[i] + 1:.1f}em">' if i in widths else "<col>" for i in columns)
    return ' style="table-layout: fixed"', f"<colgroup>{cols}</colgroup>"


def _html_table(table: Table, show_ids: bool, section_title: str) -> str:
    columns = _visible(table, show_ids)
    keys = table.keys or ("",) * len(table.columns)
    widest = {
        i: max((_width(_shown(v, keys[i])) for v in (table.columns[i], *(r[i] for r in table.rows))), default=0)
        for i in columns
    }
    short = {i for i in columns if widest[i] <= 6}
    nowrap = ' class="nw"'
    head = "".join(f"<th{nowrap if i in short else ''}>{html.escape(table.columns[i])}</th>" for i in columns)
    marks: dict[tuple[int, int], list[Mark]] = {}
    for mark in table.marks:
        marks.setdefault((mark.row, mark.column), []).append(mark)
    body = []
    for r, row in enumerate(table.rows):
        cells = []
        for i in columns:
            value = row[i]
            css = " ".join(name for name, on in (("num", isinstance(value, int | float)), ("nw", i in short)) if on)
            spans = marks.get((r, i))
            if spans and isinstance(value, str):
                text = _html_marked(value, spans)
            else:
                text = _html_escape(_shown(value, keys[i]))
            cells.append(f'<td class="{css}">{text}</td>' if css else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    title = html.escape(table.title)
    # A table named as its section is labelled by the heading right above it, not by a second title.
    caption = f' aria-label="{title}">' if table.title == section_title else f"><caption>{title}</caption>"
    layout, colgroup = _fixed_layout(table, columns, {i: widest[i] for i in short})
    return (
        f'<table class="data" id="table-{html.escape(table.id)}"{layout}{caption}{colgroup}'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


# --- charts --------------------------------------------------------------------------------------------------

_SVG_W, _LABEL_W, _X0, _SPAN = 680, 150, 160, 320
_FONT = 11  # px
BAR_HEIGHT = 11  # px: one bar (the browser test finds bars by it)


def _wrap(text: str, ems: float) -> list[str]:
    """``text`` in lines at most ``ems`` wide (never cut: a long word gets a line of its own)."""
    lines, line, width = [], "", 0.0
    for ch in text:
        w = _width(ch)
        if line and width + w > ems:
            lines.append(line)
            line, width = "", 0.0
        line += ch
        width += w
    return [*lines, line] if line else lines or [""]


def _axis(top: float, whole: bool = False) -> tuple[float, float]:
    """A round scale maximum at or above ``top`` and its tick step (1, 2, 2.5 or 5 × 10ⁿ, at most 6 ticks;
    a whole number when every value is, as counts are)."""
    if top <= 0:
        return 1.0, 1.0
    magnitude = 10 ** math.floor(math.log10(top))
    for factor in (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if whole and step != int(step):
            continue
        if math.ceil(top / step - 1e-9) <= 6:
            return step * math.ceil(top / step - 1e-9), step
    return 10 * magnitude, 2 * magnitude


def chart_scale(chart: Chart) -> tuple[float, float]:
    """The value at the right end of a chart's axis (what a bar of full length stands for) and its tick step."""
    values = [v for b in chart.bars for v in (b.plan, b.actual) if v is not None]
    return _axis(max(values, default=0.0), whole=all(float(v).is_integer() for v in values))


def _svg_text(x: float, y: float, text: str, *, fill: str = _INK, weight: str = "", anchor: str = "") -> str:
    extra = (f' font-weight="{weight}"' if weight else "") + (f' text-anchor="{anchor}"' if anchor else "")
    return f'<text x="{x:g}" y="{y:g}" fill="{fill}"{extra}>{html.escape(text)}</text>'


def _legend(chart: Chart, lang: str) -> list[str]:
    """The legend: a mark and its name for each kind of mark the chart draws (and no others)."""
    if chart.series is not None:
        swatch = f'<rect x="0" y="-9" width="12" height="10" fill="{ACTUAL}"/>'
        return [f'<g class="legend" transform="translate(0 12)">{swatch}{_svg_text(16, 0, chart.series)}</g>']
    used: set[str] = set()
    for b in chart.bars:
        if b.plan is not None and b.plan_text is None:
            used.add("plan")
        if b.plan_text is not None:
            used.add("frequency")
        if b.actual_status in ("final", None) and b.actual is not None:
            used.add("actual")
        elif b.actual_status in ("provisional", "partial", "cancelled"):
            used.add(b.actual_status)
    marks = {
        "plan": f'<rect x="0" y="-9" width="12" height="10" fill="{PLAN}"/>',
        "actual": f'<rect x="0" y="-9" width="12" height="10" fill="{ACTUAL}"/>',
        "provisional": f'<rect x="0" y="-9" width="12" height="10" fill="url(#hatch-{html.escape(chart.id)})"/>',
        "partial": f'<rect x="0.5" y="-8.5" width="11" height="9" fill="{PARTIAL_FILL}" stroke="{PARTIAL_EDGE}"'
        ' stroke-dasharray="2 1"/>',
        "cancelled": _cross(6, -4),
        "frequency": _target_mark(6, -9),
    }
    parts, x = [], 0.0
    for name in ("plan", "actual", "provisional", "partial", "cancelled", "frequency"):
        if name in used:
            label = _w(name, lang)
            parts.append(
                f'<g class="legend" transform="translate({x:g} 12)">{marks[name]}{_svg_text(16, 0, label)}</g>'
            )
            x += 16 + _width(label) * _FONT + 14
    return parts


def _cross(cx: float, cy: float) -> str:
    """The mark of a cancelled value: a white cross on a red square (never a bar: it has no value)."""
    return (
        f'<rect x="{cx - 5.5:g}" y="{cy - 5.5:g}" width="11" height="11" fill="{CANCELLED}"/>'
        f'<path d="M{cx - 3:g} {cy - 3:g}L{cx + 3:g} {cy + 3:g}M{cx + 3:g} {cy - 3:g}L{cx - 3:g} {cy + 3:g}" '
        'stroke="#ffffff" stroke-width="1.6"/>'
    )


def _target_mark(x: float, y: float) -> str:
    return f'<rect x="{x - 1.5:g}" y="{y:g}" width="3" height="{BAR_HEIGHT + 1}" fill="{TARGET}"/>'


def _value_label(bar: Bar, lang: str) -> str:
    value = _text(bar.actual)
    if bar.actual_status == "provisional":
        return f"{value}（{_w('provisional', lang)}）" if lang == "ja" else f"{value} ({_w('provisional', lang)})"
    if bar.actual_status == "partial":
        when = _w("partial_as_of", lang, date=bar.as_of.isoformat()) if bar.as_of else _w("partial", lang)
        return f"{value}（{when}）" if lang == "ja" else f"{value} ({when})"
    return value


def _svg_chart(chart: Chart, lang: str, this_year: int | None) -> str:
    """One chart: a row per bar (its label wrapped, never cut), grouped under headings (plan periods,
    care scenes), every bar on the chart's one scale, with an axis, gridlines and the unit."""
    if not chart.bars:
        return ""
    top, step = chart_scale(chart)
    legend = _legend(chart, lang)
    body: list[str] = []
    y, group = 30.0, object()
    label_ems = _LABEL_W / _FONT
    for bar in chart.bars:
        if bar.group != group:
            group = bar.group
            if group:
                y += 6
                body.append(_svg_text(0, y + 11, str(group), weight="bold"))
                y += 18
        lines = _wrap(bar.label, label_ems)
        counts = chart.series is not None  # one quantity a bar: no plan slot, no year to shade
        height = max((1 if counts else 2) * BAR_HEIGHT + 4, len(lines) * 14) + 8
        current = not counts and this_year is not None and bar.fiscal_year == this_year
        if current:
            body.append(f'<rect x="0" y="{y - 2:g}" width="{_SVG_W}" height="{height:g}" fill="{_BAND}"/>')
        for n, line in enumerate(lines):
            body.append(_svg_text(0, y + 10 + 14 * n, line, weight="bold" if current else ""))
        if not counts:
            body.extend(_plan_marks(bar, y, top))
        body.extend(_actual_marks(bar, y if counts else y + BAR_HEIGHT + 2, top, lang, this_year, chart.id))
        y += height
    grid = []
    ticks = round(top / step)
    for n in range(ticks + 1):
        x = _X0 + _SPAN * n / ticks
        grid.append(f'<rect x="{x - 0.5:g}" y="26" width="1" height="{y - 26:g}" fill="{_GRID}"/>')
        grid.append(_svg_text(x, y + 14, _text(round(step * n, 6)), fill=_MUTED, anchor="middle"))
    axis = f'<rect x="{_X0 - 0.5:g}" y="26" width="1" height="{y - 26 + 4:g}" fill="{_MUTED}"/>'
    axis += f'<rect x="{_X0:g}" y="{y:g}" width="{_SPAN}" height="1" fill="{_MUTED}"/>'
    if chart.unit:
        unit = f"（{chart.unit}）" if lang == "ja" else f"({chart.unit})"
        axis += _svg_text(_X0 + _SPAN + 8, y + 14, unit, fill=_MUTED)
    total = y + 22
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{_SVG_W}" height="{total:g}" '
        f'viewBox="0 0 {_SVG_W} {total:g}" font-family="{html.escape(FONT_STACK)}" font-size="{_FONT}">'
        f"<title>{html.escape(chart.title)}</title>"
        f'<defs><pattern id="hatch-{html.escape(chart.id)}" width="4" height="4" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="4" height="4" fill="{PROVISIONAL_PAPER}"/>'
        f'<rect width="2" height="4" fill="{PROVISIONAL_INK}"/></pattern></defs>'
        + "".join(legend)
        + "".join(grid)
        + axis
        + "".join(body)
        + "</svg>"
    )


def _scaled(value: float, top: float) -> float:
    return round(_SPAN * value / top, 1)


def _plan_marks(bar: Bar, y: float, top: float) -> list[str]:
    if bar.plan_text is not None:  # a frequency: a mark at its count where it has one, and its words
        if bar.plan is None:
            return [_svg_text(_X0 + 4, y + 9, bar.plan_text, fill=TARGET)]
        x = _X0 + _scaled(bar.plan, top)
        return [_target_mark(x, y - 0.5), _svg_text(x + 5, y + 9, bar.plan_text, fill=TARGET)]
    if bar.plan is None:
        return []
    width = _scaled(bar.plan, top)
    rect = f'<rect x="{_X0}" y="{y:g}" width="{width:g}" height="{BAR_HEIGHT}" fill="{PLAN}"/>' if width else ""
    return [rect, _svg_text(_X0 + width + 4, y + 9, _text(bar.plan), fill=_MUTED)]


def _actual_marks(bar: Bar, y: float, top: float, lang: str, this_year: int | None, chart_id: str) -> list[str]:
    if bar.actual_status == "cancelled":
        return [_cross(_X0 + 6.5, y + 5.5), _svg_text(_X0 + 16, y + 9, _w("cancelled", lang), fill=CANCELLED)]
    if bar.actual is None:
        if bar.plan is None and bar.plan_text is None:
            return []
        future = this_year is not None and bar.fiscal_year is not None and bar.fiscal_year > this_year
        return [] if future else [_svg_text(_X0 + 4, y + 9, _w("no_actual", lang), fill=_MUTED)]
    width = _scaled(bar.actual, top)
    label = _svg_text(_X0 + width + 4, y + 9, _value_label(bar, lang))
    if not width:
        return [label]
    if bar.actual_status == "provisional":
        fill = f'fill="url(#hatch-{html.escape(chart_id)})"'
    elif bar.actual_status == "partial":
        fill = f'fill="{PARTIAL_FILL}" stroke="{PARTIAL_EDGE}" stroke-dasharray="3 2"'
    else:
        fill = f'fill="{ACTUAL}"'
    return [f'<rect x="{_X0}" y="{y:g}" width="{width:g}" height="{BAR_HEIGHT}" {fill}/>', label]


def _html(report: Report, show_ids: bool = False) -> bytes:
    lang = report.lang
    nav = "".join(f'<li><a href="#{html.escape(s.id)}">{html.escape(s.title)}</a></li>' for s in report.sections)
    facts = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in _facts(report))
    body = []
    for section in report.sections:
        wide = any(_landscape(t, _visible(t, show_ids)) for t in section.tables)
        css = ' class="wide"' if wide else ""
        body.append(f'<section id="{html.escape(section.id)}"{css}><h2>{html.escape(section.title)}</h2>')
        if section.text:
            body.append(f'<p class="note">{html.escape(section.text).replace(chr(10), "<br>")}</p>')
        body.extend(_html_table(t, show_ids, section.title) for t in section.tables)
        body.extend(
            f'<figure id="chart-{html.escape(c.id)}"><figcaption>{html.escape(c.title)}</figcaption>'
            f"{_svg_chart(c, lang, report.fiscal_year)}"
            + (f'<p class="note">{html.escape(c.note)}</p>' if c.note else "")
            + "</figure>"
            for c in section.charts
        )
        body.append("</section>")
    page = (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="{html.escape(report.generator)}">\n'
        f"<title>{html.escape(report.title)}</title>\n<style>{_CSS}{_page_css(report)}</style>\n</head>\n<body>\n"
        f'<header class="title-block"><h1>{html.escape(report.title)}</h1>\n'
        f'<table class="facts">{facts}</table></header>\n'
        f'<nav aria-label="{_w("contents", lang)}"><ol>{nav}</ol></nav>\n' + "\n".join(body) + "\n</body>\n</html>\n"
    )
    return page.encode("utf-8")


# --- PDF -----------------------------------------------------------------------------------------------------

_PDF_NEEDS = (
    N_("PDF output needs WeasyPrint: pip install 'zaitaku-core[pdf]'"),
    N_(
        "PDF output needs the Pango library (Debian/Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0; "
        "macOS: brew install pango)"
    ),
)


def _pdf(report: Report, show_ids: bool = False) -> bytes:
    """The HTML report printed by WeasyPrint: the same page, fonts embedded, byte-identical on rerun."""
    try:
        import weasyprint
    except ImportError as exc:
        raise MissingDependencyError(_PDF_NEEDS[0], values={}, location={"field": "format pdf"}) from exc
    except OSError as exc:  # WeasyPrint is there, the system library it loads is not
        raise MissingDependencyError(_PDF_NEEDS[1], values={}, location={"field": "format pdf"}) from exc
    page = weasyprint.HTML(string=_html(report, show_ids).decode("utf-8"))
    data: bytes = page.write_pdf()
    return data


# --- JSON, CSV, XLSX -----------------------------------------------------------------------------------------


def _json(report: Report, show_ids: bool = False) -> bytes:
    # pydantic's serializer (Rust): keys in the schema's field order, which is fixed, so output is deterministic.
    # Compact, one line: half the bytes and time of an indented file (`python -m json.tool` pretty-prints it).
    # The fields before and after the sections, and each section, are serialised apart and joined: the same
    # bytes as one call, and a section shared by several reports (a city's sections, made once for all its
    # years by build_reports) is serialised once.
    # Joined in one call: a report may be a megabyte, and each join copies it into fresh memory.
    head = _REPORT_JSON.to_json(report, include=_BEFORE_SECTIONS)
    tail = _REPORT_JSON.to_json(report, include=_AFTER_SECTIONS)
    parts = [head[:-1], b',"sections":[']
    for section in report.sections:
        parts += (_section_json(section), b",")
    if report.sections:
        parts.pop()  # the comma after the last section
    parts += (b"],", tail[1:], b"\n")
    return b"".join(parts)


_REPORT_JSON = Report.__pydantic_serializer__
_SECTION_JSON = Section.__pydantic_serializer__
_FIELDS = list(Report.model_fields)
_BEFORE_SECTIONS = set(_FIELDS[: _FIELDS.index("sections")])
_AFTER_SECTIONS = set(_FIELDS[_FIELDS.index("sections") + 1 :])
#: The JSON of the sections written so far that are still alive, by identity (a section is immutable); an
#: entry goes when its section does.
_SECTIONS_WRITTEN: dict[int, tuple[weakref.ref[Section], bytes]] = {}


def _section_json(section: Section) -> bytes:
    key = id(section)
    found = _SECTIONS_WRITTEN.get(key)
    if found is not None and found[0]() is section:
        return found[1]
    data = _SECTION_JSON.to_json(section)
    _SECTIONS_WRITTEN[key] = (weakref.ref(section, lambda _: _SECTIONS_WRITTEN.pop(key, None)), data)
    return data


def _tables(report: Report) -> Iterable[Table]:
    for section in report.sections:
        yield from section.tables


def _csv(report: Report, show_ids: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for table in _tables(report):
        writer.writerow(["#", table.id, neutralize(table.title)])
        writer.writerow([neutralize(c) for c in table.columns])
        writer.writerows([_text(neutralize(c)) for c in row] for row in table.rows)
        writer.writerow([])
    return buffer.getvalue().encode("utf-8-sig")


def _sheet_name(title: str, taken: set[str]) -> str:
    base = "".join("_" if ch in "[]:*?/\\'" else ch for ch in title).strip()[:31] or "table"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f"-{n}"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


#: The font of every cell: Japanese Excel's own default UI font.
XLSX_FONT = "游ゴシック"


def _xlsx_text(value: str, sheet: str, field: str, row: int | None = None) -> str:
    """A text cell, neutralised; one longer than Excel holds is an error naming its sheet, the table's data
    ``row`` (from 1) and column ``field``, or the ``field`` outside the table: the report's own label, in its
    language (表題, 列3の見出し, a cover fact's label)."""
    if len(value) > XLSX_CELL_LIMIT:
        raise ExportLimitError(
            N_(
                "a cell of {length:,} characters is longer than Excel's limit of {limit:,}; nothing was written "
                "(write CSV or JSON instead)"
            ),
            values={"length": len(value), "limit": XLSX_CELL_LIMIT},
            location={"sheet": sheet, "field": field}
            if row is None
            else {"sheet": sheet, "row": str(row), "column": field},
        )
    return str(neutralize(value))


def _xlsx(report: Report, show_ids: bool = False) -> bytes:
    from datetime import datetime

    import xlsxwriter  # type: ignore[import-untyped]

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    # A fixed creation date keeps the bytes identical for the same report.
    workbook.set_properties({"title": report.title, "created": datetime(2000, 1, 1), "comments": report.generator})
    base = {"font_name": XLSX_FONT, "font_size": 10, "valign": "top"}

    def fmt(props: dict[str, object]) -> object:
        return workbook.add_format({**base, **props})

    title_fmt = fmt({"bold": True, "font_size": 12})
    head = fmt({"bold": True, "bg_color": "#EEF2F6", "border": 1, "text_wrap": True})
    text_fmt, wrap_fmt = fmt({}), fmt({"text_wrap": True})
    integer, decimal, percent = (
        fmt({"num_format": "#,##0"}),
        fmt({"num_format": "#,##0.0##"}),
        fmt({"num_format": "0.0%"}),
    )
    workbook.formats[0].set_font_name(XLSX_FONT)  # the default cell format, for cells left empty
    taken: set[str] = set()

    name = _sheet_name("表紙" if report.lang == "ja" else "Cover", taken)
    cover = workbook.add_worksheet(name)
    cover.write_string(0, 0, _xlsx_text(report.title, name, _w("title", report.lang)), title_fmt)
    for n, (label, fact) in enumerate(_facts(report), start=2):
        cover.write_string(n, 0, label, text_fmt)
        cover.write_string(n, 1, _xlsx_text(fact, name, label), text_fmt)
    cover.set_column(0, 0, 16)
    cover.set_column(1, 1, 70)
    cover.set_paper(9)

    for table in _tables(report):
        name = _sheet_name(table.title, taken)
        sheet = workbook.add_worksheet(name)
        keys = table.keys or ("",) * len(table.columns)
        sheet.write_string(0, 0, _xlsx_text(table.title, name, _w("title", report.lang)), title_fmt)
        widths = [_width(header) * 2 for header in table.columns]
        long = [False] * len(table.columns)
        for col, header in enumerate(table.columns):
            sheet.write_string(1, col, _xlsx_text(header, name, _w("heading", report.lang, number=col + 1)), head)
        for r, row in enumerate(table.rows, start=2):
            for col, value in enumerate(row):
                if isinstance(value, bool) or value is None:
                    continue
                if isinstance(value, int | float):
                    if keys[col] == "ratio":
                        sheet.write_number(r, col, value / 100, percent)
                    else:
                        sheet.write_number(r, col, value, integer if isinstance(value, int) else decimal)
                    widths[col] = max(widths[col], len(f"{value:,}") + 1)
                    continue
                text = _xlsx_text(value, name, table.columns[col], r - 1)
                longest = max(_width(line) * 2 for line in text.split("\n"))
                long[col] = long[col] or longest > 60 or "\n" in text
                widths[col] = max(widths[col], longest)
                sheet.write_string(r, col, text, wrap_fmt if long[col] or longest > 60 else text_fmt)
        for col, width in enumerate(widths):
            sheet.set_column(col, col, max(6, min(60, width + 2)), wrap_fmt if long[col] else None)
        last = max(len(table.columns) - 1, 0)
        sheet.freeze_panes(2, 0)
        sheet.autofilter(1, 0, max(1, len(table.rows) + 1), last)
        sheet.repeat_rows(1)
        sheet.set_paper(9)  # A4
        if _landscape(table, range(len(table.columns))):
            sheet.set_landscape()
        sheet.fit_to_pages(1, 0)  # fit to the page's width, as many pages down as needed
    workbook.close()
    return buffer.getvalue()


_RENDERERS: dict[str, Callable[[Report, bool], bytes]] = {
    "md": _markdown,
    "html": _html,
    "pdf": _pdf,
    "json": _json,
    "csv": _csv,
    "xlsx": _xlsx,
}

#: The output formats, by their usual file suffix.
FORMATS: tuple[str, ...] = tuple(_RENDERERS)


def render(report: Report, fmt: str, *, show_ids: bool = False) -> bytes:
    """The bytes of ``report`` in format ``fmt`` (one of ``FORMATS``).

    ``show_ids`` keeps the identifier columns in HTML, PDF and Markdown (CSV, XLSX and JSON always have them).

    Raises:
        InputError: ``fmt`` is not a known format (a ``ValueError``, as before).
        MissingDependencyError: ``pdf`` without WeasyPrint or the Pango library it needs.
        ExportLimitError: ``xlsx`` with a cell longer than Excel allows.
    """
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise InputError(
            N_("unknown report format {fmt!r}; choose from {formats}"),
            values={"fmt": fmt, "formats": ", ".join(FORMATS)},
        ) from None
    return renderer(report, show_ids)
