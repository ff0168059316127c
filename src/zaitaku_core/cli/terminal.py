"""Text made safe for a terminal: no control characters (escape sequences) and no bidirectional overrides.

A city's data is shown on a staff member's terminal by ``validate``, ``cities``, ``plan``, ``handoff``
and by reports written to standard output. An ESC in a program title could move the cursor or recolour
the screen; a right-to-left override (U+202E) could make a line read differently from what it holds.
Newlines and tabs stay.
"""

from __future__ import annotations

import re

import click

__all__ = ["echo_safe", "terminal_safe"]

# C0 controls but tab and newline, DEL, C1 controls; the bidirectional embeddings, overrides and isolates
# (U+202A..U+202E, U+2066..U+2069) and the marks that steer them (U+200E, U+200F, U+061C).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def terminal_safe(text: str) -> str:
    """``text`` without the characters that would steer a terminal.

    >>> terminal_safe("徳島市\\x1b[2J\\u202e計画\\r\\n")
    '徳島市[2J計画\\n'
    """
    return _UNSAFE.sub("", text)


def echo_safe(text: str) -> None:
    """Print a line holding a city's data (names, titles) on standard output, made :func:`terminal_safe`."""
    click.echo(terminal_safe(text))
