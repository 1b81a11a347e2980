"""Processes on several hosts sharing one PostgreSQL store (issue 15), against the real server: a change made in
one process is answerable in another that follows the changes; two processes adding the same URL at once; the
server gone while a process runs (through a proxy the test cuts: the shared server is never stopped); a lost
notification. Each process has a data directory of its own (its index caches), as on separate hosts.

Nothing here measures time: a wait is for a condition, with a generous limit (the machine is shared). How fast a
change travels is the benchmark's to say (``newsbot bench --propagation``, BENCHMARKS.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest

from bot.core.config import load_settings
from bot.core.errors import DuplicateArticle, StoreUnavailable
from bot.core.models import ArticleIn
from bot.service import NewsService
from tests.pgproxy import PgProxy, running_proxy, through

GUILD = 123456789012345678
WAIT_S = 30.0
QUESTION = "What did the Port Elspeth harbour authority approve?"
APPROVED = "The Port Elspeth harbour authority approved a new granite lighthouse on the north breakwater on Tuesday."
T = TypeVar("T")


def lighthouse(url: str = "https://gazette.example/lighthouse") -> ArticleIn:
    return ArticleIn(
        title="Harbour authority approves a lighthouse for Port Elspeth",
        source="Elspeth Gazette",
        date="2024-05-01",
        url=url,
        body=f"{APPROVED} The lighthouse will cost about four million pounds and should be lit next autumn.",
    )


def wait_for(check: Callable[[], T | None], what: str) -> T:
    """``check()``'s first true result; fails after WAIT_S. Store errors on the way count as not yet."""
    deadline = time.monotonic() + WAIT_S
    while True:
        try:
            result = check()
        except StoreUnavailable:
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"waited {WAIT_S:.0f} s for {what}")
        time.sleep(0.02)


def quotes(service: NewsService, server: int | None = GUILD) -> list[str]:
    return [q.text for q in service.ask(QUESTION, server=server).quotes]


@pytest.fixture
def open_process(tmp_path: Path) -> Iterator[Callable[..., NewsService]]:
    """Open a process's service: a data directory of its own, the store at ``url``; closed at the end."""
    opened: list[NewsService] = []

    def make(url: str, name: str, *, follow: bool = True) -> NewsService:
        service = NewsService.open(load_settings(data_dir=tmp_path / name, database_url=url))
        opened.append(service)
        if follow:
            service.warm_up()
            service.follow_changes()
        return service

    yield make
    for service in opened:
        service.close()


@pytest.fixture
def proxy() -> Iterator[PgProxy]:
    with running_proxy() as running:
        yield running


def listening(service: NewsService) -> bool:
    feed = service._change_feed  # noqa: SLF001 - the test looks at whether the listener is connected
    return bool(getattr(feed, "connected").is_set())  # noqa: B009


def test_a_change_in_one_process_is_answerable_in_the_others(
    pg_url: str, open_process: Callable[..., NewsService]
) -> None:
    bot_a, bot_b = open_process(pg_url, "host-a"), open_process(pg_url, "host-b")
    wait_for(lambda: listening(bot_a) and listening(bot_b), "both processes to listen")
    assert APPROVED not in quotes(bot_a) and APPROVED not in quotes(bot_b)
    added = bot_b.add(lighthouse(), actor="moderator", server=GUILD)
    assert quotes(bot_b)[0] == APPROVED  # the writer's own next question
    assert wait_for(lambda: quotes(bot_a), "the other process to answer from the new article")[0] == APPROVED
    assert bot_a.get(added.id, server=GUILD).title == added.title
    assert APPROVED not in quotes(bot_a, server=None)  # another coverage (the default collection) is untouched
    bot_a.remove(added.id, actor="moderator", server=GUILD)
    wait_for(lambda: APPROVED not in quotes(bot_b), "the removal to reach the other process")


def test_two_processes_adding_the_same_url_at_once_store_it_once(
    pg_url: str, open_process: Callable[..., NewsService]
) -> None:
    processes = [open_process(pg_url, f"host-{n}", follow=False) for n in range(4)]
    barrier = threading.Barrier(len(processes))

    def add(n: int) -> str:
        barrier.wait()
        try:
            processes[n].add(lighthouse(), actor=f"moderator-{n}", server=GUILD)
        except DuplicateArticle as exc:
            return f"duplicate of {exc.existing_id}"
        return "stored"

    with ThreadPoolExecutor(len(processes)) as pool:
        outcomes = sorted(pool.map(add, range(len(processes))))
    stored = [a for a in processes[0].articles(server=GUILD) if a.url == "https://gazette.example/lighthouse"]
    assert len(stored) == 1
    assert outcomes == ["duplicate of " + stored[0].id] * 3 + ["stored"]
    assert [e.action for e in processes[0].log(server=GUILD)] == ["add"]


def test_an_outage_says_try_again_changes_nothing_and_heals_by_itself(
    pg_url: str, proxy: PgProxy, open_process: Callable[..., NewsService]
) -> None:
    bot = open_process(through(pg_url, proxy), "host-a")
    other = open_process(pg_url, "host-b", follow=False)  # a host that can still reach the server
    wait_for(lambda: listening(bot), "the process to listen")
    before = bot.count(server=GUILD)
    proxy.cut()
    wait_for(lambda: not listening(bot), "the process to notice the outage")
    with pytest.raises(StoreUnavailable, match="try again"):
        bot.ask(QUESTION, server=GUILD)
    with pytest.raises(StoreUnavailable, match="try again"):
        bot.add(lighthouse(), actor="moderator", server=GUILD)
    # Meanwhile another host adds it: a notification the cut-off process never gets.
    added = other.add(lighthouse(), actor="moderator", server=GUILD)
    proxy.restore()
    # Recovered by itself (no restart), and caught up with what it missed before answering.
    assert wait_for(lambda: quotes(bot), "the process to answer again")[0] == APPROVED
    assert bot.count(server=GUILD) == before + 1
    assert [(e.actor, e.article_id) for e in bot.log(server=GUILD)] == [("moderator", added.id)]  # nothing half done
    wait_for(lambda: listening(bot), "the process to listen again")
    bot.remove(added.id, actor="moderator", server=GUILD)
    assert APPROVED not in quotes(other)
