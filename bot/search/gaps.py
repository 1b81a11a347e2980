"""Knowledge gaps as search sees them: a question's group (its terms), which kept questions an added article may
answer, which article an answer rests on, and the kept askings grouped for a listing.

A question's group is its distinct search terms, sorted: the tokenizer and stemmer of every search (case folded,
stopwords out, Snowball stems), so "Who won the 2022 World Cup?" and "who won the world cup in 2022" are one gap.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from bot.core.kept import GapTally, KnowledgeGap
from bot.core.models import Answer, Article
from bot.core.text import tokenize

__all__ = ["answering_article", "article_terms", "gap_terms", "group_gaps", "may_answer"]


def gap_terms(question: str) -> str:
    """The group of ``question``: its distinct search terms, sorted, space-separated ("" when it has none)."""
    return " ".join(sorted(set(tokenize(question))))


def article_terms(articles: Iterable[Article]) -> set[str]:
    """Every search term of the headlines and texts of ``articles``."""
    terms: set[str] = set()
    for article in articles:
        terms.update(tokenize(article.title))
        terms.update(tokenize(article.body))
    return terms


def may_answer(terms: str, added: set[str]) -> bool:
    """Whether articles holding the terms ``added`` could answer a gap of ``terms`` at all: they must hold one of
    its terms (a question is answered only by a sentence or headline that holds its rarest word). A cheap filter
    before asking the question again."""
    return any(term in added for term in terms.split())


def answering_article(answer: Answer) -> str | None:
    """The article an answer rests on: its first quote's, else its first headline's; None when refused."""
    if not answer.answered:
        return None
    if answer.quotes:
        return answer.quotes[0].article_id
    return answer.headlines[0].article_id if answer.headlines else None


def group_gaps(tallies: Sequence[GapTally]) -> list[KnowledgeGap]:
    """The distinct questions grouped by their terms: the open groups (any asking not answered yet) most asked
    first, then most recently asked; then the answered ones, most recently answered first."""
    groups: dict[str, list[GapTally]] = defaultdict(list)
    for tally in tallies:
        groups[tally.terms].append(tally)
    gaps = []
    latest: dict[str, int] = {}
    for terms, members in groups.items():
        members.sort(key=lambda t: (t.last_asked, t.latest), reverse=True)
        latest[terms] = members[0].latest
        open_ = any(t.open for t in members)
        answered = max((t for t in members if t.answered_at), key=lambda t: t.answered_at or "", default=None)
        gaps.append(
            KnowledgeGap(
                terms=terms.split(),
                questions=[t.question for t in members],
                count=sum(t.asked for t in members),
                first_asked=min(t.first_asked for t in members),
                last_asked=members[0].last_asked,
                answered_at=None if open_ or answered is None else answered.answered_at,
                answered_by=None if open_ or answered is None else answered.answered_by,
            )
        )

    def recent(gap: KnowledgeGap) -> int:
        return latest[" ".join(gap.terms)]

    opened = sorted((g for g in gaps if g.answered_at is None), key=lambda g: (-g.count, -recent(g)))
    closed = sorted((g for g in gaps if g.answered_at is not None), key=lambda g: (g.answered_at or "", recent(g)))
    return opened + closed[::-1]
