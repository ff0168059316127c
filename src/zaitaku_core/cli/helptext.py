"""Help in the user's language: the click command and group classes of every ``zaitaku`` command.

Help texts are written in English and marked for the message catalogue (``help=N_("…")`` on the
decorators, see :mod:`zaitaku_core.i18n`); :class:`TranslatedCommand` and :class:`TranslatedGroup`
translate them when the help is shown, in the language of this invocation: ``zaitaku --lang``, a
command's own ``--lang`` (read before ``--help`` acts, wherever it stands), ``$ZAITAKU_LANG``, the
locale (``LANG=ja_JP.UTF-8``), else Japanese. click's own words (``Usage:``, ``Options``, ``[default: …]``,
the help and version options) are in the catalogue too. Japanese lines are wrapped by their width on the
terminal (a kanji takes two columns), not by their number of characters.
"""

from __future__ import annotations

import inspect
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import click

from zaitaku_core.i18n import N_, resolve_lang, tr, translate

__all__ = [
    "FilledHelpOption",
    "TranslatedCommand",
    "TranslatedGroup",
    "TranslatedHelp",
    "WidthFormatter",
    "current_language",
    "help_language",
    "short_help",
]

#: The key in ``click.Context.meta`` that holds the language of this invocation (``zaitaku_core.cli.LANG_KEY``).
_LANG_KEY = "zaitaku.lang"

HELP_OPTION_HELP = N_("Show this message and exit.")
VERSION_OPTION_HELP = N_("Show the version and exit.")
_USAGE = N_("Usage:")
_OPTIONS = N_("Options")
_COMMANDS = N_("Commands")
_ARGUMENTS = N_("Positional arguments")
_DEFAULT = N_("default: {default}")
_REQUIRED = N_("required")
_ENV_VAR = N_("env var: {var}")


def help_language(ctx: click.Context) -> str:
    """The language help is shown in: this invocation's ``--lang`` if one was given, else as
    :func:`zaitaku_core.i18n.resolve_lang` decides."""
    chosen = ctx.meta.get(_LANG_KEY)
    return resolve_lang(chosen if isinstance(chosen, str) else None)


def current_language() -> str:
    """The language of the running invocation (:func:`help_language` of click's current context), for
    messages made below a command; outside a command, :func:`zaitaku_core.i18n.resolve_lang`'s."""
    ctx = click.get_current_context(silent=True)
    return help_language(ctx) if ctx is not None else resolve_lang()


def _lang_in(args: Sequence[str]) -> str | None:
    """The value of a ``--lang`` among ``args`` (before ``--``), if it is one of the languages."""
    for index, arg in enumerate(args):
        if arg == "--":
            break
        value = arg.partition("=")[2] if arg.startswith("--lang=") else None
        if arg == "--lang" and index + 1 < len(args):
            value = args[index + 1]
        if value in {"ja", "en"}:
            return value
    return None


def _width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def _wrap(paragraph: str, width: int) -> list[str]:
    """``paragraph`` in lines of at most ``width`` terminal columns: at spaces where there are spaces
    (English), anywhere between wide characters (Japanese), never inside an ASCII word."""
    lines: list[str] = []
    line = ""
    used = 0  # the width of line, kept as tokens are added (measuring the whole line each time was quadratic)
    for token in _tokens(paragraph):
        size = _width(token)
        if line and used + size > width:
            lines.append(line.rstrip())
            line = token.lstrip()
            used = _width(line)
        else:
            line += token
            used += size
    if line.strip():
        lines.append(line.rstrip())
    return lines


#: Marks that never start a line (kinsoku): they stay with the character before them.
_CLOSING = frozenset("、。，．）」』】〕・：；！？ー)]},.:;!?")
#: Marks that never end a line: they stay with the character after them.
_OPENING = frozenset("（「『【〔")


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def _tokens(paragraph: str) -> list[str]:
    """Units a line may break between: a wide character, or an ASCII word with the spaces before it; closing
    marks stay with what precedes them and opening marks with what follows."""
    tokens: list[str] = []
    for ch in paragraph:
        last = tokens[-1] if tokens else ""
        if last and (ch in _CLOSING or (last[-1] in _OPENING and ch != " ")):
            tokens[-1] += ch
        elif not last or _is_wide(ch) or (ch == " " and last.strip()) or (ch != " " and _is_wide(last[-1])):
            tokens.append(ch)
        else:
            tokens[-1] += ch
    return tokens


class WidthFormatter(click.HelpFormatter):
    """click's formatter, wrapping by terminal columns so that Japanese lines fit the terminal."""

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        width = max(self.width - self.current_indent, 11)
        for number, paragraph in enumerate(text.split("\n\n")):
            if number:
                self.write("\n")
            if paragraph.startswith("\b\n"):  # click's "do not rewrap" marker
                self.write("".join(f"{indent}{line}\n" for line in paragraph[2:].splitlines()))
                continue
            joined = " ".join(part.strip() for part in paragraph.splitlines())
            self.write("".join(f"{indent}{line}\n" for line in _wrap(joined, width)))

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first = min(max((_width(term) for term, _ in rows), default=0), col_max)
        for term, definition in rows:
            self.write(f"{'':>{self.current_indent}}{term}")
            if not definition:
                self.write("\n")
                continue
            if _width(term) <= first:
                self.write(" " * (first - _width(term) + col_spacing))
            else:
                self.write("\n" + " " * (first + col_spacing + self.current_indent))
            width = max(self.width - first - col_spacing - self.current_indent, 10)
            lines = _wrap(" ".join(definition.split()), width) or [""]
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first + col_spacing + self.current_indent}}{line}\n")


def short_help(command: click.Command, lang: str, limit: int = 60) -> str:
    """``command``'s one-line summary in ``lang``: its short help, else the first sentence of its help."""
    if command.short_help:
        return inspect.cleandoc(translate(command.short_help, lang))
    if not command.help:
        return ""
    paragraph = inspect.cleandoc(translate(command.help, lang)).split("\n\n")[0].replace("\n", " ")
    for end in ("。", ". "):
        if end in paragraph:
            paragraph = paragraph.split(end)[0] + end.strip()
            break
    return paragraph if _width(paragraph) <= 2 * limit else paragraph[: limit - 1] + "…"


class FilledHelpOption(click.Option):
    """An option whose translated help has ``{placeholders}`` filled in the help's language by ``help_fill``
    (for help listing data, such as the documented readings of the handoff rules)."""

    def __init__(self, *args: Any, help_fill: Callable[[str], Mapping[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help_fill = help_fill


class TranslatedHelp(click.Command):
    """Help translated when shown: what :class:`TranslatedCommand` and :class:`TranslatedGroup` share."""

    def make_formatter(self, ctx: click.Context) -> click.HelpFormatter:
        """A :class:`WidthFormatter`."""
        return WidthFormatter(width=ctx.terminal_width, max_width=ctx.max_content_width)

    def get_help(self, ctx: click.Context) -> str:
        """The whole help, in the help's language."""
        formatter = self.make_formatter(ctx)
        self.format_help(ctx, formatter)
        return formatter.getvalue().rstrip("\n")

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Note a ``--lang`` among ``args`` first, so that ``--help`` before it is in that language."""
        # --help acts as soon as it is read: a --lang given to the same command must be known before.
        lang = _lang_in(args)
        if lang is not None:
            ctx.meta[_LANG_KEY] = lang
        return super().parse_args(ctx, args)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        """click's ``--help``, with a help text of the catalogue."""
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION_HELP
        return option

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The usage line, headed 使い方: or Usage:."""
        prefix = translate(_USAGE, help_language(ctx)) + " "
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), prefix=prefix)

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command's help, translated."""
        if self.help:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(inspect.cleandoc(translate(self.help, help_language(ctx))).partition("\f")[0])

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command's epilog, translated."""
        if self.epilog:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(inspect.cleandoc(translate(self.epilog, help_language(ctx))))

    def _param_help(self, ctx: click.Context, param: click.Parameter, lang: str) -> str:
        original = param.help if isinstance(param, click.Option | click.Argument) else None
        help_text = translate(original, lang) if original else ""
        if isinstance(param, FilledHelpOption) and param.help_fill is not None:
            help_text = help_text.format(**param.help_fill(lang))
        extras: list[str] = []
        if isinstance(param, click.Option):
            extra: Any = param.get_help_extra(ctx)
            if "envvars" in extra:
                extras.append(tr(_ENV_VAR, lang, var=", ".join(extra["envvars"])))
            if "default" in extra:
                extras.append(tr(_DEFAULT, lang, default=extra["default"]))
            if "range" in extra:
                extras.append(extra["range"])
            if "required" in extra:
                extras.append(translate(_REQUIRED, lang))
        if extras:
            return f"{help_text}  [{'; '.join(extras)}]" if help_text else f"[{'; '.join(extras)}]"
        return help_text

    def format_arguments(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The arguments that have a help text, translated."""
        arguments = [param for param in self.get_params(ctx) if isinstance(param, click.Argument)]
        if any(argument.help for argument in arguments):
            lang = help_language(ctx)
            with formatter.section(translate(_ARGUMENTS, lang)):
                formatter.write_dl([(a.make_metavar(ctx), self._param_help(ctx, a, lang)) for a in arguments])

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The options with their help texts, translated (and, for a group, its commands)."""
        lang = help_language(ctx)
        rows = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None and not isinstance(param, click.Argument):
                rows.append((record[0], self._param_help(ctx, param, lang)))
        if rows:
            with formatter.section(translate(_OPTIONS, lang)):
                formatter.write_dl(rows)


class TranslatedCommand(TranslatedHelp):
    """A ``zaitaku`` command: help translated when shown (``@click.command(cls=TranslatedCommand, help=N_(…))``)."""


class TranslatedGroup(TranslatedHelp, click.Group):
    """A ``zaitaku`` command group: its own help and its commands' summaries translated when shown."""

    command_class = TranslatedCommand

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The options with their help texts, translated (and, for a group, its commands)."""
        TranslatedHelp.format_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)

    def summaries(self, ctx: click.Context) -> list[tuple[str, str]]:
        """``(name, one-line summary)`` of each visible command, in the help's language."""
        lang = help_language(ctx)
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, short_help(command, lang)))
        return rows

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands with their summaries, translated."""
        rows = self.summaries(ctx)
        if rows:
            with formatter.section(translate(_COMMANDS, help_language(ctx))):
                formatter.write_dl(rows)
