"""The store's connection: opening (WAL, busy timeout, creating a complete file or none), the numbered
migrations, transactions and reads under one lock, and the meta table.

The store opens in WAL mode with a busy timeout, so several processes on one host can share a data directory. The
schema is versioned by numbered migrations in ``bot/storage/migrations/NNNN_name.sql``, recorded in
``schema_migrations``. The tables' rows are read and written by the classes built on :class:`Connection`
(:mod:`bot.storage.articles`, :mod:`.changes`, :mod:`.feeds`, :mod:`.servers`), which :class:`bot.storage.store.Store`
puts together.
"""

from __future__ import annotations

import errno
import os
import re
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from bot.core.errors import StoreError
from bot.core.files import fsync_path
from bot.core.models import now_iso
from bot.storage.database import STORE_ID_SQL, ConstraintViolation, Database
from bot.storage.health import check_file, check_tables, disk_full, quick_check, store_error

__all__ = ["CACHE_KIB", "Connection", "latest_schema_version", "migration_files", "statements"]

_BUSY_S = 10.0  # how long a writer waits for another writer before the store reports itself busy
# SQLite's page cache for this connection, in KiB (SQLite's default is 2,000). A bulk add inserts keys spread over
# the whole of four indexes (id, URL key, text key, and the change log's article id): with 2 MB most of their pages
# were read again from the file for every batch of 5,000. The cache fills only as pages are read, and it changes
# what is read, not what a commit writes: transactions stay as atomic and as durable as before.
CACHE_KIB = 32 * 1024


class Connection(Database):
    """One SQLite connection guarded by a lock (callers run it off the event loop), and the schema it holds."""

    def __init__(self, path: Path | str, *, migrate: bool = True) -> None:
        """Open the database at ``path``, creating it if there is no file; refuse one that is damaged.

        Opening writes nothing unless the schema is behind this newsbot's (then the migrations run, with the
        write lock), so readers never wait for a writer. ``migrate=False`` leaves an old schema as it is (for
        ``newsbot doctor``, which only looks)."""
        self.path = str(path)
        self._lock = threading.RLock()
        if self.path != ":memory:":
            file = Path(self.path)
            if file.exists():
                check_file(file)
            else:
                self._create(file)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=_BUSY_S)
        except sqlite3.Error as exc:
            raise store_error(exc, self.path) from None
        try:
            self._db.row_factory = sqlite3.Row
            self._db.execute(f"PRAGMA busy_timeout = {int(_BUSY_S * 1000)}")
            if self.path == ":memory:":
                self._apply_migrations(self._db)
            elif self._db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                self._db.execute("PRAGMA journal_mode = WAL")  # once: the mode is kept in the file
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute(f"PRAGMA cache_size = {-CACHE_KIB}")
            self._db.execute("PRAGMA foreign_keys = ON")
            check_tables(self._db, self.path)
            self._check_schema(self.schema_version(), latest_schema_version(), migrate)
        except sqlite3.Error as exc:
            self._db.close()
            raise store_error(exc, self.path) from None
        except BaseException:
            self._db.close()
            raise

    def _create(self, file: Path) -> None:
        """Create a new database with every migration applied, under a temporary name, then link it into place.

        So a database file newsbot finds is always complete: a kill during creation leaves no empty or half
        migrated file (which would look like a damaged database), only a temporary file that is removed."""
        tmp = file.with_name(f".{file.name}.new-{os.getpid()}-{threading.get_ident()}")
        for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
            leftover.unlink(missing_ok=True)
        try:
            try:
                db = sqlite3.connect(tmp, isolation_level=None)
                try:
                    db.execute("PRAGMA synchronous = FULL")  # a rollback journal until it is in place
                    self._apply_migrations(db)
                    db.execute(STORE_ID_SQL, (uuid.uuid4().hex,))
                finally:
                    db.close()
            except sqlite3.Error as exc:
                raise store_error(exc, str(file)) from None
            try:
                os.link(tmp, file)  # never replaces a database another process created meanwhile
            except FileExistsError:
                pass
            except OSError:  # a file system without hard links
                if not file.exists():
                    os.replace(tmp, file)
            fsync_path(file.parent)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise disk_full(str(file)) from None
            raise StoreError(f"cannot create the database {file}: {exc.strerror or exc}") from None
        finally:
            tmp.unlink(missing_ok=True)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def migrate(self) -> list[int]:
        """Apply the numbered migrations not applied yet, each in its own transaction; return their numbers.

        Foreign keys are off meanwhile (SQLite's procedure for rebuilding a table: dropping the old ``feeds``
        must not cascade to ``feed_items``) and checked before each migration commits."""
        with self._lock:
            try:
                return self._apply_migrations(self._db)
            except sqlite3.Error as exc:
                raise store_error(exc, self.path) from None

    @staticmethod
    def _apply_migrations(db: sqlite3.Connection) -> list[int]:
        applied: list[int] = []
        with _write(db):
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
        db.execute("PRAGMA foreign_keys = OFF")  # no-op inside a transaction: set between them
        try:
            for version, name, sql in _migrations():
                with _write(db):
                    if db.execute("SELECT 1 FROM schema_migrations WHERE version = ?", (version,)).fetchone():
                        continue  # applied, by another process since this one looked
                    for statement in statements(sql):
                        db.execute(statement)
                    broken = db.execute("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise sqlite3.IntegrityError(f"migration {version} breaks {len(broken)} foreign keys")
                    db.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                        (version, name, now_iso()),
                    )
                    applied.append(version)
        finally:
            db.execute("PRAGMA foreign_keys = ON")
        return applied

    def verify(self) -> None:
        """SQLite's quick check of every page; :class:`bot.core.errors.StoreDamaged` if it fails."""
        with self._lock:
            quick_check(self._db, self.path)

    def schema_version(self) -> int:
        with self._reading() as db:
            row = db.execute("SELECT max(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error), holding the lock.

        SQLite errors come out as newsbot's (busy, disk full, damaged); a constraint violation as
        :class:`bot.storage.database.ConstraintViolation`, for callers that expect one."""
        with self._lock:
            try:
                with _write(self._db):
                    yield self._db
            except sqlite3.IntegrityError as exc:
                raise ConstraintViolation(f"the database {self.path} refused a change: {exc}") from exc
            except sqlite3.Error as exc:
                raise store_error(exc, self.path) from None

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """The connection for a read, holding the lock; SQLite errors come out as newsbot's."""
        with self._lock:
            try:
                yield self._db
            except sqlite3.IntegrityError:
                raise
            except sqlite3.Error as exc:
                raise store_error(exc, self.path) from None

    def backup_to(self, destination: sqlite3.Connection) -> None:
        """Copy the whole database into ``destination`` with SQLite's online backup (consistent while writing)."""
        with self._reading():
            self._db.backup(destination)

    def restore_from(self, source: sqlite3.Connection) -> None:
        """Replace the whole database with ``source``'s content, in one step."""
        with self._reading():
            source.backup(self._db)


def latest_schema_version() -> int:
    """The schema version this newsbot's migrations lead to."""
    return max(version for version, _, _ in _migrations())


@contextmanager
def _write(db: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT on ``db``, or ROLLBACK on any error.

    SQLite rolls a transaction back by itself after some errors (a full disk, an I/O error); then there is
    nothing to roll back, and trying would hide the real error behind "cannot rollback"."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            try:
                db.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # the original error says more
        raise


def _migrations() -> list[tuple[int, str, str]]:
    return migration_files(".sql")


def migration_files(suffix: str) -> list[tuple[int, str, str]]:
    """The migrations ``NNNN_name<suffix>`` in ``bot/storage/migrations/`` as (number, name, SQL), in order:
    ``.sql`` are SQLite's, ``.pg.sql`` their PostgreSQL twins."""
    folder = resources.files("bot.storage") / "migrations"
    pattern = re.compile(r"(\d{4})_(\w+)" + re.escape(suffix))
    found = []
    for entry in folder.iterdir():
        match = pattern.fullmatch(entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found)


def statements(sql: str) -> list[str]:
    """A migration's statements: split at each ``;`` outside a ``$$``-quoted body (a PostgreSQL function's), which
    no migration may hold in a comment or a literal."""
    text = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    found, start, in_body = [], 0, False
    for mark in re.finditer(r"\$\$|;", text):
        if mark.group() == "$$":
            in_body = not in_body
        elif not in_body:
            found.append(text[start : mark.start()])
            start = mark.end()
    found.append(text[start:])
    return [s.strip() for s in found if s.strip()]
