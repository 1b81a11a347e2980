"""The answers the bot sent with buttons under them: keeping one, finding it again for a button pressed after a
restart (only in the coverage it was drawn from), and its quotes in their articles (the Context button; the command
line's ``ask --context`` reads a fresh answer's quotes the same way, without keeping it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.errors import AnswerNotFound
from bot.core.models import Answer
from bot.core.quoting import AnswerRecord, QuoteContext, QuoteSpan
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
        bodies = self._store.bodies(record.server_id, [q.article_id for q in record.quotes])
        return self._contexts(record.quotes, bodies, server)

    def answer_contexts(self, answer: Answer, *, server: int | None = None) -> list[QuoteContext]:
        """Each quote of ``answer`` (just given, not kept) with the sentence before and after it, from the coverage
        ``server`` reads: what the Context button would show under it (``newsbot ask --context``)."""
        coverage = self.reads(server)
        bodies = self._store.bodies(coverage, [q.article_id for q in answer.quotes])
        spans = [
            # not found (the article changed in between): an empty span, which quote_context reports as changed
            quote_span(q.article_id, bodies.get(q.article_id, ""), q.text) or QuoteSpan(q.article_id, 0, 0, q.text)
            for q in answer.quotes
        ]
        return self._contexts(spans, bodies, server)

    def _contexts(
        self, spans: Sequence[QuoteSpan], bodies: Mapping[str, str], server: int | None
    ) -> list[QuoteContext]:
        """The quotes at ``spans`` in their articles' texts ``bodies`` (as stored now in the coverage ``server``
        reads), attributed as the answer was (the article, and the other outlets that printed the same sentence);
        an article no longer in that coverage is said to be removed."""
        index = self.index_of(server)
        return [
            quote_context(
                q, index.article(q.article_id) if q.article_id in index else None, bodies.get(q.article_id), index=index
            )
            for q in spans
        ]
