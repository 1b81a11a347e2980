"""The change log: who changed what, when, in which coverage; the audit trail newsbot log shows."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.models import AuditEntry
from bot.storage.database import Database, Row

__all__ = ["Change", "ChangeLog"]


class Change:
    """One line of the audit log."""

    __slots__ = ("action", "actor", "article_id", "at", "detail", "guild_id", "seq", "server_id", "title")

    def __init__(self, row: Row) -> None:
        self.seq: int = row["seq"]
        self.server_id: int = row["server_id"]
        self.guild_id: int | None = row["guild_id"]
        self.at: str = row["at"]
        self.actor: str = row["actor"]
        self.action: str = row["action"]
        self.article_id: str | None = row["article_id"]
        self.title: str | None = row["title"]
        self.detail: str | None = row["detail"]


class ChangeLog(Database):
    """Reading the ``changes`` table (articles) and the feeds' log, newest first."""

    def changes(self, limit: int = 50, since: int = 0, servers: Sequence[int] | None = None) -> list[Change]:
        """The newest ``limit`` changes after ``since``, newest first: of every coverage, or of ``servers``."""
        where, params = "seq > ?", [since]
        if servers is not None:
            where += f" AND server_id IN ({','.join('?' * len(servers))})"
            params.extend(servers)
        with self._reading() as db:
            rows = db.execute(
                f"SELECT * FROM changes WHERE {where} ORDER BY seq DESC LIMIT ?", (*params, limit)
            ).fetchall()
        return [Change(r) for r in rows]

    def audit(self, limit: int = 50, servers: Sequence[int] | None = None) -> list[AuditEntry]:
        """The audit trail, newest first: article and feed changes (subscriptions and alerts), each naming its
        coverage and server."""
        where, params = "", []
        if servers is not None:
            where = f"WHERE server_id IN ({','.join('?' * len(servers))})"
            params = list(servers)
        query = (
            "SELECT * FROM ("
            f"SELECT at, seq AS place, 0 AS kind, seq, server_id, guild_id, actor, action, article_id, "
            f"NULL AS feed_id, title, detail, NULL AS channel_id, NULL AS topic FROM changes {where} "
            "UNION ALL "
            f"SELECT at, after_change, 1, seq, server_id, guild_id, actor, action, NULL, feed_id, outlet, url, "
            f"channel_id, topic FROM feed_changes {where}"
            ") AS trail ORDER BY place DESC, kind DESC, seq DESC LIMIT ?"
        )
        with self._reading() as db:
            rows = db.execute(query, (*params, *params, max(limit, 0))).fetchall()
        return [
            AuditEntry(
                at=r["at"], server_id=int(r["server_id"]), guild_id=r["guild_id"], actor=r["actor"],
                action=r["action"], article_id=r["article_id"], feed_id=r["feed_id"], title=r["title"],
                detail=r["detail"], channel_id=r["channel_id"], topic=r["topic"],
            )
            for r in rows
        ]  # fmt: skip

    def removed_ids(self) -> set[str]:
        """Ids removed from the default collection at some time (seeding never brings them back)."""
        with self._reading() as db:
            rows = db.execute(
                "SELECT DISTINCT article_id FROM changes WHERE action = 'remove' AND server_id = 0"
            ).fetchall()
        return {r[0] for r in rows}

    def change_at(self, seq: int) -> str | None:
        """A fingerprint of the change numbered ``seq`` (to tell one history from another after a restore)."""
        with self._reading() as db:
            row = db.execute("SELECT at, action, article_id FROM changes WHERE seq = ?", (seq,)).fetchone()
        return None if row is None else f"{row['at']}|{row['action']}|{row['article_id']}"
