"""Whether one article holds a topic, by the answerer's own relevance test: what ``compare`` picks an outlet's
sentence with and what a topic alert posts an article for, so both mean by "on the topic" what an answer means.

An article holds a topic when one of its sentences is relevant to it (:func:`bot.search.relevance.best_sentence`:
its names and rare words near the sentence, half the topic's weight in the sentence with its headline and
neighbours, 65% in the article), or, when none is, when its headline passes the answerer's headline test
(:func:`bot.search.relevance.headline_relevant`)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.search.index import CoverageIndex, Hit, Passage
from bot.search.question import ReadQuestion, mark_names, read_question
from bot.search.relevance import Relevance, best_sentence, headline_relevant, relevance

__all__ = ["article_holds", "holding_passage"]


def holding_passage(
    index: CoverageIndex, question: ReadQuestion, passages: Sequence[Passage]
) -> tuple[Passage, Relevance] | None:
    """The passage of one article (its headline then its sentences, as :meth:`CoverageIndex.passages_of` gives
    them) that holds ``question`` best: its most relevant sentence, else its headline; None when neither does."""
    if not passages:
        return None
    found = best_sentence(question, passages)
    if found is not None:
        return found
    headline = passages[0]
    if not headline_relevant(index, question, Hit(headline, 0.0, 0.0)):
        return None
    return headline, relevance(question, headline, article_terms=frozenset().union(*(p.terms for p in passages)))


def article_holds(index: CoverageIndex, topic: str, article_id: str) -> bool:
    """Whether article ``article_id`` of ``index`` holds ``topic`` (False when it is not in the index).
    :class:`bot.core.errors.InvalidQuestion` when the topic has no word to search for."""
    question = read_question(index, topic)
    passages = index.passages_of([article_id]).get(article_id, [])
    mark_names(question, [p.text for p in passages[1:]])
    return holding_passage(index, question, passages) is not None
