"""Options and helpers shared by the commands: the registry, the language, JSON output."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

from zaitaku_core.plugins import Registry, create_registry

__all__ = ["echo_json", "get_registry", "lang_option"]

F = TypeVar("F", bound=Callable[..., Any])


def get_registry(ctx: click.Context) -> Registry:
    """The registry of this invocation: one passed in as ``obj`` (tests, embedding) or a lazy new one."""
    root = ctx.find_root()
    if not isinstance(root.obj, Registry):
        root.obj = create_registry(lazy=True)
    return root.obj


def lang_option(fn: F) -> F:
    """``--lang ja|en``: the language of the output (Japanese by default)."""
    return click.option(
        "--lang",
        type=click.Choice(["ja", "en"]),
        default="ja",
        show_default=True,
        help="Output language / 出力言語.",
    )(fn)


def echo_json(data: Any) -> None:
    """Print ``data`` as stable, readable JSON (keys sorted, Japanese kept as is)."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str))
