"""What every ``newsbot`` command shares: error handling, ``--data-dir``, who did it, JSON output.

Kept apart from :mod:`bot.cli` so that command groups in other modules (``newsbot feeds``) use the same pieces
without importing the main command line.
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from bot.core.config import Settings, load_settings
from bot.core.errors import InvalidInput, NewsBotError, StoreUnavailable
from bot.present.notices import render_error
from bot.service import NewsService

__all__ = [
    "ErrorHandlingGroup",
    "actor",
    "data_dir_option",
    "echo_json",
    "open_service",
    "parse_server",
    "server_option",
    "service_for",
    "settings_for",
    "scoped_service",
]

F = TypeVar("F", bound=Callable[..., Any])


class ErrorHandlingGroup(click.Group):
    """Turns a NewsBotError into one line on stderr, ``newsbot: error: ...``, and its exit status (2 for bad
    input, 1 otherwise)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NewsBotError as exc:
            click.echo(render_error(exc), err=True)
            if isinstance(exc, StoreUnavailable) and exc.details:  # which server, why: the operator's to know
                click.echo(render_error(exc.details), err=True)
            sys.exit(exc.exit_code)


def data_dir_option(func: F) -> F:
    """``--data-dir`` on every command (the environment's NEWSBOT_DATA_DIR otherwise)."""
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Where newsbot keeps its database (default: $NEWSBOT_DATA_DIR or ~/.local/share/newsbot).",
    )(func)


def server_option(func: F) -> F:
    """``--server`` on every command that reads or changes a coverage (the environment's NEWSBOT_SERVER
    otherwise; without either, the default collection)."""
    return click.option(
        "--server",
        metavar="ID",
        default=None,
        help="Act on this Discord server's coverage (default: $NEWSBOT_SERVER, else the default collection; "
        "`--server default` for the default collection).",
    )(func)


def parse_server(value: str | None, settings: Settings) -> int | None:
    """The server a command acts on: ``--server`` (digits, or ``default``), else NEWSBOT_SERVER, else None (the
    default collection)."""
    if value is None:
        return settings.server
    text = value.strip()
    if text.casefold() in ("default", "0"):
        return None
    if not text.isdigit() or len(text) > 19:
        raise InvalidInput(f"--server {value!r}: give a Discord server id (digits) or 'default'")
    return int(text)


def scoped_service(data_dir: Path | None, server: str | None, *, seed: bool = True) -> tuple[NewsService, int | None]:
    """The service and the server (checked to be one the bot knows) a corpus command acts on."""
    settings = settings_for(data_dir)
    where = parse_server(server, settings)
    service = open_service(settings, seed=seed)
    if where is not None:
        service.require_known_server(where)
    return service, where


def open_service(settings: Settings, *, seed: bool = True) -> NewsService:
    """The service for one command, closed (its index saved if it changed) when the command ends."""
    service = NewsService.open(settings, seed=seed)
    click.get_current_context().call_on_close(service.close)
    return service


def settings_for(data_dir: Path | None) -> Settings:
    """The settings of one command: the environment's, with ``--data-dir`` when given (after the command, or
    before it: ``newsbot --data-dir X ask ...``)."""
    if data_dir is None:
        ctx = click.get_current_context(silent=True)
        data_dir = ctx.find_root().params.get("data_dir") if ctx is not None else None
    return load_settings(data_dir=data_dir)


def service_for(data_dir: Path | None) -> NewsService:
    """The seeded service over ``--data-dir`` (or the environment's data directory), closed when the command ends."""
    return open_service(settings_for(data_dir))


def actor() -> str:
    """How a change made from the command line is attributed in the store's log."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no user name in some containers
        return "cli"


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))
