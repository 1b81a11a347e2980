"""Knowledge gaps: the questions a coverage could not answer (migration 0005), their text and terms only."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.kept import GapTally, OpenGap
from bot.storage.database import Database

__all__ = ["GapRows"]


class GapRows(Database):
    """The ``gaps`` table."""

    def record_gap(self, server: int, question: str, terms: str, at: str) -> None:
        """Keep one asking of a question the coverage of ``server`` could not answer."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO gaps (server_id, question, terms, asked_at) VALUES (?, ?, ?, ?)",
                (server, question, terms, at),
            )

    def prune_gaps(self, before: str | None) -> int:
        """Delete the gaps asked before ``before`` (an ISO time; None: every gap); how many were deleted."""
        with self.transaction() as db:
            if before is None:
                return int(db.execute("DELETE FROM gaps").rowcount)
            return int(db.execute("DELETE FROM gaps WHERE asked_at < ?", (before,)).rowcount)

    def gap_tallies(self, server: int, since: str) -> list[GapTally]:
        """The distinct questions of ``server`` asked at ``since`` or later, with their counts."""
        with self._reading() as db:
            rows = db.execute(
                "SELECT terms, question, count(*) AS asked, count(*) FILTER (WHERE answered_at IS NULL) AS still_open, "
                "min(asked_at) AS first_asked, max(asked_at) AS last_asked, max(answered_at) AS answered_at, "
                "max(answered_by) AS answered_by, max(id) AS latest "
                "FROM gaps WHERE server_id = ? AND asked_at >= ? GROUP BY terms, question",
                (server, since),
            ).fetchall()
        return [
            GapTally(
                terms=r["terms"],
                question=r["question"],
                asked=int(r["asked"]),
                open=int(r["still_open"]),
                first_asked=r["first_asked"],
                last_asked=r["last_asked"],
                answered_at=r["answered_at"],
                answered_by=r["answered_by"],
                latest=int(r["latest"]),
            )
            for r in rows
        ]

    def open_gaps(self, servers: Sequence[int] | None, since: str) -> list[OpenGap]:
        """The distinct open questions asked at ``since`` or later, of ``servers`` (None: every server's)."""
        return self._distinct_gaps("answered_at IS NULL AND asked_at >= ?", [since], servers)

    def mark_gap_answered(self, server: int, question: str, article_id: str, at: str) -> int:
        """Mark every open asking of ``question`` in ``server`` answered by ``article_id``; how many."""
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE gaps SET answered_at = ?, answered_by = ? "
                "WHERE server_id = ? AND question = ? AND answered_at IS NULL",
                (at, article_id, server, question),
            )
            return int(cursor.rowcount)

    def gaps_answered_by(self, servers: Sequence[int] | None, article_id: str) -> list[OpenGap]:
        """The distinct questions of ``servers`` (None: every server's) that ``article_id`` is marked as answering."""
        return self._distinct_gaps("answered_by = ?", [article_id], servers)

    def _distinct_gaps(self, condition: str, params: list[object], servers: Sequence[int] | None) -> list[OpenGap]:
        """The distinct (server, question, terms) of the gaps meeting ``condition``, of ``servers`` (None: all)."""
        query = f"SELECT DISTINCT server_id, question, terms FROM gaps WHERE {condition}"
        if servers is not None:
            if not servers:
                return []
            query += f" AND server_id IN ({','.join('?' * len(servers))})"
            params = [*params, *servers]
        with self._reading() as db:
            rows = db.execute(query + " ORDER BY server_id, question", params).fetchall()
        return [OpenGap(int(r["server_id"]), r["question"], r["terms"]) for r in rows]

    def move_gap_answer(self, server: int, question: str, was: str, now: str | None, at: str) -> int:
        """The askings of ``question`` in ``server`` marked answered by ``was`` (an article taken out of that
        coverage): answered by ``now`` instead (another article that answers it) at ``at`` (an ISO time: the
        listing says when the article it names answered it, not when the removed one did), or open again when
        ``now`` is None. How many askings; none when another process changed them since."""
        with self.transaction() as db:
            if now is None:
                cursor = db.execute(
                    "UPDATE gaps SET answered_at = NULL, answered_by = NULL "
                    "WHERE server_id = ? AND question = ? AND answered_by = ?",
                    (server, question, was),
                )
            else:
                cursor = db.execute(
                    "UPDATE gaps SET answered_at = ?, answered_by = ? "
                    "WHERE server_id = ? AND question = ? AND answered_by = ?",
                    (at, now, server, question, was),
                )
            return int(cursor.rowcount)
