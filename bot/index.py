"""The search index over the coverage: BM25 over body sentences, and BM25 over headlines.

Each article contributes one *headline passage* (its title) and one *sentence passage* per sentence of its body.
The two kinds live in two BM25 collections, so that short headlines and long sentences are each ranked among
their own kind, with rank-bm25's Okapi formula (:mod:`bot.bm25`).

Besides the BM25 score, every hit carries its *coverage* of the question: the share of the question's weight
(terms weighted by a smoothed, always-positive idf over both collections) that the passage contains. BM25 says
which passage matches best; coverage says whether it matches the question at all, which is what the relevance
floor in :mod:`bot.answers` needs and what a raw BM25 score, which depends on the corpus, cannot say.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from .bm25 import BM25Index
from .models import Article
from .text import sentence_spans, tokenize

__all__ = ["ArticleRef", "CoverageIndex", "Hit", "Passage"]

Kind = Literal["sentence", "headline"]


@dataclass(frozen=True, slots=True)
class ArticleRef:
    """What the index keeps of an article: enough to attribute a quote without asking the store."""

    id: str
    title: str
    source: str
    date: str | None
    url: str | None
    order: int  # insertion order: the earlier of two equal copies is the original


@dataclass(frozen=True, slots=True)
class Passage:
    pid: int
    article: ArticleRef
    kind: Kind
    text: str  # a verbatim slice of the article's body, or its title
    terms: frozenset[str]


@dataclass(frozen=True, slots=True)
class Hit:
    passage: Passage
    score: float  # BM25 (rank-bm25's BM25Okapi) within the passage's own collection
    coverage: float  # 0..1: the share of the question's weight that the passage contains


class CoverageIndex:
    """Sentences and headlines of all articles, searchable with BM25; add and remove without a rebuild."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._collections: dict[Kind, BM25Index] = {"sentence": BM25Index(), "headline": BM25Index()}
        self._passages: dict[int, Passage] = {}
        self._by_article: dict[str, list[int]] = {}
        self._articles: dict[str, ArticleRef] = {}
        self._next_pid = 0
        self._order = 0

    # --- building --------------------------------------------------------------------------------------------

    def add_articles(self, articles: Iterable[Article]) -> None:
        batches: dict[Kind, list[tuple[int, Sequence[str]]]] = {"sentence": [], "headline": []}
        with self._lock:
            for article in articles:
                for passage, tokens in self._passages_of(article):
                    batches[passage.kind].append((passage.pid, tokens))
            for kind, docs in batches.items():
                self._collections[kind].add_many(docs)

    def add_article(self, article: Article) -> None:
        self.add_articles([article])

    def remove_article(self, article_id: str) -> bool:
        with self._lock:
            pids = self._by_article.pop(article_id, None)
            if pids is None:
                return False
            self._articles.pop(article_id, None)
            for pid in pids:
                passage = self._passages.pop(pid)
                self._collections[passage.kind].remove(pid)
            return True

    def _passages_of(self, article: Article) -> Iterable[tuple[Passage, list[str]]]:
        if article.id in self._articles:
            raise ValueError(f"article {article.id} is already indexed")
        ref = ArticleRef(article.id, article.title, article.source, article.date, article.url, self._order)
        self._order += 1
        self._articles[article.id] = ref
        pids = self._by_article.setdefault(article.id, [])
        pieces: list[tuple[Kind, str]] = [("headline", article.title)]
        pieces += [("sentence", article.body[a:b]) for a, b in sentence_spans(article.body)]
        for kind, text in pieces:
            tokens = tokenize(text)
            passage = Passage(self._next_pid, ref, kind, text, frozenset(tokens))
            self._passages[passage.pid] = passage
            pids.append(passage.pid)
            self._next_pid += 1
            yield passage, tokens

    # --- reading ---------------------------------------------------------------------------------------------

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._articles

    def article(self, article_id: str) -> ArticleRef:
        return self._articles[article_id]

    def articles(self) -> list[ArticleRef]:
        with self._lock:
            return sorted(self._articles.values(), key=lambda a: a.order)

    def passages_of(self, article_id: str) -> list[Passage]:
        with self._lock:
            return [self._passages[p] for p in self._by_article.get(article_id, [])]

    def size(self, kind: Kind) -> int:
        return len(self._collections[kind])

    def article_terms(self, article_id: str) -> frozenset[str]:
        """Every term of an article: its headline and all its sentences."""
        with self._lock:
            terms: set[str] = set()
            for pid in self._by_article.get(article_id, []):
                terms |= self._passages[pid].terms
            return frozenset(terms)

    def doc_freq(self, term: str) -> int:
        """In how many passages (sentences and headlines) ``term`` occurs."""
        return sum(c.doc_freq(term) for c in self._collections.values())

    def term_weights(self, terms: Sequence[str]) -> dict[str, float]:
        """A smoothed idf over both collections, always positive; a term the coverage never uses weighs as
        much as the rarest term it does use, so one unknown word cannot outweigh the rest of a question."""
        with self._lock:
            total = sum(len(c) for c in self._collections.values())
            weights = {}
            for term in dict.fromkeys(terms):
                df = sum(c.doc_freq(term) for c in self._collections.values())
                weights[term] = math.log(1.0 + (total - max(df, 1) + 0.5) / (max(df, 1) + 0.5))
            return weights

    def search(self, terms: Sequence[str], kind: Kind, k: int) -> list[Hit]:
        """The best ``k`` passages of one kind for ``terms`` (a tokenized question), best first.

        Ties in BM25 score go to the passage indexed first (the older article, then the earlier sentence)."""
        with self._lock:
            weights = self.term_weights(terms)
            total = sum(weights.values())
            hits = []
            for pid, score in self._collections[kind].top_k(list(terms), k):
                passage = self._passages[pid]
                covered = sum(w for t, w in weights.items() if t in passage.terms)
                hits.append(Hit(passage, float(score), covered / total if total else 0.0))
            return hits
