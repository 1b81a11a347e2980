"""The Discord servers the bot knows, and what each one's coverage holds."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.models import (
    ServerSummary,
    now_iso,
)
from bot.storage.database import Database

__all__ = ["ServerRows"]


class ServerRows(Database):
    """The ``servers`` table and the per-server counts of ``newsbot servers``."""

    def record_servers(self, servers: Sequence[tuple[int, str | None]]) -> None:
        """The Discord servers the bot is in (id, name): remembered for listings, names kept current."""
        if not servers:
            return
        at = now_iso()
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO servers (id, name, first_seen, last_seen) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET name = coalesce(excluded.name, servers.name), "
                "last_seen = excluded.last_seen, left_at = NULL",
                [(int(i), name, at, at) for i, name in servers],
            )

    def server_left(self, server: int) -> None:
        """The bot left (or was removed from) a server; its coverage is kept, should it come back."""
        with self.transaction() as db:
            db.execute("UPDATE servers SET left_at = ? WHERE id = ?", (now_iso(), server))

    def known_server(self, server: int) -> bool:
        """Whether the bot has been in this server, or the server has a coverage of its own."""
        with self._reading() as db:
            row = db.execute(
                "SELECT EXISTS (SELECT 1 FROM servers WHERE id = :s) OR EXISTS (SELECT 1 FROM changes "
                "WHERE server_id = :s) OR EXISTS (SELECT 1 FROM feeds WHERE server_id = :s)",
                {"s": server},
            ).fetchone()
        return bool(row[0])

    def servers(self) -> list[ServerSummary]:
        """The default collection, then every server known or with a coverage of its own, by id."""
        with self._reading() as db:
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
