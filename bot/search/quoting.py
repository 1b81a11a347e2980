"""Quoting the answers: the few best candidates, no two alike, each with the articles it stands in.

Step 4 of the answerer (:mod:`bot.search.answers`). Up to :data:`MAX_QUOTES`, no two near-duplicates, preferring
different articles when scores are close; the same sentence printed by several outlets is one quote "also in" the
others, attributed to the earliest copy. A sentence marked to lean on the one before it is quoted with it: two
contiguous sentences, still one slice of the stored text. Related headlines are grouped the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from bot.core.models import Headline, Quote, QuoteReason, date_sort_key
from bot.core.text import copy_key
from bot.search.candidates import Candidate
from bot.search.index import ArticleRef, CoverageIndex, Hit

__all__ = ["MAX_QUOTES", "group_headlines", "pick_quotes"]

MAX_QUOTES = 3
QUOTE_RATIO = 0.6  # a further quote must score at least this share of the best one
SAME_ARTICLE_PENALTY = 0.85  # a second quote from an article already quoted competes at this share
NEAR_DUPLICATE = 0.8  # Jaccard similarity of terms above which two quotes say the same thing


def pick_quotes(index: CoverageIndex, pool: list[Candidate]) -> list[Quote]:
    copies = _copies(pool)
    pool = [c for c in pool if copies[copy_key(c.passage.text)][0] is c]
    if not pool:
        return []
    best = max(c.score for c in pool)
    chosen: list[Candidate] = []
    while pool and len(chosen) < MAX_QUOTES:
        used = {c.passage.article.id for c in chosen}
        pick = max(pool, key=lambda c: (c.score * (SAME_ARTICLE_PENALTY if c.passage.article.id in used else 1.0),
                                        -c.passage.pid))  # fmt: skip
        pool.remove(pick)
        if pick.score < best * QUOTE_RATIO:
            break
        if any(_similar(pick, other) for other in chosen):
            continue
        clash = next((i for i, other in enumerate(chosen) if _sentences(pick) & _sentences(other)), None)
        if clash is not None:  # a sentence and a two-sentence quote that includes it are one quote: the longer
            if _sentences(pick) > _sentences(chosen[clash]):
                chosen[clash] = pick
            continue
        chosen.append(pick)
    return [_quote(index, c, copies[copy_key(c.passage.text)]) for c in chosen]


def _quote(index: CoverageIndex, candidate: Candidate, copies: list[Candidate]) -> Quote:
    refs = [c.passage.article for c in copies]
    text = candidate.passage.text
    if candidate.with_previous and candidate.previous is not None:
        text = index.excerpt(candidate.previous.pid, candidate.passage.pid)
    why = QuoteReason(
        bm25_rank=candidate.bm25_rank,
        article_rank=candidate.article_rank,
        semantic=None if candidate.semantic is None else round(candidate.semantic, 4),
        answer_type=None if candidate.answer_type == "any" else candidate.answer_type,
        answer_type_in=candidate.answer_type_in,
        supports=candidate.relevance.supports,
        with_previous=candidate.with_previous,
        score=round(candidate.score, 4),
    )
    return Quote(text=text, score=candidate.score, why=why, **_attribution(refs))


def _copies(pool: Sequence[Candidate]) -> dict[str, list[Candidate]]:
    """Identical sentences from several articles, earliest article first (the original, then its reprints)."""
    groups: dict[str, list[Candidate]] = {}
    for candidate in pool:
        groups.setdefault(copy_key(candidate.passage.text), []).append(candidate)
    for group in groups.values():
        group.sort(key=lambda c: _age(c.passage.article))
    return groups


def _attribution(copies: list[ArticleRef]) -> dict[str, Any]:
    """The fields of a quote or headline: the first (oldest) copy's article, the other outlets in ``also_in``."""
    first = copies[0]
    also = _unique(r.source for r in copies[1:] if r.source != first.source)
    return {"article_id": first.id, "title": first.title, "source": first.source, "date": first.date,
            "url": first.url, "also_in": also}  # fmt: skip


def group_headlines(hits: Iterable[Hit], exclude: set[str]) -> list[Headline]:
    groups: dict[str, list[ArticleRef]] = {}
    for hit in hits:
        groups.setdefault(copy_key(hit.passage.text), []).append(hit.passage.article)
    result = []
    for refs in groups.values():
        if any(r.id in exclude for r in refs):
            continue
        result.append(Headline(**_attribution(sorted(refs, key=_age))))
    return result


def _age(ref: ArticleRef) -> tuple[tuple[int, str], int]:
    return date_sort_key(ref.date), ref.order


def _similar(a: Candidate, b: Candidate) -> bool:
    x, y = a.passage.terms, b.passage.terms
    if not x or not y:
        return False
    return len(x & y) / len(x | y) >= NEAR_DUPLICATE


def _sentences(candidate: Candidate) -> set[str]:
    """The sentences a quote prints (normalised, so that a reprint's copy is the same sentence)."""
    quoted = {copy_key(candidate.passage.text)}
    if candidate.with_previous and candidate.previous is not None:
        quoted.add(copy_key(candidate.previous.text))
    return quoted


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
