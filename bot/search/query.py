"""What a question or a topic asks for: its search terms, and the articles a topic matches.

Shared by the answer picker (:mod:`bot.search.answers`), the timeline and the outlet counts, so that a topic means
the same articles in ``/timeline`` and ``/sources`` as its words mean in ``/ask``. Nothing here picks an answer.
"""

from __future__ import annotations

from bot.core.errors import InvalidQuestion
from bot.core.text import tokenize
from bot.search.index import CoverageIndex

__all__ = ["MAX_QUESTION_CHARS", "TOPIC_FLOOR", "matching_articles", "question_terms"]

MAX_QUESTION_CHARS = 500
TOPIC_FLOOR = 0.5  # share of the topic's weight a headline or sentence must contain for its article to count
_ALL = 1_000_000

# Words that frame a question rather than ask it ("tell me about", "what does the coverage say").
_FRAMING = frozenset(
    tokenize("explain describe anything something coverage article articles news story stories happen happened occur")
)


def question_terms(question: str) -> list[str]:
    """The question's search terms; :class:`InvalidQuestion` when there are none."""
    question = question.strip()
    if not question:
        raise InvalidQuestion('the question is empty: ask about the coverage, e.g. "What did Amazon pitch to ICE?"')
    if len(question) > MAX_QUESTION_CHARS:
        raise InvalidQuestion(f"the question is {len(question)} characters long; keep it under {MAX_QUESTION_CHARS}")
    terms = [t for t in tokenize(question) if t not in _FRAMING]
    if not terms:
        raise InvalidQuestion(
            f"{question!r} has no word to search for (only common words like 'what' or 'the'): "
            "name who or what you are asking about"
        )
    return terms


def matching_articles(index: CoverageIndex, topic: str) -> dict[str, float]:
    """Article ids on ``topic`` with their best BM25 score x coverage (for ordering when relevance matters)."""
    terms = question_terms(topic)
    found: dict[str, float] = {}
    for kind in ("headline", "sentence"):
        for hit in index.search(terms, kind, _ALL):
            if hit.coverage >= TOPIC_FLOOR and hit.score > 0:
                key = hit.passage.article.id
                found[key] = max(found.get(key, 0.0), hit.score * hit.coverage)
    return found
