"""``zaitaku new-city``: scaffold a city plugin package that installs and passes its tests at once.

The files come from the templates in ``zaitaku_core/templates/city/`` (``$name`` placeholders filled by
:class:`string.Template`, so nothing in them is executed); the starter ``programs.toml`` is made from the
national framework, one placeholder program per item. The package is written to a temporary folder and
renamed into place, so a failure leaves nothing half-written, and an existing folder is never overwritten.
"""

from __future__ import annotations

import re
import shutil
import string
import tempfile
import tomllib
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import click

from zaitaku_core import __version__, codes
from zaitaku_core.calendar import PlanPeriod, parse_fiscal_year
from zaitaku_core.cli.common import cleanup_on_sigterm, current_umask, lang_option
from zaitaku_core.cli.helptext import TranslatedCommand
from zaitaku_core.errors import FileAccessError, InputError
from zaitaku_core.framework import CareScene, NewItem
from zaitaku_core.i18n import N_, tr

__all__ = ["MAX_ID_LENGTH", "MAX_NAME_LENGTH", "new_city", "scaffold_city", "scaffold_city_folder"]

_CITY_ID = re.compile(r"[a-z][a-z0-9_]*(-[a-z0-9_]+)*")
#: The longest city id: the folder ``zaitaku-<id>`` and the package ``zaitaku_<id>`` stay short names.
MAX_ID_LENGTH = 40
#: The longest municipality name (the longest real one, 特別区 and 郡 included, is well under this).
MAX_NAME_LENGTH = 60


#: Characters refused in a name besides control characters: they would end or escape a TOML or Python
#: string, or a shell word in the README's commands.
_REFUSED = frozenset("\"'\\`$")


def _check_name(name: str) -> str:
    """The name, stripped; refused when it holds what no municipality's name holds and what would break the
    generated files: control characters (a line break), quotes or backslashes, or more than
    :data:`MAX_NAME_LENGTH` characters."""
    name = name.strip()
    if not name:
        raise InputError(N_("the city's name must not be empty"), values={}, location={"field": "name"})
    if len(name) > MAX_NAME_LENGTH:
        raise InputError(
            N_("the city's name is longer than {limit} characters"),
            values={"limit": MAX_NAME_LENGTH},
            location={"field": "name"},
        )
    bad = sorted({ch for ch in name if not ch.isprintable() or ch in _REFUSED})
    if bad:
        shown = ", ".join(repr(ch) for ch in bad)
        raise InputError(
            N_("the city's name may not contain {chars}: write it as the municipality writes it (e.g. 釧路市)"),
            values={"chars": shown},
            location={"field": "name"},
        )
    return name


def _check_generated(folder: Path) -> None:
    """Parse back every TOML file and compile every Python file written: a scaffold that would not load is
    never reported as made."""
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        try:
            if path.suffix == ".toml":
                tomllib.loads(path.read_text(encoding="utf-8"))
            elif path.suffix == ".py":
                compile(path.read_text(encoding="utf-8"), str(relative), "exec")
        except (tomllib.TOMLDecodeError, SyntaxError, ValueError) as exc:
            raise InputError(
                N_("the generated file does not parse ({reason}); nothing was written"),
                values={"reason": exc},
                location={"file": str(relative)},
            ) from exc


def _programs(city_id: str, fiscal_year: int) -> str:
    period = PlanPeriod.of(fiscal_year)
    first, last = period.first.year, period.last.year
    lines = [
        "# The plan: one [[programs]] per 取組 / 実施項目. These starters, one per national item, are",
        "# placeholders: replace their titles, overviews, directions, actions and scenes with the city's plan.",
        f"# Each is stated once for {period.label()} (FY{first}–FY{last}) under one year-free id; what changes in",
        "# one year goes under [[programs.years]] (fiscal_year plus the fields that change). A program of one",
        "# year only gives fiscal_year = ... instead of period.",
        '# Scene tags: basis = "stated" (with source) when the plan says so, else a reason for the inference.',
    ]
    for item in NewItem:
        scenes = ", ".join(
            f'{{ scene = "{scene.value}", reason = "（この場面に対応する理由を記入してください）" }}'
            for scene in (CareScene if item is NewItem.A_C else [CareScene.DAILY_SUPPORT])
        )
        lines += [
            "",
            "[[programs]]",
            f'id = "{city_id}-{item.name.lower().replace("_", "-")}"',
            f'period = "{period.label()}"',
            f'new_item = "{item.value}"',
            f'title = "{item.ja}"',
            'overview = "（この取組の内容を記入してください）"',
            'direction = "（今後の方針を記入してください）"',
            f"scenes = [{scenes}]",
        ]
    return "\n".join(lines) + "\n"


def _walk(folder: Traversable, relative: Path) -> list[tuple[Path, Traversable]]:
    found: list[tuple[Path, Traversable]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            found += _walk(entry, relative / entry.name)
        elif entry.name.endswith(".tmpl"):
            found.append((relative / entry.name.removesuffix(".tmpl"), entry))
    return found


def scaffold_city(
    city_id: str,
    *,
    code: str,
    name: str,
    fiscal_year: int | str = 2024,
    directory: Path = Path("."),
) -> Path:
    """Write a new city plugin package ``zaitaku-<city_id>`` into ``directory`` and return its path.

    The id must match ``[a-z][a-z0-9_]*(-[a-z0-9_]+)*`` in full, in at most :data:`MAX_ID_LENGTH`
    characters; the name may not hold control characters, quotes, backslashes, ``$`` or backquotes.
    Every generated TOML file is parsed back and every Python file compiled before the package is moved
    into place.

    Raises:
        InputError: the id is not a valid plugin id, the name is empty or holds a refused character, or
            the target folder exists.
        MunicipalCodeError: ``code`` is not a valid 全国地方公共団体コード (its check digit is verified).
        FileAccessError: the folder cannot be written (read-only, full disk …); nothing is left behind.
    """
    values = _values(city_id, code, name, fiscal_year)
    package, year = values["package"], int(values["fiscal_year"])
    target = directory / f"zaitaku-{city_id}"
    if target.exists():
        raise InputError(
            N_("{target} already exists; choose another folder or remove it"),
            values={"target": target},
            location={"file": str(target)},
        )
    try:
        with cleanup_on_sigterm():
            _write(staging_parent=directory, target=target, values=values, package=package, city_id=city_id, year=year)
    except OSError as exc:
        raise FileAccessError(
            N_("cannot write the package: {reason}"),
            values={"reason": exc.strerror or exc},
            location={"file": str(target)},
        ) from exc
    return target


def scaffold_city_folder(
    city_id: str,
    *,
    code: str,
    name: str,
    fiscal_year: int | str = 2024,
    directory: Path = Path("."),
) -> Path:
    """Write a new city folder ``<directory>/<city_id>``: the data files of a package's ``data/`` and
    nothing else, for use with ``zaitaku --data-dir`` (no packaging, no install). Same checks and
    all-or-nothing writing as :func:`scaffold_city`."""
    from zaitaku_core.io.city_folder import write_city_folder

    values = _values(city_id, code, name, fiscal_year)
    target = directory / city_id
    if target.exists():
        raise InputError(
            N_("{target} already exists; choose another folder or remove it"),
            values={"target": target},
            location={"file": str(target)},
        )
    templates = resources.files("zaitaku_core").joinpath("templates", "city", "src", "__package__", "data")
    files: dict[str, str] = {
        relative.name: string.Template(template.read_text(encoding="utf-8")).substitute(values)
        for relative, template in _walk(templates, Path())
    }
    files["programs.toml"] = _programs(city_id, int(values["fiscal_year"]))
    for file_name, text in files.items():
        try:
            tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:  # the name is checked, so this is a bug of a template
            raise InputError(
                N_("generated {file} is not TOML: {reason}"),
                values={"file": file_name, "reason": exc},
                location={"file": file_name},
            ) from exc
    try:
        write_city_folder(files, target)
    except OSError as exc:
        raise FileAccessError(
            N_("cannot write the folder: {reason}"),
            values={"reason": exc.strerror or exc},
            location={"file": str(target)},
        ) from exc
    return target


def _values(city_id: str, code: str, name: str, fiscal_year: int | str) -> dict[str, str]:
    """The template values of a new city, checked."""
    if len(city_id) > MAX_ID_LENGTH or not _CITY_ID.fullmatch(city_id):
        raise InputError(
            N_(
                "city id {city!r} must be lower-case ASCII letters, digits, '_' or '-', "
                "starting with a letter, at most {limit} characters"
            ),
            values={"city": city_id[: MAX_ID_LENGTH + 1], "limit": MAX_ID_LENGTH},
            location={"field": "id"},
        )
    name = _check_name(name)
    code = codes.validate(code)
    year = parse_fiscal_year(fiscal_year).year
    return {
        "city_id": city_id,
        "package": f"zaitaku_{city_id.replace('-', '_')}",
        "distribution": f"zaitaku-{city_id}",
        "code": code,
        "name": name,
        "prefecture": codes.prefecture_name(code),
        "fiscal_year": str(year),
        "core_version": __version__,
    }


def _write(
    *, staging_parent: Path, target: Path, values: dict[str, str], package: str, city_id: str, year: int
) -> None:
    staging_parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".zaitaku-{city_id}-", dir=staging_parent))
    try:
        templates = resources.files("zaitaku_core").joinpath("templates", "city")
        for relative, template in _walk(templates, Path()):
            path = staging / str(relative).replace("__package__", package).replace(
                "__slug__", city_id.replace("-", "_")
            )
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(string.Template(template.read_text(encoding="utf-8")).substitute(values), encoding="utf-8")
        (staging / "src" / package / "data" / "programs.toml").write_text(_programs(city_id, year), encoding="utf-8")
        _check_generated(staging)
        staging.chmod(0o777 & ~current_umask())  # mkdtemp made it private
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


@click.command(
    "new-city",
    cls=TranslatedCommand,
    help=N_(
        """Create a city plugin package ``zaitaku-ID``: data files, entry point, tests, README; or, with
        ``--folder``, a city folder ``ID`` of data files only.

        Then: ``cd zaitaku-ID && python -m pip install -e ".[test]" && python -m pytest``; for a folder:
        ``zaitaku --data-dir ID validate``."""
    ),
)
@click.argument("city_id", metavar="ID")
@click.option(
    "--code", required=True, help=N_("全国地方公共団体コード, six digits with its check digit (e.g. 012041).")
)
@click.option("--name", required=True, help=N_("The municipality's name as written (e.g. 旭川市)."))
@click.option("--fy", "fiscal_year", default="2024", show_default=True, help=N_("First fiscal year of the plan."))
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help=N_("Where to create the zaitaku-ID folder (or, with --folder, the ID folder)."),
)
@click.option(
    "--folder",
    "as_folder",
    is_flag=True,
    help=N_("Write a city folder of data files (no package): use it with zaitaku --data-dir."),
)
@lang_option
def new_city(city_id: str, code: str, name: str, fiscal_year: str, directory: Path, as_folder: bool, lang: str) -> None:
    if as_folder:
        target = scaffold_city_folder(city_id, code=code, name=name, fiscal_year=fiscal_year, directory=directory)
        click.echo(tr(N_("created {path}"), lang, path=target))
        click.echo(tr(N_("next: {step}"), lang, step=f"zaitaku --data-dir {target} validate {city_id}"))
        return
    target = scaffold_city(city_id, code=code, name=name, fiscal_year=fiscal_year, directory=directory)
    click.echo(tr(N_("created {path}"), lang, path=target))
    step = f'cd {target} && python -m pip install -e ".[test]" && python -m pytest'
    click.echo(tr(N_("next: {step}"), lang, step=step))
