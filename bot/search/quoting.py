"""Quoting the answers: the few best candidates, no two alike, each with the articles it stands in.

Step 4 of the answerer (:mod:`bot.search.answers`). Up to :data:`MAX_QUOTES`, no two near-duplicates, preferring
different articles when scores are close; the same sentence printed by several outlets is one quote "also in" the
others, attributed to the earliest copy. A sentence marked to lean on the one before it is quoted with it: two
contiguous sentences, still one slice of the stored text. Related headlines are grouped the same way.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
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


def pick_quotes(
    index: CoverageIndex, found: Sequence[Candidate], settle: Callable[[Candidate], None] | None = None
) -> list[Quote]:
    """The quotes of the candidates that answer (see the module doc), from ``found``, every judged candidate.

    Those still to settle (:attr:`Candidate.ceiling` set: relevant, their answer type not read) are settled by
    ``settle``, highest ceiling first, and only while one of them could still change the choice: a candidate's
    score never exceeds its ceiling, so one whose ceiling stays under every score the choice compares is never
    chosen, never ends the choice early, never changes the best score. One that may share its words with another
    (:func:`bot.core.text.copy_key`) is always settled: the earliest copy is the one quoted, whatever its score.
    The quotes are those that settling every candidate gives (tests/search/test_quote_settling.py)."""
    key = _Keys()
    if settle is not None:
        _settle(found, settle, key)
    pool = [c for c in found if c.answers]
    copies = _copies(pool, key)
    chosen, _ = _choose([c for c in pool if copies[key(c)][0] is c])
    return [_quote(index, c, copies[key(c)]) for c in chosen]


class _Keys:
    """:func:`copy_key` of each candidate's sentence, once."""

    def __init__(self) -> None:
        self._keys: dict[int, str] = {}

    def __call__(self, candidate: Candidate) -> str:
        found = self._keys.get(candidate.passage.pid)
        if found is None:
            found = self._keys[candidate.passage.pid] = copy_key(candidate.passage.text)
        return found


_ROUND = 10  # candidates settled at a time while any may still change the choice


def _settle(found: Sequence[Candidate], settle: Callable[[Candidate], None], key: _Keys) -> None:
    waiting = [c for c in found if c.ceiling is not None]
    if not waiting:
        return
    counts = Counter(key(c) for c in found if c.ceiling is not None or c.answers)
    rest = []
    for candidate in waiting:
        if counts[key(candidate)] > 1:
            settle(candidate)
        else:
            rest.append(candidate)
    rest.sort(key=lambda c: -_most(c))
    while rest:
        pool = [c for c in found if c.answers]
        copies = _copies(pool, key)
        _, floor = _choose([c for c in pool if copies[key(c)][0] is c])
        reach = 0
        while reach < min(len(rest), _ROUND) and _most(rest[reach]) >= floor:
            reach += 1
        if not reach:
            return
        for candidate in rest[:reach]:
            settle(candidate)
        del rest[:reach]


def _most(candidate: Candidate) -> float:
    """The most a candidate still to settle may weigh in :func:`_choose`."""
    assert candidate.ceiling is not None
    return max(candidate.ceiling, candidate.ceiling * SAME_ARTICLE_PENALTY)


def _choose(pool: list[Candidate]) -> tuple[list[Candidate], float]:
    """The candidates quoted from ``pool`` (one of each set of copies), and the floor a candidate outside it must
    stay under not to change them: the weight of the last one taken (chosen, passed over, or the one that ended
    the choice under :data:`QUOTE_RATIO`), or that ratio of the best score when ``pool`` ran out first."""
    if not pool:
        return [], -math.inf
    pool = list(pool)
    best = max(c.score for c in pool)
    chosen: list[Candidate] = []
    floor = math.inf
    while pool and len(chosen) < MAX_QUOTES:
        used = {c.passage.article.id for c in chosen}
        pick = max(pool, key=lambda c: (c.score * (SAME_ARTICLE_PENALTY if c.passage.article.id in used else 1.0),
                                        -c.passage.pid))  # fmt: skip
        floor = pick.score * (SAME_ARTICLE_PENALTY if pick.passage.article.id in used else 1.0)
        del pool[next(i for i, c in enumerate(pool) if c is pick)]
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
    else:
        if len(chosen) < MAX_QUOTES:
            floor = min(floor, best * QUOTE_RATIO)
    return chosen, floor


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


def _copies(pool: Sequence[Candidate], key: _Keys) -> dict[str, list[Candidate]]:
    """Identical sentences from several articles, earliest article first (the original, then its reprints)."""
    groups: dict[str, list[Candidate]] = {}
    for candidate in pool:
        groups.setdefault(key(candidate), []).append(candidate)
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
