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
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from bot.core.errors import ArticleNotFound, DuplicateArticle, InvalidInput, StoreDamaged, StoreError
from bot.core.models import (
    Article,
    ArticleIn,
    AuditEntry,
    FeedLogEntry,
    FeedRecord,
    ServerSummary,
    make_article_id,
    now_iso,
)
from bot.storage.health import check_file, check_tables, disk_full, quick_check, store_error
from bot.storage.keys import DuplicateKeys, body_key, url_key

__all__ = ["Change", "Health", "Store", "body_key", "latest_schema_version", "now_iso", "restore_database", "url_key"]

_BUSY_S = 10.0  # how long a writer waits for another writer before the store reports itself busy
_COLUMNS = "a.id, a.title, a.source, a.date, a.url, a.authors, a.body, a.added_at, a.added_by"
# The rows of the coverage of the server ``:server`` (0: the default collection) in ``articles a``.
_VISIBLE = (
    "a.server_id IN (:server, 0) AND (a.server_id = :server OR NOT EXISTS "
    "(SELECT 1 FROM overrides o WHERE o.server_id = :server AND o.article_id = a.id))"
)


class Change:
    """One line of the audit log."""

    __slots__ = ("action", "actor", "article_id", "at", "detail", "guild_id", "seq", "server_id", "title")

    def __init__(self, row: sqlite3.Row) -> None:
        self.seq: int = row["seq"]
        self.server_id: int = row["server_id"]
        self.guild_id: int | None = row["guild_id"]
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
                    for statement in _statements(sql):
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
    #
    # ``server`` is a coverage: 0 the default collection, else a Discord server's id. A server's coverage is its
    # own rows plus the default collection's rows whose id it has not made its own (see migration 0003).

    def version(self) -> int:
        """The number of the newest change: it grows with every add, remove or seed, in any process."""
        with self._reading():
            row = self._db.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()
        return int(row[0])

    def versions(self, server: int) -> tuple[int, int]:
        """The newest change of the default collection, and of ``server``'s own (0 for none): a server's
        coverage changed when either grew; a server whose own is 0 has the default collection as it is."""
        with self._reading():
            rows = self._db.execute(
                "SELECT server_id, max(seq) FROM changes WHERE server_id IN (0, ?) GROUP BY server_id", (server,)
            ).fetchall()
        found = {int(r[0]): int(r[1]) for r in rows}
        return found.get(0, 0), (found.get(server, 0) if server else 0)

    def count(self, server: int = 0) -> int:
        with self._reading():
            row = self._db.execute(f"SELECT count(*) FROM articles a WHERE {_VISIBLE}", {"server": server}).fetchone()
        return int(row[0])

    def get(self, server: int, article_id: str) -> Article:
        """The article with this id in ``server``'s coverage; :class:`ArticleNotFound` if there is none."""
        with self._reading():
            row = self._get(self._db, server, article_id)
        if row is None:
            raise ArticleNotFound(f"no article has the id {article_id!r} (see `newsbot list`)")
        return _article(row)

    def _get(self, db: sqlite3.Connection, server: int, article_id: str) -> sqlite3.Row | None:
        query = f"SELECT {_COLUMNS} FROM articles a WHERE a.id = :id AND {_VISIBLE}"
        row: sqlite3.Row | None = db.execute(query, {"server": server, "id": article_id}).fetchone()
        return row

    def all(self, server: int = 0) -> list[Article]:
        """Every article of ``server``'s coverage, in insertion order."""
        return list(self.iter_all(server))

    def iter_all(self, server: int = 0, batch: int = 5000) -> Iterator[Article]:
        """Every article of ``server``'s coverage in insertion order, without holding them all at once."""
        last = 0
        while True:
            with self._reading():
                rows = self._db.execute(
                    f"SELECT a.seq, {_COLUMNS} FROM articles a WHERE a.seq > :last AND {_VISIBLE} "
                    "ORDER BY a.seq LIMIT :batch",
                    {"server": server, "last": last, "batch": batch},
                ).fetchall()
            if not rows:
                return
            last = rows[-1]["seq"]
            yield from (_article(r) for r in rows)

    def iter_every(self, batch: int = 5000) -> Iterator[Article]:
        """Every stored article of every coverage (a server's own and the default collection's), once each."""
        last = 0
        while True:
            with self._reading():
                rows = self._db.execute(
                    f"SELECT a.seq, {_COLUMNS} FROM articles a WHERE a.seq > ? ORDER BY a.seq LIMIT ?", (last, batch)
                ).fetchall()
            if not rows:
                return
            last = rows[-1]["seq"]
            yield from (_article(r) for r in rows)

    def ids_in_order(self, server: int = 0) -> list[str]:
        """The ids of ``server``'s coverage, in insertion order."""
        with self._reading():
            rows = self._db.execute(f"SELECT a.id FROM articles a WHERE {_VISIBLE} ORDER BY a.seq", {"server": server})
            return [r[0] for r in rows]

    def rows_of(self, server: int, article_ids: Sequence[str]) -> dict[str, Article]:
        """The articles stored under exactly this ``server`` (0: the default collection's own rows), by id."""
        found: dict[str, Article] = {}
        ids = list(dict.fromkeys(article_ids))
        with self._reading():
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT {_COLUMNS} FROM articles a WHERE a.server_id = ? AND a.id IN ({marks})"
                for row in self._db.execute(query, (server, *chunk)):
                    found[row["id"]] = _article(row)
        return found

    def overrides(self, server: int, article_ids: Sequence[str]) -> dict[str, int]:
        """Of these ids, those ``server`` made its own, with the change from which on it did."""
        found: dict[str, int] = {}
        ids = list(dict.fromkeys(article_ids))
        with self._reading():
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT article_id, since FROM overrides WHERE server_id = ? AND article_id IN ({marks})"
                for row in self._db.execute(query, (server, *chunk)):
                    found[row[0]] = int(row[1])
        return found

    def find_duplicate(self, server: int, article: ArticleIn) -> DuplicateArticle | None:
        """The error that adding ``article`` to ``server`` would raise as a duplicate, or None."""
        with self._reading():
            return self._duplicate(self._db, server, article, allow_same_text=False)

    def articles_by_id(self, server: int, ids: Collection[str]) -> dict[str, Article]:
        """The articles of ``server``'s coverage among ``ids`` (a bulk import asks for the ids of its lines)."""
        found: dict[str, Article] = {}
        with self._reading():
            for chunk in _chunks(list(dict.fromkeys(ids))):
                marks, values = _named(chunk)
                query = f"SELECT {_COLUMNS} FROM articles a WHERE a.id IN ({marks}) AND {_VISIBLE} ORDER BY a.seq"
                for row in self._db.execute(query, {"server": server, **values}):
                    found[row["id"]] = _article(row)
        return found

    def duplicate_ids(
        self, server: int, keys: Collection[DuplicateKeys]
    ) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
        """Which of ``keys`` the articles of ``server``'s coverage have, through the indexed key columns: URL key ->
        article id, and (text key, outlet) -> the earliest such article's id."""
        by_url: dict[str, str] = {}
        by_text: dict[tuple[str, str], str] = {}
        texts = {k.text for k in keys if k.text}
        with self._reading():
            for chunk in _chunks(list(dict.fromkeys(k.url for k in keys if k.url))):
                marks, values = _named(chunk)
                query = (
                    f"SELECT a.url_key, a.id FROM articles a WHERE a.url_key IN ({marks}) AND {_VISIBLE} ORDER BY a.seq"
                )
                for row in self._db.execute(query, {"server": server, **values}):
                    by_url.setdefault(row["url_key"], row["id"])
            for chunk in _chunks(list(dict.fromkeys(body for body, _ in texts))):
                marks, values = _named(chunk)
                query = (
                    f"SELECT a.body_key, a.source, a.id FROM articles a WHERE a.body_key IN ({marks}) AND {_VISIBLE} "
                    "ORDER BY a.seq"
                )
                for row in self._db.execute(query, {"server": server, **values}):
                    key = (row["body_key"], row["source"].casefold())
                    if key in texts:
                        by_text.setdefault(key, row["id"])
        return by_url, by_text

    def article_with_url(self, server: int, url: str) -> Article | None:
        """The article of ``server``'s coverage whose URL normalises like ``url``; None if there is none."""
        key = url_key(url)
        if not key:
            return None
        with self._reading():
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM articles a WHERE a.url_key = :key AND {_VISIBLE} ORDER BY a.seq",
                {"server": server, "key": key},
            ).fetchone()
        return None if row is None else _article(row)

    def changes(self, limit: int = 50, since: int = 0, servers: Sequence[int] | None = None) -> list[Change]:
        """The newest ``limit`` changes after ``since``, newest first: of every coverage, or of ``servers``."""
        where, params = "seq > ?", [since]
        if servers is not None:
            where += f" AND server_id IN ({','.join('?' * len(servers))})"
            params.extend(servers)
        with self._reading():
            rows = self._db.execute(
                f"SELECT * FROM changes WHERE {where} ORDER BY seq DESC LIMIT ?", (*params, limit)
            ).fetchall()
        return [Change(r) for r in rows]

    def audit(self, limit: int = 50, servers: Sequence[int] | None = None) -> list[AuditEntry]:
        """The audit trail, newest first: article and feed changes, each naming its coverage and server."""
        where, params = "", []
        if servers is not None:
            where = f"WHERE server_id IN ({','.join('?' * len(servers))})"
            params = list(servers)
        query = (
            "SELECT * FROM ("
            f"SELECT at, seq AS place, 0 AS kind, seq, server_id, guild_id, actor, action, article_id, "
            f"NULL AS feed_id, title, detail FROM changes {where} "
            "UNION ALL "
            f"SELECT at, after_change, 1, seq, server_id, guild_id, actor, action, NULL, feed_id, outlet, url "
            f"FROM feed_changes {where}"
            ") ORDER BY place DESC, kind DESC, seq DESC LIMIT ?"
        )
        with self._reading():
            rows = self._db.execute(query, (*params, *params, max(limit, 0))).fetchall()
        return [
            AuditEntry(
                at=r["at"], server_id=int(r["server_id"]), guild_id=r["guild_id"], actor=r["actor"],
                action=r["action"], article_id=r["article_id"], feed_id=r["feed_id"], title=r["title"],
                detail=r["detail"],
            )
            for r in rows
        ]  # fmt: skip

    def removed_ids(self) -> set[str]:
        """Ids removed from the default collection at some time (seeding never brings them back)."""
        with self._reading():
            rows = self._db.execute(
                "SELECT DISTINCT article_id FROM changes WHERE action = 'remove' AND server_id = 0"
            ).fetchall()
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

    def bodies(self, server: int, article_ids: Sequence[str]) -> dict[str, str]:
        """The texts of the given articles of ``server``'s coverage (missing ids are left out)."""
        found: dict[str, str] = {}
        ids = list(article_ids)
        with self._reading():
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                params: dict[str, object] = {f"i{n}": v for n, v in enumerate(chunk)}
                params["server"] = server
                marks = ",".join(f":i{n}" for n in range(len(chunk)))
                query = f"SELECT a.id, a.body FROM articles a WHERE a.id IN ({marks}) AND {_VISIBLE}"
                for row in self._db.execute(query, params):
                    found[row["id"]] = row["body"]
        return found

    def get_meta(self, key: str) -> str | None:
        with self._reading():
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    # --- servers ---------------------------------------------------------------------------------------------

    def record_servers(self, servers: Sequence[tuple[int, str | None]]) -> None:
        """The Discord servers the bot is in (id, name): remembered for listings, names kept current."""
        if not servers:
            return
        at = now_iso()
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO servers (id, name, first_seen, last_seen) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET name = coalesce(excluded.name, name), last_seen = excluded.last_seen, "
                "left_at = NULL",
                [(int(i), name, at, at) for i, name in servers],
            )

    def server_left(self, server: int) -> None:
        """The bot left (or was removed from) a server; its coverage is kept, should it come back."""
        with self.transaction() as db:
            db.execute("UPDATE servers SET left_at = ? WHERE id = ?", (now_iso(), server))

    def known_server(self, server: int) -> bool:
        """Whether the bot has been in this server, or the server has a coverage of its own."""
        with self._reading():
            row = self._db.execute(
                "SELECT EXISTS (SELECT 1 FROM servers WHERE id = :s) OR EXISTS (SELECT 1 FROM changes "
                "WHERE server_id = :s) OR EXISTS (SELECT 1 FROM feeds WHERE server_id = :s)",
                {"s": server},
            ).fetchone()
        return bool(row[0])

    def servers(self) -> list[ServerSummary]:
        """The default collection, then every server known or with a coverage of its own, by id."""
        with self._reading():
            db = self._db
            names = {int(r[0]): (r[1], r[2]) for r in db.execute("SELECT id, name, left_at FROM servers")}
            own = dict(db.execute("SELECT server_id, count(*) FROM articles GROUP BY server_id").fetchall())
            hidden = dict(
                db.execute(
                    "SELECT o.server_id, count(*) FROM overrides o JOIN articles a "
                    "ON a.server_id = 0 AND a.id = o.article_id GROUP BY o.server_id"
                ).fetchall()
            )
            feeds = dict(db.execute("SELECT server_id, count(*) FROM feeds GROUP BY server_id").fetchall())
            last = dict(db.execute("SELECT server_id, max(at) FROM changes GROUP BY server_id").fetchall())
        ids = sorted({0} | set(names) | set(own) | set(feeds) | set(last))
        base = int(own.get(0, 0))
        return [
            ServerSummary(
                id=i,
                name=names.get(i, (None, None))[0],
                articles=base if i == 0 else base - int(hidden.get(i, 0)) + int(own.get(i, 0)),
                own_articles=int(own.get(i, 0)) if i else 0,
                feeds=int(feeds.get(i, 0)),
                last_change=last.get(i),
                left_at=names.get(i, (None, None))[1],
            )
            for i in ids
        ]

    # --- writing ---------------------------------------------------------------------------------------------

    def add(
        self,
        server: int,
        article: ArticleIn,
        *,
        actor: str,
        allow_same_text: bool = False,
        guild_id: int | None = None,
    ) -> Article:
        """Store one article in ``server`` and log it, in one transaction; refuse a duplicate URL or text."""
        return self.add_many(server, [article], actor=actor, allow_same_text=allow_same_text, guild_id=guild_id)[0]

    def add_many(
        self,
        server: int,
        articles: Sequence[ArticleIn],
        *,
        actor: str,
        action: str = "add",
        allow_same_text: bool = False,
        skip_existing_ids: bool = False,
        meta: dict[str, str] | None = None,
        guild_id: int | None = None,
    ) -> list[Article]:
        """Store ``articles`` in ``server``'s coverage all together or none of them (one transaction)."""
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
                existing = self._get(db, server, record.id)
                if existing is not None:
                    if skip_existing_ids:
                        continue
                    raise DuplicateArticle(
                        f"already stored as {existing['id']} ({existing['title']!r}, {existing['source']})",
                        existing["id"],
                    )
                duplicate = self._duplicate(db, server, record, allow_same_text)
                if duplicate is not None:
                    raise duplicate
                db.execute(
                    "INSERT INTO articles (server_id, id, title, source, date, url, url_key, authors, body, body_key, "
                    "added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        server, record.id, record.title, record.source, record.date, record.url, url_key(record.url),
                        json.dumps(record.authors, ensure_ascii=False), record.body, body_key(record.body),
                        record.added_at, record.added_by,
                    ),
                )  # fmt: skip
                self._log(db, server, guild_id, at, actor, action, record.id, record.title, None)
                stored.append(record)
            for key, value in (meta or {}).items():
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
        return stored

    def remove(
        self, server: int, article_id: str, *, actor: str, reason: str | None = None, guild_id: int | None = None
    ) -> Article:
        """Take one article out of ``server``'s coverage and log who did, in one transaction. A server's own
        article is deleted; one of the default collection is only hidden from that server."""
        with self.transaction() as db:
            row = self._get(db, server, article_id)
            if row is None:
                raise ArticleNotFound(f"no article has the id {article_id!r} (see `newsbot list`)")
            article = _article(row)
            db.execute("DELETE FROM articles WHERE server_id = ? AND id = ?", (server, article_id))
            self._log(db, server, guild_id, now_iso(), actor, "remove", article.id, article.title, reason)
        return article

    @staticmethod
    def _log(
        db: sqlite3.Connection,
        server: int,
        guild_id: int | None,
        at: str,
        actor: str,
        action: str,
        article_id: str,
        title: str,
        detail: str | None,
    ) -> None:
        """One line of the change log; in a server, the article id becomes that server's own from now on."""
        cursor = db.execute(
            "INSERT INTO changes (at, actor, action, article_id, title, detail, server_id, guild_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (at, actor, action, article_id, title, detail, server, guild_id),
        )
        if server:
            db.execute(
                "INSERT OR IGNORE INTO overrides (server_id, article_id, since) VALUES (?, ?, ?)",
                (server, article_id, cursor.lastrowid),
            )

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

    def feeds(self, server: int | None) -> list[FeedRecord]:
        """The feeds subscribed for ``server``'s coverage (None: every coverage's), oldest subscription first,
        with their counts and last poll."""
        with self._reading():
            if server is None:
                rows = self._db.execute(_SELECT_FEEDS + " GROUP BY f.id ORDER BY f.id").fetchall()
            else:
                query = _SELECT_FEEDS + " WHERE f.server_id = ? GROUP BY f.id ORDER BY f.id"
                rows = self._db.execute(query, (server,)).fetchall()
        return [_feed(r) for r in rows]

    def feed(self, feed_id: int) -> FeedRecord | None:
        with self._reading():
            row = self._db.execute(_SELECT_FEEDS + " WHERE f.id = ? GROUP BY f.id", (feed_id,)).fetchone()
        return None if row is None else _feed(row)

    def feed_by_url_key(self, server: int, key: str) -> FeedRecord | None:
        with self._reading():
            query = _SELECT_FEEDS + " WHERE f.server_id = ? AND f.url_key = ? GROUP BY f.id"
            row = self._db.execute(query, (server, key)).fetchone()
        return None if row is None else _feed(row)

    def add_feed(
        self, server: int, url: str, key: str, title: str, outlet: str, actor: str, guild_id: int | None = None
    ) -> int | None:
        """Subscribe a feed for ``server``'s coverage and log who did; its new id, or None when the same URL key
        is subscribed there already."""
        at = now_iso()
        try:
            with self.transaction() as db:
                cursor = db.execute(
                    "INSERT INTO feeds (server_id, url, url_key, title, outlet, added_at, added_by) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (server, url, key, title, outlet, at, actor),
                )
                feed_id = int(cursor.lastrowid or 0)
                db.execute(
                    "INSERT INTO feed_changes (at, actor, action, feed_id, url, outlet, server_id, guild_id, "
                    "after_change) VALUES (?, ?, 'subscribe', ?, ?, ?, ?, ?, "
                    "(SELECT coalesce(max(seq), 0) FROM changes))",
                    (at, actor, feed_id, url, outlet, server, guild_id),
                )
        except sqlite3.IntegrityError:  # subscribed by someone else since the caller checked
            return None
        return feed_id

    def remove_feed(self, feed: FeedRecord, actor: str, guild_id: int | None = None) -> bool:
        """Unsubscribe a feed (its log goes with it) and log who did; False if it was removed meanwhile."""
        with self.transaction() as db:
            if not db.execute("DELETE FROM feeds WHERE id = ? AND server_id = ?", (feed.id, feed.server_id)).rowcount:
                return False
            db.execute(
                "INSERT INTO feed_changes (at, actor, action, feed_id, url, outlet, server_id, guild_id, after_change) "
                "VALUES (?, ?, 'unsubscribe', ?, ?, ?, ?, ?, (SELECT coalesce(max(seq), 0) FROM changes))",
                (now_iso(), actor, feed.id, feed.url, feed.outlet, feed.server_id, guild_id),
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

    def _duplicate(
        self, db: sqlite3.Connection, server: int, article: ArticleIn, allow_same_text: bool
    ) -> DuplicateArticle | None:
        """The duplicate rule (:mod:`bot.storage.keys`) in ``server``'s coverage: the same URL (normalised), or the
        same text from the same outlet. The same text from another outlet is a syndicated copy (an AP story in
        The Hindu): it is stored, and shown as "also in"."""
        keys = DuplicateKeys.of(article)
        if keys.url:
            row = db.execute(
                f"SELECT a.id, a.title FROM articles a WHERE a.url_key = :key AND {_VISIBLE} ORDER BY a.seq",
                {"server": server, "key": keys.url},
            ).fetchone()
            if row:
                return DuplicateArticle(f"that URL is already stored as {row['id']} ({row['title']!r})", row["id"])
        if keys.text and not allow_same_text:
            key_b, outlet = keys.text
            query = (
                f"SELECT a.id, a.title, a.source FROM articles a WHERE a.body_key = :key AND {_VISIBLE} ORDER BY a.seq"
            )
            for row in db.execute(query, {"server": server, "key": key_b}):
                if row["source"].casefold() == outlet:
                    message = f"the same text is already stored as {row['id']} ({row['title']!r})"
                    return DuplicateArticle(message, row["id"])
        return None


def _chunks(values: list[str], size: int = 500) -> Iterator[list[str]]:
    """``values`` in lists short enough for one IN (...), well under SQLite's limit on bound parameters."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _named(values: list[str]) -> tuple[str, dict[str, str]]:
    """Named placeholders for an IN (...) list, to sit beside the other named parameters of a query."""
    names = {f"v{i}": value for i, value in enumerate(values)}
    return ",".join(f":{name}" for name in names), names


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
        server_id=int(row["server_id"]),
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
