"""New-coverage alerts and the claim of each post (migrations 0007 and 0009).

A post is claimed before it is made: one row per (feed, article, channel), so one process makes it. The claim lasts
``ttl`` seconds and its holder renews it while it posts; a holder that dies stops renewing, and once the claim has
expired another process (or the same one, restarted) takes it over, one of them only (one statement decides).
Before each post request the holder counts the attempt (:meth:`AlertRows.begin_alert_attempt`), which also checks
that the claim is still its own (not taken over). Times are Unix seconds from the host's clock, as for the leases.
"""

from __future__ import annotations

import time

from bot.core.alerts import AlertPostStatus, ExpiredClaim, FeedAlert, PendingAlert
from bot.core.models import now_iso
from bot.storage.database import ConstraintViolation, Database, Db, Row

__all__ = ["AlertRows"]

_SELECT = (
    "SELECT a.feed_id, f.server_id, a.channel_id, a.topic, a.added_at, a.added_by FROM feed_alerts a "
    "JOIN feeds f ON f.id = a.feed_id"
)


class AlertRows(Database):
    """The ``feed_alerts`` and ``alert_posts`` tables."""

    def set_alert(
        self, feed_id: int, channel_id: int, topic: str | None, actor: str, guild_id: int | None = None
    ) -> bool:
        """Post feed ``feed_id``'s new articles into ``channel_id`` from now on (replacing an alert it had), and log
        who did in the feed change log, in the same transaction; False when the feed is gone."""
        at = now_iso()
        try:
            with self.transaction() as db:
                cursor = db.execute(
                    "INSERT INTO feed_alerts (feed_id, channel_id, topic, added_at, added_by) "
                    "SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM feeds WHERE id = ?) "
                    "ON CONFLICT (feed_id) DO UPDATE SET channel_id = excluded.channel_id, topic = excluded.topic, "
                    "added_at = excluded.added_at, added_by = excluded.added_by",
                    (feed_id, channel_id, topic, at, actor, feed_id),
                )
                if cursor.rowcount == 0:
                    return False
                _log_alert_change(db, "alert", feed_id, channel_id, topic, actor, guild_id, at)
                return True
        except ConstraintViolation:  # the feed was removed between the check and the insert
            return False

    def remove_alert(self, feed_id: int, actor: str, guild_id: int | None = None) -> bool:
        """Feed ``feed_id`` posts nothing from now on, logged with who did and the channel and topic it posted in
        until then; False when it had no alert (nothing is logged)."""
        with self.transaction() as db:
            row = db.execute(
                "DELETE FROM feed_alerts WHERE feed_id = ? RETURNING channel_id, topic", (feed_id,)
            ).fetchone()
            if row is None:
                return False
            _log_alert_change(db, "alert-off", feed_id, int(row["channel_id"]), row["topic"], actor, guild_id)
            return True

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

    def claim_alert(
        self,
        pending: PendingAlert,
        holder: str,
        status: AlertPostStatus = "claimed",
        *,
        ttl: float = 60.0,
        now: float | None = None,
    ) -> bool:
        """Claim the post of one article into one channel for ``ttl`` seconds (a final status such as
        'off-topic' never expires); False when another process claimed it first (the unique key decides,
        whatever the timing)."""
        alert = pending.alert
        now = time.time() if now is None else now
        expires = now + ttl if status == "claimed" else None
        with self.transaction() as db:
            row = db.execute(
                "INSERT INTO alert_posts (feed_id, article_id, channel_id, status, claimed_at, claimed_by, expires_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (feed_id, article_id, channel_id) DO NOTHING "
                "RETURNING feed_id",
                (alert.feed_id, pending.article_id, alert.channel_id, status, now_iso(), holder, expires),
            ).fetchone()
        return row is not None

    def expired_alert_claims(self, limit: int, *, now: float | None = None) -> list[ExpiredClaim]:
        """Claimed posts whose claim expired before their holder recorded what became of them, at most ``limit``:
        the oldest claims first, in the order their feed added them."""
        now = time.time() if now is None else now
        with self._reading() as db:
            rows = db.execute(
                "SELECT p.feed_id, f.server_id, p.channel_id, a.channel_id AS alert_channel, a.topic, "
                "coalesce(a.added_at, '') AS added_at, coalesce(a.added_by, '') AS added_by, p.article_id, "
                "coalesce(nullif(f.title, ''), f.outlet) AS feed_name, p.claimed_by, p.attempts, p.first_attempt_at "
                "FROM alert_posts p JOIN feeds f ON f.id = p.feed_id LEFT JOIN feed_alerts a ON a.feed_id = p.feed_id "
                "WHERE p.status = 'claimed' AND p.expires_at <= ? ORDER BY p.claimed_at, "
                "(SELECT min(i.seq) FROM feed_items i WHERE i.feed_id = p.feed_id AND i.article_id = p.article_id), "
                "p.article_id LIMIT ?",
                (now, max(limit, 0)),
            ).fetchall()
        claims = []
        for r in rows:
            alert = _alert(r)  # in the post's channel, which the alert may have left since
            first = r["first_attempt_at"]
            claims.append(
                ExpiredClaim(
                    pending=PendingAlert(alert, r["article_id"], r["feed_name"]),
                    holder=r["claimed_by"],
                    attempts=int(r["attempts"]),
                    first_attempt_at=None if first is None else float(first),
                    current=r["alert_channel"] is not None and int(r["alert_channel"]) == alert.channel_id,
                )
            )
        return claims

    def retake_alert(self, pending: PendingAlert, holder: str, *, ttl: float, now: float | None = None) -> bool:
        """Take over a claimed post whose claim has expired, for ``ttl`` seconds; False when it has not expired
        (its holder renewed it), is finished, or another process took it over first."""
        now = time.time() if now is None else now
        alert = pending.alert
        with self.transaction() as db:
            row = db.execute(
                "UPDATE alert_posts SET claimed_by = ?, expires_at = ? WHERE feed_id = ? AND article_id = ? "
                "AND channel_id = ? AND status = 'claimed' AND expires_at <= ? RETURNING feed_id",
                (holder, now + ttl, alert.feed_id, pending.article_id, alert.channel_id, now),
            ).fetchone()
        return row is not None

    def renew_alert_claims(self, holder: str, *, ttl: float, now: float | None = None) -> int:
        """Keep every claim ``holder`` has (its queued and posting ones) for ``ttl`` more seconds; how many."""
        now = time.time() if now is None else now
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE alert_posts SET expires_at = ? WHERE status = 'claimed' AND claimed_by = ?",
                (now + ttl, holder),
            )
            return cursor.rowcount

    def release_alert(self, pending: PendingAlert, holder: str, *, now: float | None = None) -> bool:
        """Give up ``holder``'s claim now (its post failed for a reason worth trying again): the next process to
        look, this one included, takes it over. False when it was not ``holder``'s."""
        now = time.time() if now is None else now
        alert = pending.alert
        with self.transaction() as db:
            row = db.execute(
                "UPDATE alert_posts SET expires_at = ?, claimed_by = ? WHERE feed_id = ? AND article_id = ? "
                "AND channel_id = ? AND status = 'claimed' AND claimed_by = ? RETURNING feed_id",
                (now, f"{holder} (released)", alert.feed_id, pending.article_id, alert.channel_id, holder),
            ).fetchone()
        return row is not None

    def begin_alert_attempt(
        self, pending: PendingAlert, holder: str, *, ttl: float, now: float | None = None
    ) -> tuple[bool, float | None]:
        """Count one post request about to be sent, renewing ``holder``'s claim for ``ttl`` seconds: (False,
        None) when the claim is no longer its own (another process took it over when it expired: do not post);
        else (True, when an earlier attempt was first sent, or None when this is the first). A claim that expired
        but that nobody took over is still its holder's: the statement that takes one over changes its holder."""
        now = time.time() if now is None else now
        alert = pending.alert
        with self.transaction() as db:
            row = db.execute(
                "UPDATE alert_posts SET attempts = attempts + 1, first_attempt_at = coalesce(first_attempt_at, ?), "
                "expires_at = ? WHERE feed_id = ? AND article_id = ? AND channel_id = ? AND status = 'claimed' "
                "AND claimed_by = ? RETURNING attempts, first_attempt_at",
                (now, now + ttl, alert.feed_id, pending.article_id, alert.channel_id, holder),
            ).fetchone()
        if row is None:
            return False, None
        return True, (None if int(row[0]) == 1 else float(row[1]))

    def finish_alert(
        self, pending: PendingAlert, status: AlertPostStatus, message_id: int | None = None, detail: str = ""
    ) -> None:
        """Record what became of a claimed post: posted (its message), or failed (why)."""
        alert = pending.alert
        with self.transaction() as db:
            db.execute(
                "UPDATE alert_posts SET status = ?, message_id = ?, detail = ?, expires_at = NULL "
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


def _log_alert_change(
    db: Db,
    action: str,
    feed_id: int,
    channel_id: int,
    topic: str | None,
    actor: str,
    guild_id: int | None,
    at: str | None = None,
) -> None:
    """One line of the feed change log for an alert set (``alert``) or turned off (``alert-off``), naming the feed
    as subscribing does (its URL, outlet and coverage) and the newest article change (one trail, in order)."""
    feed = db.execute("SELECT url, outlet, server_id FROM feeds WHERE id = ?", (feed_id,)).fetchone()
    db.execute(
        "INSERT INTO feed_changes (at, actor, action, feed_id, url, outlet, server_id, guild_id, after_change, "
        "channel_id, topic) VALUES (?, ?, ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(seq), 0) FROM changes), ?, ?)",
        (
            at or now_iso(), actor, action, feed_id, feed["url"], feed["outlet"], int(feed["server_id"]), guild_id,
            channel_id, topic,
        ),
    )  # fmt: skip


def _alert(row: Row) -> FeedAlert:
    return FeedAlert(
        feed_id=int(row["feed_id"]),
        server_id=int(row["server_id"]),
        channel_id=int(row["channel_id"]),
        topic=row["topic"],
        added_at=row["added_at"],
        added_by=row["added_by"],
    )
