"""The feedback part of the service: Helpful / Not helpful votes on the answers sent in Discord, the counts per
quoted sentence, and how long sent answers are kept.

**Who voted.** One vote per person per answer needs to recognise a second click, so the voter is stored, as
HMAC-SHA256 over the answer's id and the Discord user id, keyed with a random key the store makes once: never the
user id, and the hashes of one person's votes on two answers differ. (Whoever holds the whole database, its key
included, and a list of candidate user ids could test them; nobody reading the votes can name a voter.)

**What is kept.** A sent answer (its question and quotes: :mod:`bot.service.answer_records`) and its votes for
NEWSBOT_KEEP_ANSWERS days, then deleted with them; the counts per quote stay (anonymous totals). Votes never change
how answers are ranked.
"""

from __future__ import annotations

import hashlib
import hmac

from bot.core.errors import AnswerNotFound, InvalidInput
from bot.core.kept import FeedbackReport, QuoteFeedback, VoteOutcome, kept_since
from bot.core.models import now_iso
from bot.search.keeper import DEFAULT
from bot.service.part import ServicePart, check_server_id

__all__ = ["FeedbackPart"]

LISTED = 20  # quotes a feedback listing shows unless told otherwise


class FeedbackPart(ServicePart):
    """Votes on sent answers."""

    @property
    def keeps_answers(self) -> bool:
        """Whether sent answers are kept (and carry buttons): NEWSBOT_KEEP_ANSWERS is not 0."""
        return self._keep_answers > 0

    def vote(self, answer_id: int, *, user_id: int, helpful: bool, server: int | None = None) -> VoteOutcome:
        """``user_id``'s Helpful (or Not helpful) on the kept answer ``answer_id``, clicked in ``server`` (None: a
        direct message): counted, changed, or already counted. :class:`AnswerNotFound` when the answer is not
        kept, or was drawn from another coverage than ``server`` reads."""
        where = DEFAULT if server is None else check_server_id(server)
        record = self._store.answer_record(answer_id)
        if record is None or record.server_id != self.reads(server):
            raise AnswerNotFound("newsbot no longer keeps this answer: ask the question again")
        key = bytes.fromhex(self._store.vote_key())
        voter = hmac.new(key, f"{answer_id}:{user_id}".encode(), hashlib.sha256).hexdigest()
        outcome = self._store.record_vote(answer_id, voter, where, helpful, now_iso())
        if outcome is None:  # pruned between the two reads
            raise AnswerNotFound("newsbot no longer keeps this answer: ask the question again")
        return outcome

    def feedback(self, *, server: int | None = None, limit: int = LISTED) -> FeedbackReport:
        """The ``limit`` least helpful quotes voted on in ``server`` (None: direct messages), with their
        articles' attribution as stored now and the questions they answered, and how many were voted on."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise InvalidInput(f"limit {limit!r}: give a whole number of quotes, 1 or more")
        where = DEFAULT if server is None else check_server_id(server)
        if not self.keeps_answers:
            return FeedbackReport(server_id=where, keep_days=0)
        tallies = self._store.quote_tallies(where, limit)
        total = self._store.voted_quote_count(where)
        articles = self._store.articles_by_id(self.reads(server), {t.article_id for t in tallies})
        quotes = []
        for t in tallies:
            article = articles.get(t.article_id)
            quotes.append(
                QuoteFeedback(
                    article_id=t.article_id,
                    start=t.start,
                    end=t.end,
                    text=t.text,
                    title=article.title if article else None,
                    source=article.source if article else None,
                    url=article.url if article else None,
                    helpful=t.helpful,
                    not_helpful=t.not_helpful,
                    questions=list(t.questions),
                )
            )
        return FeedbackReport(
            server_id=where, keep_days=self._keep_answers, quotes=quotes, total=max(total, len(quotes))
        )

    def prune_answers(self) -> int:
        """Delete the sent answers (and their votes) older than the kept days, every one when none are kept."""
        return self._store.prune_answers(None if self._keep_answers == 0 else kept_since(self._keep_answers))
