"""Articles in their coverages: reading them (by id, in order, by key), adding and removing them, and the one
duplicate rule applied on the way in.

Every change is one transaction (``with self.transaction():``): an add or a remove writes the article and its line in
``changes`` together or not at all, so a crash or a kill never leaves half an article. ``version()`` (the newest
change's number) tells another process that it must reload.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence

from bot.core.errors import ArticleNotFound, DuplicateArticle
from bot.core.models import (
    Article,
    ArticleIn,
    make_article_id,
    now_iso,
)
from bot.storage.database import Database, Db, Row, set_meta
from bot.storage.keys import DuplicateKeys, url_key

__all__ = ["ArticleRows"]

_COLUMNS = "a.id, a.title, a.source, a.date, a.url, a.authors, a.body, a.added_at, a.added_by"


# The rows of the coverage of the server ``:server`` (0: the default collection) in ``articles a``.
_VISIBLE = (  # its first term is a.server_id: _NEXT_IN_ORDER's "+" before it keeps an index out (see there)
    "a.server_id IN (:server, 0) AND (a.server_id = :server OR NOT EXISTS "
    "(SELECT 1 FROM overrides o WHERE o.server_id = :server AND o.article_id = a.id))"
)
# The next batch of ``server``'s coverage in insertion order. ``+a.server_id`` keeps the (server_id, id) index out:
# through it SQLite read and sorted every remaining row, bodies and all, for each batch (a temporary B-tree; 100,000
# articles read back in 22.6 s of CPU, against 0.9 s walking the primary key from ``:last``).
_NEXT_IN_ORDER = (
    f"SELECT a.seq, {_COLUMNS} FROM articles a WHERE a.seq > :last AND +{_VISIBLE} ORDER BY a.seq LIMIT :batch"
)


class ArticleRows(Database):
    """The articles table (and the overrides that make a default article a server's own)."""

    def version(self) -> int:
        """The number of the newest change: it grows with every add, remove or seed, in any process."""
        with self._reading() as db:
            row = db.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()
        return int(row[0])

    def versions(self, server: int) -> tuple[int, int]:
        """The newest change of the default collection, and of ``server``'s own (0 for none): a server's
        coverage changed when either grew; a server whose own is 0 has the default collection as it is."""
        with self._reading() as db:
            rows = db.execute(
                "SELECT server_id, max(seq) FROM changes WHERE server_id IN (0, ?) GROUP BY server_id", (server,)
            ).fetchall()
        found = {int(r[0]): int(r[1]) for r in rows}
        return found.get(0, 0), (found.get(server, 0) if server else 0)

    def count(self, server: int = 0) -> int:
        with self._reading() as db:
            row = db.execute(f"SELECT count(*) FROM articles a WHERE {_VISIBLE}", {"server": server}).fetchone()
        return int(row[0])

    def get(self, server: int, article_id: str) -> Article:
        """The article with this id in ``server``'s coverage; :class:`ArticleNotFound` if there is none."""
        with self._reading() as db:
            row = self._get(db, server, article_id)
        if row is None:
            raise ArticleNotFound(f"no article has the id {article_id!r} (see `newsbot list`)")
        return _article(row)

    def _get(self, db: Db, server: int, article_id: str) -> Row | None:
        query = f"SELECT {_COLUMNS} FROM articles a WHERE a.id = :id AND {_VISIBLE}"
        row: Row | None = db.execute(query, {"server": server, "id": article_id}).fetchone()
        return row

    def all(self, server: int = 0) -> list[Article]:
        """Every article of ``server``'s coverage, in insertion order."""
        return list(self.iter_all(server))

    def iter_all(self, server: int = 0, batch: int = 5000) -> Iterator[Article]:
        """Every article of ``server``'s coverage in insertion order, without holding them all at once."""
        last = 0
        while True:
            with self._reading() as db:
                rows = db.execute(_NEXT_IN_ORDER, {"server": server, "last": last, "batch": batch}).fetchall()
            if not rows:
                return
            last = rows[-1]["seq"]
            yield from (_article(r) for r in rows)

    def iter_every(self, batch: int = 5000) -> Iterator[Article]:
        """Every stored article of every coverage (a server's own and the default collection's), once each."""
        last = 0
        while True:
            with self._reading() as db:
                rows = db.execute(
                    f"SELECT a.seq, {_COLUMNS} FROM articles a WHERE a.seq > ? ORDER BY a.seq LIMIT ?", (last, batch)
                ).fetchall()
            if not rows:
                return
            last = rows[-1]["seq"]
            yield from (_article(r) for r in rows)

    def ids_in_order(self, server: int = 0) -> list[str]:
        """The ids of ``server``'s coverage, in insertion order."""
        with self._reading() as db:
            rows = db.execute(f"SELECT a.id FROM articles a WHERE {_VISIBLE} ORDER BY a.seq", {"server": server})
            return [r[0] for r in rows]

    def rows_of(self, server: int, article_ids: Sequence[str]) -> dict[str, Article]:
        """The articles stored under exactly this ``server`` (0: the default collection's own rows), by id."""
        found: dict[str, Article] = {}
        ids = list(dict.fromkeys(article_ids))
        with self._reading() as db:
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT {_COLUMNS} FROM articles a WHERE a.server_id = ? AND a.id IN ({marks})"
                for row in db.execute(query, (server, *chunk)):
                    found[row["id"]] = _article(row)
        return found

    def overrides(self, server: int, article_ids: Sequence[str]) -> dict[str, int]:
        """Of these ids, those ``server`` made its own, with the change from which on it did."""
        found: dict[str, int] = {}
        ids = list(dict.fromkeys(article_ids))
        with self._reading() as db:
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT article_id, since FROM overrides WHERE server_id = ? AND article_id IN ({marks})"
                for row in db.execute(query, (server, *chunk)):
                    found[row[0]] = int(row[1])
        return found

    def bodies(self, server: int, article_ids: Sequence[str]) -> dict[str, str]:
        """The texts of the given articles of ``server``'s coverage (missing ids are left out)."""
        found: dict[str, str] = {}
        ids = list(article_ids)
        with self._reading() as db:
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                params: dict[str, object] = {f"i{n}": v for n, v in enumerate(chunk)}
                params["server"] = server
                marks = ",".join(f":i{n}" for n in range(len(chunk)))
                query = f"SELECT a.id, a.body FROM articles a WHERE a.id IN ({marks}) AND {_VISIBLE}"
                for row in db.execute(query, params):
                    found[row["id"]] = row["body"]
        return found

    def find_duplicate(self, server: int, article: ArticleIn) -> DuplicateArticle | None:
        """The error that adding ``article`` to ``server`` would raise as a duplicate, or None."""
        with self._reading() as db:
            return self._duplicate(db, server, DuplicateKeys.of(article), allow_same_text=False)

    def articles_by_id(self, server: int, ids: Collection[str]) -> dict[str, Article]:
        """The articles of ``server``'s coverage among ``ids`` (a bulk import asks for the ids of its lines)."""
        found: dict[str, Article] = {}
        with self._reading() as db:
            for chunk in _chunks(list(dict.fromkeys(ids))):
                marks, values = _named(chunk)
                query = f"SELECT {_COLUMNS} FROM articles a WHERE a.id IN ({marks}) AND {_VISIBLE} ORDER BY a.seq"
                for row in db.execute(query, {"server": server, **values}):
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
        with self._reading() as db:
            for chunk in _chunks(list(dict.fromkeys(k.url for k in keys if k.url))):
                marks, values = _named(chunk)
                query = (
                    f"SELECT a.url_key, a.id FROM articles a WHERE a.url_key IN ({marks}) AND {_VISIBLE} ORDER BY a.seq"
                )
                for row in db.execute(query, {"server": server, **values}):
                    by_url.setdefault(row["url_key"], row["id"])
            for chunk in _chunks(list(dict.fromkeys(body for body, _ in texts))):
                marks, values = _named(chunk)
                query = (
                    f"SELECT a.body_key, a.source, a.id FROM articles a WHERE a.body_key IN ({marks}) AND {_VISIBLE} "
                    "ORDER BY a.seq"
                )
                for row in db.execute(query, {"server": server, **values}):
                    key = (row["body_key"], row["source"].casefold())
                    if key in texts:
                        by_text.setdefault(key, row["id"])
        return by_url, by_text

    def article_with_url(self, server: int, url: str) -> Article | None:
        """The article of ``server``'s coverage whose URL normalises like ``url``; None if there is none."""
        key = url_key(url)
        if not key:
            return None
        with self._reading() as db:
            row = db.execute(
                f"SELECT {_COLUMNS} FROM articles a WHERE a.url_key = :key AND {_VISIBLE} ORDER BY a.seq",
                {"server": server, "key": key},
            ).fetchone()
        return None if row is None else _article(row)

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
        """Store ``articles`` in ``server``'s coverage all together or none of them (one transaction).

        Each article is checked in order against the coverage and the articles before it, by the rules of
        :meth:`_get` and :meth:`_duplicate` (the same errors, for the same first offender); the stored rows those
        rules could name are read first, a few hundred keys a query, and the rows are then written with one
        statement each for the articles and the change log, instead of five statements an article."""
        at = now_iso()
        records: list[Article] = []
        keys: list[DuplicateKeys] = []
        for article in articles:
            record = _record(article, at, actor)
            records.append(record)
            keys.append(DuplicateKeys.of(record))
        with self.transaction() as db:
            seen = _StoredKeys.read(db, server, records, keys)
            stored: list[Article] = []
            stored_keys: list[DuplicateKeys] = []
            for record, key in zip(records, keys, strict=True):
                existing = seen.by_id.get(record.id)
                if existing is not None:
                    if skip_existing_ids:
                        continue
                    article_id, title, source = existing
                    raise DuplicateArticle(f"already stored as {article_id} ({title!r}, {source})", article_id)
                duplicate = seen.duplicate(key, allow_same_text)
                if duplicate is not None:
                    raise duplicate
                seen.add(record, key)
                stored.append(record)
                stored_keys.append(key)
            db.executemany(
                "INSERT INTO articles (server_id, id, title, source, date, url, url_key, authors, body, body_key, "
                "added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        server, r.id, r.title, r.source, r.date, r.url, k.url,
                        json.dumps(r.authors, ensure_ascii=False), r.body, k.text and k.text[0], r.added_at,
                        r.added_by,
                    )
                    for r, k in zip(stored, stored_keys, strict=True)
                ],
            )  # fmt: skip
            if server:  # a server's change also makes the id its own (an override naming the change)
                for record in stored:
                    self._log(db, server, guild_id, at, actor, action, record.id, record.title, None)
            else:
                db.executemany(
                    "INSERT INTO changes (at, actor, action, article_id, title, detail, server_id, guild_id) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(at, actor, action, r.id, r.title, None, server, guild_id) for r in stored],
                )
            set_meta(db, meta or {})
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
        db: Db,
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
        seq = db.execute(
            "INSERT INTO changes (at, actor, action, article_id, title, detail, server_id, guild_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
            (at, actor, action, article_id, title, detail, server, guild_id),
        ).fetchone()[0]
        if server:
            db.execute(
                "INSERT INTO overrides (server_id, article_id, since) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (server, article_id, seq),
            )

    def _duplicate(self, db: Db, server: int, keys: DuplicateKeys, allow_same_text: bool) -> DuplicateArticle | None:
        """The duplicate rule (:mod:`bot.storage.keys`) in ``server``'s coverage: the same URL (normalised), or the
        same text from the same outlet. The same text from another outlet is a syndicated copy (an AP story in
        The Hindu): it is stored, and shown as "also in"."""
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


class _StoredKeys:
    """What the duplicate rule needs of a coverage for one batch of articles: the visible rows with the batch's ids,
    URL keys and text keys (read in a few queries), and the batch's own articles as they are accepted, in the
    order the one-article queries of :meth:`ArticleRows._get` and :meth:`ArticleRows._duplicate` would meet them
    (stored rows by ``seq``, then the batch in order)."""

    def __init__(self) -> None:
        self.by_id: dict[str, tuple[str, str, str]] = {}  # id -> (id, title, source)
        self.by_url: dict[str, tuple[str, str]] = {}  # URL key -> the earliest (id, title)
        self.by_text: dict[str, list[tuple[str, str, str]]] = {}  # text key -> every (id, title, source), in order

    @classmethod
    def read(cls, db: Db, server: int, records: Sequence[Article], keys: Sequence[DuplicateKeys]) -> _StoredKeys:
        found = cls()
        queries = (
            ([r.id for r in records], "a.id", "SELECT a.id, a.id, a.title, a.source"),
            ([k.url for k in keys if k.url], "a.url_key", "SELECT a.url_key, a.id, a.title, a.source"),
            ([k.text[0] for k in keys if k.text], "a.body_key", "SELECT a.body_key, a.id, a.title, a.source"),
        )
        for n, (values, column, select) in enumerate(queries):
            for chunk in _chunks(list(dict.fromkeys(values))):
                marks, params = _named(chunk)
                query = f"{select} FROM articles a WHERE {column} IN ({marks}) AND {_VISIBLE} ORDER BY a.seq"
                for key, article_id, title, source in db.execute(query, {"server": server, **params}):
                    if n == 0:
                        found.by_id.setdefault(key, (article_id, title, source))
                    elif n == 1:
                        found.by_url.setdefault(key, (article_id, title))
                    else:
                        found.by_text.setdefault(key, []).append((article_id, title, source))
        return found

    def duplicate(self, keys: DuplicateKeys, allow_same_text: bool) -> DuplicateArticle | None:
        """What :meth:`ArticleRows._duplicate` would find for ``keys`` here."""
        if keys.url and keys.url in self.by_url:
            article_id, title = self.by_url[keys.url]
            return DuplicateArticle(f"that URL is already stored as {article_id} ({title!r})", article_id)
        if keys.text and not allow_same_text:
            key, outlet = keys.text
            for article_id, title, source in self.by_text.get(key, ()):
                if source.casefold() == outlet:
                    return DuplicateArticle(f"the same text is already stored as {article_id} ({title!r})", article_id)
        return None

    def add(self, record: Article, keys: DuplicateKeys) -> None:
        """``record`` is stored: later articles of the batch meet it after every stored row."""
        self.by_id.setdefault(record.id, (record.id, record.title, record.source))
        if keys.url:
            self.by_url.setdefault(keys.url, (record.id, record.title))
        if keys.text:
            self.by_text.setdefault(keys.text[0], []).append((record.id, record.title, record.source))


def _chunks(values: list[str], size: int = 500) -> Iterator[list[str]]:
    """``values`` in lists short enough for one IN (...), well under SQLite's limit on bound parameters."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _named(values: list[str]) -> tuple[str, dict[str, str]]:
    """Named placeholders for an IN (...) list, to sit beside the other named parameters of a query."""
    names = {f"v{i}": value for i, value in enumerate(values)}
    return ",".join(f":{name}" for name in names), names


def _record(article: ArticleIn, at: str, actor: str) -> Article:
    """The stored form of ``article``: its id (given, or made from outlet, headline, date and URL) and who added it
    when. An ArticleIn was validated field by field when it was made, and an Article adds only what the store
    sets here, so it is not validated again (that was most of the cost of storing an article); anything else
    (a subclass, an Article) goes through the model's validation."""
    article_id = article.id or make_article_id(article.source, article.title, article.date, article.url)
    if type(article) is ArticleIn:
        fields = {name: getattr(article, name) for name in _ARTICLE_IN_FIELDS}
        return Article.model_construct(
            **fields,
            authors=list(article.authors),  # its own list: the caller's ArticleIn may change after
            id=article_id,
            added_at=at,
            added_by=actor,
        )
    return Article(**{**article.model_dump(), "id": article_id}, added_at=at, added_by=actor)


_ARTICLE_IN_FIELDS = tuple(name for name in ArticleIn.model_fields if name not in ("id", "authors"))


def _article(row: Row) -> Article:
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
