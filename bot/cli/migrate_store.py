"""``newsbot migrate-store``: copy a data directory's SQLite store into PostgreSQL, verified, safe to rerun."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.common import data_dir_option, settings_for
from bot.core.errors import InvalidInput
from bot.present.listings import render_store_copy

__all__ = ["migrate_store"]


@click.command("migrate-store")
@click.option(
    "--to",
    "url",
    metavar="URL",
    default=None,
    help="The PostgreSQL store to copy into (postgresql://user@host:port/db); default: $NEWSBOT_DATABASE_URL, "
    "the better place for a password.",
)
@data_dir_option
def migrate_store(url: str | None, data_dir: Path | None) -> None:
    """Copy the data directory's SQLite store into PostgreSQL: every article, change, feed, server and answer,
    with their numbers and the store's id (the index caches stay valid), in one transaction, every table counted
    on both sides. Safe to run again: a target holding this store is only verified (or brought up to date if it
    is an earlier copy); one holding anything else is refused. Stop the bot first, or run it again after.

    Example:

        newsbot migrate-store --to postgresql://newsbot@db.example.internal/newsbot
    """
    from bot.service import NewsService

    settings = settings_for(data_dir)
    target = url or (settings.database_url.get_secret_value() if settings.database_url else None)
    if not target:
        raise InvalidInput("give the PostgreSQL store to copy into: --to postgresql://... (or NEWSBOT_DATABASE_URL)")
    if not target.startswith(("postgresql://", "postgres://")):
        raise InvalidInput("--to must be a PostgreSQL URL: postgresql://user@host:port/db")
    copy = NewsService.migrate_store(settings, target)
    click.echo(render_store_copy(copy))
    if not copy.verified:
        raise SystemExit(1)
