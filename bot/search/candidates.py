"""The answerer's candidates: the sentences that may answer a question, found by exact BM25.

Step 2 of the answerer (:mod:`bot.search.answers`). Sentence-level and headline-level BM25 (rank-bm25's formula),
with the question's terms and again with the bridged ones, pick the candidate articles; every sentence of the best
:data:`ARTICLES` of them, and the best :data:`SENTENCE_HITS` sentences of the others (each with its headline and
neighbours), is a candidate. :mod:`bot.search.judging` then scores each one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from bot.search.index import CoverageIndex, Hit, Passage
from bot.search.question import SPELLING, ReadQuestion
from bot.search.relevance import Relevance

__all__ = ["ARTICLES", "HEADLINES", "SENTENCE_HITS", "Candidate", "TermsOf", "candidates"]

ARTICLES = 15  # candidate articles whose every sentence is read (recall at 10: 88/92 of the development half, 15: 90)
SENTENCE_HITS = 30  # ... and the articles of this many best sentences
_BM25_K = 100  # sentences asked of BM25, per query
HEADLINES = 50  # headlines asked of BM25, per query


class TermsOf:
    """The terms of several passages together, read on first use: most candidates are ruled out without them."""

    __slots__ = ("_passages", "_terms")

    def __init__(self, passages: Iterable[Passage]) -> None:
        self._passages = tuple(passages)
        self._terms: frozenset[str] | None = None

    @property
    def terms(self) -> frozenset[str]:
        if self._terms is None:
            self._terms = frozenset().union(*(p.terms for p in self._passages))
        return self._terms


@dataclass
class Candidate:
    """A sentence that may answer, read in its article, and what the judging found in it."""

    passage: Passage
    previous: Passage | None
    following: Passage | None
    earlier: tuple[Passage, ...]  # the lead and the two sentences before ``previous`` (articles read whole)
    headline: Passage
    article_rank: int
    bm25_rank: int | None
    bm25: float  # normalised sentence BM25 (0..1; 0 when not among the BM25 hits)
    article_score: float  # normalised article score (0..1)
    article_group: TermsOf  # its article's passages (its context's, for a sentence read outside its whole article)
    relevance: Relevance = Relevance()  # what of the question it and its context hold (set when judged)
    answer_type: str | None = None
    answer_type_in: Literal["sentence", "previous sentence"] | None = None
    semantic: float | None = None
    score: float = 0.0
    with_previous: bool = False
    ceiling: float | None = None  # relevant, its answer type not read yet: the most its score may be once it is

    @property
    def article_terms(self) -> frozenset[str]:
        """Every term of its article (of its context, for a sentence read outside its whole article)."""
        return self.article_group.terms

    @property
    def answers(self) -> bool:
        """Relevant, and stating a fact of the asked kind (or any, for a question that asks for none)."""
        return self.relevance.relevant and self.answer_type is not None


def candidates(index: CoverageIndex, question: ReadQuestion) -> tuple[list[Candidate], list[Hit]]:
    """Every sentence of the candidate articles, in article order then text order; and the headline hits."""
    plain = [w.term for w in question.words if w.known] or [w.term for w in question.words]
    spelled = [t for w in question.words for t, c in w.alternatives.items() if c >= SPELLING]
    bridged = [t for w in question.words for t in w.alternatives]
    queries = _queries(plain, spelled, bridged)
    sentence_hits = _merged(index.ranked(q, "sentence", _BM25_K) for q in queries)
    first: dict[int, Hit] = {}  # a headline found by the plain query keeps that query's score and coverage
    for query in queries:
        for hit in index.search(query, "headline", HEADLINES):
            if hit.score > 0:
                first.setdefault(hit.passage.pid, hit)
    headline_hits = sorted(first.values(), key=lambda h: (-h.score, h.passage.pid))
    top_sentence = max((score for _, _, score in sentence_hits), default=0.0) or 1.0
    top_headline = max((h.score for h in headline_hits), default=0.0) or 1.0
    bm25_rank = {pid: rank for rank, (pid, _, _) in enumerate(sentence_hits, start=1)}
    bm25 = {pid: score / top_sentence for pid, _, score in sentence_hits}
    merit: dict[str, float] = {}
    for _, article_id, score in sentence_hits:
        merit[article_id] = merit.get(article_id, 0.0) + 0.5 * score / top_sentence
    for hit in headline_hits:
        key = hit.passage.article.id
        merit[key] = merit.get(key, 0.0) + hit.score / top_headline
    ranked = sorted(merit, key=lambda a: (-merit[a], a))
    top_merit = max(merit.values(), default=0.0) or 1.0
    article_rank = {a: rank for rank, a in enumerate(ranked, start=1)}
    found: list[Candidate] = []

    def add(passage: Passage, previous: Passage | None, following: Passage | None, headline: Passage,
            terms: TermsOf, earlier: tuple[Passage, ...] = ()) -> None:  # fmt: skip
        article_id = passage.article.id
        found.append(
            Candidate(
                passage=passage,
                previous=previous,
                following=following,
                earlier=earlier,
                headline=headline,
                article_rank=article_rank[article_id],
                bm25_rank=bm25_rank.get(passage.pid),
                bm25=bm25.get(passage.pid, 0.0),
                article_score=merit[article_id] / top_merit,
                article_group=terms,
            )
        )

    whole = ranked[:ARTICLES]  # every sentence of these articles is read
    for passages in index.passages_of(whole).values():
        headline, sentences = passages[0], passages[1:]
        terms = TermsOf(passages)
        for i, passage in enumerate(sentences):
            add(passage, sentences[i - 1] if i > 0 else None, sentences[i + 1] if i + 1 < len(sentences) else None,
                headline, terms, _earlier(sentences, i))  # fmt: skip
    # ... and of other articles, the best BM25 sentences, each with its headline and neighbours (its "article",
    # for the article floor, is then that context: reading whole articles for them would cost more than it finds)
    others = [(pid, a) for pid, a, _ in sentence_hits[:SENTENCE_HITS] if a not in set(whole)]
    needed = {p for pid, a in others for p in (index.first_pid(a), pid - 1, pid, pid + 1)}
    near = index.passages_at(needed)
    for pid, article_id in others:
        sentence, title = near.get(pid), near.get(index.first_pid(article_id))
        if sentence is None or title is None:
            continue
        before, after = near.get(pid - 1), near.get(pid + 1)
        before = before if before is not None and before.kind == "sentence" else None
        after = after if after is not None and after.article.id == article_id else None
        context = [p for p in (title, before, sentence, after) if p is not None]
        add(sentence, before, after, title, TermsOf(context))
    return found, headline_hits


def _earlier(sentences: list[Passage], i: int) -> tuple[Passage, ...]:
    """The sentences before the previous one that may name what sentence ``i`` calls "she" or "the company": the
    two before it, and the article's lead."""
    found = sentences[max(0, i - 3) : max(0, i - 1)]
    if i - 3 > 0:
        found = [sentences[0], *found]
    return tuple(found)


def _queries(plain: list[str], spelled: list[str], bridged: list[str]) -> list[list[str]]:
    queries = [list(dict.fromkeys(plain + spelled))]
    if set(bridged) - set(queries[0]):
        queries.append(list(dict.fromkeys(plain + spelled + bridged)))
    return queries


def _merged(lists: Iterable[list[tuple[int, str, float]]]) -> list[tuple[int, str, float]]:
    best: dict[int, tuple[int, str, float]] = {}
    for hits in lists:
        for hit in hits:
            if hit[2] > 0 and (hit[0] not in best or hit[2] > best[hit[0]][2]):
                best[hit[0]] = hit
    return sorted(best.values(), key=lambda h: (-h[2], h[0]))
