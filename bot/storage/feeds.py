"""Feed subscriptions and their log (polling them is :mod:`bot.feeds.subscriptions`)."""

from __future__ import annotations

from bot.core.models import (
    FeedLogEntry,
    FeedRecord,
    now_iso,
)
from bot.storage.database import ConstraintViolation, Database, Row

__all__ = ["FeedRows"]


class FeedRows(Database):
    """The ``feeds`` and ``feed_items`` tables."""

    def feeds(self, server: int | None) -> list[FeedRecord]:
        """The feeds subscribed for ``server``'s coverage (None: every coverage's), oldest subscription first,
        with their counts and last poll."""
        with self._reading() as db:
            if server is None:
                rows = db.execute(_SELECT_FEEDS + " GROUP BY f.id ORDER BY f.id").fetchall()
            else:
                query = _SELECT_FEEDS + " WHERE f.server_id = ? GROUP BY f.id ORDER BY f.id"
                rows = db.execute(query, (server,)).fetchall()
        return [_feed(r) for r in rows]

    def feed(self, feed_id: int) -> FeedRecord | None:
        with self._reading() as db:
            row = db.execute(_SELECT_FEEDS + " WHERE f.id = ? GROUP BY f.id", (feed_id,)).fetchone()
        return None if row is None else _feed(row)

    def feed_by_url_key(self, server: int, key: str) -> FeedRecord | None:
        with self._reading() as db:
            query = _SELECT_FEEDS + " WHERE f.server_id = ? AND f.url_key = ? GROUP BY f.id"
            row = db.execute(query, (server, key)).fetchone()
        return None if row is None else _feed(row)

    def add_feed(
        self, server: int, url: str, key: str, title: str, outlet: str, actor: str, guild_id: int | None = None
    ) -> int | None:
        """Subscribe a feed for ``server``'s coverage and log who did; its new id, or None when the same URL key
        is subscribed there already."""
        at = now_iso()
        try:
            with self.transaction() as db:
                feed_id = int(
                    db.execute(
                        "INSERT INTO feeds (server_id, url, url_key, title, outlet, added_at, added_by) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        (server, url, key, title, outlet, at, actor),
                    ).fetchone()[0]
                )
                db.execute(
                    "INSERT INTO feed_changes (at, actor, action, feed_id, url, outlet, server_id, guild_id, "
                    "after_change) VALUES (?, ?, 'subscribe', ?, ?, ?, ?, ?, "
                    "(SELECT coalesce(max(seq), 0) FROM changes))",
                    (at, actor, feed_id, url, outlet, server, guild_id),
                )
        except ConstraintViolation:  # subscribed by someone else since the caller checked
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
        with self._reading() as db:
            rows = db.execute("SELECT entry_key FROM feed_items WHERE feed_id = ?", (feed_id,)).fetchall()
        return {r[0] for r in rows}

    def feed_log(self, feed_id: int, limit: int) -> list[FeedLogEntry]:
        """The newest ``limit`` outcomes of a feed's entries, newest first."""
        with self._reading() as db:
            rows = db.execute(
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


_SELECT_FEEDS = (
    "SELECT f.*, "
    "count(*) FILTER (WHERE i.status = 'added') AS n_added, "
    "count(*) FILTER (WHERE i.status = 'skipped') AS n_skipped, "
    "count(*) FILTER (WHERE i.status = 'failed') AS n_failed "
    "FROM feeds f LEFT JOIN feed_items i ON i.feed_id = f.id"
)


def _feed(row: Row) -> FeedRecord:
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


def _feed_log_entry(row: Row) -> FeedLogEntry:
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
