"""A city's data folder: the TOML files a :class:`~zaitaku_core.plugins.DataPlugin` reads, written atomically.

A folder holds ``city.toml`` and, where the city has them, ``bodies.toml``, ``programs.toml``, ``tools.toml``,
``indicators.toml`` and ``handoff.toml``, in the shape the plugins' ``data/`` folders have. It is written
with tomli-w (a TOML writer whose output ``tomllib`` reads back exactly: quoting, escapes, dates and
nested tables are its job, not ours) into a staging folder beside the target, then renamed into place,
so a failure leaves no half-written folder and an existing folder is replaced whole or not at all.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w

from zaitaku_core.errors import InputError
from zaitaku_core.i18n import N_, ByLanguage

__all__ = ["DATA_FILES", "DISPOSABLE", "toml_text", "write_city_folder"]

#: The data files of a city folder, in the order they are written.
DATA_FILES = ("city.toml", "bodies.toml", "programs.toml", "tools.toml", "indicators.toml", "handoff.toml")
#: Files a file manager leaves in any folder it shows; replacing a city folder may drop them.
DISPOSABLE = frozenset({"Thumbs.db", "desktop.ini", ".DS_Store"})


def toml_text(content: Mapping[str, Any], header: str = "") -> str:
    """``content`` as TOML text, after an optional comment ``header`` (one ``#`` line per line).

    >>> print(toml_text({"city": {"id": "kushiro", "fiscal_years": [2024]}}), end="")
    [city]
    id = "kushiro"
    fiscal_years = [
        2024,
    ]
    """
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    return comment + tomli_w.dumps(dict(content), multiline_strings=False)


def _empty(content: Mapping[str, Any]) -> bool:
    return all(isinstance(value, list) and not value for value in content.values())


def write_city_folder(
    files: Mapping[str, Mapping[str, Any] | str], target: Path, *, replace: bool = False, header: str = ""
) -> list[Path]:
    """Write ``files`` (file name -> content, or TOML text written as it is) as the city folder ``target``;
    return the files written.

    A file whose lists are all empty is left out. ``target`` must not exist, or be an empty folder;
    with ``replace`` an existing city folder (one holding ``city.toml`` and no files but data files and
    :data:`DISPOSABLE` ones) is replaced as a whole.

    Raises:
        InputError: ``target`` exists and is not empty (without ``replace``), is not a city folder, or holds
            other files (a workbook kept beside the data, a ``.git`` folder) that replacing it would delete.
    """
    if target.exists():
        if not target.is_dir():
            raise InputError(
                N_("{target} exists and is not a folder"),
                values={"target": str(target)},
                location={"file": str(target)},
            )
        entries = list(target.iterdir())
        if entries and not replace:
            raise InputError(
                N_("{target} is not empty; choose a new folder or pass --force to replace the city folder"),
                values={"target": str(target)},
                location={"file": str(target)},
            )
        if entries and not (target / "city.toml").is_file():
            raise InputError(
                N_("{target} is not a city folder (no city.toml); it is not replaced"),
                values={"target": str(target)},
                location={"file": str(target)},
            )
        others = sorted(e.name for e in entries if e.name not in DATA_FILES and e.name not in DISPOSABLE)
        if others:
            shown, more = others[:3], "…" if len(others) > 3 else ""
            raise InputError(
                N_(
                    "{target} also holds files the import does not write ({names}); they would be lost with the "
                    "folder: move them out, or choose another folder; it is not replaced"
                ),
                values={"target": str(target), "names": ByLanguage("、".join(shown) + more, ", ".join(shown) + more)},
                location={"file": str(target)},
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    written: list[Path] = []
    try:
        for name in DATA_FILES:
            content = files.get(name)
            if content is None or (not isinstance(content, str) and name != "city.toml" and _empty(content)):
                continue
            text = content if isinstance(content, str) else toml_text(content, header)
            (staging / name).write_text(text, encoding="utf-8")
            written.append(target / name)
        mask = os.umask(0o022)
        os.umask(mask)
        staging.chmod(0o777 & ~mask)  # mkdtemp made it private
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            target.rename(old)
            staging.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written
