"""The splitter in a worker process (bot.search.split_apart): the same spans as splitting here, batch after batch in
order; a worker that dies is replaced by splitting here; a small build never starts a process; the worker is gone
once the build returns, or stops early."""

from __future__ import annotations

import multiprocessing
from array import array
from collections.abc import Generator

import pytest

from bot.core.models import Article
from bot.core.text import sentence_spans
from bot.search import split_apart
from bot.search.split_apart import BATCH, Spans, spans_of, split_batches

BODIES = [
    "Mr. Smith went to Washington. He said so.\n\nA new paragraph starts here! Does it? Yes.",
    "U.S.-Mexico talks resumed at 3.5 p.m. Friday. The talks “ended.” Then nothing.",
    "Amazon.com Inc. pitched its software to ICE. Officials said it was “promising.”",
    "One line\nwrapped here. Another line.\nThe end",
    "  Leading space. Trailing space.   ",
    "",
    "No boundary at all",
]


def _articles(count: int) -> list[Article]:
    return [
        Article(
            id=f"a{i}",
            title=f"T{i}",
            source="S",
            date=None,
            url=None,
            body=f"{BODIES[i % len(BODIES)]} N{i}.",
            added_at="2020-01-01T00:00:00Z",
            added_by="test",
        )
        for i in range(count)
    ]


def _flat(articles: list[Article]) -> Spans:
    counts, starts, ends = array("i"), array("i"), array("i")
    for article in articles:
        spans = sentence_spans(article.body)
        counts.append(len(spans))
        starts.extend(a for a, _ in spans)
        ends.extend(b for _, b in spans)
    return counts, starts, ends


def _children() -> set[int]:
    return {p.pid for p in multiprocessing.active_children() if p.pid is not None}


def test_spans_of_is_the_splitter_flattened() -> None:
    articles = _articles(50)
    assert spans_of([a.body for a in articles]) == _flat(articles)


def test_the_worker_gives_the_same_spans_in_order() -> None:
    articles = _articles(3 * BATCH + 17)
    before = _children()
    pipeline = split_apart._Pipeline()
    try:
        assert pipeline._ready is not None
        pipeline._ready.result(timeout=120)  # started: every batch from here goes to it
        got = list(pipeline.run(iter([articles[i : i + BATCH] for i in range(0, len(articles), BATCH)])))
    finally:
        pipeline.close()
    assert [b for b, _ in got] == [articles[i : i + BATCH] for i in range(0, len(articles), BATCH)]
    assert all(spans == _flat(batch) for batch, spans in got)
    assert pipeline.apart >= 1
    assert _children() <= before  # shut down


def test_a_killed_worker_is_replaced_by_splitting_here() -> None:
    articles = _articles(6 * BATCH)
    pipeline = split_apart._Pipeline()
    try:
        assert pipeline._ready is not None
        pipeline._ready.result(timeout=120)
        out = pipeline.run(iter([articles[i : i + BATCH] for i in range(0, len(articles), BATCH)]))
        got = [next(out)]
        for process in list(pipeline._pool._processes.values()):
            process.kill()
        got.extend(out)
    finally:
        pipeline.close()
    assert [b for b, _ in got] == [articles[i : i + BATCH] for i in range(0, len(articles), BATCH)]
    assert all(spans == _flat(batch) for batch, spans in got)
    assert pipeline._broken


def test_a_small_build_starts_no_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> None:
        raise AssertionError("a process was started for a small build")

    monkeypatch.setattr(split_apart, "_Pipeline", refuse)
    articles = _articles(split_apart.APART_FROM - 1)
    got = list(split_batches(articles))
    assert [a for b, _ in got for a in b] == articles
    assert all(spans == _flat(batch) for batch, spans in got)


def test_a_big_build_stopped_early_leaves_no_process() -> None:
    articles = _articles(8 * BATCH)
    before = _children()
    out = split_batches(articles, apart_from=BATCH)
    assert isinstance(out, Generator)
    first = [next(out) for _ in range(5)]
    out.close()  # the index build raised, say
    assert all(spans == _flat(batch) for batch, spans in first)
    assert _children() <= before
