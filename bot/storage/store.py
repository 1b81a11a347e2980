"""The SQLite store: the one place articles live, and the log of who changed what.

:class:`Store` is every table's rows put together over one connection: :mod:`bot.storage.connection` (opening,
migrations, transactions, meta), :mod:`bot.storage.articles` (articles and the duplicate rule),
:mod:`bot.storage.changes` (the change log), :mod:`bot.storage.feeds` (subscriptions), :mod:`bot.storage.leases`
(once-only work), :mod:`bot.storage.servers`, :mod:`bot.storage.gaps` (knowledge gaps). Only
:class:`bot.service.NewsService` opens one.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.core.config import Settings
from bot.core.errors import ConfigError, InvalidInput, StoreDamaged
from bot.core.models import StoreCopy, now_iso
from bot.storage.alerts import AlertRows
from bot.storage.answers import AnswerRows
from bot.storage.articles import ArticleRows
from bot.storage.changes import Change, ChangeLog
from bot.storage.connection import Connection, latest_schema_version
from bot.storage.database import Health
from bot.storage.feedback import FeedbackRows
from bot.storage.feeds import FeedRows
from bot.storage.gaps import GapRows
from bot.storage.keys import body_key, url_key
from bot.storage.leases import LeaseRows
from bot.storage.protocol import ChangeSubscriber, NewsStore
from bot.storage.servers import ServerRows

__all__ = [
    "Change",
    "Health",
    "Store",
    "body_key",
    "POSTGRESQL_BACKUPS",
    "check_store",
    "copy_store",
    "latest_schema_version",
    "now_iso",
    "open_store",
    "restore_database",
    "restore_store",
    "url_key",
]


POSTGRESQL_BACKUPS = (
    "the store is PostgreSQL (NEWSBOT_DATABASE_URL): back it up with the server's own tool, "
    "`pg_dump --format=custom --file=newsbot.dump DBNAME`, and restore with `pg_restore --clean --dbname=DBNAME "
    "newsbot.dump` while newsbot is stopped (the index caches in each data directory rebuild themselves)"
)


class NoChangeFeed:
    """SQLite's change feed: nothing to listen to. Every process is on this host, and a read checks the change
    log's newest number (a local read, no round trip), so the index keeper stays as it is without one."""

    def start(self, subscriber: ChangeSubscriber) -> None:
        return None

    def close(self) -> None:
        return None


class Store(
    ArticleRows, ChangeLog, FeedRows, LeaseRows, ServerRows, AnswerRows, GapRows, FeedbackRows, AlertRows, Connection
):
    """Articles in SQLite. Thread-safe: one connection guarded by a lock (callers run it off the event loop)."""

    def change_feed(self) -> NoChangeFeed:
        return NoChangeFeed()

    def backup_file(self, target: Path) -> int:
        """Copy the live database to ``target`` (written to a temporary file, then renamed); returns its size."""
        target = target.expanduser()
        if target.is_dir():
            raise InvalidInput(f"{target} is a directory: give the backup file's path")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        destination = sqlite3.connect(partial)
        try:
            self.backup_to(destination)
        finally:
            destination.close()
        os.replace(partial, target)
        return target.stat().st_size


def restore_database(database: Path, source: Path) -> tuple[int, Path | None]:
    """Replace the database at ``database`` with the backup at ``source``, after checking the backup.

    Returns the number of articles restored, and where a damaged database was moved aside (None if it could be
    opened): a restore is what one does when the database is damaged, so a damaged one must not stop it."""
    if not source.is_file():
        raise InvalidInput(f"{source}: no such backup file")
    try:
        backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise InvalidInput(f"{source}: not a database ({exc})") from None
    try:
        try:
            check = backup_db.execute("PRAGMA integrity_check").fetchone()[0]
            version = backup_db.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
            articles = backup_db.execute("SELECT count(*) FROM articles").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise InvalidInput(f"{source}: not a newsbot backup ({exc})") from None
        if check != "ok":
            problems = [line for line in check.splitlines() if line.strip() and not line.startswith("***")]
            found = f"{len(problems)}{'+' if len(problems) >= 100 else ''} problem{'s' if len(problems) != 1 else ''}"
            error = InvalidInput(
                f"{source}: the backup is damaged: SQLite's integrity check found {found} "
                "(`newsbot restore -v` lists them); use another backup"
            )
            error.details = check
            raise error
        if version is None or version > latest_schema_version():
            raise InvalidInput(f"{source}: the backup's schema version {version} is newer than this newsbot's")
        moved = None
        try:
            store = Store(database)
        except StoreDamaged:  # never StoreBusy: a busy database is healthy and must not be moved aside
            moved = database.with_name(f"{database.name}.damaged-{int(time.time())}")
            os.replace(database, moved)
            for suffix in ("-wal", "-shm"):
                database.with_name(database.name + suffix).unlink(missing_ok=True)
            store = Store(database)
        try:
            store.restore_from(backup_db)
            store.migrate()  # an older backup is brought up to the current schema
        finally:
            store.close()
    finally:
        backup_db.close()
    return int(articles), moved


def open_store(settings: Settings) -> NewsStore:
    """The store ``settings`` select: PostgreSQL at ``NEWSBOT_DATABASE_URL``, else SQLite in the data directory."""
    if settings.database_url is None:
        return Store(settings.database_path)
    with _postgresql_support():
        from bot.storage.pg_store import PgStore
    return PgStore(settings.database_url.get_secret_value())


@contextmanager
def _postgresql_support() -> Iterator[None]:
    """Importing the PostgreSQL store's modules: psycopg is an optional extra, asked for only with PostgreSQL."""
    try:
        yield
    except ImportError as exc:
        raise ConfigError(f"PostgreSQL support is not installed ({exc}): pip install 'newsbot[postgresql]'") from None


def copy_store(settings: Settings, url: str) -> StoreCopy:
    """Copy the data directory's SQLite store into the PostgreSQL store at ``url`` (:mod:`bot.storage.store_copy`)."""
    with _postgresql_support():
        from bot.storage.store_copy import copy_to_postgresql
    return copy_to_postgresql(settings.database_path, url)


def check_store(settings: Settings) -> None:
    """Refuse a damaged store (:class:`bot.core.errors.StoreDamaged`) before anything uses it; nothing to check
    where there is no SQLite database yet."""
    if settings.database_url is None and not settings.database_path.exists():
        return
    store = open_store(settings)
    try:
        store.verify()
    finally:
        store.close()


def restore_store(settings: Settings, source: Path) -> tuple[int, Path | None]:
    """:func:`restore_database` into the data directory's database; PostgreSQL's are restored with pg_restore."""
    if settings.database_url is not None:
        raise InvalidInput(POSTGRESQL_BACKUPS)
    return restore_database(settings.database_path, source)
