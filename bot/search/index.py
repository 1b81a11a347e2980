"""The search index over the coverage: BM25 over body sentences, and BM25 over headlines.

Each article contributes one *headline passage* (its title) and one *sentence passage* per sentence of its body,
numbered consecutively (``pid``), so an article's passages are one range of numbers. The two kinds live in two
BM25 collections (:class:`bot.search.bm25.BM25Index`, rank-bm25's Okapi formula, exactly), so that short headlines and
long sentences are each ranked among their own kind.

Besides the BM25 score, every hit carries its *coverage* of the question: the share of the question's weight
(terms weighted by a smoothed, always-positive idf over both collections) that the passage contains. BM25 says
which passage matches best; coverage says whether it matches the question at all, which is what the relevance
floor in :mod:`bot.search.answers` needs and what a raw BM25 score, which depends on the corpus, cannot say.

Memory: per passage the index keeps three integers (its article and its span in the body); the text of a
passage is read back from the store only for the few passages a question returns (``body_loader``), and the
terms of a passage come from the BM25 index's own forward index. The whole index can be saved to a directory
and loaded back in a fraction of the time it takes to build (see :meth:`save` and :meth:`load`).
"""

from __future__ import annotations

import json
import math
import threading
import zipfile
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from bot.core.models import Article
from bot.search.bm25 import BM25Index
from bot.search.bm25_arrays import Vocab
from bot.search.bulk_tokens import PassageTokens, WordTerms
from bot.search.generations import load_current, publish
from bot.search.split_apart import split_batches

__all__ = ["ArticleRef", "BodyLoader", "CoverageIndex", "Hit", "Passage"]

Kind = Literal["sentence", "headline"]
BodyLoader = Callable[[Sequence[str]], dict[str, str]]
_FORMAT = 1
_BODY_CACHE = 2048
_TERMS_CACHE = 4096  # articles whose whole term set is kept (a few KB each)


@dataclass(frozen=True, slots=True)
class ArticleRef:
    """What the index keeps of an article: enough to attribute a quote without asking the store."""

    id: str
    title: str
    source: str
    date: str | None
    url: str | None
    order: int  # insertion order: the earlier of two equal copies is the original


class Passage:
    """A headline or a sentence of an article: its pid, its article, its text (a verbatim slice of the article's
    body, or its title) and its distinct index terms. The terms are read on first use from the term ids the
    passage was made with: an answer reads hundreds of passages and rules most out by their ids alone
    (:mod:`bot.search.judging`). Read-only; equal when every field is."""

    __slots__ = ("_terms", "article", "ids", "kind", "pid", "text", "vocab")

    def __init__(
        self, pid: int, article: ArticleRef, kind: Kind, text: str, terms: frozenset[str] | None = None,
        *, ids: npt.NDArray[np.int32] | None = None, vocab: Vocab | None = None,
    ) -> None:  # fmt: skip
        if terms is None and (ids is None or vocab is None):
            raise TypeError("a passage needs its terms, or their ids and the vocabulary they index")
        self.pid, self.article, self.kind, self.text = pid, article, kind, text
        self._terms, self.ids, self.vocab = terms, ids, vocab

    @property
    def terms(self) -> frozenset[str]:
        terms = self._terms
        if terms is None:
            assert self.ids is not None and self.vocab is not None
            terms = self._terms = frozenset(map(self.vocab.words.__getitem__, self.ids.tolist()))
        return terms

    def _key(self) -> tuple[int, ArticleRef, str, str, frozenset[str]]:
        return self.pid, self.article, self.kind, self.text, self.terms

    def __eq__(self, other: object) -> bool:
        return self._key() == other._key() if isinstance(other, Passage) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Passage(pid={self.pid!r}, article={self.article!r}, kind={self.kind!r}, text={self.text!r})"


@dataclass(frozen=True, slots=True)
class Hit:
    passage: Passage
    score: float  # BM25 (rank-bm25's BM25Okapi) within the passage's own collection
    coverage: float  # 0..1: the share of the question's weight that the passage contains


class CoverageIndex:
    """Sentences and headlines of all articles, searchable with BM25; add and remove without a rebuild.

    Thread-safe (one lock). ``body_loader`` returns the bodies of the given article ids; without one, bodies are
    kept in memory (for small corpora and tests)."""

    def __init__(self, body_loader: BodyLoader | None = None) -> None:
        self._lock = threading.RLock()
        self._loader = body_loader
        self._collections: dict[Kind, BM25Index] = {"sentence": BM25Index(), "headline": BM25Index()}
        self._articles: dict[str, ArticleRef] = {}  # in insertion order
        self._span: dict[str, tuple[int, int]] = {}  # article id -> (first pid, number of passages)
        self._owner: list[str | None] = []  # pid -> article id (None once removed)
        self._start = array("i")  # pid -> start of the sentence in the body (-1 for a headline)
        self._end = array("i")
        self._bodies: OrderedDict[str, str] = OrderedDict()
        self._article_terms: OrderedDict[str, frozenset[str]] = OrderedDict()
        self._order = 0

    # --- building --------------------------------------------------------------------------------------------

    def add_articles(self, articles: Iterable[Article]) -> None:
        words = WordTerms()
        headlines, sentences = PassageTokens(words), PassageTokens(words)  # in bulk when many (the same tokens)
        with self._lock:
            for batch, (counts, starts, ends) in split_batches(articles):  # a big build splits in a second process
                pids: list[int] = []
                texts: list[str] = []
                heads: list[int] = []
                titles: list[str] = []
                at = 0
                for article, count in zip(batch, counts, strict=True):
                    if article.id in self._articles:
                        raise ValueError(f"article {article.id} is already indexed")
                    ref = ArticleRef(article.id, article.title, article.source, article.date, article.url, self._order)
                    self._order += 1
                    self._articles[article.id] = ref
                    first = len(self._owner)
                    body = article.body
                    a, b = starts[at : at + count], ends[at : at + count]
                    at += count
                    self._span[article.id] = (first, 1 + count)
                    heads.append(first)
                    titles.append(article.title)
                    pids.extend(range(first + 1, first + 1 + count))
                    texts.extend(map(body.__getitem__, map(slice, a, b)))
                    self._owner.extend([article.id] * (1 + count))  # the headline's pid, then each sentence's
                    self._start.append(-1)
                    self._end.append(-1)
                    self._start.extend(a)
                    self._end.extend(b)
                    self._remember(article.id, body)
                headlines.add(heads, titles)
                sentences.add(pids, texts)
            headlines.into(self._collections["headline"])
            sentences.into(self._collections["sentence"])

    def add_article(self, article: Article) -> None:
        self.add_articles([article])

    def remove_article(self, article_id: str) -> bool:
        with self._lock:
            span = self._span.pop(article_id, None)
            if span is None:
                return False
            del self._articles[article_id]
            self._bodies.pop(article_id, None)
            self._article_terms.pop(article_id, None)
            first, count = span
            self._collections["headline"].remove(first)
            for pid in range(first + 1, first + count):
                self._collections["sentence"].remove(pid)
            for pid in range(first, first + count):
                self._owner[pid] = None
            return True

    def _remember(self, article_id: str, body: str) -> None:
        if self._loader is not None and len(body) > 0:
            self._bodies[article_id] = body
            while len(self._bodies) > _BODY_CACHE:
                self._bodies.popitem(last=False)
        elif self._loader is None:
            self._bodies[article_id] = body

    # --- reading ---------------------------------------------------------------------------------------------

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._articles

    def article(self, article_id: str) -> ArticleRef:
        return self._articles[article_id]

    def articles(self) -> list[ArticleRef]:
        """Every indexed article, in insertion order."""
        with self._lock:
            return list(self._articles.values())

    def passage_count(self, article_id: str) -> int:
        """1 (the headline) plus the number of sentences."""
        return self._span[article_id][1]

    def size(self, kind: Kind) -> int:
        return len(self._collections[kind])

    def bm25(self, kind: Kind) -> BM25Index:
        """The BM25 collection of one kind (read-only use: what the benchmarks time as pure retrieval)."""
        return self._collections[kind]

    def article_terms(self, article_id: str) -> frozenset[str]:
        """Every term of an article: its headline and all its sentences.

        Kept for the most recently asked _TERMS_CACHE articles (answers ask for the same candidates' terms
        again and again), and computed with one gather over the forward index when not."""
        with self._lock:
            cached = self._article_terms.get(article_id)
            if cached is not None:
                self._article_terms.move_to_end(article_id)
                return cached
            first, count = self._span[article_id]
            terms = set(self._collections["headline"].terms_of(first))
            terms.update(self._collections["sentence"].terms_of_many(range(first + 1, first + count)))
            found = frozenset(terms)
            self._article_terms[article_id] = found
            while len(self._article_terms) > _TERMS_CACHE:
                self._article_terms.popitem(last=False)
            return found

    @property
    def version(self) -> tuple[int, int]:
        """Changes whenever an article is added or removed: the key of caches derived from the index."""
        return self._collections["sentence"].version, self._collections["headline"].version

    def vocabulary(self) -> set[str]:
        """Every term of every present sentence and headline."""
        with self._lock:
            return set(self._collections["sentence"].vocabulary()) | set(self._collections["headline"].vocabulary())

    def passages_of(self, article_ids: Sequence[str]) -> dict[str, list[Passage]]:
        """The headline and then every sentence of each article, with their text and terms, in article order."""
        with self._lock:
            present = [a for a in dict.fromkeys(article_ids) if a in self._span]
            bodies = self._load_bodies({a for a in present if self._span[a][1] > 1})
            spans = [self._span[a] for a in present]
            title_ids, titles = self._collections["headline"].term_ids_of_each(first for first, _ in spans)
            ids, words = self._collections["sentence"].term_ids_of_each(
                pid for first, count in spans for pid in range(first + 1, first + count))  # fmt: skip
            start, end, at = self._start, self._end, iter(ids)
            result: dict[str, list[Passage]] = {}
            for article_id, (first, count), headline in zip(present, spans, title_ids, strict=True):
                ref = self._articles[article_id]
                body = bodies.get(article_id, "")
                passages = [Passage(first, ref, "headline", ref.title, ids=headline, vocab=titles)]
                passages += [Passage(pid, ref, "sentence", body[start[pid] : end[pid]], ids=next(at), vocab=words)
                             for pid in range(first + 1, first + count)]  # fmt: skip
                result[article_id] = passages
            return result

    def passages_at(self, pids: Iterable[int]) -> dict[int, Passage]:
        """The passages (headline or sentence) with these pids, with their text and terms; absent ones left out."""
        with self._lock:
            live = [pid for pid in dict.fromkeys(pids) if 0 <= pid < len(self._owner) and self._owner[pid]]
            owners = {pid: self._owner[pid] for pid in live}
            bodies = self._load_bodies({o for pid, o in owners.items() if o and self._start[pid] >= 0})
            title_ids, titles = self._collections["headline"].term_ids_of_each(p for p in owners if self._start[p] < 0)
            sentence_ids, words = self._collections["sentence"].term_ids_of_each(
                p for p in owners if self._start[p] >= 0)  # fmt: skip
            headlines, sentences = iter(title_ids), iter(sentence_ids)
            found: dict[int, Passage] = {}
            for pid, owner in owners.items():
                assert owner is not None
                ref = self._articles[owner]
                if self._start[pid] < 0:
                    found[pid] = Passage(pid, ref, "headline", ref.title, ids=next(headlines), vocab=titles)
                else:
                    text = bodies[owner][self._start[pid] : self._end[pid]]
                    found[pid] = Passage(pid, ref, "sentence", text, ids=next(sentences), vocab=words)
            return found

    def first_pid(self, article_id: str) -> int:
        """The pid of an article's headline; its sentences follow it."""
        return self._span[article_id][0]

    def excerpt(self, first_pid: int, last_pid: int) -> str:
        """The stored text from the start of one sentence to the end of a later one of the same article: a
        verbatim slice (for a quote that needs the sentence before it)."""
        with self._lock:
            owner = self._owner[first_pid]
            if owner is None or self._owner[last_pid] != owner or last_pid < first_pid or self._start[first_pid] < 0:
                raise KeyError(f"passages {first_pid}..{last_pid} are not sentences of one article")
            body = self._load_bodies({owner})[owner]
            return body[self._start[first_pid] : self._end[last_pid]]

    def span(self, pid: int) -> tuple[int, int]:
        """Where a sentence passage stands in its article's body: ``(start, end)``, a slice of the stored text."""
        return self._start[pid], self._end[pid]

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
                df = max(self.doc_freq(term), 1)
                weights[term] = math.log(1.0 + (total - df + 0.5) / (df + 0.5))
            return weights

    def search(self, terms: Sequence[str], kind: Kind, k: int) -> list[Hit]:
        """The best ``k`` passages of one kind for ``terms`` (a tokenized question), best first.

        Ties in BM25 score go to the passage indexed first (the older article, then the earlier sentence)."""
        with self._lock:
            weights = self.term_weights(terms)
            total = sum(weights.values())
            collection = self._collections[kind]
            found = collection.top_k(list(terms), k)
            texts = self._texts([pid for pid, _ in found], kind)
            hits = []
            ids, vocab = collection.term_ids_of_each(p for p, _ in found)
            for (pid, score), passage_ids in zip(found, ids, strict=True):
                article_id = self._owner[pid]
                assert article_id is not None
                passage = Passage(pid, self._articles[article_id], kind, texts[pid], ids=passage_ids, vocab=vocab)
                passage_terms = passage.terms
                covered = sum(w for t, w in weights.items() if t in passage_terms)
                hits.append(Hit(passage, float(score), covered / total if total else 0.0))
            return hits

    def ranked(self, terms: Sequence[str], kind: Kind, k: int) -> list[tuple[int, str, float]]:
        """The best ``k`` passages of one kind as ``(pid, article id, BM25 score)``, best first, without reading
        their text (for a caller that reads whole articles afterwards)."""
        with self._lock:
            found = self._collections[kind].top_k(list(terms), k)
            return [(pid, owner, float(score)) for pid, score in found if (owner := self._owner[pid]) is not None]

    def _texts(self, pids: Sequence[int], kind: Kind) -> dict[int, str]:
        owners = {pid: self._owner[pid] for pid in pids}
        if kind == "headline":
            return {pid: self._articles[owner].title for pid, owner in owners.items() if owner}
        bodies = self._load_bodies({owner for owner in owners.values() if owner})
        return {pid: bodies[owner][self._start[pid] : self._end[pid]] for pid, owner in owners.items() if owner}

    def _load_bodies(self, article_ids: set[str]) -> dict[str, str]:
        bodies = {a: self._bodies[a] for a in article_ids if a in self._bodies}
        missing = [a for a in article_ids if a not in bodies]
        if missing:
            if self._loader is None:
                raise KeyError(f"no body for {missing}")
            loaded = self._loader(missing)
            for article_id, body in loaded.items():
                self._remember(article_id, body)
            bodies.update(loaded)
        return bodies

    # --- persistence -----------------------------------------------------------------------------------------

    def save(self, directory: Path, meta: dict[str, Any]) -> None:
        """Write the index to ``directory`` (created; a new generation of it, replacing the current one in one
        atomic step: :mod:`bot.search.generations`), with ``meta`` to check on load."""
        with self._lock:
            publish(directory, lambda folder: self._write(folder, meta))

    def _write(self, folder: Path, meta: dict[str, Any]) -> None:
        for kind, collection in self._collections.items():
            collection.save(folder / f"{kind}.bm25")
        articles = [
            [r.id, r.title, r.source, r.date, r.url, r.order, *self._span[r.id]] for r in self._articles.values()
        ]
        owners = np.full(len(self._owner), -1, dtype=np.int64)
        position = {r.id: i for i, r in enumerate(self._articles.values())}
        for pid, owner in enumerate(self._owner):
            if owner is not None:
                owners[pid] = position[owner]
        np.savez(
            folder / "passages.npz",
            owner=owners,
            start=np.frombuffer(self._start, dtype=np.int32),
            end=np.frombuffer(self._end, dtype=np.int32),
        )
        header = {"format": _FORMAT, "order": self._order, "meta": meta}
        (folder / "articles.json").write_text(json.dumps({**header, "articles": articles}), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, body_loader: BodyLoader | None) -> tuple[CoverageIndex, dict[str, Any]]:
        """An index saved by :meth:`save` (its current generation), and the ``meta`` it was saved with; ValueError
        if there is none or it is unreadable.

        The index is derived data, rebuilt from the store when this fails, so any file that cannot be read
        or whose parts do not fit together (truncated, emptied, written by something else) is a ValueError,
        never a crash."""
        return load_current(directory, lambda folder: cls._read(folder, body_loader))

    @classmethod
    def _read(cls, directory: Path, body_loader: BodyLoader | None) -> tuple[CoverageIndex, dict[str, Any]]:
        try:
            data = json.loads((directory / "articles.json").read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("format") != _FORMAT:
                raise ValueError(
                    f"index format {data.get('format') if isinstance(data, dict) else '?'} is not {_FORMAT}"
                )
            index = cls(body_loader)
            for kind in ("sentence", "headline"):
                index._collections[kind] = BM25Index.load(directory / f"{kind}.bm25")
            with (directory / "passages.npz").open("rb") as handle, np.load(handle, allow_pickle=False) as arrays:
                owners, starts, ends = arrays["owner"], arrays["start"], arrays["end"]
            if not len(owners) == len(starts) == len(ends):
                raise ValueError("passages.npz: its arrays do not fit together")
            index._start = array("i", starts.astype(np.int32).tobytes())
            index._end = array("i", ends.astype(np.int32).tobytes())
            ids: list[str] = []
            for article_id, title, source, date, url, order, first, count in data["articles"]:
                if not (
                    isinstance(first, int) and isinstance(count, int) and 0 <= first < first + count <= len(owners)
                ):
                    raise ValueError(f"article {article_id!r} has passages outside passages.npz")
                index._articles[article_id] = ArticleRef(article_id, title, source, date, url, order)
                index._span[article_id] = (first, count)
                ids.append(article_id)
            if len(owners) and (int(owners.min()) < -1 or int(owners.max()) >= len(ids)):
                raise ValueError("passages.npz names articles the index does not hold")
            index._owner = [ids[i] if i >= 0 else None for i in owners.tolist()]
            index._order = int(data["order"])
            sentences = sum(count - 1 for _, count in index._span.values())
            if len(index._collections["headline"]) != len(ids) or len(index._collections["sentence"]) != sentences:
                raise ValueError("the BM25 files and the passages do not fit together")
            return index, dict(data["meta"])
        except (OSError, KeyError, ValueError, TypeError, EOFError, zipfile.BadZipFile) as exc:
            raise ValueError(f"cannot load the index in {directory}: {exc}") from exc
