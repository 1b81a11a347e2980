"""The answers the bot sent with buttons under them, and their quotes' spans (migration 0004)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.models import now_iso
from bot.core.quoting import AnswerRecord, QuoteSpan
from bot.storage.database import Database

__all__ = ["AnswerRows"]


class AnswerRows(Database):
    """The ``answers`` and ``answer_quotes`` tables."""

    def record_answer(self, server: int, question: str, quotes: Sequence[QuoteSpan]) -> int:
        """Keep a sent answer (the coverage it was drawn from, its question, its quotes' spans); its new id."""
        with self.transaction() as db:
            answer_id = int(
                db.execute(
                    "INSERT INTO answers (server_id, question, at) VALUES (?, ?, ?) RETURNING id",
                    (server, question, now_iso()),
                ).fetchone()[0]
            )
            db.executemany(
                "INSERT INTO answer_quotes (answer_id, position, article_id, span_start, span_end, text) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(answer_id, i, q.article_id, q.start, q.end, q.text) for i, q in enumerate(quotes)],
            )
        return answer_id

    def answer_record(self, answer_id: int) -> AnswerRecord | None:
        """The answer with this id and its quotes in order, or None."""
        with self._reading() as db:
            row = db.execute("SELECT id, server_id, question, at FROM answers WHERE id = ?", (answer_id,)).fetchone()
            if row is None:
                return None
            quotes = db.execute(
                "SELECT article_id, span_start, span_end, text FROM answer_quotes WHERE answer_id = ? "
                "ORDER BY position",
                (answer_id,),
            ).fetchall()
        return AnswerRecord(
            id=int(row["id"]),
            server_id=int(row["server_id"]),
            question=row["question"],
            at=row["at"],
            quotes=tuple(QuoteSpan(q["article_id"], int(q[1]), int(q[2]), q["text"]) for q in quotes),
        )
