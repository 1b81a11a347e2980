"""From a question to an answer: verbatim quotes, then related headlines, or a plain "the coverage doesn't say".

How a quote is chosen:

1. The question is tokenized like the documents; a question with no searchable word is an error, not a guess.
2. Body sentences are ranked with BM25. A sentence is a candidate only if it *covers* at least
   :data:`ANSWER_FLOOR` of the question's weight (see :class:`bot.search.index.CoverageIndex`): a sentence that shares
   one common word with the question does not answer it, however the corpus makes BM25 score it. And its
   *article* (headline and text together) must cover at least :data:`CONTEXT_FLOOR` of the question: "Is Amazon
   evil?" is not answered by a sentence about evil in an article that never mentions Amazon. For that second
   test, a lower-case word the coverage never uses anywhere ("propose" when the reporters wrote "challenging")
   is left out as a paraphrase; a name ("Tesla", "FBI") is never left out.
3. Candidates are ordered by BM25 x coverage. Up to :data:`MAX_QUOTES` are taken, skipping near-duplicates of one
   already taken, and preferring an article not yet quoted when the scores are close (within
   :data:`SAME_ARTICLE_PENALTY`). The same sentence printed by several outlets (syndication) is one quote,
   attributed to the earliest copy, with the others in ``also_in``.
4. Headlines are ranked the same way among headlines; copies of one headline are grouped.

A question that asks for a quantity ("how much", "how many") is answered only by a sentence or headline that
states one (a number, or a number word such as "dozen" or "million").

``answered`` is true when at least one sentence or headline clears the floor.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from bot.core.models import Answer, Headline, Quote, date_sort_key
from bot.core.text import tokenize
from bot.search.index import ArticleRef, CoverageIndex, Hit
from bot.search.query import MAX_QUESTION_CHARS, question_terms

__all__ = [
    "ANSWER_FLOOR",
    "CONTEXT_FLOOR",
    "MAX_HEADLINES",
    "MAX_QUESTION_CHARS",
    "MAX_QUOTES",
    "NEAREST_FLOOR",
    "RELATED_FLOOR",
    "answer_question",
    "name_terms",
    "question_terms",
]

MAX_QUOTES = 3
MAX_HEADLINES = 5
ANSWER_FLOOR = 0.5  # share of the question's weight a sentence or headline must contain to answer it
CONTEXT_FLOOR = 0.75  # share of it that the sentence's whole article (headline and text) must contain
RELATED_FLOOR = ANSWER_FLOOR  # ... to be shown as related to an answer
NEAREST_FLOOR = 0.4  # ... and, with the question's rarest word and its names, as the nearest coverage
QUOTE_RATIO = 0.4  # a further quote must score at least this share of the best one
HEADLINE_BOOST = 0.3  # share of the article's headline match added to a sentence's merit
SAME_ARTICLE_PENALTY = 0.8  # a second quote from an article already quoted competes at this share of its score
NEAR_DUPLICATE = 0.8  # Jaccard similarity of terms above which two quotes say the same thing
_CANDIDATES = 50

_QUANTITY_QUESTION = re.compile(r"\bhow\s+(much|many|often|long|far|old|big|large|high|tall)\b", re.IGNORECASE)
_QUANTITY = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundreds?"
    r"|thousands?|millions?|billions?|trillions?|dozens?|half|once|twice|several|percent|per cent)\b",
    re.IGNORECASE,
)


def name_terms(question: str) -> set[str]:
    """Terms of the words written as names in the question: capitalised ("Amazon", "Tesla") or in capitals
    ("ICE"). The first word counts too unless it is a common word ("What", "Did")."""
    names: set[str] = set()
    for position, match in enumerate(re.finditer(r"[^\W\d_][\w.'’-]*", question)):
        word = match.group()
        if word[0].isupper() and not (position == 0 and not tokenize(word.lower())):
            names.update(tokenize(word))
    return names


def answer_question(index: CoverageIndex, question: str) -> Answer:
    """Answer ``question`` from ``index``: quotes that clear the floor, then related headlines."""
    terms = question_terms(question)
    names = name_terms(question)
    in_context = _context_test(index, terms, names)
    wants_quantity = _QUANTITY_QUESTION.search(question) is not None

    def answers(hit: Hit) -> bool:
        if hit.coverage < ANSWER_FLOOR or hit.score <= 0 or not in_context(hit):
            return False
        return not wants_quantity or _QUANTITY.search(hit.passage.text) is not None

    sentences = index.search(terms, "sentence", _CANDIDATES)
    headlines = index.search(terms, "headline", _CANDIDATES)
    headline_merit = {h.passage.article.id: h.score * h.coverage for h in headlines if h.score > 0}
    quotes = _pick_quotes([h for h in sentences if answers(h)], headline_merit)
    answered = bool(quotes) or any(answers(h) for h in headlines)
    quoted = {q.article_id for q in quotes}
    if answered:
        shown = [h for h in headlines if h.coverage >= RELATED_FLOOR and h.score > 0]
    else:
        needed = {t for t in names if index.doc_freq(t) > 0} | {_key_term(index, terms)}
        shown = [h for h in headlines if h.coverage >= NEAREST_FLOOR and h.score > 0 and needed <= h.passage.terms]
    related = _group_headlines(_ranked(shown), exclude=quoted)
    return Answer(question=question.strip(), answered=answered, quotes=quotes, headlines=related[:MAX_HEADLINES])


def _context_test(index: CoverageIndex, terms: list[str], names: set[str]) -> Callable[[Hit], bool]:
    """Whether a hit's article covers :data:`CONTEXT_FLOOR` of the question (paraphrase words left out)."""
    weights = {t: w for t, w in index.term_weights(terms).items() if t in names or index.doc_freq(t) > 0}
    total = sum(weights.values())

    def test(hit: Hit) -> bool:
        if total == 0:
            return False
        context = index.article_terms(hit.passage.article.id)
        return sum(w for t, w in weights.items() if t in context) / total >= CONTEXT_FLOOR

    return test


def _key_term(index: CoverageIndex, terms: list[str]) -> str | None:
    """The question's most telling word that the coverage contains at all (the rarest one)."""
    weights = index.term_weights(terms)
    known = [t for t in weights if index.doc_freq(t) > 0]
    return max(known, key=lambda t: weights[t]) if known else None


def _ranked(hits: Iterable[Hit]) -> list[Hit]:
    return sorted(hits, key=lambda h: (-h.score * h.coverage, h.passage.pid))


def _pick_quotes(hits: list[Hit], headline_merit: dict[str, float]) -> list[Quote]:
    copies = _copies(hits)
    pool = [h for h in hits if copies[_normal(h.passage.text)][0] is h]
    if not pool:
        return []

    def value(hit: Hit) -> float:
        """BM25 x coverage, plus a share of how well the sentence's headline matches (a headline sums up its
        article: of two sentences that match alike, the one under the matching headline is the answer)."""
        return hit.score * hit.coverage + HEADLINE_BOOST * headline_merit.get(hit.passage.article.id, 0.0)

    best = max(value(h) for h in pool)
    chosen: list[Hit] = []
    while pool and len(chosen) < MAX_QUOTES:
        used = {h.passage.article.id for h in chosen}
        pick = max(pool, key=lambda h: (value(h) * (SAME_ARTICLE_PENALTY if h.passage.article.id in used else 1.0),
                                        -h.passage.pid))  # fmt: skip
        pool.remove(pick)
        if value(pick) < best * QUOTE_RATIO:
            break
        if any(_similar(pick, other) for other in chosen):
            continue
        chosen.append(pick)
    return [_quote(h, copies[_normal(h.passage.text)]) for h in chosen]


def _copies(hits: list[Hit]) -> dict[str, list[Hit]]:
    """Identical sentences from several articles, earliest article first (the original, then its reprints)."""
    groups: dict[str, list[Hit]] = {}
    for hit in hits:
        groups.setdefault(_normal(hit.passage.text), []).append(hit)
    for group in groups.values():
        group.sort(key=lambda h: _age(h.passage.article))
    return groups


def _attribution(copies: list[ArticleRef]) -> dict[str, Any]:
    """The fields of a quote or headline: the first (oldest) copy's article, the other outlets in ``also_in``."""
    first = copies[0]
    also = _unique(r.source for r in copies[1:] if r.source != first.source)
    return {"article_id": first.id, "title": first.title, "source": first.source, "date": first.date,
            "url": first.url, "also_in": also}  # fmt: skip


def _quote(hit: Hit, copies: list[Hit]) -> Quote:
    refs = [c.passage.article for c in copies]
    return Quote(text=hit.passage.text, score=hit.score * hit.coverage, **_attribution(refs))


def _group_headlines(hits: Iterable[Hit], exclude: set[str]) -> list[Headline]:
    groups: dict[str, list[ArticleRef]] = {}
    for hit in hits:
        groups.setdefault(_normal(hit.passage.text), []).append(hit.passage.article)
    result = []
    for refs in groups.values():
        if any(r.id in exclude for r in refs):
            continue
        result.append(Headline(**_attribution(sorted(refs, key=_age))))
    return result


def _age(ref: ArticleRef) -> tuple[tuple[int, str], int]:
    return date_sort_key(ref.date), ref.order


def _normal(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _similar(a: Hit, b: Hit) -> bool:
    x, y = a.passage.terms, b.passage.terms
    if not x or not y:
        return False
    return len(x & y) / len(x | y) >= NEAR_DUPLICATE


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
