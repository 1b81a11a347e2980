"""A background job run once per period by one of the processes sharing a store (bot/feeds/schedule.py): two
services over one data directory stand for two processes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.config import load_settings
from bot.feeds.schedule import OncePerPeriod
from bot.service import NewsService


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[NewsService, NewsService]]:
    settings = load_settings(data_dir=tmp_path)
    a, b = NewsService.open(settings, seed=False), NewsService.open(settings, seed=False)
    yield a, b
    a.close()
    b.close()


@pytest.mark.asyncio
async def test_one_process_runs_a_due_job_and_the_other_leaves_it(two: tuple[NewsService, NewsService]) -> None:
    a, b = two
    runs: list[str] = []
    started, finish = asyncio.Event(), asyncio.Event()

    async def job(name: str) -> str:
        runs.append(name)
        started.set()
        await finish.wait()
        return name

    hourly_a, hourly_b = OncePerPeriod(a, "feed-poll", 3600), OncePerPeriod(b, "feed-poll", 3600)
    first = asyncio.create_task(hourly_a.run(lambda: job("a")))
    await asyncio.wait_for(started.wait(), 30)
    assert await hourly_b.run(lambda: job("b")) == (False, None)  # a is running it
    finish.set()
    assert await first == (True, "a")
    assert await hourly_b.run(lambda: job("b")) == (False, None)  # done: not due again for an hour
    assert await hourly_a.run(lambda: job("a")) == (False, None)  # for a neither
    assert runs == ["a"]
    assert await OncePerPeriod(b, "another-job", 3600).run(lambda: job("b")) == (True, "b")  # each job its own


def test_a_period_must_be_positive(two: tuple[NewsService, NewsService]) -> None:
    with pytest.raises(ValueError, match="positive"):
        OncePerPeriod(two[0], "feed-poll", 0)


@pytest.mark.asyncio
async def test_a_job_cancelled_while_its_lease_renewal_stops_ends_cancelled(
    two: tuple[NewsService, NewsService],
) -> None:
    """Closing the bot cancels the poller; when that lands just after a poll finished, while the lease's renewal
    task is being stopped, the poller must still end (a suppressed CancelledError left it sleeping until its next
    tick, and the bot's close waited for it for ever). The lease is released all the same."""
    a, b = two
    finished = asyncio.Event()

    async def job() -> str:
        finished.set()  # the test wakes up next, while run() waits for the renewal task to stop
        return "polled"

    running = asyncio.create_task(OncePerPeriod(a, "feed-poll", 3600, lease=3600).run(job))
    await finished.wait()
    running.cancel()
    await asyncio.wait({running}, timeout=30)
    assert running.cancelled()
    # the lease was released: the job is merely not due (it ran), and another job name is free to run
    assert await OncePerPeriod(b, "feed-poll", 3600).run(job) == (False, None)
