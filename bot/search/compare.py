"""How each outlet put it: for the outlets that covered a topic, the one sentence of theirs that holds it best.

A picker of its own, beside the answerer (:mod:`bot.search.answers`), built on the same relevance test
(:mod:`bot.search.relevance`), so that an outlet "covered" a topic exactly when one of its sentences would be
relevant enough to be quoted in an answer to it:

1. The topic is read as a question is (:func:`bot.search.question.read_question`: its words and what may stand for
   each in the coverage).
2. Candidate articles come from exact BM25 over sentences and headlines, with the topic's terms and their spelling
   corrections, then with the WordNet relatives as well; the best :data:`MAX_ARTICLES` articles are read whole.
3. Each article's best sentence by the answerer's test (:func:`bot.search.topic_match.holding_passage`); an article
   with no relevant sentence (a headline-only entry, say) counts with its headline when the headline passes the
   answerer's headline test.
4. Per outlet, its best sentence (the share of the topic it holds with its context, then alone, then the earlier
   article); outlets ranked the same way, the most relevant first. The same sentence printed by several outlets
   (a syndicated copy, its quotes or dashes perhaps typeset otherwise: :func:`bot.core.text.copy_key`, the
   answer's rule) is shown once, in the first outlet's printing, "also in" the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.models import Attribution, date_sort_key
from bot.core.quoting import OutletComparison, OutletQuote
from bot.core.text import copy_key
from bot.search.index import ArticleRef, CoverageIndex, Passage
from bot.search.question import SPELLING, ReadQuestion, mark_names, read_question
from bot.search.topic_match import holding_passage

__all__ = ["MAX_ARTICLES", "compare_outlets"]

MAX_ARTICLES = 200  # candidate articles read whole, best BM25 first
_SENTENCE_HITS = 1000  # sentences asked of BM25, per query
_HEADLINE_HITS = 200  # headlines asked of BM25, per query


@dataclass(frozen=True)
class _Pick:
    passage: Passage
    rank: tuple[float, float]  # (with its context, alone): the share of the topic the passage holds
    order: int  # the article's place among the candidates (better BM25 first)


def compare_outlets(index: CoverageIndex, topic: str) -> OutletComparison:
    """The outlets whose coverage holds ``topic``, one sentence each, most relevant first (none: nothing is
    relevant). :class:`InvalidQuestion` when the topic has no word to search for."""
    read = read_question(index, topic)
    ranked = _candidate_articles(index, read)
    passages = index.passages_of(ranked)
    mark_names(read, [p.text for ps in passages.values() for p in ps[1:]])
    picks: dict[str, list[_Pick]] = {}
    for order, article_id in enumerate(ranked):
        pick = _pick(index, read, passages.get(article_id, []), order)
        if pick is not None:
            picks.setdefault(pick.passage.article.source, []).append(pick)
    best = sorted((min(items, key=_key) for items in picks.values()), key=_key)
    shown: list[tuple[_Pick, list[str]]] = []
    for pick in best:  # a syndicated copy's sentence is one quote "also in" the other outlets (as in answers)
        same = next((s for s in shown if copy_key(s[0].passage.text) == copy_key(pick.passage.text)), None)
        if same is not None:
            same[1].append(pick.passage.article.source)
        else:
            shown.append((pick, []))
    outlets = tuple(
        OutletQuote(
            text=pick.passage.text,
            article=_attribution(pick.passage.article, also),
            articles=len(picks[pick.passage.article.source]),
            headline=pick.passage.kind == "headline",
        )
        for pick, also in shown
    )
    return OutletComparison(topic=read.text, outlets=outlets)


def _candidate_articles(index: CoverageIndex, read: ReadQuestion) -> list[str]:
    """Article ids by their best BM25 hit (sentence or headline), best first, at most :data:`MAX_ARTICLES`."""
    plain = [w.term for w in read.words if w.known] or [w.term for w in read.words]
    spelled = [t for w in read.words for t, c in w.alternatives.items() if c >= SPELLING]
    bridged = [t for w in read.words for t in w.alternatives]
    queries = [list(dict.fromkeys(plain + spelled))]
    if set(bridged) - set(queries[0]):
        queries.append(list(dict.fromkeys(plain + spelled + bridged)))
    best: dict[str, float] = {}
    for query in queries:
        for kind, k in (("sentence", _SENTENCE_HITS), ("headline", _HEADLINE_HITS)):
            top = None
            for _, article_id, score in index.ranked(query, kind, k):  # type: ignore[arg-type]
                if score <= 0:
                    continue
                top = top or score
                best[article_id] = max(best.get(article_id, 0.0), score / top)
    return sorted(best, key=lambda a: (-best[a], index.article(a).order))[:MAX_ARTICLES]


def _pick(index: CoverageIndex, read: ReadQuestion, passages: list[Passage], order: int) -> _Pick | None:
    """An article's most relevant sentence, else its headline if that holds the topic, else None."""
    found = holding_passage(index, read, passages)
    return None if found is None else _Pick(found[0], (found[1].local, found[1].own), order)


def _key(pick: _Pick) -> tuple[float, float, tuple[int, str], int]:
    return (-pick.rank[0], -pick.rank[1], date_sort_key(pick.passage.article.date), pick.order)


def _attribution(ref: ArticleRef, also_in: list[str]) -> Attribution:
    return Attribution(
        article_id=ref.id, title=ref.title, source=ref.source, date=ref.date, url=ref.url, also_in=also_in
    )
