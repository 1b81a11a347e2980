"""The answers the bot sent with buttons under them: keeping one, finding it again for a button pressed after a
restart (only in the coverage it was drawn from), and its quotes in their articles (the Context button)."""

from __future__ import annotations

from bot.core.errors import AnswerNotFound
from bot.core.models import Answer
from bot.core.quoting import AnswerRecord, QuoteContext
from bot.search.context import quote_context, quote_span
from bot.service.part import ServicePart

__all__ = ["AnswerRecordsPart"]


class AnswerRecordsPart(ServicePart):
    """Sent answers and their quotes' context."""

    def record_answer(self, answer: Answer, *, server: int | None = None) -> int | None:
        """Keep an answer about to be sent with buttons under it: the coverage ``server`` reads, the question and
        where each quote stands in its stored article. Its id (what the buttons carry), or None when it quotes
        nothing."""
        coverage = self.reads(server)
        bodies = self._store.bodies(coverage, [q.article_id for q in answer.quotes])
        spans = [quote_span(q.article_id, bodies.get(q.article_id, ""), q.text) for q in answer.quotes]
        found = [span for span in spans if span is not None]
        if not found:
            return None
        return self._store.record_answer(coverage, answer.question, found)

    def answer_record(self, answer_id: int, *, server: int | None = None) -> AnswerRecord:
        """A kept answer, if it was drawn from the coverage ``server`` reads; :class:`AnswerNotFound` otherwise (a
        button under another server's answer opens nothing)."""
        record = self._store.answer_record(answer_id)
        if record is None or record.server_id != self.reads(server):
            raise AnswerNotFound("newsbot no longer keeps this answer: ask the question again")
        return record

    def quote_contexts(self, answer_id: int, *, server: int | None = None) -> list[QuoteContext]:
        """Each quote of a kept answer with the sentence before and after it, from its article as stored now."""
        record = self.answer_record(answer_id, server=server)
        index = self.index_of(server)
        bodies = self._store.bodies(record.server_id, [q.article_id for q in record.quotes])
        return [
            quote_context(q, index.article(q.article_id) if q.article_id in index else None, bodies.get(q.article_id))
            for q in record.quotes
        ]
