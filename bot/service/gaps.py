"""The knowledge-gaps part of the service: the questions a coverage could not answer, kept per server (their text
only) for NEWSBOT_KEEP_GAPS days, and marked answered when an article added later answers them.

When is a gap answered? When articles are added to a coverage (by a moderator, the command line, a feed), the open
gaps of the servers that read it and share a term with the added articles are asked again, in a background thread
(never on the event loop, and the add returns at once); a gap whose question now gets an answer is marked answered
by the article that answer rests on. A process drains its checks before it closes (a command line's ``add``).

And when an article is taken out of a coverage (removed, or a default-collection article hidden from one server),
the gaps it was marked as answering there are asked again, in the same thread and order: answered by another
article if one now answers them, open again otherwise. Removing a default-collection article rechecks every
server's gaps it answered; hiding it in one server, that server's only.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from bot.core.errors import InvalidInput, StoreError
from bot.core.kept import GapReport, kept_since
from bot.core.models import Answer, Article, now_iso
from bot.search.answers import answer_question
from bot.search.gaps import answering_article, article_terms, gap_terms, group_gaps, may_answer
from bot.search.keeper import DEFAULT
from bot.service.part import ServicePart, check_server_id

__all__ = ["GapsPart"]

log = logging.getLogger(__name__)

QUESTION_CHARS = 500  # what is kept of a question (Discord's /ask takes up to 500)
LISTED = 20  # groups a gaps listing shows unless told otherwise


class GapsPart(ServicePart):
    """Knowledge gaps."""

    def record_gap(self, answer: Answer, *, server: int | None = None) -> bool:
        """Keep ``answer``'s question if the coverage of ``server`` could not answer it (text only); whether it was
        kept. A store that cannot take it (busy, full) is logged and the asker's answer goes on."""
        if answer.answered or self._keep_gaps == 0:
            return False
        terms = gap_terms(answer.question)
        if not terms:
            return False
        where = DEFAULT if server is None else check_server_id(server)
        try:
            self._store.record_gap(where, answer.question.strip()[:QUESTION_CHARS], terms, now_iso())
        except StoreError as exc:
            log.warning("could not keep an unanswered question: %s", exc)
            return False
        return True

    def gaps(self, *, server: int | None = None, limit: int = LISTED) -> GapReport:
        """The first ``limit`` knowledge gaps of ``server`` (None: the default collection's) asked within the kept
        days, in the listing's order (open ones most asked first, then answered ones), and how many there are."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise InvalidInput(f"limit {limit!r}: give a whole number of gaps, 1 or more")
        where = DEFAULT if server is None else check_server_id(server)
        if self._keep_gaps == 0:
            return GapReport(server_id=where, keep_days=0)
        every = group_gaps(self._store.gap_tallies(where, kept_since(self._keep_gaps)))
        groups = every[:limit]
        answered = {g.answered_by for g in groups if g.answered_by}
        titles = {a.id: a.title for a in self._store.articles_by_id(self.reads(server), answered).values()}
        for group in groups:
            if group.answered_by:
                group.answered_by_title = titles.get(group.answered_by)
        return GapReport(server_id=where, keep_days=self._keep_gaps, gaps=groups, total=len(every))

    def prune_gaps(self) -> int:
        """Delete the gaps older than the kept days (every gap when none are kept); how many."""
        return self._store.prune_gaps(None if self._keep_gaps == 0 else kept_since(self._keep_gaps))

    def _articles_added(self, where: int, articles: Sequence[Article]) -> None:
        """Articles were stored in coverage ``where``: its servers' open gaps are asked again, in the background."""
        if self._keep_gaps == 0 or not articles:
            return
        # Tokenizing the added articles costs as much as indexing them: a bulk import into a coverage without
        # open gaps (the usual case) skips it, for one indexed read.
        try:
            if not self._store.open_gaps(None if where == DEFAULT else [where], kept_since(self._keep_gaps)):
                return
        except StoreError:
            pass  # the article is stored: the check in the background tries the store again, and logs
        if self._gap_checks is None:
            self._gap_checks = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsbot-gaps")
        self._gap_checks.submit(self._check_gaps, where, article_terms(articles))

    def _article_removed(self, where: int, article_id: str) -> None:
        """An article was taken out of the coverage ``where``: the gaps it answered there are asked again."""
        if self._keep_gaps == 0:
            return
        if self._gap_checks is None:
            self._gap_checks = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsbot-gaps")
        self._gap_checks.submit(self._recheck_answered, where, article_id)

    def _recheck_answered(self, where: int, article_id: str) -> int:
        """Ask again the gaps ``article_id`` answered in the servers reading the coverage ``where``: each is moved
        to the article that answers it now, or opened again; how many questions were opened again."""
        try:
            reopened = 0
            servers = None if where == DEFAULT else [where]
            for gap in self._store.gaps_answered_by(servers, article_id):
                reopened += self._answer_again(gap.server_id, gap.question, article_id) is None
            return reopened
        except Exception:  # noqa: BLE001 - a background check must not die silently
            log.warning("could not check the knowledge gaps after a removal", exc_info=True)
            return 0

    def _check_gaps(self, where: int, added: set[str]) -> int:
        """Mark answered the open gaps that an answer from the coverage ``where`` now answers; how many askings."""
        try:
            marked = 0
            # the default collection is read by every server (minus what each removed); a server's own by it alone
            servers = None if where == DEFAULT else [where]
            for gap in self._store.open_gaps(servers, kept_since(self._keep_gaps)):
                if not may_answer(gap.terms, added):
                    continue
                index = self.index_of(gap.server_id or None)
                article = answering_article(answer_question(index, gap.question, reader=self.reader))
                if article is not None:
                    marked += self._mark_answered(gap.server_id, gap.question, article)
            return marked
        except Exception:  # noqa: BLE001 - a background check must not die silently; the next add tries again
            log.warning("could not check the knowledge gaps after an add", exc_info=True)
            return 0

    def _mark_answered(self, server: int, question: str, article_id: str) -> int:
        """Mark ``question`` of ``server`` answered by ``article_id``, then check that the article is still in that
        server's coverage. Another process may have removed it after this one's answer was found and before the
        mark: its own recheck ran first and found nothing to reopen, so this one reopens it. (Either that recheck
        sees this mark, or this check sees that removal: a gap is never left answered by a removed article.)"""
        marked = self._store.mark_gap_answered(server, question, article_id, now_iso())
        if marked and not self._store.articles_by_id(self.reads(server or None), [article_id]):
            return 0 if self._answer_again(server, question, article_id) is None else marked
        return marked

    def _answer_again(self, server: int, question: str, article_id: str) -> str | None:
        """Ask ``question`` of ``server`` again now that ``article_id`` is out of its coverage, and move its mark to
        the article that answers it now (answered now: a listing's "answered 3 days ago by X" is when X became its
        answer), or open it again; that article's id, or None."""
        index = self.index_of(server or None)
        now = answering_article(answer_question(index, question, reader=self.reader))
        if now == article_id:
            if self._store.articles_by_id(self.reads(server or None), [article_id]):
                return now  # still in this server's coverage after all (it holds its own copy)
            now = None  # this process's index has not heard of the removal yet: the store says it is gone
        self._store.move_gap_answer(server, question, article_id, now, now_iso())
        return now

    def wait_for_gap_checks(self) -> None:
        """Finish the checks in hand (before closing the store)."""
        checks, self._gap_checks = self._gap_checks, None
        if checks is not None:
            checks.shutdown(wait=True)
