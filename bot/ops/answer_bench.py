"""Latency of a whole answer (question in, quotes out) at a given number of sentences, without a model.

What it measures: :func:`bot.search.answers.answer_question` end to end over an in-memory
:class:`bot.search.index.CoverageIndex` of synthetic articles (20 sentences each, words drawn from the same
Zipf-distributed pseudo-vocabulary as the BM25 benchmark, :mod:`bot.ops.bench`): reading the question (spelling
against the vocabulary, WordNet), BM25 candidates, reading every candidate article, the checks and the quotes.
Questions are built from random sentences of the corpus ("when did" / "who" / "how many" and 3-5 of its words;
one in five with a dropped letter, so the speller runs), so that they have answers to find. Wall-clock and CPU
times are both reported: the machine is shared, and CPU time is what the answer costs.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from bot.core.models import Article
from bot.ops.bench_corpora import VOCABULARY, _words, _zipf_ranks
from bot.search.answers import answer_question
from bot.search.index import CoverageIndex

__all__ = ["answer_latency"]

SENTENCES_PER_ARTICLE = 20
_OPENERS = ("when did", "who", "how many", "why did", "what did")


def _sentence(rng: np.random.Generator, words: list[str]) -> str:
    ranks = _zipf_ranks(rng, int(rng.integers(15, 36)))
    text = " ".join(words[r] for r in ranks)
    return text[0].upper() + text[1:] + "."


def answer_latency(
    sentences: int, questions: int = 200, seed: int = 0, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Build a coverage of ``sentences`` sentences and time ``questions`` whole answers over it."""
    rng = np.random.default_rng(seed)
    words = _words(VOCABULARY)
    index = CoverageIndex()
    count = max(1, sentences // SENTENCES_PER_ARTICLE)
    started = time.perf_counter()
    batch: list[Article] = []
    bodies: list[list[str]] = []
    for number in range(count):
        body = [_sentence(rng, words) for _ in range(SENTENCES_PER_ARTICLE)]
        bodies.append(body)
        title = _sentence(rng, words)[:120].rstrip(".")
        batch.append(
            Article(id=f"synthetic-{number:07d}", title=title, source=f"Outlet {number % 50}",
                    date="2020-01-01", body=" ".join(body), added_at="2020-01-01T00:00:00Z", added_by="bench")
        )  # fmt: skip
        if len(batch) == 5000:
            index.add_articles(batch)
            batch.clear()
            if progress is not None:
                progress(f"answers: indexed {number + 1:,} of {count:,} articles")
    if batch:
        index.add_articles(batch)
    build = time.perf_counter() - started
    asked = []
    for i in range(questions):
        body = bodies[int(rng.integers(0, len(bodies)))]
        chosen = body[int(rng.integers(0, len(body)))].rstrip(".").split()
        picked = [chosen[int(j)] for j in sorted(rng.choice(len(chosen), size=min(len(chosen), 4), replace=False))]
        if i % 5 == 0:
            longest = max(range(len(picked)), key=lambda j: len(picked[j]))
            word = picked[longest]
            if len(word) > 4:
                picked[longest] = word[:2] + word[3:]  # a typo
        asked.append(f"{_OPENERS[i % len(_OPENERS)]} {' '.join(picked).lower()}")
    answer_question(index, asked[0])  # the first answer builds the speller's buckets for this vocabulary
    gc.collect()
    wall: list[float] = []
    cpu: list[float] = []
    answered = 0
    for question in asked:
        t0, c0 = time.perf_counter(), time.process_time()
        answer = answer_question(index, question)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        answered += answer.answered
    return {
        "sentences": index.size("sentence"),
        "articles": count,
        "questions": len(asked),
        "answered": answered,
        "build_seconds": round(build, 1),
        "wall_ms": _percentiles(wall),
        "cpu_ms": _percentiles(cpu),
    }


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered), 1), "p95": round(p95, 1), "max": round(ordered[-1], 1)}
