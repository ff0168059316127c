"""Options and helpers shared by the commands: the registry, the language, JSON output, and safe output
files (atomic, regular files only, no temporary file left behind even on SIGTERM)."""

from __future__ import annotations

import json
import os
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from zaitaku_core.errors import FileAccessError, InputError
from zaitaku_core.i18n import N_, ByLanguage, tr, translate
from zaitaku_core.plugins import Registry, create_registry

__all__ = [
    "Terminated",
    "allow_undeclared_option",
    "cleanup_on_sigterm",
    "current_umask",
    "echo_json",
    "emit",
    "fail_on_plugin_failures",
    "follow_symlinks_option",
    "get_registry",
    "json_format_option",
    "lang_option",
    "output_target",
    "write_atomically",
]

F = TypeVar("F", bound=Callable[..., Any])


def get_registry(ctx: click.Context) -> Registry:
    """The registry of this invocation: one passed in as ``obj`` (tests, embedding) or a lazy new one."""
    from zaitaku_core.cli.helptext import help_language

    root = ctx.find_root()
    if not isinstance(root.obj, Registry):
        # A plan workbook on the data path is read here: its problems are said in the run's language.
        data_path = root.meta.get("zaitaku.data_dirs", ())
        root.obj = create_registry(lazy=True, data_path=data_path, lang=help_language(ctx))
    return root.obj


def fail_on_plugin_failures(ctx: click.Context, registry: Registry) -> None:
    """For a command whose answer depends on every plugin (``validate``, ``cities``, ``plugins``): exit
    with status 1 when any plugin failed to load (``zaitaku`` then prints each failure as an error)."""
    from zaitaku_core.cli import NEEDS_EVERY_PLUGIN_KEY
    from zaitaku_core.cli.errors import EXIT_INVALID

    ctx.meta[NEEDS_EVERY_PLUGIN_KEY] = True
    if registry.errors:
        ctx.exit(EXIT_INVALID)


def _resolve_lang(ctx: click.Context, _param: click.Parameter, value: str | None) -> str:
    from zaitaku_core.cli import LANG_KEY
    from zaitaku_core.cli.helptext import help_language

    if value is not None:
        ctx.meta[LANG_KEY] = value  # errors of this command are printed in it too
    return help_language(ctx)


def lang_option(fn: F) -> F:
    """``--lang ja|en``: the language of the output and errors (default: the global ``zaitaku --lang``,
    else ``$ZAITAKU_LANG``, else Japanese)."""
    return click.option(
        "--lang",
        type=click.Choice(["ja", "en"]),
        default=None,
        callback=_resolve_lang,
        help=N_(
            "Language of help, output and errors (default: zaitaku --lang, $ZAITAKU_LANG, the locale's "
            "language, else ja, also under LANG=C or POSIX)."
        ),
    )(fn)


def _format_chosen(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value == "json":
        ctx.params["as_json"] = True
    return value


def _json_alias(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    return bool(value or ctx.params.get("as_json", False))


def json_format_option(fn: F) -> F:
    """``--format text|json`` (text by default): the one flag of every command that can print JSON, as
    ``report --format json`` writes a JSON report. ``--json`` is kept as a deprecated alias, said so in the
    help and the CLI reference, not on standard error: scripts that read ``2>&1`` as JSON keep working. The
    command receives ``as_json: bool``."""
    fn = click.option(
        "--json",
        "as_json",
        is_flag=True,
        callback=_json_alias,
        help=N_("Deprecated: the same as --format json."),
    )(fn)
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        expose_value=False,
        callback=_format_chosen,
        help=N_("Print text, or JSON for other programs."),
    )(fn)


def allow_undeclared_option(fn: F) -> F:
    """``--allow-undeclared``: accept a fiscal year the city does not declare (an error otherwise)."""
    return click.option(
        "--allow-undeclared",
        is_flag=True,
        help=N_("Accept a fiscal year the city does not declare (an error otherwise)."),
    )(fn)


def echo_json(data: Any) -> None:
    """Print ``data`` as stable, readable JSON (keys sorted, Japanese kept as is)."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str))


class Terminated(BaseException):
    """SIGTERM arrived while a temporary file existed (raised so that it is removed, then the signal is
    delivered again with its earlier handling)."""


@contextmanager
def cleanup_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into :class:`Terminated` for the duration, so that ``except``/``finally`` clauses remove
    temporary files; afterwards the signal is raised again with the handler that was there before (by
    default: the process ends as terminated). Outside the main thread signals cannot be caught: no-op."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, _frame: object) -> None:
        raise Terminated(signum)

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    except Terminated:
        signal.signal(signal.SIGTERM, previous)
        signal.raise_signal(signal.SIGTERM)
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)


_KINDS = (
    (stat.S_ISFIFO, N_("a FIFO (named pipe)")),
    (stat.S_ISCHR, N_("a character device")),
    (stat.S_ISBLK, N_("a block device")),
    (stat.S_ISSOCK, N_("a socket")),
    (stat.S_ISDIR, N_("a folder")),
)


def output_target(path: Path, *, follow_symlinks: bool = False) -> Path:
    """The regular file that writing ``path`` will replace: ``path`` itself, or (``follow_symlinks``) the
    file a symbolic link at ``path`` points at.

    Raises:
        FileAccessError: ``path`` is a FIFO, a device, a socket or a folder, or a symbolic link while
            ``follow_symlinks`` is false (replacing it would silently turn it into a regular file).
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise FileAccessError(
            N_("cannot examine the output: {reason}"), values={"reason": exc.strerror}, location={"file": str(path)}
        ) from None
    if stat.S_ISLNK(info.st_mode):
        if not follow_symlinks:
            raise FileAccessError(
                N_("the output is a symbolic link; give --follow-symlinks to write to the file it points at"),
                values={},
                location={"file": str(path)},
            )
        try:
            resolved = path.resolve(strict=False)
        except (OSError, RuntimeError) as exc:  # a loop of links
            raise FileAccessError(
                N_("cannot follow the symbolic link: {reason}"), values={"reason": exc}, location={"file": str(path)}
            ) from None
        return output_target(resolved)
    for test, kind in _KINDS:
        if test(info.st_mode):
            raise FileAccessError(
                N_("the output is {kind}, not a regular file; nothing was written"),
                values={"kind": ByLanguage(translate(kind, "ja"), kind)},
                location={"file": str(path)},
            )
    return path


def write_atomically(path: Path, data: bytes, *, follow_symlinks: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename it.

    A failure half-way (an OSError such as a full disk or a read-only folder, or SIGTERM) leaves any
    earlier file at ``path`` untouched and no partial or temporary file behind. Only regular files are
    replaced (see :func:`output_target`).

    Raises:
        FileAccessError: ``path`` is not a regular file, or the file system refused (the message names
            the file and the reason, e.g. "No space left on device").
    """
    path = output_target(path, follow_symlinks=follow_symlinks)
    where = {"file": str(path)}
    temporary: str | None = None
    try:
        with cleanup_on_sigterm():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
                with os.fdopen(handle, "wb") as stream:
                    stream.write(data)
                # mkstemp makes the file private (0600); give it the mode a plain open() would have.
                os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~current_umask())
                os.replace(temporary, path)
            except BaseException:
                if temporary is not None:
                    Path(temporary).unlink(missing_ok=True)
                raise
    except OSError as exc:
        raise FileAccessError(
            N_("cannot write the output: {reason}"), values={"reason": exc.strerror or exc}, location=where
        ) from exc


def current_umask() -> int:
    """The process's file-creation mask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def emit(data: bytes, output: Path | None, *, follow_symlinks: bool = False) -> None:
    """Write ``data`` to ``output`` atomically (see :func:`write_atomically`), or to standard output when
    ``output`` is ``None``."""
    if output is None:
        stream = sys.stdout.buffer
        stream.write(data)
        stream.flush()
    else:
        write_atomically(output, data, follow_symlinks=follow_symlinks)
        click.echo(str(output), err=True)


def template_force_option(fn: F) -> F:
    """``--force``: let a template command replace an existing file (see :func:`refuse_a_filled_file`)."""
    return click.option(
        "--force", is_flag=True, help=N_("Replace an existing file (else refused: it may hold what was filled in).")
    )(fn)


def refuse_a_filled_file(output: Path, force: bool) -> None:
    """Refuse to write a blank template over an existing file unless ``force``: the file at ``-o`` is most
    often the one being filled in, and a slip would replace hours of typing with empty sheets.

    Raises:
        InputError: ``output`` exists and ``force`` is false.
    """
    if not force and (output.exists() or output.is_symlink()):
        raise InputError(
            N_("{output} exists and may hold what was filled in; it is not replaced (pass --force to replace it)"),
            values={"output": str(output)},
            location={"file": str(output)},
        )


def same_file(one: Path, other: Path) -> bool:
    """Whether ``one`` and ``other`` name the same file or folder (through symbolic and hard links too)."""
    if one.exists() and other.exists():
        return os.path.samefile(one, other)
    return one.resolve() == other.resolve()


def never_over_an_input(inputs: Mapping[str, Path | None], outputs: Mapping[str, Path | None], lang: str) -> None:
    """Refuse an output that is one of the inputs (``-o events.csv`` for EVENTS events.csv, ``-o act.sqlite``
    for ``--log act.sqlite``): written atomically, it would still replace the file being read.

    ``inputs`` and ``outputs`` map an option's name (as the error names it) to its path, ``None`` if not given.

    Raises:
        click.BadParameter: an output is one of the inputs (a usage error, exit 2, before anything is written).
    """
    for option, path in outputs.items():
        for name, read in inputs.items():
            if path is not None and read is not None and same_file(read, path):
                message = N_("this is the input {name}: writing here would replace it; give another file")
                raise click.BadParameter(tr(message, lang, name=name), param_hint=option)


def follow_symlinks_option(fn: F) -> F:
    """``--follow-symlinks``: let ``-o`` name a symbolic link, and write the file it points at."""
    return click.option(
        "--follow-symlinks",
        is_flag=True,
        help=N_("If -o is a symbolic link, write the file it points at (else refused)."),
    )(fn)
