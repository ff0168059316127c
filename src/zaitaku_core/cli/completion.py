"""The ``completion`` command: the shell script that makes <Tab> complete ``zaitaku``'s words.

Completion covers commands, options, option values with fixed choices, the ids of the installed cities
(argument ``CITY``/``CITIES``) and the fiscal years the city named earlier on the line declares (``--fy``).
It speaks click's completion protocol through :data:`zaitaku_core.cli.COMPLETE_VARIABLE`.
"""

from __future__ import annotations

import click

from zaitaku_core.cli.helptext import TranslatedCommand
from zaitaku_core.i18n import N_

__all__ = ["SHELLS", "completion"]

#: The shells a script is written for, with the line that installs it (written to standard error).
SHELLS: dict[str, str] = {
    "bash": 'eval "$(zaitaku completion bash)"   # add to ~/.bashrc',
    "zsh": 'eval "$(zaitaku completion zsh)"    # add to ~/.zshrc',
    "fish": "zaitaku completion fish > ~/.config/fish/completions/zaitaku.fish",
}


@click.command(
    cls=TranslatedCommand,
    help=N_(
        """Print the completion script for SHELL (bash, zsh or fish).

        Install it once: bash ``eval "$(zaitaku completion bash)"`` in ~/.bashrc; zsh the same in ~/.zshrc;
        fish ``zaitaku completion fish > ~/.config/fish/completions/zaitaku.fish``. Then <Tab> completes
        commands, options, city ids and the fiscal years of the city named before ``--fy``."""
    ),
)
@click.argument("shell", type=click.Choice(sorted(SHELLS)))
def completion(shell: str) -> None:
    from click.shell_completion import get_completion_class

    from zaitaku_core.cli import COMPLETE_VARIABLE, cli

    completer = get_completion_class(shell)
    if completer is None:  # pragma: no cover - click ships all three
        raise click.UsageError(f"click has no completion for {shell}")
    click.echo(completer(cli, {}, "zaitaku", COMPLETE_VARIABLE).source())
