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
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import click

from zaitaku_core import __version__, codes
from zaitaku_core.calendar import PlanPeriod, parse_fiscal_year
from zaitaku_core.cli.common import current_umask
from zaitaku_core.errors import InputError
from zaitaku_core.framework import CareScene, NewItem

__all__ = ["new_city", "scaffold_city"]

_CITY_ID = re.compile(r"^[a-z][a-z0-9_]*(-[a-z0-9_]+)*$")


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

    Raises:
        InputError: the id is not a valid plugin id, the name is empty, or the target folder exists.
        MunicipalCodeError: ``code`` is not a valid 全国地方公共団体コード (its check digit is verified).
    """
    if not _CITY_ID.match(city_id):
        raise InputError(
            f"city id {city_id!r} must be lower-case ASCII letters, digits, '_' or '-', starting with a letter",
            location={"field": "id"},
        )
    if not name.strip():
        raise InputError("the city's name must not be empty", location={"field": "name"})
    code = codes.validate(code)
    year = parse_fiscal_year(fiscal_year).year
    package = f"zaitaku_{city_id.replace('-', '_')}"
    target = directory / f"zaitaku-{city_id}"
    if target.exists():
        raise InputError(f"{target} already exists; choose another folder or remove it", location={"file": str(target)})
    values = {
        "city_id": city_id,
        "package": package,
        "distribution": f"zaitaku-{city_id}",
        "code": code,
        "name": name.strip(),
        "prefecture": codes.prefecture_name(code),
        "fiscal_year": str(year),
        "core_version": __version__,
    }
    directory.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".zaitaku-{city_id}-", dir=directory))
    try:
        templates = resources.files("zaitaku_core").joinpath("templates", "city")
        for relative, template in _walk(templates, Path()):
            path = staging / str(relative).replace("__package__", package).replace(
                "__slug__", city_id.replace("-", "_")
            )
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(string.Template(template.read_text(encoding="utf-8")).substitute(values), encoding="utf-8")
        (staging / "src" / package / "data" / "programs.toml").write_text(_programs(city_id, year), encoding="utf-8")
        staging.chmod(0o777 & ~current_umask())  # mkdtemp made it private
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


@click.command("new-city")
@click.argument("city_id", metavar="ID")
@click.option("--code", required=True, help="全国地方公共団体コード, six digits with its check digit (e.g. 012041).")
@click.option("--name", required=True, help="The municipality's name as written (e.g. 旭川市).")
@click.option("--fy", "fiscal_year", default="2024", show_default=True, help="First fiscal year of the plan.")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Where to create the zaitaku-ID folder.",
)
def new_city(city_id: str, code: str, name: str, fiscal_year: str, directory: Path) -> None:
    """Create a city plugin package ``zaitaku-ID``: data files, entry point, tests, README.

    Then: ``cd zaitaku-ID && python -m pip install -e ".[test]" && python -m pytest``.
    """
    target = scaffold_city(city_id, code=code, name=name, fiscal_year=fiscal_year, directory=directory)
    click.echo(f"created {target}")
    click.echo(f'next: cd {target} && python -m pip install -e ".[test]" && python -m pytest')
