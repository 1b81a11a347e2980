"""Votes on answers and the counts per quoted sentence (migration 0006), and the retention of sent answers.

A voter is stored as the keyed hash the service computes (never a user id). The counts per quote are kept in the
vote's own transaction, so a vote and its counts never disagree, whatever other processes do at the same time.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from bot.core.kept import QuoteTally, VoteOutcome
from bot.storage.database import Database, Db

__all__ = ["FeedbackRows"]

_COUNT = (
    "INSERT INTO quote_votes (server_id, article_id, span_start, span_end, text, helpful, not_helpful) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (server_id, article_id, span_start, span_end) DO UPDATE SET "
    "text = excluded.text, helpful = quote_votes.helpful + excluded.helpful, "
    "not_helpful = quote_votes.not_helpful + excluded.not_helpful"
)


class FeedbackRows(Database):
    """The ``answer_votes`` and ``quote_votes`` tables, and pruning ``answers``."""

    def vote_key(self) -> str:
        """The random key of the voters' hashes, made the first time it is needed (hex)."""
        value = self.get_meta("vote_key")
        if value is None:
            with self.transaction() as db:
                db.execute(
                    "INSERT INTO meta (key, value) VALUES ('vote_key', ?) ON CONFLICT (key) DO NOTHING",
                    (secrets.token_hex(32),),
                )
            value = self.get_meta("vote_key")
        assert value is not None
        return value

    def record_vote(self, answer_id: int, voter: str, server: int, helpful: bool, at: str) -> VoteOutcome | None:
        """``voter``'s vote on the answer ``answer_id``, cast in ``server``: counted (a first vote), changed (the
        other button than before: its quotes' counts move over), or already counted; None when the answer is not
        kept (pruned, never sent)."""
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,)).fetchone() is None:
                return None
            before = db.execute(
                "SELECT helpful FROM answer_votes WHERE answer_id = ? AND voter = ?", (answer_id, voter)
            ).fetchone()
            if before is not None and bool(before[0]) == helpful:
                return "already"
            if before is None:
                db.execute(
                    "INSERT INTO answer_votes (answer_id, voter, server_id, helpful, at) VALUES (?, ?, ?, ?, ?)",
                    (answer_id, voter, server, int(helpful), at),
                )
            else:
                db.execute(
                    "UPDATE answer_votes SET helpful = ?, at = ? WHERE answer_id = ? AND voter = ?",
                    (int(helpful), at, answer_id, voter),
                )
            if before is None:
                up, down = (1, 0) if helpful else (0, 1)
            else:  # the vote moves from the other button to this one
                up, down = (1, -1) if helpful else (-1, 1)
            _count(db, answer_id, server, up, down)
        return "counted" if before is None else "changed"

    def quote_tallies(self, server: int, limit: int) -> list[QuoteTally]:
        """The voted quotes of ``server``, the least helpful first (most not-helpful votes beyond helpful ones),
        with the questions they answered (of the answers still kept), most recent first."""
        with self._reading() as db:
            rows = db.execute(
                "SELECT article_id, span_start, span_end, text, helpful, not_helpful FROM quote_votes "
                "WHERE server_id = ? AND helpful + not_helpful > 0 "
                "ORDER BY not_helpful - helpful DESC, not_helpful DESC, article_id, span_start LIMIT ?",
                (server, limit),
            ).fetchall()
            asked = db.execute(
                "SELECT q.article_id, q.span_start, q.span_end, a.question, max(a.id) AS latest "
                "FROM answer_votes v JOIN answers a ON a.id = v.answer_id JOIN answer_quotes q ON q.answer_id = a.id "
                "WHERE v.server_id = ? GROUP BY q.article_id, q.span_start, q.span_end, a.question "
                "ORDER BY latest DESC",
                (server,),
            ).fetchall()
        questions: dict[tuple[str, int, int], list[str]] = {}
        for r in asked:
            questions.setdefault((r[0], int(r[1]), int(r[2])), []).append(r[3])
        return [
            QuoteTally(
                article_id=r[0],
                start=int(r[1]),
                end=int(r[2]),
                text=r[3],
                helpful=int(r[4]),
                not_helpful=int(r[5]),
                questions=tuple(questions.get((r[0], int(r[1]), int(r[2])), ())),
            )
            for r in rows
        ]

    def voted_quote_count(self, server: int) -> int:
        """How many quotes of ``server`` have votes (what :meth:`quote_tallies` lists without a limit)."""
        with self._reading() as db:
            row = db.execute(
                "SELECT count(*) FROM quote_votes WHERE server_id = ? AND helpful + not_helpful > 0", (server,)
            ).fetchone()
        return int(row[0])

    def prune_answers(self, before: str | None) -> int:
        """Delete the sent answers older than ``before`` (None: all of them), with their quotes and votes; the
        counts per quote stay. How many answers were deleted."""
        with self.transaction() as db:
            if before is None:
                return int(db.execute("DELETE FROM answers").rowcount)
            return int(db.execute("DELETE FROM answers WHERE at < ?", (before,)).rowcount)


def _count(db: Db, answer_id: int, server: int, helpful: int, not_helpful: int) -> None:
    """Add to the counts of every quote of the answer, in ``server``."""
    quotes: Sequence[tuple[str, int, int, str]] = [
        (r[0], int(r[1]), int(r[2]), r[3])
        for r in db.execute(
            "SELECT article_id, span_start, span_end, text FROM answer_quotes WHERE answer_id = ? ORDER BY position",
            (answer_id,),
        ).fetchall()
    ]
    db.executemany(_COUNT, [(server, a, s, e, t, helpful, not_helpful) for a, s, e, t in quotes])
