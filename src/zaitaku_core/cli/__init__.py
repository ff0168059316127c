"""The ``zaitaku`` command line.

Each command lives in a submodule of this package and is imported only when it runs, so that
``zaitaku --help`` starts fast. To add a command, write its module and add one line to
:data:`COMMANDS`: ``name -> (module, function name, one-line help)``.
"""

from __future__ import annotations

import difflib
import importlib
import os
import sys
from pathlib import Path

import click

from zaitaku_core import __version__
from zaitaku_core.cli.helptext import VERSION_OPTION_HELP, TranslatedGroup, help_language
from zaitaku_core.i18n import N_, translate

__all__ = [
    "COMMANDS",
    "COMPLETE_VARIABLE",
    "DEBUG_KEY",
    "LANG_KEY",
    "NEEDS_EVERY_PLUGIN_KEY",
    "cli",
    "command_paths",
    "main",
]

#: Every command, as name -> (module, click command attribute, short help shown by ``zaitaku --help``, in English
#: and marked for the message catalogue: it is shown in the user's language).
COMMANDS: dict[str, tuple[str, str, str]] = {
    "cities": ("zaitaku_core.cli.catalog", "cities", N_("List the cities served by the installed plugins.")),
    "compare": ("zaitaku_core.cli.report", "compare", N_("Compare cities side by side on the national framework.")),
    "completion": (
        "zaitaku_core.cli.completion",
        "completion",
        N_("Print the shell completion script for bash, zsh or fish."),
    ),
    "import": (
        "zaitaku_core.cli.xlsx",
        "import_workbook",
        N_("Read a plan workbook (.xlsx) into a city folder, with every problem by sheet and cell."),
    ),
    "handoff": (
        "zaitaku_core.cli.handoff",
        "handoff",
        N_("Who contacts whom by when for an event, and what can be billed."),
    ),
    "handoff-batch": (
        "zaitaku_core.cli.handoff",
        "handoff_batch",
        N_("Evaluate a CSV of events (and contacts) into a CSV of verdicts."),
    ),
    "log": (
        "zaitaku_core.cli.log",
        "log",
        N_("Keep the activity log (add, import, list, summary) from which actuals are counted."),
    ),
    "new-city": (
        "zaitaku_core.cli.scaffold",
        "new_city",
        N_("Scaffold a new city plugin package (data files, entry point, tests, README)."),
    ),
    "plan": ("zaitaku_core.cli.catalog", "plan", N_("Show a city's plan for a fiscal year, by phase and item.")),
    "plugins": ("zaitaku_core.cli.catalog", "plugins", N_("List installed plugins, their cities and hooks.")),
    "report": (
        "zaitaku_core.cli.report",
        "report",
        N_("Write a city's report for a fiscal year (md, html, pdf, json, csv, xlsx)."),
    ),
    "schema": ("zaitaku_core.cli.catalog", "schema", N_("Export the JSON Schema of the public models.")),
    "template": (
        "zaitaku_core.cli.xlsx",
        "template",
        N_("Write the plan workbook (.xlsx) for city staff: blank, or filled from a city."),
    ),
    "validate": ("zaitaku_core.cli.report", "validate", N_("Validate cities' plans against the check catalogue.")),
}


class LazyGroup(TranslatedGroup):
    """A click group that imports a command's module only when that command is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, attribute, _ = entry
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{module_name}.{attribute} is not a click command")
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Find the command named first in ``args``; for a misspelt one, suggest the closest names."""
        name = args[0] if args else ""
        if name and not name.startswith("-") and name not in COMMANDS:
            from zaitaku_core.cli.errors import NO_SUCH_COMMAND, did_you_mean, resolve_lang
            from zaitaku_core.i18n import tr

            close = difflib.get_close_matches(name, list(COMMANDS), n=3, cutoff=0.6)
            # The group's callback has not run yet: say the language here for the error line.
            lang = ctx.meta[LANG_KEY] = resolve_lang(ctx.params.get("lang") or ctx.meta.get(LANG_KEY))
            ctx.fail(tr(NO_SUCH_COMMAND, lang, name=name) + did_you_mean(close, lang))
        return super().resolve_command(ctx, args)

    def summaries(self, ctx: click.Context) -> list[tuple[str, str]]:
        """Each command's summary from :data:`COMMANDS`, in the help's language (no command module imported)."""
        lang = help_language(ctx)
        return [(name, translate(COMMANDS[name][2], lang)) for name in self.list_commands(ctx)]


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=N_(
        """zaitaku: plan, run and evaluate a municipality's home-medical-care and long-term-care collaboration
        program (在宅医療・介護連携推進事業), with one plugin per city.

        Help and messages are in Japanese or English: --lang, else $ZAITAKU_LANG, else the locale
        (LANG=ja_JP.UTF-8 is Japanese, en_US.UTF-8 English), else Japanese: a locale that names no language
        (C, POSIX, or none) gives Japanese. For English, give --lang en, or set ZAITAKU_LANG=en once.

        Exit status: 0 success, 1 invalid data, failed validation or a failed plugin, 2 wrong command line,
        3 internal error (please report it), 130 interrupted."""
    ),
)
@click.version_option(__version__, prog_name="zaitaku", help=VERSION_OPTION_HELP)
@click.option(
    "--lang",
    type=click.Choice(["ja", "en"]),
    default=None,
    help=N_(
        "Language of help, output and errors (default: $ZAITAKU_LANG, else the locale's language, else ja, "
        "also under LANG=C or POSIX; ZAITAKU_LANG=en gives English everywhere)."
    ),
)
@click.option("--debug", is_flag=True, help=N_("Show the traceback of an error."))
@click.option(
    "--data-dir",
    "data_dirs",
    multiple=True,
    type=click.Path(path_type=Path),
    help=N_(
        "A city folder or plan workbook (.xlsx), or a folder of them, to use as well as the installed cities "
        "(repeatable; also ZAITAKU_DATA_PATH)."
    ),
)
@click.pass_context
def cli(ctx: click.Context, lang: str | None, debug: bool, data_dirs: tuple[Path, ...]) -> None:
    """The ``zaitaku`` group: sets the language, --debug and the city folders for every command."""
    from zaitaku_core.cli.errors import resolve_lang

    ctx.meta[LANG_KEY] = resolve_lang(lang)
    ctx.meta[DEBUG_KEY] = debug
    ctx.meta[DATA_DIRS_KEY] = data_dirs


#: Keys in ``click.Context.meta`` (shared by every context of one invocation): the language and --debug.
LANG_KEY = "zaitaku.lang"
DEBUG_KEY = "zaitaku.debug"
#: The environment variable through which a shell asks ``zaitaku`` for completions (click's protocol).
COMPLETE_VARIABLE = "_ZAITAKU_COMPLETE"
#: Set by a command whose answer depends on every plugin (``zaitaku_core.cli.common.fail_on_plugin_failures``).
NEEDS_EVERY_PLUGIN_KEY = "zaitaku.needs_every_plugin"
#: The city folders and workbooks of --data-dir (read by :func:`zaitaku_core.cli.common.get_registry`).
DATA_DIRS_KEY = "zaitaku.data_dirs"


def command_paths() -> list[tuple[str, ...]]:
    """Every command of ``zaitaku`` as the words that call it (``()`` for ``zaitaku`` itself, ``("log",
    "import")``), each group before its commands: what the help tests and the Japanese CLI reference walk.
    Imports every command's module."""
    ctx = click.Context(cli)
    found: list[tuple[str, ...]] = [()]

    def walk(group: click.Group, prefix: tuple[str, ...]) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            found.append((*prefix, name))
            if isinstance(command, click.Group):
                walk(command, (*prefix, name))

    walk(cli, ())
    return found


def main(argv: list[str] | None = None, *, obj: object = None) -> int:
    """Run the command line and return its exit status; whatever goes wrong is printed the one way of
    :mod:`zaitaku_core.cli.errors` (one line; 1 invalid data, 2 usage, 3 internal error)."""
    from zaitaku_core.cli.errors import echo_plugin_failures, report

    instruction = os.environ.get(COMPLETE_VARIABLE)
    if instruction:  # the shell asks for completions (see ``zaitaku completion``)
        from click.shell_completion import shell_complete

        return shell_complete(cli, {"obj": obj}, "zaitaku", COMPLETE_VARIABLE, instruction)
    args = sys.argv[1:] if argv is None else list(argv)
    meta: dict[str, object] = {}
    ctx: click.Context | None = None
    raised: BaseException | None = None
    try:
        with cli.make_context("zaitaku", args, obj=obj) as ctx:
            meta = ctx.meta
            result = cli.invoke(ctx)
            status = result if isinstance(result, int) else 0
    except BrokenPipeError:
        # The reader went away (``zaitaku … | head``): stop quietly, as other command-line tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        from zaitaku_core.cli.errors import EXIT_BROKEN_PIPE

        return EXIT_BROKEN_PIPE
    except (Exception, KeyboardInterrupt, click.exceptions.Exit, click.exceptions.Abort) as exc:
        raised = exc
    chosen = meta.get(LANG_KEY)
    lang = chosen if isinstance(chosen, str) else None
    failures = getattr(ctx.obj, "errors", ()) if ctx is not None else ()
    if failures:  # a plugin that failed to load is named by every command that built the registry
        echo_plugin_failures(failures, lang=lang, needed=bool(meta.get(NEEDS_EVERY_PLUGIN_KEY)), raised=raised)
    if raised is not None:
        return report(raised, lang=lang, debug=bool(meta.get(DEBUG_KEY)))
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
