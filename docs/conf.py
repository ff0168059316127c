"""Sphinx configuration of the zaitaku-core documentation.

Reference pages that mirror data of the library (validation codes, error codes, the national items, the
national billing rules, the hooks) are generated at build time into ``_generated/`` from the library
itself, so they cannot drift from the code. Build: ``sphinx-build -W -b html docs docs/_build/html``.
"""

from __future__ import annotations

import inspect
import sys
from functools import cache
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from zaitaku_core import __version__

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

project = "zaitaku-core"
author = "zaitaku-core contributors"
copyright = "2026, zaitaku-core contributors"
version = release = __version__
language = "en"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "myst_parser",
    "sphinx_click",
    "sphinxcontrib.autodoc_pydantic",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_generated", "README.md"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

html_theme = "furo"
# Japanese terms are searchable (入院, 加算, 入院時情報連携加算), offline: see ja_search.py.
html_search_language = "ja"
html_search_options = {"type": "ja_search.BigramSplitter"}
html_title = f"zaitaku-core {release}"
html_static_path: list[str] = []

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_default_options = {"members": True, "show-inheritance": False}
# Pydantic models through autodoc_pydantic: each field with its type, default, Japanese label, description and
# constraints (see LabelledFieldDocumenter below). Sphinx 9's new autodoc does not take third-party documenters
# yet: the class-based one does.
autodoc_use_legacy_class_based = True
autodoc_pydantic_model_show_json = False
autodoc_pydantic_model_show_config_summary = False
autodoc_pydantic_model_show_validator_summary = False
autodoc_pydantic_model_show_validator_members = False
autodoc_pydantic_model_show_field_summary = False  # each field is listed below the model anyway
autodoc_pydantic_model_member_order = "bysource"
autodoc_pydantic_field_list_validators = False
autodoc_pydantic_field_doc_policy = "description"
autodoc_pydantic_field_show_constraints = True
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_attr_annotations = True

# Cross-references to libraries outside this project are not resolvable offline (no intersphinx, so the
# build needs no network); everything inside zaitaku_core must resolve.
nitpicky = True
nitpick_ignore_regex = [
    # Outside libraries and the standard library (not resolvable without intersphinx).
    (r"py:.*", r"(pydantic|pydantic_core|annotated_types|pluggy|attrs|click|numpy|np|npt|hypothesis|st)(\..*)?"),
    (r"py:.*", r"(_pytest|pytest|dateutil|datetime|decimal|collections|typing|enum|pathlib|importlib|types)(\..*)?"),
    (r"py:.*", r"(gettext|re|t)(\..*)?"),  # t: click's own annotations (t.Any) on the CLI's help classes
    (r"py:.*", r"(Any|Self|Callable|Iterable|Iterator|Mapping|Sequence|Collection|Literal|ClassVar|Annotated)"),
    (r"py:.*", r"(date|datetime|time|timedelta|Decimal|Path|Traversable|Enum|BaseModel|FieldInfo|JsonValue|Ge|Le)"),
    (r"py:.*", r"(NDArray|SearchStrategy|DrawFn|DataObject|FixtureRequest|Config|CoreSchema|GetCoreSchemaHandler)"),
    (r"py:.*", r"(HookImpl|HookspecMarker|HookimplMarker|TypeVar|M|F|_F|Lang|NoneType|PydanticUndefined)"),
    (r"py:.*", r"(str|int|float|bool|bytes|dict|list|tuple|set|frozenset|object|type|None|Exception)"),
    (r"py:.*", r"(ValueError|LookupError|BinaryIO|Protocol|TracebackType|BaseException)"),
    # pydantic's own names in the signatures autodoc_pydantic writes, and aliases of the handoff and report
    # models (their fields show the alias's name).
    (r"py:.*", r"(StringConstraints|Field|ConfigDict|JapanTime|Flag|Cell)"),
    (r"py:.*", r"(sqlalchemy|sa|alembic|openpyxl|xlsxwriter)(\..*)?|Engine|Connection|ColumnElement|FromClause"),
    (r"py:.*", r"(pyarrow|pa|pandas|pd|dask|distributed|pyspark)(\..*)?"),
    # The metadata pydantic renders for constrained aliases (``pattern=^…$``, ``min_length=1``, …) and
    # private validators named inside them.
    (r"py:class", r".*[^\w.].*"),
    (r"py:class", r"zaitaku_core\.\w+\._\w+|zaitaku_core\.model\.Annotated"),
]

suppress_warnings = ["myst.header"]


# --- generated reference pages --------------------------------------------------------------------------------


def _table(header: list[str], rows: list[list[Any]]) -> str:
    def cell(value: Any) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _validation_codes() -> str:
    from zaitaku_core.handoff.engine import CONFLICT_CODES
    from zaitaku_core.validation import CATALOGUE, CHECK_FAILED

    rows = [[f"`{c.code}`", c.severity.value, c.scope, c.title_ja, c.title_en] for c in CATALOGUE]
    rows.append(
        [
            f"`{CHECK_FAILED}`",
            "error",
            "",
            "検証処理そのものが失敗した",
            "A check itself failed (its error is reported)",
        ]
    )
    conflicts = [[f"`{code}`", sev.value, ja, en] for code, (sev, ja, en) in CONFLICT_CODES.items()]
    from zaitaku_core.activity.derive import LOG_FINDINGS

    counted = [[f"`{code}`", sev.value, ja, en] for code, (sev, ja, en) in LOG_FINDINGS.items()]
    return (
        "## The catalogue (ZK)\n\n"
        + "*scope* `city`: the check reads only what holds for every fiscal year, so a run over several years "
        + "computes its findings once per city. *scope* `programs`: the check reads the year's programs but "
        + "never the fiscal year itself, so a report of a year whose programs are those of the year before "
        + "reuses its findings.\n\n"
        + _table(["code", "severity", "scope", "日本語", "English"], rows)
        + "\n## Conflicts between city and national handoff rules (HC)\n\n"
        + "A handoff verdict carries these findings where the layers pull apart.\n\n"
        + _table(["code", "severity", "日本語", "English"], conflicts)
        + "\n## Actuals counted from the activity log (ZL)\n\n"
        + "A report given an activity log (`zaitaku report --log`) adds these findings "
        + "({doc}`../howto/activity-log`).\n\n"
        + _table(["code", "severity", "日本語", "English"], counted)
    )


def _errors() -> str:
    from zaitaku_core import errors

    parts = []
    classes = [obj for _, obj in inspect.getmembers(errors, inspect.isclass) if issubclass(obj, errors.ZaitakuError)]
    for cls in sorted(classes, key=lambda c: c.code):
        doc = inspect.getdoc(cls) or ""
        summary = doc.split("\n\n")[0].replace("\n", " ")
        parents = ", ".join(f"`{b.__name__}`" for b in cls.__bases__)
        parts.append(
            f"### `{cls.code}`\n\n"
            f"{{py:class}}`~zaitaku_core.errors.{cls.__name__}` (subclass of {parents}). {summary}\n"
        )
    return "\n".join(parts)


def _items() -> str:
    from zaitaku_core.framework import CareScene, NewItem, OldItem

    new_rows = [
        [f"{i.phase.value} {i.phase.ja}", i.value, i.ja, i.en, "、".join(o.value for o in i.old_items) or "—"]
        for i in NewItem
    ]
    old_rows = [[o.value, o.ja, o.en, o.new_item.value if o.new_item else "— (none)"] for o in OldItem]
    scene_rows = [[s.value, s.ja, s.en] for s in CareScene]
    return (
        "### New items (since April 2021)\n\n"
        + _table(["phase", "code", "名称", "English", "old items"], new_rows)
        + "\n### Old items (2015–2021)\n\n"
        + _table(["code", "名称", "English", "became"], old_rows)
        + "\n### The four care scenes\n\n"
        + _table(["code", "場面", "English"], scene_rows)
    )


def _national_rules() -> str:
    from zaitaku_core.handoff import national_addons
    from zaitaku_core.handoff.engine import READINGS
    from zaitaku_core.handoff.rules import documents, office_addons

    rows = []
    for addon in national_addons():
        for rev in addon.revisions:
            period = f"{rev.effective_from} – {rev.effective_to or ''}"
            window = f"day {rev.window.first_day}–{rev.window.last_day}" + (
                " (before counts)" if rev.window.before_event else ""
            )
            if rev.window.extend:
                window += f", +{rev.window.extend.days} if {rev.window.extend.when}"
            if rev.window.count_reading:
                window += " (day 1: reading `day_count_start`)"
            units = rev.units or "/".join(f"{t.code} {t.units}" for t in rev.tiers)
            to = ", ".join(a.value for a in addon.parties_to(rev))
            means = ", ".join(addon.means_of(rev)) or "any"
            rows.append(
                [f"{addon.name}<br>{addon.name_en}", addon.event.value, to, means, period, units, window, rev.note]
            )
    out = _table(["add-on", "event", "contact with", "means", "in force", "units", "window", "note"], rows)
    existed = [
        [addon.name, addon.introduced or "before the first revision (date not recorded)", addon.modelled_from]
        for addon in national_addons()
    ]
    out += "\n### Before the earliest modelled revision\n\n"
    out += (
        "Before *introduced* the engine answers `not_in_force` (the add-on did not exist); from then (or, where "
        "the date is not recorded, at any earlier date) until *modelled from* it answers `not_modelled`.\n\n"
    )
    out += _table(["add-on", "introduced", "modelled from"], existed)
    clause_rows = []
    for addon in national_addons():
        scopes = [("all revisions", addon.clauses)] + [
            (f"{rev.effective_from} –", rev.clauses) for rev in addon.revisions
        ]
        for scope, clauses in scopes:
            for c in clauses:
                source = f"{c.source.short or c.source.title}（{c.source.number}）{c.part}"
                seen = f" ([seen at]({c.seen_at}))" if c.seen_at else ""
                clause_rows.append(
                    [addon.name, scope, ", ".join(c.decides), f"{c.text}<br>*{c.text_en}*", source + seen, c.status]
                )
    out += "\n### Clauses, their sources and their status\n\n"
    out += _table(["add-on", "applies to", "decides", "clause", "source", "status"], clause_rows)
    docs = [
        [
            d.id,
            d.type,
            d.number,
            d.date or "",
            f"[{d.title}]({d.url})" if d.url else d.title,
            (f"{d.title_en}" if d.title_en else ""),
            f"{d.checked}<br>*{d.checked_en}*"
            if d.checked
            else ("" if d.id == "engine" else "not read in an official copy"),
        ]
        for d in documents().values()
    ]
    out += "\n### Documents cited\n\n" + _table(["id", "type", "number", "date", "title", "English", "checked"], docs)
    readings = [[f"`{name}`", " / ".join(values), values[0], ja, en] for name, (values, ja, en) in READINGS.items()]
    out += "\n### Readings (`--reading NAME=VALUE`)\n\n" + _table(
        ["reading", "values", "default", "読み方", "reading"], readings
    )
    office_rows = [
        [
            office.name,
            f"{rev.effective_from} – {rev.effective_to or ''}",
            rev.units,
            "; ".join(f"{t.addon} {t.count} ≥ {t.at_least}" for t in rev.thresholds),
            "; ".join(f"{c.text} ({c.status})" for c in rev.clauses),
        ]
        for office in office_addons()
        for rev in office.revisions
    ]
    out += "\n### Office add-ons from yearly counts (`office_summary`)\n\n"
    out += _table(["add-on", "in force", "units/month", "thresholds", "clauses"], office_rows)
    return out


def _hooks() -> str:
    from zaitaku_core import hookspecs

    parts = []
    for name, _ in inspect.getmembers(hookspecs, inspect.isfunction):
        if name.startswith("zaitaku_"):
            parts.append(f"## `{name}`\n\n```{{eval-rst}}\n.. autofunction:: zaitaku_core.hookspecs.{name}\n```\n")
    return "\n".join(parts)


def _cli_help_ja() -> str:
    """Every command's help in Japanese, exactly as ``zaitaku … --help`` prints it under a Japanese run (80
    columns), one section a command: the English reference is generated by sphinx-click on cli.md."""
    from click.testing import CliRunner

    from zaitaku_core.cli import cli, command_paths

    parts = []
    for path in command_paths():
        shown = CliRunner().invoke(cli, ["--lang", "ja", *path, "--help"], prog_name="zaitaku", terminal_width=80)
        if shown.exit_code != 0:
            raise RuntimeError(f"zaitaku {' '.join(path)} --help failed: {shown.output}")
        name = " ".join(("zaitaku", *path))
        parts.append(f"### {name}\n\n```text\n$ {name} --help\n{shown.output.rstrip()}\n```\n")
    return "\n".join(parts)


GENERATED = {
    "cli-help-ja.md": _cli_help_ja,
    "validation-codes.md": _validation_codes,
    "errors.md": _errors,
    "items.md": _items,
    "national-rules.md": _national_rules,
    "hooks.md": _hooks,
}


def _generate(app: Sphinx) -> None:
    out = HERE / "_generated"
    out.mkdir(exist_ok=True)
    for name, make in GENERATED.items():
        text = make()
        path = out / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:  # unchanged files keep Sphinx's cache
            path.write_text(text, encoding="utf-8")


# --- pydantic fields -----------------------------------------------------------------------------------------

#: JSON Schema keywords shown as a field's constraints, with the words they are shown as.
_CONSTRAINTS = {
    "pattern": "pattern",
    "minLength": "min_length",
    "maxLength": "max_length",
    "minimum": "ge",
    "maximum": "le",
    "exclusiveMinimum": "gt",
    "exclusiveMaximum": "lt",
    "minItems": "min_items",
    "maxItems": "max_items",
}


def _constraints(schema: dict[str, Any], where: str = "") -> list[tuple[str, Any]]:
    """The constraints of a field's JSON Schema: its own, those of its items (``each item``), of a value that
    may also be null, and of a mapping's values (``each value``)."""
    found = [(f"{where}{word}", schema[key]) for key, word in _CONSTRAINTS.items() if key in schema]
    options = [s for s in schema.get("anyOf", ()) if s.get("type") != "null"]
    if len(options) == 1:
        found += _constraints(options[0], where)
    if isinstance(schema.get("items"), dict):
        found += _constraints(schema["items"], "each item: ")
    if isinstance(schema.get("additionalProperties"), dict):
        found += _constraints(schema["additionalProperties"], "each value: ")
    return found


@cache
def _properties(model: type) -> dict[str, Any]:
    """The JSON Schema of each field of ``model`` (a pydantic model), as :func:`zaitaku_core.model.json_schemas`
    exports it."""
    properties: dict[str, Any] = model.model_json_schema()["properties"]
    return properties


def _field_documenter() -> type:
    from sphinxcontrib.autodoc_pydantic.directives.autodocumenters import PydanticFieldDocumenter

    class LabelledFieldDocumenter(PydanticFieldDocumenter):  # type: ignore[misc]
        """A pydantic field as the reference shows it: its Japanese label (the field's ``title``, also the plan
        workbook's header and the JSON Schema's title) above its English description, and its constraints as
        the exported JSON Schema states them (the field's own and its items'), written as literals."""

        def add_description(self) -> None:
            title = self.pydantic.inspect.fields.get_property_from_field_info(self.pydantic_field_name, "title")
            if title:
                self.add_line(f"**{title}** — ", self.get_sourcename())
            super().add_description()

        def add_constraints(self) -> None:
            schema = _properties(self.pydantic.model).get(self.pydantic_field_name, {})
            constraints = _constraints(schema)
            if constraints:
                source = self.get_sourcename()
                self.add_line("", source)
                self.add_line(":Constraints:", source)
                for word, value in constraints:
                    self.add_line(f"   - {word} ``{value}``", source)
                self.add_line("", source)

    return LabelledFieldDocumenter


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", _generate)
    app.setup_extension("sphinxcontrib.autodoc_pydantic")
    app.add_autodocumenter(_field_documenter(), override=True)
    return {"parallel_read_safe": True}
