"""A progress bar over the bytes of the input, on standard error, for a whole streaming run."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

import click

__all__ = ["Progress"]


class Progress:
    """Bytes read out of ``total``, drawn on standard error; silent when that is not a terminal or ``quiet``.

    Use as a context manager and call :meth:`advance_to` with the number of bytes read so far.
    """

    def __init__(self, total: int, label: str, *, quiet: bool = False) -> None:
        self.total = max(total, 1)
        self.done = 0
        self._bar: Any = None
        if not quiet and sys.stderr.isatty():
            self._bar = click.progressbar(length=self.total, label=label, file=sys.stderr, show_percent=True)

    def __enter__(self) -> Progress:
        if self._bar is not None:
            self._bar.__enter__()
        return self

    def advance_to(self, done: int) -> None:
        """Record that ``done`` bytes of the input have been read (never moves backwards)."""
        done = min(done, self.total)
        if done > self.done:
            if self._bar is not None:
                self._bar.update(done - self.done)
            self.done = done

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._bar is not None:
            if kind is None:
                self.advance_to(self.total)
            self._bar.__exit__(kind, error, trace)
