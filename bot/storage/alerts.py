"""New-coverage alerts and the claim of each post (migration 0007)."""

from __future__ import annotations

from bot.core.alerts import AlertPostStatus, FeedAlert, PendingAlert
from bot.core.models import now_iso
from bot.storage.database import ConstraintViolation, Database, Row

__all__ = ["AlertRows"]

_SELECT = (
    "SELECT a.feed_id, f.server_id, a.channel_id, a.topic, a.added_at, a.added_by FROM feed_alerts a "
    "JOIN feeds f ON f.id = a.feed_id"
)


class AlertRows(Database):
    """The ``feed_alerts`` and ``alert_posts`` tables."""

    def set_alert(self, feed_id: int, channel_id: int, topic: str | None, actor: str) -> bool:
        """Post feed ``feed_id``'s new articles into ``channel_id`` from now on (replacing an alert it had); False
        when the feed is gone."""
        try:
            with self.transaction() as db:
                cursor = db.execute(
                    "INSERT INTO feed_alerts (feed_id, channel_id, topic, added_at, added_by) "
                    "SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM feeds WHERE id = ?) "
                    "ON CONFLICT (feed_id) DO UPDATE SET channel_id = excluded.channel_id, topic = excluded.topic, "
                    "added_at = excluded.added_at, added_by = excluded.added_by",
                    (feed_id, channel_id, topic, now_iso(), actor, feed_id),
                )
                return cursor.rowcount > 0
        except ConstraintViolation:  # the feed was removed between the check and the insert
            return False

    def alerts(self, server: int | None) -> list[FeedAlert]:
        """The alerts of ``server``'s feeds (None: every coverage's), by feed."""
        with self._reading() as db:
            if server is None:
                rows = db.execute(_SELECT + " ORDER BY a.feed_id").fetchall()
            else:
                rows = db.execute(_SELECT + " WHERE f.server_id = ? ORDER BY a.feed_id", (server,)).fetchall()
        return [_alert(r) for r in rows]

    def pending_alerts(self, limit: int) -> list[PendingAlert]:
        """Articles that feeds with an alert added since it was set, which no process has claimed yet; oldest
        first, at most ``limit``."""
        with self._reading() as db:
            rows = db.execute(
                "SELECT a.feed_id, f.server_id, a.channel_id, a.topic, a.added_at, a.added_by, i.article_id, "
                "coalesce(nullif(f.title, ''), f.outlet) AS feed_name "
                "FROM feed_alerts a JOIN feeds f ON f.id = a.feed_id "
                "JOIN feed_items i ON i.feed_id = a.feed_id AND i.status = 'added' AND i.at >= a.added_at "
                "WHERE i.article_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM alert_posts p WHERE "
                "p.feed_id = a.feed_id AND p.article_id = i.article_id AND p.channel_id = a.channel_id) "
                "ORDER BY i.seq LIMIT ?",
                (max(limit, 0),),
            ).fetchall()
        return [PendingAlert(_alert(r), r["article_id"], r["feed_name"]) for r in rows]

    def claim_alert(self, pending: PendingAlert, holder: str, status: AlertPostStatus = "claimed") -> bool:
        """Claim the post of one article into one channel; False when another process claimed it first (the
        unique key decides, whatever the timing)."""
        alert = pending.alert
        with self.transaction() as db:
            row = db.execute(
                "INSERT INTO alert_posts (feed_id, article_id, channel_id, status, claimed_at, claimed_by) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (feed_id, article_id, channel_id) DO NOTHING RETURNING feed_id",
                (alert.feed_id, pending.article_id, alert.channel_id, status, now_iso(), holder),
            ).fetchone()
        return row is not None

    def finish_alert(
        self, pending: PendingAlert, status: AlertPostStatus, message_id: int | None = None, detail: str = ""
    ) -> None:
        """Record what became of a claimed post: posted (its message), or failed (why)."""
        alert = pending.alert
        with self.transaction() as db:
            db.execute(
                "UPDATE alert_posts SET status = ?, message_id = ?, detail = ? "
                "WHERE feed_id = ? AND article_id = ? AND channel_id = ?",
                (status, message_id, detail, alert.feed_id, pending.article_id, alert.channel_id),
            )

    def alert_posts(self, feed_id: int) -> list[tuple[str, int, str, int | None, str]]:
        """(article id, channel, status, message id, detail) of every claimed post of a feed, oldest first."""
        with self._reading() as db:
            rows = db.execute(
                "SELECT article_id, channel_id, status, message_id, detail FROM alert_posts WHERE feed_id = ? "
                "ORDER BY claimed_at, article_id",
                (feed_id,),
            ).fetchall()
        return [(r[0], int(r[1]), r[2], None if r[3] is None else int(r[3]), r[4]) for r in rows]


def _alert(row: Row) -> FeedAlert:
    return FeedAlert(
        feed_id=int(row["feed_id"]),
        server_id=int(row["server_id"]),
        channel_id=int(row["channel_id"]),
        topic=row["topic"],
        added_at=row["added_at"],
        added_by=row["added_by"],
    )
