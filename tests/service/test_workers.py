"""The answering worker processes (bot.service.workers) on their own: what comes back, what a death does, what a
close leaves. The Discord side is tested in tests/discord_app/test_discord_workers.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.config import load_settings
from bot.core.errors import AnswerFailed, InvalidQuestion
from bot.core.models import ArticleIn
from bot.service import NewsService
from bot.service.workers import AnswerWorkers


def first_quote(service: NewsService, question: str) -> str:
    """Work for a worker (sent by name): the answer's first quote, or "" when it quotes nothing."""
    quotes = service.ask(question).quotes
    return quotes[0].text if quotes else ""


def die(service: NewsService) -> None:
    """Work that kills the worker running it, every time it is tried."""
    os._exit(3)


def saved_index(data_dir: Path) -> bool:
    return (data_dir / "index" / "articles.json").exists()


@pytest.fixture
def workers(service: NewsService, clean_env: Path) -> Iterator[AnswerWorkers]:
    pool = AnswerWorkers(load_settings(data_dir=clean_env), 1)
    pool.start()
    yield pool
    pids = pool.pids()
    pool.close()
    assert pids and not any(Path(f"/proc/{pid}").exists() for pid in pids), "a worker outlived close()"


def test_a_worker_answers_what_the_service_answers_and_its_errors_come_back_as_themselves(
    service: NewsService, workers: AnswerWorkers
) -> None:
    question = "What did Amazon pitch to ICE?"
    assert workers.submit(first_quote, question).result(120) == service.ask(question).quotes[0].text
    with pytest.raises(InvalidQuestion, match="'what is the' has no word to search for"):
        workers.submit(first_quote, "what is the").result(120)
    assert workers.pids() and os.getpid() not in workers.pids()


def test_a_worker_that_dies_at_every_try_gives_a_clear_error_and_the_next_question_is_answered(
    workers: AnswerWorkers,
) -> None:
    with pytest.raises(AnswerFailed, match="the process answering this question stopped: ask again"):
        workers.submit(die).result(240)
    assert workers.replaced == 2  # tried twice, each time in a new worker
    assert workers.submit(first_quote, "What did Amazon pitch to ICE?").result(120).startswith("Amazon.com Inc.")


def test_workers_never_write_the_index_and_a_closed_pool_refuses_work(service: NewsService, clean_env: Path) -> None:
    assert not saved_index(clean_env)  # the fixture's service has not saved its index yet
    pool = AnswerWorkers(load_settings(data_dir=clean_env), 1)
    pids = pool.start()
    assert pool.submit(first_quote, "What did Amazon pitch to ICE?").result(120).startswith("Amazon.com Inc.")
    pool.close()
    assert not saved_index(clean_env), "a worker wrote the index"
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids)
    with pytest.raises(AnswerFailed, match="newsbot is stopping"):
        pool.submit(first_quote, "What did Amazon pitch to ICE?").result(1)


def test_an_article_added_in_the_bot_is_answered_in_a_worker_at_once_on_either_store(store_backend: str) -> None:
    """The worker loaded its index before the add; it catches up from the store's change log before answering
    (on PostgreSQL it does not listen for notifications: each read asks the store)."""
    settings = load_settings()
    service = NewsService.open(settings)
    pool = AnswerWorkers(settings, 1)
    try:
        pool.start()
        question = "Did Orlando police end the Rekognition pilot?"
        assert not pool.submit(first_quote, question).result(120).startswith("Orlando police")
        body = "Orlando police ended their second pilot of Amazon's Rekognition software on Thursday."
        story = ArticleIn(
            title="Rekognition pilot ends in Orlando", source="Orlando Sentinel", date="2019-07-18", body=body
        )
        service.add(story, actor="cli:test")
        assert pool.submit(first_quote, question).result(120) == body
    finally:
        pool.close()
        service.close()
