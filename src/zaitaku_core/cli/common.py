"""Options and helpers shared by the commands: the registry, the language, JSON output."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from zaitaku_core.plugins import Registry, create_registry

__all__ = [
    "allow_undeclared_option",
    "current_umask",
    "echo_json",
    "emit",
    "get_registry",
    "lang_option",
    "write_atomically",
]

F = TypeVar("F", bound=Callable[..., Any])


def get_registry(ctx: click.Context) -> Registry:
    """The registry of this invocation: one passed in as ``obj`` (tests, embedding) or a lazy new one."""
    root = ctx.find_root()
    if not isinstance(root.obj, Registry):
        root.obj = create_registry(lazy=True)
    return root.obj


def _resolve_lang(ctx: click.Context, _param: click.Parameter, value: str | None) -> str:
    from zaitaku_core.cli import LANG_KEY
    from zaitaku_core.cli.errors import resolve_lang

    if value is not None:
        ctx.meta[LANG_KEY] = value  # errors of this command are printed in it too
    chosen = ctx.meta.get(LANG_KEY)
    return resolve_lang(value or (chosen if isinstance(chosen, str) else None))


def lang_option(fn: F) -> F:
    """``--lang ja|en``: the language of the output and errors (default: the global ``zaitaku --lang``,
    else ``$ZAITAKU_LANG``, else Japanese)."""
    return click.option(
        "--lang",
        type=click.Choice(["ja", "en"]),
        default=None,
        callback=_resolve_lang,
        help="Output language (default: zaitaku --lang, $ZAITAKU_LANG, else ja) / 出力言語.",
    )(fn)


def allow_undeclared_option(fn: F) -> F:
    """``--allow-undeclared``: accept a fiscal year the city does not declare (an error otherwise)."""
    return click.option(
        "--allow-undeclared",
        is_flag=True,
        help="市町村が宣言していない年度も受け付ける / accept a fiscal year the city does not declare.",
    )(fn)


def echo_json(data: Any) -> None:
    """Print ``data`` as stable, readable JSON (keys sorted, Japanese kept as is)."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str))


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename it.

    A failure half-way leaves any earlier file at ``path`` untouched and no partial file behind.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        # mkstemp makes the file private (0600); give it the mode a plain open() would have.
        os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~current_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def current_umask() -> int:
    """The process's file-creation mask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def emit(data: bytes, output: Path | None) -> None:
    """Write ``data`` to ``output`` atomically, or to standard output when ``output`` is ``None``."""
    if output is None:
        stream = sys.stdout.buffer
        stream.write(data)
        stream.flush()
    else:
        write_atomically(output, data)
        click.echo(str(output), err=True)
