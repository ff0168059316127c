"""Cities kept as folders or workbooks instead of packages, registered in the registry like any plugin.

A city can be used without packaging it: a **city folder** holds the data files a city plugin's
``data/`` folder holds (``city.toml``, ``programs.toml`` …), and a **plan workbook** (``.xlsx``, see
:mod:`zaitaku_core.io.xlsx_import`) holds the same data in sheets. Either is found through a path list:

* ``zaitaku --data-dir DIR …`` (repeatable) on the command line, or ``create_registry(data_path=[…])``;
* the environment variable :data:`DATA_PATH_VARIABLE` (``ZAITAKU_DATA_PATH``), entries separated by
  ``os.pathsep`` (``:`` on Linux and macOS).

Each entry is a city folder, a workbook, or a folder whose sub-folders and workbooks are cities. Each
city becomes one :class:`~zaitaku_core.plugins.DataPlugin` (its files read from the folder, or from the
workbook read and validated once) registered under the name ``folder:<path>``, so it goes through the
same registry, the same validation and the same error locations as an installed plugin: a folder's
errors name the file and field (``/data/kushiro/programs.toml: programs[2].title``), a workbook's the
sheet and cell (``取組!E7 新項目``).

Installed plugins are loaded first. A folder city whose id an installed plugin (or another folder)
already serves is a :class:`~zaitaku_core.errors.CityConflictError` naming both; the registry never
picks one silently.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from zaitaku_core.errors import CityConflictError, InputError, PluginDataError
from zaitaku_core.i18n import N_
from zaitaku_core.plugins import DataFile, DataPlugin, read_data

if TYPE_CHECKING:
    from zaitaku_core.io.xlsx_import import WorkbookImport
    from zaitaku_core.plugins import Registry

__all__ = [
    "DATA_PATH_VARIABLE",
    "FolderPlugin",
    "WorkbookPlugin",
    "city_sources",
    "data_path_from_environment",
    "register_data_path",
]

#: The environment variable holding the path list of city folders and workbooks.
DATA_PATH_VARIABLE = "ZAITAKU_DATA_PATH"

_WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls"}


class FolderPlugin(DataPlugin):
    """A city folder as a plugin: :class:`~zaitaku_core.plugins.DataPlugin` reading files from ``folder``."""

    def __init__(self, folder: Path) -> None:
        super().__init__(package=str(folder), data_dir=".")
        self.folder = folder

    def __repr__(self) -> str:
        return f"FolderPlugin({str(self.folder)!r})"

    def _file(self, name: str) -> DataFile | None:
        if name not in self._files:
            if name == "city.toml":
                self._check_names()
            path = self.folder / name
            if not path.is_file() and os.path.lexists(path):
                raise PluginDataError(
                    N_(
                        "{name} is not a file that can be read (a link to nothing, a folder, a pipe or a device): its "
                        "records would be left out of every plan"
                    ),
                    values={"name": name},
                    location={"file": str(path)},
                )
            self._files[name] = read_data(path, str(path)) if path.is_file() else None
        return self._files[name]

    def _check_names(self) -> None:
        """Refuse a data file under a name that is never read (``program.toml``, ``programs.json``): its
        records would be left out of every plan without a word."""
        for path in sorted(self.folder.iterdir()):
            if path.suffix.lower() in {".toml", ".json"} and path.name not in self.FILES:
                raise PluginDataError(
                    N_("{name} is not a data file of a city folder, so it would never be read (the files: {files})"),
                    values={"name": path.name, "files": ", ".join(self.FILES)},
                    location={"file": str(path)},
                )


class WorkbookPlugin(DataPlugin):
    """A plan workbook as a plugin: its sheets read and validated once, then served as data files."""

    def __init__(self, path: Path, result: WorkbookImport) -> None:
        super().__init__(package=str(path), data_dir=".")
        self.path = path
        self._files = {
            name: DataFile(path=f"{path} ({name})", content=content) for name, content in result.files.items()
        }

    def __repr__(self) -> str:
        return f"WorkbookPlugin({str(self.path)!r})"

    def _file(self, name: str) -> DataFile | None:
        return self._files.get(name)


def data_path_from_environment() -> list[Path]:
    """The entries of ``ZAITAKU_DATA_PATH`` (empty entries skipped)."""
    value = os.environ.get(DATA_PATH_VARIABLE, "")
    return [Path(entry) for entry in value.split(os.pathsep) if entry.strip()]


def city_sources(entries: Iterable[str | Path]) -> list[Path]:
    """The city folders and workbooks that the path-list ``entries`` name, in order, each once.

    Raises:
        InputError: an entry does not exist, or is a folder holding no city.
    """
    found: list[Path] = []
    for entry in entries:
        path = Path(entry).expanduser()
        if (path.is_file() and path.suffix.lower() in _WORKBOOK_SUFFIXES) or (
            path.is_dir() and (path / "city.toml").is_file()
        ):
            found.append(path)
        elif path.is_dir():
            inside = [
                child
                for child in sorted(path.iterdir())
                if not child.name.startswith((".", "~$"))
                and (
                    (child.is_dir() and (child / "city.toml").is_file())
                    or (child.is_file() and child.suffix.lower() in _WORKBOOK_SUFFIXES)
                )
            ]
            if not inside:
                raise InputError(
                    N_("{path} holds no city: no city.toml, no city folders and no workbooks (.xlsx)"),
                    values={"path": path},
                    location={"file": str(path)},
                )
            found += inside
        else:
            raise InputError(
                N_("{path} is neither a city folder nor a workbook (.xlsx) (set by --data-dir or {variable})"),
                values={"path": path, "variable": DATA_PATH_VARIABLE},
                location={"file": str(path)},
            )
    unique: list[Path] = []
    for path in found:
        if path.resolve() not in {p.resolve() for p in unique}:
            unique.append(path)
    return unique


def _plugin(source: Path, lang: str) -> DataPlugin:
    if source.is_dir():
        return FolderPlugin(source)
    from zaitaku_core.io.xlsx_import import read_workbook

    return WorkbookPlugin(source, read_workbook(source, lang=lang))


def register_data_path(registry: Registry, entries: Iterable[str | Path], *, lang: str = "ja") -> list[str]:
    """Register every city of the path-list ``entries`` in ``registry``; return their ids.

    The registry's installed plugins are loaded first, so that a clash is seen whichever comes first.
    ``lang`` (``"ja"`` or ``"en"``) is the language of a workbook's problems, as in
    :func:`~zaitaku_core.io.xlsx_import.read_workbook`.

    Raises:
        CityConflictError: a city id is already served by an installed plugin or another folder.
        InputError: an entry is not a city folder or workbook.
        WorkbookError: a workbook has problems (every one of them listed with sheet and cell).
        PluginDataError: a folder's data file cannot be parsed or its city is invalid.
    """
    sources = city_sources(entries)
    if not sources:
        return []
    registry.load_entry_points()
    ids: list[str] = []
    for source in sources:
        plugin = _plugin(source, lang)
        city_id = plugin.city_id
        served = {served_id: registry.plugin_of(served_id) for served_id in registry.city_ids()}
        if city_id in served:
            raise CityConflictError(
                N_(
                    "city {city!r} is served both by plugin {plugin!r} and by {source}; "
                    "uninstall the plugin, or remove the folder from --data-dir / "
                    "{variable}, or give the folder's city another id"
                ),
                values={"city": city_id, "plugin": served[city_id], "source": source, "variable": DATA_PATH_VARIABLE},
                location={"file": str(source), "city": city_id},
            )
        registry.register(plugin, name=f"folder:{source}")
        ids.append(city_id)
    return ids
