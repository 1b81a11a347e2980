"""The answerer reads a relevant candidate's answer type only while it could change the quotes chosen
(bot.search.quoting.pick_quotes settles candidates best ceiling first). These tests answer real and synthetic
questions both ways, lazily and with every candidate settled first, and require the very same answers; and that
the lazy way did leave candidates unread (or the comparison would not compare anything)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from bot.core.models import Answer, Article
from bot.ops.answer_bench import _articles, _questions
from bot.search import answers
from bot.search.answers import answer_question
from bot.search.candidates import Candidate
from bot.search.index import CoverageIndex
from bot.search.quoting import pick_quotes as real

EVAL = Path(__file__).resolve().parents[2] / "benchmarks" / "eval"


def _both_ways(index: CoverageIndex, questions: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """Answer each question lazily and with everything settled: equal answers, and no score above its ceiling.
    How many candidates the lazy way left unread, and how many it read."""
    lazy: list[Answer] = []
    counts = {"left": 0, "read": 0}

    def checked(settle: Callable[[Candidate], None], candidate: Candidate) -> None:
        ceiling = candidate.ceiling
        assert ceiling is not None
        settle(candidate)
        assert candidate.ceiling is None and candidate.score <= ceiling  # a ceiling is never passed

    def counting(index: CoverageIndex, found: list[Candidate], settle: Callable[[Candidate], None]) -> object:
        def counted(candidate: Candidate) -> None:
            checked(settle, candidate)
            counts["read"] += 1

        quotes = real(index, found, counted)
        counts["left"] += sum(c.ceiling is not None for c in found)
        return quotes

    def settling_all(index: CoverageIndex, found: list[Candidate], settle: Callable[[Candidate], None]) -> object:
        for candidate in found:
            if candidate.ceiling is not None:
                checked(settle, candidate)
        assert all(c.ceiling is None for c in found)
        return real(index, found)

    with monkeypatch.context() as patch:
        patch.setattr(answers, "pick_quotes", counting)
        lazy = [answer_question(index, q) for q in questions]
    with monkeypatch.context() as patch:
        patch.setattr(answers, "pick_quotes", settling_all)
        full = [answer_question(index, q) for q in questions]
    for question, one, other in zip(questions, lazy, full, strict=True):
        assert one == other, question
    return counts["left"], counts["read"]


def _lee() -> Iterator[Article]:
    for line in (EVAL / "lee.jsonl").read_text(encoding="utf-8").splitlines():
        raw = json.loads(line)
        yield Article(
            id=raw["id"], title=raw["title"], source=raw["source"], date=raw["date"], url=raw["url"],
            body=raw["body"], added_at="t", added_by="t",
        )  # fmt: skip


def test_the_lee_questions_get_the_same_answers_with_every_candidate_settled(monkeypatch: pytest.MonkeyPatch) -> None:
    index = CoverageIndex()
    index.add_articles(_lee())
    rows = [json.loads(line) for line in (EVAL / "questions-full.jsonl").read_text(encoding="utf-8").splitlines()]
    asked = [r["question"] for r in rows if r["id"].startswith("lee-")]
    assert len(asked) > 50
    left, read = _both_ways(index, asked, monkeypatch)
    assert left > 0 and read > 0


def test_synthetic_questions_get_the_same_answers_with_every_candidate_settled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(7)
    drawn = list(_articles(rng, 800))  # 16,000 sentences of common and rare pseudo-words, the answer bench's
    index = CoverageIndex()
    index.add_articles(article for article, _ in drawn)
    asked = _questions(rng, [body for _, body in drawn], 60)
    left, read = _both_ways(index, asked, monkeypatch)
    assert left > 0 and read > 0
