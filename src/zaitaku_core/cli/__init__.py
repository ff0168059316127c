"""The ``zaitaku`` command line.

Each command lives in a submodule of this package and is imported only when it runs, so that
``zaitaku --help`` starts fast. To add a command, write its module and add one line to
:data:`COMMANDS`: ``name -> (module, function name, one-line help)``.
"""

from __future__ import annotations

import importlib
import sys

import click

from zaitaku_core import __version__

__all__ = ["COMMANDS", "main"]

#: Every command, as name -> (module, click command attribute, short help shown by ``zaitaku --help``).
COMMANDS: dict[str, tuple[str, str, str]] = {
    "cities": ("zaitaku_core.cli.catalog", "cities", "List the cities served by the installed plugins."),
    "compare": ("zaitaku_core.cli.report", "compare", "Compare cities side by side on the national framework."),
    "handoff": (
        "zaitaku_core.cli.handoff",
        "handoff",
        "Who contacts whom by when for an event, and what can be billed.",
    ),
    "handoff-batch": (
        "zaitaku_core.cli.handoff",
        "handoff_batch",
        "Evaluate a CSV of events (and contacts) into a CSV of verdicts.",
    ),
    "new-city": (
        "zaitaku_core.cli.scaffold",
        "new_city",
        "Scaffold a new city plugin package (data files, entry point, tests, README).",
    ),
    "plan": ("zaitaku_core.cli.catalog", "plan", "Show a city's plan for a fiscal year, by phase and item."),
    "plugins": ("zaitaku_core.cli.catalog", "plugins", "List installed plugins, their cities and hooks."),
    "report": (
        "zaitaku_core.cli.report",
        "report",
        "Write a city's report for a fiscal year (md, html, json, csv, xlsx).",
    ),
    "schema": ("zaitaku_core.cli.catalog", "schema", "Export the JSON Schema of the public models."),
    "validate": ("zaitaku_core.cli.report", "validate", "Validate cities' plans against the check catalogue."),
}


class LazyGroup(click.Group):
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

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="zaitaku")
def cli() -> None:
    """zaitaku: 在宅医療・介護連携推進事業の計画・実施・評価を支援するツール.

    Plan, run and evaluate the home-medical-care and long-term-care collaboration program of a
    Japanese municipality, with one plugin per city.
    """


def main(argv: list[str] | None = None) -> int:
    """Run the command line; errors of the library are printed as one clear line, exit status 1."""
    from zaitaku_core.errors import ZaitakuError

    try:
        status = cli.main(args=argv, prog_name="zaitaku", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except ZaitakuError as exc:
        click.echo(f"エラー / error [{exc.code}]: {exc}", err=True)
        return 1
    return status if isinstance(status, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
