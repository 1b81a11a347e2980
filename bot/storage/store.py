"""The SQLite store: the one place articles live, and the log of who changed what.

Every change is one transaction (``with self.transaction():``): an add or a remove writes the article and its line in
``changes`` together or not at all, so a crash or a kill never leaves half an article. The schema is versioned
by numbered migrations in ``bot/storage/migrations/NNNN_name.sql``, recorded in ``schema_migrations``.

The store opens in WAL mode with a busy timeout, so several processes on one host can share a data directory;
``version()`` (the newest change's number) tells another process that it must reload.
"""

from __future__ import annotations

import errno
import json
import os
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from bot.core.errors import ArticleNotFound, DuplicateArticle, InvalidInput, StoreDamaged, StoreError
from bot.core.models import Article, ArticleIn, FeedLogEntry, FeedRecord, make_article_id, now_iso
from bot.storage.health import check_file, check_tables, disk_full, quick_check, store_error
from bot.storage.keys import body_key, url_key

__all__ = ["Change", "Health", "Store", "body_key", "latest_schema_version", "now_iso", "restore_database", "url_key"]

_BUSY_S = 10.0  # how long a writer waits for another writer before the store reports itself busy
_COLUMNS = "id, title, source, date, url, authors, body, added_at, added_by"


class Change:
    """One line of the audit log."""

    __slots__ = ("action", "actor", "article_id", "at", "detail", "seq", "title")

    def __init__(self, row: sqlite3.Row) -> None:
        self.seq: int = row["seq"]
        self.at: str = row["at"]
        self.actor: str = row["actor"]
        self.action: str = row["action"]
        self.article_id: str | None = row["article_id"]
        self.title: str | None = row["title"]
        self.detail: str | None = row["detail"]


@dataclass(frozen=True)
class Health:
    """What ``newsbot doctor`` reads of the database: where it is, its schema, SQLite's quick check, and which
    slash commands were last synced from it."""

    path: str
    schema_version: int
    integrity: str  # "ok", or what is wrong and what to do
    commands_signature: str | None
    commands_synced_to: str | None


class Store:
    """Articles in SQLite. Thread-safe: one connection guarded by a lock (callers run it off the event loop)."""

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
            self._db.execute("PRAGMA foreign_keys = ON")
            check_tables(self._db, self.path)
            version, latest = self.schema_version(), latest_schema_version()
            if version > latest:
                raise StoreError(
                    f"the database {self.path} has schema version {version}, newer than this newsbot's ({latest}): "
                    "upgrade newsbot"
                )
            if version < latest and migrate:
                self.migrate()
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
                    db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('store_id', ?)", (uuid.uuid4().hex,))
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
            _fsync_dir(file.parent)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise disk_full(str(file)) from None
            raise StoreError(f"cannot create the database {file}: {exc.strerror or exc}") from None
        finally:
            tmp.unlink(missing_ok=True)

    # --- lifecycle -------------------------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def migrate(self) -> list[int]:
        """Apply the numbered migrations not applied yet, each in its own transaction; return their numbers."""
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
        for version, name, sql in _migrations():
            with _write(db):
                if db.execute("SELECT 1 FROM schema_migrations WHERE version = ?", (version,)).fetchone():
                    continue  # applied, by another process since this one looked
                for statement in _statements(sql):
                    db.execute(statement)
                db.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, now_iso()),
                )
                applied.append(version)
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

        SQLite errors come out as newsbot's (busy, disk full, damaged); a constraint violation
        (:class:`sqlite3.IntegrityError`) is left as it is, for callers that expect one."""
        with self._lock:
            try:
                with _write(self._db):
                    yield self._db
            except sqlite3.IntegrityError:
                raise
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

    # --- reading ---------------------------------------------------------------------------------------------

    def version(self) -> int:
        """The number of the newest change: it grows with every add, remove or seed, in any process."""
        with self._reading():
            row = self._db.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()
        return int(row[0])

    def count(self) -> int:
        with self._reading():
            return int(self._db.execute("SELECT count(*) FROM articles").fetchone()[0])

    def get(self, article_id: str) -> Article:
        with self._reading():
            row = self._db.execute(f"SELECT {_COLUMNS} FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            raise ArticleNotFound(f"no article has the id {article_id!r} (see `newsbot list`)")
        return _article(row)

    def all(self) -> list[Article]:
        """Every article in insertion order."""
        with self._reading():
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM articles ORDER BY seq").fetchall()
        return [_article(r) for r in rows]

    def iter_all(self, batch: int = 5000) -> Iterator[Article]:
        """Every article in insertion order, without holding them all at once."""
        last = 0
        while True:
            with self._reading():
                rows = self._db.execute(
                    f"SELECT seq, {_COLUMNS} FROM articles WHERE seq > ? ORDER BY seq LIMIT ?", (last, batch)
                ).fetchall()
            if not rows:
                return
            last = rows[-1]["seq"]
            yield from (_article(r) for r in rows)

    def ids_in_order(self) -> list[str]:
        with self._reading():
            return [r[0] for r in self._db.execute("SELECT id FROM articles ORDER BY seq")]

    def find_duplicate(self, article: ArticleIn) -> DuplicateArticle | None:
        """The error that adding ``article`` would raise as a duplicate, or None (see :meth:`_duplicate`)."""
        with self._reading():
            return self._duplicate(self._db, article, allow_same_text=False)

    def article_with_url(self, url: str) -> Article | None:
        """The stored article whose URL normalises like ``url``; None if there is none."""
        key = url_key(url)
        if not key:
            return None
        with self._reading():
            row = self._db.execute(f"SELECT {_COLUMNS} FROM articles WHERE url_key = ?", (key,)).fetchone()
        return None if row is None else _article(row)

    def changes(self, limit: int = 50, since: int = 0) -> list[Change]:
        with self._reading():
            rows = self._db.execute(
                "SELECT * FROM changes WHERE seq > ? ORDER BY seq DESC LIMIT ?", (since, limit)
            ).fetchall()
        return [Change(r) for r in rows]

    def removed_ids(self) -> set[str]:
        """Ids that were removed at some time (seeding never brings them back)."""
        with self._reading():
            rows = self._db.execute("SELECT DISTINCT article_id FROM changes WHERE action = 'remove'").fetchall()
        return {r[0] for r in rows}

    def store_id(self) -> str:
        """A random id given to this database when it was created (a saved index names the store it belongs to)."""
        value = self.get_meta("store_id")
        if value is None:
            with self.transaction() as db:
                db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('store_id', ?)", (uuid.uuid4().hex,))
            value = self.get_meta("store_id")
        assert value is not None
        return value

    def change_at(self, seq: int) -> str | None:
        """A fingerprint of the change numbered ``seq`` (to tell one history from another after a restore)."""
        with self._reading():
            row = self._db.execute("SELECT at, action, article_id FROM changes WHERE seq = ?", (seq,)).fetchone()
        return None if row is None else f"{row['at']}|{row['action']}|{row['article_id']}"

    def bodies(self, article_ids: Sequence[str]) -> dict[str, str]:
        """The texts of the given articles (missing ids are left out)."""
        found: dict[str, str] = {}
        ids = list(article_ids)
        with self._reading():
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                marks = ",".join("?" * len(chunk))
                for row in self._db.execute(f"SELECT id, body FROM articles WHERE id IN ({marks})", chunk):
                    found[row["id"]] = row["body"]
        return found

    def get_meta(self, key: str) -> str | None:
        with self._reading():
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    # --- writing ---------------------------------------------------------------------------------------------

    def add(self, article: ArticleIn, *, actor: str, allow_same_text: bool = False) -> Article:
        """Store one article and log it, in one transaction; refuse a duplicate URL or text."""
        return self.add_many([article], actor=actor, allow_same_text=allow_same_text)[0]

    def add_many(
        self,
        articles: Sequence[ArticleIn],
        *,
        actor: str,
        action: str = "add",
        allow_same_text: bool = False,
        skip_existing_ids: bool = False,
        meta: dict[str, str] | None = None,
    ) -> list[Article]:
        """Store ``articles`` all together or none of them (one transaction)."""
        stored: list[Article] = []
        at = now_iso()
        with self.transaction() as db:
            for article in articles:
                record = Article(
                    **{
                        **article.model_dump(),
                        "id": article.id or make_article_id(article.source, article.title, article.date, article.url),
                    },
                    added_at=at,
                    added_by=actor,
                )
                if db.execute("SELECT 1 FROM articles WHERE id = ?", (record.id,)).fetchone():
                    if skip_existing_ids:
                        continue
                    existing = self.get(record.id)
                    raise DuplicateArticle(
                        f"already stored as {existing.id} ({existing.title!r}, {existing.source})",
                        existing.id,
                    )
                duplicate = self._duplicate(db, record, allow_same_text)
                if duplicate is not None:
                    raise duplicate
                db.execute(
                    "INSERT INTO articles (id, title, source, date, url, url_key, authors, body, body_key, "
                    "added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        record.id, record.title, record.source, record.date, record.url, url_key(record.url),
                        json.dumps(record.authors, ensure_ascii=False), record.body, body_key(record.body),
                        record.added_at, record.added_by,
                    ),
                )  # fmt: skip
                db.execute(
                    "INSERT INTO changes (at, actor, action, article_id, title) VALUES (?, ?, ?, ?, ?)",
                    (at, actor, action, record.id, record.title),
                )
                stored.append(record)
            for key, value in (meta or {}).items():
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
        return stored

    def remove(self, article_id: str, *, actor: str, reason: str | None = None) -> Article:
        """Delete one article and log who removed it, in one transaction."""
        with self.transaction() as db:
            article = self.get(article_id)
            db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
            db.execute(
                "INSERT INTO changes (at, actor, action, article_id, title, detail) VALUES (?, ?, 'remove', ?, ?, ?)",
                (now_iso(), actor, article.id, article.title, reason),
            )
        return article

    def backup_to(self, destination: sqlite3.Connection) -> None:
        """Copy the whole database into ``destination`` with SQLite's online backup (consistent while writing)."""
        with self._reading():
            self._db.backup(destination)

    def restore_from(self, source: sqlite3.Connection) -> None:
        """Replace the whole database with ``source``'s content, in one step."""
        with self._reading():
            source.backup(self._db)

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # --- feed subscriptions (bot/feeds/subscriptions.py) -------------------------------------------------

    def feeds(self) -> list[FeedRecord]:
        """Every subscribed feed, oldest subscription first, with its counts and last poll."""
        with self._reading():
            rows = self._db.execute(_SELECT_FEEDS + " GROUP BY f.id ORDER BY f.id").fetchall()
        return [_feed(r) for r in rows]

    def feed(self, feed_id: int) -> FeedRecord | None:
        with self._reading():
            row = self._db.execute(_SELECT_FEEDS + " WHERE f.id = ? GROUP BY f.id", (feed_id,)).fetchone()
        return None if row is None else _feed(row)

    def feed_by_url_key(self, key: str) -> FeedRecord | None:
        with self._reading():
            row = self._db.execute(_SELECT_FEEDS + " WHERE f.url_key = ? GROUP BY f.id", (key,)).fetchone()
        return None if row is None else _feed(row)

    def add_feed(self, url: str, key: str, title: str, outlet: str, actor: str) -> int | None:
        """Subscribe a feed and log who did; its new id, or None when the same URL key is subscribed already."""
        at = now_iso()
        try:
            with self.transaction() as db:
                cursor = db.execute(
                    "INSERT INTO feeds (url, url_key, title, outlet, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?)",
                    (url, key, title, outlet, at, actor),
                )
                feed_id = int(cursor.lastrowid or 0)
                db.execute(
                    "INSERT INTO feed_changes (at, actor, action, feed_id, url, outlet) "
                    "VALUES (?, ?, 'subscribe', ?, ?, ?)",
                    (at, actor, feed_id, url, outlet),
                )
        except sqlite3.IntegrityError:  # subscribed by someone else since the caller checked
            return None
        return feed_id

    def remove_feed(self, feed: FeedRecord, actor: str) -> bool:
        """Unsubscribe a feed (its log goes with it) and log who did; False if it was removed meanwhile."""
        with self.transaction() as db:
            if not db.execute("DELETE FROM feeds WHERE id = ?", (feed.id,)).rowcount:
                return False
            db.execute(
                "INSERT INTO feed_changes (at, actor, action, feed_id, url, outlet) "
                "VALUES (?, ?, 'unsubscribe', ?, ?, ?)",
                (now_iso(), actor, feed.id, feed.url, feed.outlet),
            )
        return True

    def feed_entry_keys(self, feed_id: int) -> set[str]:
        """The entries of a feed that a poll already took (added, skipped or failed for good)."""
        with self._reading():
            rows = self._db.execute("SELECT entry_key FROM feed_items WHERE feed_id = ?", (feed_id,)).fetchall()
        return {r[0] for r in rows}

    def feed_log(self, feed_id: int, limit: int) -> list[FeedLogEntry]:
        """The newest ``limit`` outcomes of a feed's entries, newest first."""
        with self._reading():
            rows = self._db.execute(
                "SELECT * FROM feed_items WHERE feed_id = ? ORDER BY seq DESC LIMIT ?", (feed_id, max(limit, 0))
            ).fetchall()
        return [_feed_log_entry(r) for r in rows]

    def record_feed_entry(self, entry: FeedLogEntry) -> None:
        """Log an entry's outcome; a no-op when another poller logged it first or the feed was removed."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO feed_items (feed_id, entry_key, url, title, status, article_id, reason, at) "
                "SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM feeds WHERE id = ?) "
                "ON CONFLICT (feed_id, entry_key) DO NOTHING",
                (
                    entry.feed_id, entry.entry_key, entry.url, entry.title, entry.status, entry.article_id,
                    entry.reason, entry.at, entry.feed_id,
                ),
            )  # fmt: skip

    def feed_polled(self, feed_id: int, title: str | None, error: str | None) -> None:
        """Record the end of a poll: when, its error (None when it succeeded), and the feed's title if given."""
        with self.transaction() as db:
            db.execute(
                "UPDATE feeds SET last_polled_at = ?, last_error = ?, title = coalesce(nullif(?, ''), title) "
                "WHERE id = ?",
                (now_iso(), error, title, feed_id),
            )

    # --- maintenance -----------------------------------------------------------------------------------------

    def health(self) -> Health:
        try:
            self.verify()
            integrity = "ok"
        except StoreDamaged as exc:
            integrity = str(exc)
        return Health(
            path=self.path,
            schema_version=self.schema_version(),
            integrity=integrity,
            commands_signature=self.get_meta("commands_signature"),
            commands_synced_to=self.get_meta("commands_synced_to"),
        )

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

    def _duplicate(self, db: sqlite3.Connection, article: ArticleIn, allow_same_text: bool) -> DuplicateArticle | None:
        """The same URL (normalised), or the same text from the same outlet, is a duplicate. The same text from
        another outlet is a syndicated copy (an AP story in The Hindu): it is stored, and shown as "also in"."""
        key_u = url_key(article.url)
        if key_u:
            row = db.execute("SELECT id, title FROM articles WHERE url_key = ?", (key_u,)).fetchone()
            if row:
                return DuplicateArticle(f"that URL is already stored as {row['id']} ({row['title']!r})", row["id"])
        key_b = body_key(article.body)
        if key_b and not allow_same_text:
            outlet = article.source.casefold()
            for row in db.execute("SELECT id, title, source FROM articles WHERE body_key = ? ORDER BY seq", (key_b,)):
                if row["source"].casefold() == outlet:
                    message = f"the same text is already stored as {row['id']} ({row['title']!r})"
                    return DuplicateArticle(message, row["id"])
        return None


def _article(row: sqlite3.Row) -> Article:
    return Article.model_construct(
        id=row["id"],
        title=row["title"],
        source=row["source"],
        date=row["date"],
        url=row["url"],
        authors=json.loads(row["authors"]),
        body=row["body"],
        added_at=row["added_at"],
        added_by=row["added_by"],
    )


_SELECT_FEEDS = (
    "SELECT f.*, "
    "coalesce(sum(i.status = 'added'), 0) AS n_added, "
    "coalesce(sum(i.status = 'skipped'), 0) AS n_skipped, "
    "coalesce(sum(i.status = 'failed'), 0) AS n_failed "
    "FROM feeds f LEFT JOIN feed_items i ON i.feed_id = f.id"
)


def _feed(row: sqlite3.Row) -> FeedRecord:
    return FeedRecord(
        id=int(row["id"]),
        url=row["url"],
        title=row["title"],
        outlet=row["outlet"],
        added_at=row["added_at"],
        added_by=row["added_by"],
        last_polled_at=row["last_polled_at"],
        last_error=row["last_error"],
        added=int(row["n_added"]),
        skipped=int(row["n_skipped"]),
        failed=int(row["n_failed"]),
    )


def _feed_log_entry(row: sqlite3.Row) -> FeedLogEntry:
    return FeedLogEntry(
        feed_id=int(row["feed_id"]),
        entry_key=row["entry_key"],
        url=row["url"],
        title=row["title"],
        status=row["status"],
        article_id=row["article_id"],
        reason=row["reason"],
        at=row["at"],
    )


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
            raise InvalidInput(f"{source}: the backup is damaged ({check})")
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


def _fsync_dir(folder: Path) -> None:
    """Make a rename or link in ``folder`` durable (where the platform allows opening a directory)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _migrations() -> Iterable[tuple[int, str, str]]:
    folder = resources.files("bot.storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = re.fullmatch(r"(\d{4})_(\w+)\.sql", entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found)


def _statements(sql: str) -> list[str]:
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
