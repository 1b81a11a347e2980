"""Cold start of a whole data directory: how long a new ``newsbot`` process takes to answer its first question.

The BM25 benchmark (:mod:`bot.ops.bench`) times the retrieval core. This one times what a user waits for after a
restart: a data directory of ``articles`` synthetic articles (``sentences`` sentences each, about 25 words a
sentence) is built through the real pipeline (store, sentence splitter, tokenizer, index), its index saved, and
then a fresh ``python -m bot ask`` is timed from process start to answer, next to a rebuild without the saved
index for comparison.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from bot.core.config import load_settings
from bot.core.models import ArticleIn
from bot.ops.bench_corpora import VOCABULARY, pseudo_words, zipf_ranks
from bot.search.generations import current
from bot.service import NewsService

__all__ = ["cold_start", "synthetic_articles"]

QUESTION = "What did Amazon pitch to ICE?"


def synthetic_articles(count: int, sentences: int, seed: int) -> Iterator[ArticleIn]:
    """``count`` articles of ``sentences`` pseudo-word sentences (15-35 words, Zipf-distributed), 50 outlets, drawn
    a batch at a time; the same ``seed`` gives the same articles (the cold start's and the reader benchmark's)."""
    rng = np.random.default_rng([seed, count])
    words = pseudo_words(VOCABULARY)
    batch = 1000
    for first in range(0, count, batch):
        n = min(batch, count - first)
        lengths = rng.integers(15, 36, size=n * sentences)
        flat = np.asarray(words, dtype=object)[zipf_ranks(rng, int(lengths.sum()))].tolist()
        ends = np.cumsum(lengths).tolist()
        texts = [" ".join(flat[e - k : e]).capitalize() + "." for e, k in zip(ends, lengths.tolist(), strict=True)]
        for i in range(n):
            body = " ".join(texts[i * sentences : (i + 1) * sentences])
            yield ArticleIn(
                title=texts[i * sentences][:80].rstrip(" .") or "Untitled",
                source=f"Outlet {(first + i) % 50}",
                date=f"{2015 + (first + i) % 10}-{1 + (first + i) % 12:02d}",
                url=f"https://news.example/{first + i}",
                body=body,
            )


def _first_answer(data_dir: Path) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system) of a new ``python -m bot ask`` process, start to answer (the CPU
    time of children is 0 on Windows, where the OS does not report it)."""
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(data_dir), "NEWSBOT_READER": "off"}
    before = os.times()
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot", "ask", QUESTION, "--json"], env=env, check=True, capture_output=True, timeout=600
    )
    wall = time.perf_counter() - started
    after = os.times()
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def _questions(count: int, seed: int) -> list[str]:
    """Questions in the synthetic articles' words: 2-5 words drawn like theirs, asked the way people ask."""
    rng = np.random.default_rng([seed, count, 7])
    words = pseudo_words(VOCABULARY)
    forms = ("What about {}?", "Who said {}?", "Why did {}?", "{}")
    return [
        forms[i % len(forms)].format(" ".join(words[r] for r in zipf_ranks(rng, int(n)).tolist()))
        for i, n in enumerate(rng.integers(2, 6, size=count).tolist())
    ]


def _answers(service: NewsService, seed: int, say: Callable[[str], None], count: int = 100) -> dict[str, Any]:
    """Whole answers (question text to rendered quotes) next to pure retrieval (BM25 top-10 over the
    sentences) for the same questions, one after the other; milliseconds."""
    from bot.core.text import tokenize
    from bot.present.render import render_answer

    say(f"answers: {count} whole answers next to pure retrieval")
    service.warm_up()
    sentences = service.index.bm25("sentence")
    questions = _questions(count, seed)
    service.ask(questions[0])  # warm-up: lexicons, caches
    retrieval: list[float] = []
    whole: list[float] = []
    answered = 0
    clock = time.perf_counter
    for question in questions:
        start = clock()
        sentences.top_k(tokenize(question), 10)
        retrieval.append(clock() - start)
        start = clock()
        answer = service.ask(question)
        render_answer(answer)
        whole.append(clock() - start)
        answered += answer.answered
    r = np.asarray(retrieval) * 1000
    w = np.asarray(whole) * 1000
    return {
        "questions": count,
        "answered": answered,
        "retrieval_ms": {"p50": round(float(np.percentile(r, 50)), 2), "p95": round(float(np.percentile(r, 95)), 2)},
        "whole_ms": {"p50": round(float(np.percentile(w, 50)), 2), "p95": round(float(np.percentile(w, 95)), 2)},
        "ratio_p50": round(float(np.percentile(w, 50) / np.percentile(r, 50)), 2),
        "ratio_p95": round(float(np.percentile(w, 95) / np.percentile(r, 95)), 2),
    }


_FIRST_ADD = """
import json, sys, time
from pathlib import Path
from bot.core.config import load_settings
from bot.core.models import ArticleIn
from bot.service import NewsService
service = NewsService.open(load_settings(data_dir=Path(sys.argv[1]), reader="off"))
service.index
article = ArticleIn(title="A storm hits the coast", source="Example News", date="2024-05-01",
                    url="https://news.example/first-add", body="The storm hit the coast. Thousands lost power.")
start, cpu = time.perf_counter(), time.process_time()
service.add(article, actor="bench")
print(json.dumps([(time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000]))
service.close()
"""


def _first_add(data_dir: Path) -> tuple[float, float] | None:
    """The first add in a new process that has opened the data directory and loaded its index: wall-clock and CPU
    milliseconds."""
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(data_dir), "NEWSBOT_READER": "off"}
    try:
        done = subprocess.run(
            [sys.executable, "-c", _FIRST_ADD, str(data_dir)], env=env, check=True, capture_output=True, timeout=600
        )
        wall, cpu = json.loads(done.stdout)
        return round(float(wall), 1), round(float(cpu), 1)
    except (OSError, subprocess.SubprocessError, ValueError, TypeError):
        return None


class _Clock:
    """Wall-clock and CPU time (this process, every thread, and the child processes it waited for in the part: the
    index build's sentence splitter) of the parts of a run, added up per part."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time() + _children_cpu()
        try:
            yield
        finally:
            self.wall[name] = self.wall.get(name, 0.0) + time.perf_counter() - wall
            self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() + _children_cpu() - cpu

    def seconds(self, *names: str) -> dict[str, float]:
        return {
            "wall": round(sum(self.wall.get(n, 0.0) for n in names), 2),
            "cpu": round(sum(self.cpu.get(n, 0.0) for n in names), 2),
        }


def _children_cpu() -> float:
    """CPU seconds of the child processes waited for so far (0 on Windows, which does not report them)."""
    times = os.times()
    return times.children_user + times.children_system


def _load() -> list[float] | None:
    """The load average over 1, 5 and 15 minutes (None where the OS has none: Windows)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def cold_start(
    articles: int = 100_000,
    sentences: int = 10,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    questions: int = 100,
) -> dict[str, Any]:
    """Build a data directory, then time first answers in new processes (with and without the saved index).

    Ingest is the store (``add_many``, 5,000 articles a transaction) and the index build (split, tokenize, index),
    timed apart from drawing the synthetic articles; every part is given in wall-clock and CPU seconds, with the
    load average, since on a shared machine the wall clock measures the load as much as newsbot. ``questions``
    whole answers are timed next to pure retrieval in the building process (none: ``answers`` is None)."""
    say = progress or (lambda message: None)
    clock = _Clock()
    load_at_start = _load()
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-") as tmp:
        data_dir = Path(tmp)
        # The default install: no semantic reader (with the `semantic` extra, answers and adds also embed).
        settings = load_settings(data_dir=data_dir, reader="off")
        service = NewsService.open(settings)
        say(f"cold start: storing {articles:,} articles of {sentences} sentences")
        batch: list[ArticleIn] = []
        drawn = synthetic_articles(articles, sentences, seed)
        while True:
            with clock.part("draw"):
                batch = list(itertools.islice(drawn, 5000))
            if not batch:
                break
            with clock.part("store"):
                service.add_many(batch, actor="bench")
        say("cold start: building the index (split, tokenize, index)")
        with clock.part("index"):
            passages = service.index.size("sentence") + service.index.size("headline")
        answers = _answers(service, seed, say, questions) if questions else None
        say("cold start: saving the index")
        with clock.part("save"):
            service.close()  # saves the index
        load_after_ingest = _load()
        first_add = _first_add(data_dir)
        index_bytes = sum(f.stat().st_size for f in (data_dir / "index").rglob("*") if f.is_file())
        say("cold start: first answers in new processes")
        with_index = [_first_answer(data_dir) for _ in range(3)]
        saved = data_dir / "index"
        moved = data_dir / "index-aside"
        saved.rename(moved)
        without_index = _first_answer(data_dir)
        for leftover in (data_dir / "index",):
            if leftover.exists():
                import shutil

                shutil.rmtree(leftover)
        moved.rename(saved)
        meta = json.loads((current(saved) or saved).joinpath("articles.json").read_text(encoding="utf-8"))["meta"]
    store, index = clock.seconds("store"), clock.seconds("index")
    ingest = clock.seconds("store", "index")
    return {
        "articles": articles + 31,
        "passages": passages,
        "store_seconds": store["wall"],
        "store_cpu_seconds": store["cpu"],
        "index_build_seconds": index["wall"],
        "index_build_cpu_seconds": index["cpu"],
        "ingest_seconds": ingest["wall"],
        "ingest_cpu_seconds": ingest["cpu"],
        "index_build_and_save_seconds": clock.seconds("index", "save")["wall"],
        "index_save_seconds": clock.seconds("save"),
        "drawing_the_articles_seconds": clock.seconds("draw"),
        "answers": answers,
        "first_add_ms": None if first_add is None else first_add[0],
        "first_add_cpu_ms": None if first_add is None else first_add[1],
        "index_megabytes": round(index_bytes / 1e6, 1),
        "first_answer_seconds": {
            "with_saved_index": [round(wall, 2) for wall, _ in with_index],
            "with_saved_index_cpu": [round(cpu, 2) for _, cpu in with_index],
            "best": round(min(wall for wall, _ in with_index), 2),
            "best_cpu": round(min(cpu for _, cpu in with_index), 2),
            "rebuilding_the_index": round(without_index[0], 2),
            "rebuilding_the_index_cpu": round(without_index[1], 2),
        },
        "load_average": {"start": load_at_start, "after_ingest": load_after_ingest, "end": _load()},
        "index_version": meta.get("version"),
    }
