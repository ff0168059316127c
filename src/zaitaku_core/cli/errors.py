"""The command line's one error path: its exit codes, its language, and the one line every error prints.

Every command raises; none prints its own errors. :func:`zaitaku_core.cli.main` hands whatever escaped
to :func:`report`, which prints it and returns the exit status:

==========================  ====  ============================================================================
constant                    code  when
==========================  ====  ============================================================================
:data:`EXIT_OK`             0     success
:data:`EXIT_INVALID`        1     invalid data or input, failed validation, a plugin that failed, a file that
                                  could not be read or written (any :class:`~zaitaku_core.errors.ZaitakuError`)
:data:`EXIT_USAGE`          2     the command line itself is wrong (an unknown option, a bad option value)
:data:`EXIT_INTERNAL`       3     a bug of zaitaku-core: any other exception, printed with a "please report" line
:data:`EXIT_INTERRUPTED`    130   interrupted (Ctrl-C), as shells report SIGINT
:data:`EXIT_BROKEN_PIPE`    141   the reader of the output went away (``zaitaku … | head``): nothing printed
==========================  ====  ============================================================================

The line is in the language of :func:`zaitaku_core.i18n.resolve_lang`: ``zaitaku --lang en …``, a command's
``--lang en``, ``ZAITAKU_LANG=en``, else the locale (``LANG=en_US.UTF-8``), else Japanese:
``エラー [unknown-city] 市町村が見つかりません: … 詳細: <address>#unknown-city（ローカルのドキュメント）``.
It names the error's stable code and the full address of its section in the error reference, saying whether
that is a local documentation build or the published site. Control characters in a message are escaped, so
the error is always one line and cannot rewrite the terminal.
``--debug`` (or ``ZAITAKU_DEBUG=1``) prints the traceback before the line.
"""

from __future__ import annotations

import os
import re
import sys
import traceback
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

import click

from zaitaku_core.i18n import LANG_VARIABLE, N_, NP_, ByLanguage, ja_en, resolve_lang, tr, translate

if TYPE_CHECKING:
    from zaitaku_core.errors import ZaitakuError

__all__ = [
    "CLICK_VALUE_MESSAGES",
    "DEBUG_VARIABLE",
    "EXIT_BROKEN_PIPE",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_INVALID",
    "EXIT_OK",
    "EXIT_USAGE",
    "LANG_VARIABLE",
    "NO_SUCH_COMMAND",
    "click_value_message",
    "debug_from_environment",
    "did_you_mean",
    "echo_error",
    "echo_plugin_failures",
    "error_line",
    "exit_code_for",
    "one_line",
    "report",
    "resolve_lang",
    "usage_message",
]

#: Success.
EXIT_OK: Final = 0
#: Invalid data or input, failed validation, a failed plugin, a file that could not be read or written.
EXIT_INVALID: Final = 1
#: The command line itself is wrong.
EXIT_USAGE: Final = 2
#: A bug of zaitaku-core (printed with a "please report" line).
EXIT_INTERNAL: Final = 3
#: Interrupted by the user (Ctrl-C), as shells report SIGINT.
EXIT_INTERRUPTED: Final = 130
#: The reader of standard output went away (``zaitaku … | head``), as shells report SIGPIPE; nothing is printed.
EXIT_BROKEN_PIPE: Final = 141

#: The environment variable that turns ``--debug`` on.
DEBUG_VARIABLE: Final = "ZAITAKU_DEBUG"

#: The words of the error lines (English; translated through the message catalogue, zaitaku_core.i18n).
_WORDS: Final = {
    "error": NP_("error line", "error"),
    "internal": NP_("error line", "internal error"),
    "usage": NP_("error line", "usage"),
    "help": NP_("error line", "help"),
    "report": NP_(
        "error line", "this is a bug in zaitaku-core: please run again with --debug and report it with that output"
    ),
    "invalid": NP_("error line", "invalid input"),
    "interrupted": NP_("error line", "interrupted"),
    "warning": NP_("error line", "warning"),
    "skipped": NP_("error line", "its cities, checks and report sections are left out"),
}


def _words(lang: str | None) -> dict[str, str]:
    """:data:`_WORDS` in ``lang`` (resolved as :func:`resolve_lang` does)."""
    chosen = resolve_lang(lang)
    return {key: translate(word, chosen) for key, word in _WORDS.items()}


def debug_from_environment() -> bool:
    """Whether ``$ZAITAKU_DEBUG`` asks for tracebacks."""
    return os.environ.get(DEBUG_VARIABLE, "").strip().lower() not in {"", "0", "false", "no"}


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped (``\\n``, ``\\x1b``): one line that
    cannot move the cursor or recolour the terminal."""
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in text)


def exit_code_for(exc: BaseException) -> int:
    """The exit status for ``exc`` (see the table in this module's docstring)."""
    from zaitaku_core.errors import ZaitakuError

    if isinstance(exc, click.exceptions.Exit):
        return exc.exit_code
    if isinstance(exc, click.UsageError):
        return EXIT_USAGE
    if isinstance(exc, click.ClickException):
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt | click.exceptions.Abort):
        return EXIT_INTERRUPTED
    if isinstance(exc, ZaitakuError | OSError) or _is_validation_error(exc):
        return EXIT_INVALID
    return EXIT_INTERNAL


def _is_validation_error(exc: BaseException) -> bool:
    # pydantic is imported only if some command already did (``zaitaku --help`` must not import it).
    pydantic = sys.modules.get("pydantic")
    return pydantic is not None and isinstance(exc, pydantic.ValidationError)


def _as_library_error(exc: BaseException) -> BaseException:
    """A stray OSError or pydantic ValidationError as the library error it stands for."""
    from zaitaku_core.errors import WRITTEN, InputError, ZaitakuError, field_errors_text

    if isinstance(exc, OSError):
        return _file_access_error(exc)
    if _is_validation_error(exc):
        # Only the messages and field paths: pydantic's ``input`` may be personal data and is never echoed.
        errors = exc.errors()  # type: ignore[attr-defined]
        causes = [error.get("ctx", {}).get("error") for error in errors]
        fields = [".".join(str(part) for part in error["loc"]) for error in errors]
        if len(errors) == 1 and isinstance(causes[0], ZaitakuError):
            # A library error raised inside a model validator: keep its own code, add the field.
            cause = causes[0]
            cause.location = {**cause.location, "field": fields[0]} if fields[0] else cause.location
            return cause
        # Several: each field's message in the run's language (the error line picks it), through the catalogue.
        return InputError(WRITTEN, values={"text": field_errors_text(errors)})
    return exc


def _file_access_error(exc: OSError) -> BaseException:
    """A stray OSError as a FileAccessError: the system's reason (``strerror``) and the file; without a reason
    (an OSError a library raised itself), the operation it names and what the exception says, else that the
    system gave none: never the bare class name."""
    from zaitaku_core.errors import FileAccessError, exception_text

    where = {"file": os.fsdecode(exc.filename)} if exc.filename is not None else None
    if exc.strerror:
        return FileAccessError(exc.strerror, location=where)
    said: object = ByLanguage(*ja_en(_NO_REASON))
    if len(exc.args) == 1 and str(exc.args[0]).strip():  # OSError("message"): a library's own words
        said = exception_text(exc)
    values = {"kind": type(exc).__name__, "reason": said}
    if exc.filename2 is not None:
        return FileAccessError(_MOVE_FAILED, values={**values, "target": os.fsdecode(exc.filename2)}, location=where)
    return FileAccessError(_ACCESS_FAILED, values=values, location=where)


_NO_REASON = N_("the system gave no reason")
_ACCESS_FAILED = N_("reading or writing a file failed ({kind}): {reason}")
_MOVE_FAILED = N_("moving or copying the file to {target} failed ({kind}): {reason}")


def error_line(exc: BaseException, lang: str | None = None, *, warning: bool = False) -> str:
    """The one line printed for ``exc`` (without the "please report" line of an internal error); headed
    "警告" / "warning" instead of "エラー" / "error" when ``warning``."""
    from zaitaku_core.errors import ZaitakuError

    words = _words(lang)
    exc = _as_library_error(exc)
    if isinstance(exc, ZaitakuError):
        chosen = resolve_lang(lang)
        head = words["warning" if warning else "error"]
        return one_line(f"{head} [{exc.code}] {exc.describe(chosen)} — {exc.reference(chosen)}")
    if isinstance(exc, click.UsageError):
        hint = ""
        if exc.ctx is not None:
            help_option = (exc.ctx.help_option_names or ["--help"])[0]
            hint = f" ({words['help']}: {exc.ctx.command_path} {help_option})"
        return one_line(f"{words['error']} [usage] {words['usage']}: {usage_message(exc, lang)}{hint}")
    if isinstance(exc, click.ClickException):
        return one_line(f"{words['error']}: {exc.format_message()}")
    if isinstance(exc, KeyboardInterrupt | click.exceptions.Abort):
        return words["interrupted"]
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return one_line(f"{words['internal']} [internal]: {detail}")


#: The message for a command that does not exist (``zaitaku reprot``), with :func:`did_you_mean` after it.
NO_SUCH_COMMAND: Final = N_("no such command {name!r}.")


def did_you_mean(names: Iterable[str], lang: str | None = None) -> str:
    """ " Did you mean: report?" / "もしかして: report" for the close ``names``, or nothing when there are none."""
    chosen = resolve_lang(lang)
    found = list(names)
    if not found:
        return ""
    text = tr(N_("Did you mean: {options}?"), chosen, options=("、" if chosen == "ja" else ", ").join(found))
    return text if chosen == "ja" else f" {text}"


def _hint(exc: click.BadParameter) -> str:
    """The option or argument a bad value was given to, as click names it (``'--fy'``, ``'CITY'``)."""
    hint = exc.param_hint
    if hint is None and exc.param is not None:
        hint = exc.param.get_error_hint(exc.ctx)
    if hint is None or isinstance(hint, str):
        return hint or ""
    return " / ".join(repr(part) for part in hint)


_NAMED = r"(?:File|Filename|Path|Directory) (?P<name>.+)"

#: click's own words for a value its parameter types refuse (click 8.x: a choice, a number, a range, a yes/no,
#: a date format, a path), each with the catalogue text that says it in the user's language. A test pins
#: every pattern against the installed click, so a rewording there fails the test rather than going English.
CLICK_VALUE_MESSAGES: Final[tuple[tuple[re.Pattern[str], str], ...]] = tuple(
    (re.compile(pattern, re.DOTALL), template)
    for pattern, template in (
        (r"(?P<value>.+) is not one of (?P<choices>.+)\.", N_("{value} is not one of {choices}.")),
        (r"(?P<value>.+) is not (?P<choices>'[^']*')\.", N_("{value} is not one of {choices}.")),
        (r"(?P<value>.+) is not a valid (?:integer|integer range)\.", N_("{value} is not a whole number.")),
        (r"(?P<value>.+) is not a valid (?:float|float range)\.", N_("{value} is not a number.")),
        (r"(?P<value>.+) is not in the range (?P<range>.+)\.", N_("{value} is not in the range {range}.")),
        (
            r"(?P<value>.+) is not a valid boolean\. Recognized values: (?P<states>.+)",
            N_("{value} is not a yes or no; give one of {states}."),
        ),
        (r"(?P<value>.+) does not match the formats? (?P<formats>.+)\.", N_("{value} is not of the form {formats}.")),
        (_NAMED + r" does not exist\.", N_("{name} does not exist.")),
        (_NAMED + r" is a file\.", N_("{name} is a file, not a folder.")),
        (_NAMED + r" is a directory\.", N_("{name} is a folder, not a file.")),
        (_NAMED + r" is not readable\.", N_("{name} cannot be read.")),
        (_NAMED + r" is not writable\.", N_("{name} cannot be written.")),
    )
)


def click_value_message(message: str, lang: str) -> str:
    """click's message for a refused value (``'docx' is not one of 'md', 'html'.``) in ``lang``; any other
    message as it is (the commands' own messages are already in the user's language)."""
    for pattern, template in CLICK_VALUE_MESSAGES:
        found = pattern.fullmatch(message)
        if found:
            return tr(template, lang, **found.groupdict())
    return message


def usage_message(exc: click.UsageError, lang: str | None = None) -> str:
    """What is wrong with the command line: click's English message with ``--lang en``; in Japanese the
    mistakes everyone makes (an unknown option or command, with click's suggestions; a missing option or
    argument; a bad value, in the commands' own words or click's through :data:`CLICK_VALUE_MESSAGES`)."""
    chosen = resolve_lang(lang)
    if chosen == "en":
        return exc.format_message()
    if isinstance(exc, click.NoSuchOption | click.exceptions.NoSuchCommand):
        name = exc.option_name if isinstance(exc, click.NoSuchOption) else exc.command_name
        unknown = N_("no such option {name!r}.") if isinstance(exc, click.NoSuchOption) else NO_SUCH_COMMAND
        return tr(unknown, chosen, name=name) + did_you_mean(exc.possibilities or (), chosen)
    if isinstance(exc, click.MissingParameter):
        hint = _hint(exc)
        return tr(N_("missing {hint}: give it."), chosen, hint=hint) if hint else exc.format_message()
    if isinstance(exc, click.BadParameter):
        hint = _hint(exc)
        message = click_value_message(exc.message, chosen)
        if hint:
            return tr(N_("invalid value for {hint}: {message}"), chosen, hint=hint, message=message)
        return tr(N_("invalid value: {message}"), chosen, message=message)
    return exc.format_message()


def echo_error(exc: BaseException, lang: str | None = None) -> None:
    """Print ``exc``'s one line to standard error (and, for an internal error, the "please report" line).

    A plan workbook's problems (a :class:`~zaitaku_core.errors.WorkbookError`, from ``zaitaku import`` or a
    workbook given as ``--data-dir``) come first, one a line as ``シート!セル 見出し: 内容``."""
    from zaitaku_core.errors import WorkbookError

    if isinstance(exc, WorkbookError):
        for problem in exc.problems:
            click.echo(one_line(str(problem)), err=True)
    click.echo(error_line(exc, lang), err=True)
    if exit_code_for(exc) == EXIT_INTERNAL:
        from zaitaku_core import __version__

        click.echo(f"{_words(lang)['report']} (zaitaku-core {__version__})", err=True)


def echo_plugin_failures(
    failures: Iterable[ZaitakuError], *, lang: str | None = None, needed: bool, raised: BaseException | None = None
) -> None:
    """Print one line per plugin that failed to load: an error when the command ``needed`` every plugin
    (it then exits 1), else a warning saying what is left out. The failure already ``raised`` (a city's
    own plugin: "plugin X failed: …") is not printed twice."""
    from zaitaku_core.errors import ZaitakuError

    raised_plugin = raised.location.get("plugin") if isinstance(raised, ZaitakuError) else None
    words = _words(lang)
    for failure in failures:
        if failure.location.get("plugin") == raised_plugin:
            continue
        line = error_line(failure, lang, warning=not needed)
        click.echo(line if needed else f"{line} ({words['skipped']})", err=True)


def report(exc: BaseException, *, lang: str | None = None, debug: bool = False) -> int:
    """Print ``exc`` the one way (its traceback first when ``debug``) and return its exit status."""
    code = exit_code_for(exc)
    if isinstance(exc, click.exceptions.Exit):
        return code
    if debug or debug_from_environment():
        traceback.print_exception(exc, file=sys.stderr)
    echo_error(exc, lang)
    return code
