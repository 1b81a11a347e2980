"""Keeping a data directory healthy: online backups, restores, and the checks behind ``newsbot doctor``.

A backup uses SQLite's online backup API, so it is consistent even while the bot is running and writing. A
restore checks the backup first (it must be a newsbot database that passes SQLite's integrity check) and then
copies it into the live database in one step, so a failed restore changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.core.config import Settings
from bot.core.errors import InvalidInput, NewsBotError, StoreError
from bot.storage.store import Store, latest_schema_version

if TYPE_CHECKING:
    from bot.service import NewsService

__all__ = ["Check", "backup", "command_signature", "doctor", "restore"]


def backup(store: Store, target: Path) -> int:
    """Copy the live database to ``target`` (written to a temporary file, then renamed); returns its size."""
    target = target.expanduser()
    if target.is_dir():
        raise InvalidInput(f"{target} is a directory: give the backup file's path")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    destination = sqlite3.connect(partial)
    try:
        store.backup_to(destination)
    finally:
        destination.close()
    os.replace(partial, target)
    return target.stat().st_size


def restore(database: Path, source: Path) -> tuple[int, Path | None]:
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
            raise InvalidInput(f"{source}: the backup is damaged ({check})")
        if version is None or version > latest_schema_version():
            raise InvalidInput(f"{source}: the backup's schema version {version} is newer than this newsbot's")
        moved = None
        try:
            store = Store(database)
        except StoreError:
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


def command_signature(payload: list[dict[str, Any]]) -> str:
    """A fingerprint of the slash commands' definitions, to tell whether Discord has the current ones."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Check:
    """One finding. A warning (``ok`` but with a ``fix``) is worth doing but does not make newsbot unhealthy."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def doctor(
    settings: Settings,
    command_payload: Callable[[NewsService], list[dict[str, Any]]] | None = None,
) -> list[Check]:
    """Check what newsbot needs to run; each failed check says what to do about it."""
    checks: list[Check] = []
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    checks.append(
        Check("token", True, "DISCORD_TOKEN is set")
        if token
        else Check("token", False, "DISCORD_TOKEN is not set", "put the bot's token in the environment")
    )
    data_dir = settings.data_dir
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / ".newsbot-write-test"
        probe.write_text("ok")
        probe.unlink()
        checks.append(Check("data directory", True, f"{data_dir} is writable"))
    except OSError as exc:
        checks.append(
            Check("data directory", False, f"{data_dir}: {exc.strerror}", "set NEWSBOT_DATA_DIR to a writable folder")
        )
        return checks
    from bot.service import NewsService

    try:
        service = NewsService.open(settings)
    except StoreError as exc:
        checks.append(Check("database", False, str(exc)))
        return checks
    except (NewsBotError, sqlite3.Error) as exc:
        checks.append(Check("database", False, str(exc), "restore a backup with `newsbot restore FILE`"))
        return checks
    try:
        store = service.store
        integrity = store.query("PRAGMA quick_check")[0][0]
        checks.append(
            Check("database", integrity == "ok", f"{store.path}: schema {store.schema_version()}, {integrity}",
                  "" if integrity == "ok" else "restore a backup with `newsbot restore FILE`")
        )  # fmt: skip
        stats = service.stats()
        checks.append(
            Check("corpus", stats.articles > 0, f"{stats.articles} articles, {stats.sentences} sentences",
                  "" if stats.articles else "add articles (`newsbot add`) or remove the data directory to reseed")
        )  # fmt: skip
        indexed = service.index.size("headline")
        checks.append(
            Check("index", indexed == stats.articles, f"{indexed} of {stats.articles} articles indexed",
                  "" if indexed == stats.articles else "restart newsbot to rebuild the index")
        )  # fmt: skip
        if command_payload is not None:
            synced = store.get_meta("commands_signature")
            current = command_signature(command_payload(service))
            if synced is None:
                checks.append(Check("commands", True, "the slash commands were never synced from this data directory",
                                    "run `newsbot sync --guild ID` or `newsbot sync`"))  # fmt: skip
            elif synced != current:
                checks.append(Check("commands", True, "the slash commands changed since the last sync",
                                    "run `newsbot sync` again"))  # fmt: skip
            else:
                checks.append(Check("commands", True, f"synced ({store.get_meta('commands_synced_to')})"))
    finally:
        service.close()
    return checks
