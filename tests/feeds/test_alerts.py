"""The alert dispatcher over two services (two processes' view of one data directory): every article a feed with an
alert added is posted exactly once, in the order it was added; off-topic and removed ones never."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.config import load_settings
from bot.core.errors import AlertUndeliverable
from bot.core.models import ArticleIn, FeedLogEntry
from bot.feeds.alerts import MAX_ATTEMPTS, AlertDispatcher, NewCoverage
from bot.service import NewsService
from tests.feeds.test_subscriptions import OUTLET, Site, newsbot, publish_first_edition, running_site


class Recorder:
    """A sink that keeps what it was asked to post (and refuses one headline, as a channel without rights would)."""

    def __init__(self, refuse: str = "") -> None:
        self.posts: list[str] = []
        self.items: list[NewCoverage] = []
        self.refuse = refuse

    async def post(self, item: NewCoverage) -> int:
        if item.article.title == self.refuse:
            raise AlertUndeliverable("the bot lacks Send Messages in #news")
        self.posts.append(item.article.title)
        self.items.append(item)
        return 1000 + len(self.posts)


@pytest.mark.asyncio
async def test_two_processes_post_each_new_article_once(clean_env: Path) -> None:
    settings = load_settings(data_dir=clean_env)
    first, second = NewsService.open(settings), NewsService.open(settings)
    try:
        feed_id = first.subscribe_feed(
            "https://f.example/rss", "f.example/rss", "Harbour Feed", "Harbour Wire", actor="t"
        )
        assert feed_id is not None
        feed = first.feed(feed_id)
        assert feed is not None
        first.set_alert(feed, 77, "lighthouse", actor="t")
        titles = ["Lighthouse lit again", "Ferry strike", "Lighthouse keeper retires", "Lighthouse repainted", "Gone"]
        ids: dict[str, str] = {}
        for n, title in enumerate(titles):
            body = f"{title}: the lighthouse of Quillport, story {n}." if "Lighthouse" in title else f"{title} today."
            if title == "Gone":
                body = "The lighthouse of Quillport was in this story, removed since."
            article = first.add(ArticleIn(title=title, source="Harbour Wire", body=body), actor=f"feed:{feed_id}")
            ids[article.id] = title
            first.record_feed_entry(FeedLogEntry(feed_id, f"e{n}", None, title, "added", article.id, "", "9999"))
            if title == "Gone":
                first.remove(article.id, actor="t")
        sinks = [Recorder(), Recorder()]
        dispatchers = [AlertDispatcher(first, sinks[0], holder="a:1"), AlertDispatcher(second, sinks[1], holder="b:2")]
        queued = await asyncio.gather(*(d.collect() for d in dispatchers))
        assert sum(queued) == 3  # three on the topic, each claimed by one of the two
        for dispatcher in dispatchers:
            while not dispatcher.queue.empty():
                await dispatcher.deliver(dispatcher.queue.get_nowait())
        posted = sinks[0].posts + sinks[1].posts
        assert sorted(posted) == ["Lighthouse keeper retires", "Lighthouse lit again", "Lighthouse repainted"]
        outcomes = {ids[a]: (status, detail) for a, _, status, _, detail in second.alert_posts(feed_id)}
        assert outcomes["Ferry strike"] == ("off-topic", "")
        assert outcomes["Gone"] == ("failed", "the article was removed before it was posted")
        assert {outcomes[t] for t in posted} == {("posted", "")}
        assert await dispatchers[0].collect() == await dispatchers[1].collect() == 0  # nothing is posted twice
    finally:
        first.close()
        second.close()


@pytest.mark.asyncio
async def test_a_post_the_channel_refuses_is_recorded_with_why(clean_env: Path) -> None:
    service = NewsService.open(load_settings(data_dir=clean_env))
    try:
        feed_id, article_id = one_article_with_an_alert(service)
        dispatcher = AlertDispatcher(service, Recorder(refuse="Ferry strike"))
        assert await dispatcher.collect() == 1
        await dispatcher.deliver(dispatcher.queue.get_nowait())
        assert service.alert_posts(feed_id) == [
            (article_id, 77, "failed", None, "the bot lacks Send Messages in #news")
        ]
        assert await dispatcher.collect() == 0  # not retried: one post per article at most
    finally:
        service.close()


class Stalled:
    """A sink whose post request goes out and never comes back: the process dies (its task is cancelled) between
    claiming the post and recording it."""

    def __init__(self) -> None:
        self.sent: list[NewCoverage] = []
        self.started = asyncio.Event()

    async def post(self, item: NewCoverage) -> int:
        self.sent.append(item)
        self.started.set()
        await asyncio.Event().wait()  # never answered
        raise AssertionError("unreachable")


class Flaky:
    """A sink whose requests fail for an unexpected reason (Discord's 5xx, a dropped connection)."""

    def __init__(self) -> None:
        self.sent: list[NewCoverage] = []

    async def post(self, item: NewCoverage) -> int:
        self.sent.append(item)
        raise ConnectionResetError("the connection was reset")


def one_article_with_an_alert(service: NewsService) -> tuple[int, str]:
    feed_id = service.subscribe_feed("https://f.example/rss", "f.example/rss", "", "Harbour Wire", actor="t")
    assert feed_id is not None
    feed = service.feed(feed_id)
    assert feed is not None
    service.set_alert(feed, 77, None, actor="t")
    article = service.add(ArticleIn(title="Ferry strike", source="Harbour Wire", body="No boats."), actor="f")
    service.record_feed_entry(FeedLogEntry(feed_id, "e", None, "Ferry strike", "added", article.id, "", "9999"))
    return feed_id, article.id


async def collected(dispatcher: AlertDispatcher, count: int = 1) -> int:
    """Collect until ``count`` posts are queued: a dead holder's claims expire after their time to live (a tenth
    of a second here), each from its own claim or attempt."""
    queued = 0
    for _ in range(500):
        queued += await dispatcher.collect()
        if queued >= count:
            return queued
        await asyncio.sleep(0.02)
    raise AssertionError(f"{queued} posts were collected, not {count}")


@pytest.mark.asyncio
async def test_a_post_whose_process_died_after_its_claim_is_taken_over_once(clean_env: Path) -> None:
    settings = load_settings(data_dir=clean_env)
    first, second = NewsService.open(settings), NewsService.open(settings)
    try:
        feed_id, article_id = one_article_with_an_alert(first)
        stalled, recorder = Stalled(), Recorder()
        dying = AlertDispatcher(first, stalled, holder="a:1", claim_ttl=0.1)
        survivor = AlertDispatcher(second, recorder, holder="b:2")
        assert await dying.collect() == 1
        worker = asyncio.create_task(dying.deliver(dying.queue.get_nowait()))
        await asyncio.wait_for(stalled.started.wait(), 10)
        worker.cancel()  # killed after the request went out: nothing recorded, the claim stops being renewed
        with pytest.raises(asyncio.CancelledError):
            await worker
        assert second.alert_posts(feed_id) == [(article_id, 77, "claimed", None, "")]
        assert await collected(survivor) == 1
        assert await dying.collect() == 0  # taken over by one process only
        await survivor.deliver(survivor.queue.get_nowait())
        assert recorder.posts == ["Ferry strike"]
        (retry,) = recorder.items
        assert first.alert_posts(feed_id) == [(article_id, 77, "posted", 1001, "")]
        (sent,) = stalled.sent
        assert sent.earlier_attempt_at is None  # the first attempt
        assert retry.pending.nonce == sent.pending.nonce  # one nonce: Discord posts it once
        assert retry.earlier_attempt_at is not None  # the sink knows a request may have gone out before
        assert await dying.collect() == await survivor.collect() == 0
    finally:
        first.close()
        second.close()


@pytest.mark.asyncio
async def test_the_worker_keeps_the_claims_of_what_waits_in_its_queue(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While one post hangs (discord.py waiting out a rate limit), the worker renews its claims, that one's and the
    next one's, still queued: past their first expiry another process takes neither over; once the worker is
    gone, both expire and are taken over."""
    settings = load_settings(data_dir=clean_env)
    first, second = NewsService.open(settings), NewsService.open(settings)
    try:
        feed_id, _ = one_article_with_an_alert(first)
        article = first.add(ArticleIn(title="Ferry strike ends", source="Harbour Wire", body="Boats."), actor="f")
        first.record_feed_entry(FeedLogEntry(feed_id, "e2", None, article.title, "added", article.id, "", "9999"))
        loop, renewed, count = asyncio.get_running_loop(), asyncio.Event(), [0]
        renew = first.renew_alert_claims

        def counted(holder: str, *, ttl: float) -> int:
            kept = renew(holder, ttl=ttl)
            count[0] += 1
            if count[0] == 4:  # a third of the lifetime each: the claims' first expiry is past
                loop.call_soon_threadsafe(renewed.set)
            return kept

        monkeypatch.setattr(first, "renew_alert_claims", counted)
        stalled = Stalled()
        worker = AlertDispatcher(first, stalled, holder="w:1", claim_ttl=3.0)
        other = AlertDispatcher(second, Recorder(), holder="o:2")
        assert await worker.collect() == 2
        running = asyncio.create_task(worker.run())
        await asyncio.wait_for(renewed.wait(), 60)
        assert len(stalled.sent) == 1  # one post hangs, the other waits in the queue
        assert await other.collect() == 0  # both claims are kept
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        assert await collected(other, 2) == 2  # the worker is gone: both claims expire and are taken over
    finally:
        first.close()
        second.close()


KILLED_WORKER = """
import asyncio, os, signal, sys
from bot.core.config import load_settings
from bot.feeds.alerts import AlertDispatcher
from bot.service import NewsService

class Killed:
    async def post(self, item):
        os.kill(os.getpid(), signal.SIGKILL)  # the request is on its way: the process dies before recording it

async def main():
    dispatcher = AlertDispatcher(NewsService.open(load_settings(data_dir=sys.argv[1])), Killed(), claim_ttl=0.2)
    assert await dispatcher.collect() == 1
    await dispatcher.deliver(dispatcher.queue.get_nowait())

asyncio.run(main())
"""


@pytest.mark.asyncio
async def test_a_post_whose_process_was_killed_is_taken_over_by_another(clean_env: Path) -> None:
    """A real process claims the post, begins it and is killed (SIGKILL): another process posts it, once."""
    service = NewsService.open(load_settings(data_dir=clean_env))
    try:
        feed_id, article_id = one_article_with_an_alert(service)
        killed = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-c", KILLED_WORKER, str(clean_env)], capture_output=True, timeout=300
        )
        assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
        assert service.alert_posts(feed_id) == [(article_id, 77, "claimed", None, "")]
        recorder = Recorder()
        survivor = AlertDispatcher(service, recorder)
        assert await collected(survivor) == 1
        await survivor.deliver(survivor.queue.get_nowait())
        (retry,) = recorder.items
        assert retry.earlier_attempt_at is not None  # the sink is told a request may have gone out before
        assert service.alert_posts(feed_id) == [(article_id, 77, "posted", 1001, "")]
        assert await survivor.collect() == 0
    finally:
        service.close()


@pytest.mark.asyncio
async def test_a_post_that_failed_unexpectedly_is_tried_again_then_given_up(clean_env: Path) -> None:
    service = NewsService.open(load_settings(data_dir=clean_env))
    try:
        feed_id, article_id = one_article_with_an_alert(service)
        flaky = Flaky()
        dispatcher = AlertDispatcher(service, flaky, claim_ttl=30.0)
        for _ in range(MAX_ATTEMPTS):
            assert await dispatcher.collect() == 1  # released at once after each failure: taken again
            await dispatcher.deliver(dispatcher.queue.get_nowait())
        assert [item.earlier_attempt_at is None for item in flaky.sent] == [True] + [False] * (MAX_ATTEMPTS - 1)
        assert len({item.pending.nonce for item in flaky.sent}) == 1
        assert await dispatcher.collect() == 0
        assert service.alert_posts(feed_id) == [
            (article_id, 77, "failed", None, f"gave up after {MAX_ATTEMPTS} attempts (the log says what went wrong)")
        ]
    finally:
        service.close()


@pytest.fixture
def site() -> Iterator[Site]:
    with running_site() as running:
        yield running


def test_the_command_line_sets_an_alert_and_what_it_polls_waits_for_the_bot(
    site: Site, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBOT_ALLOW_PRIVATE_URLS", "1")
    url = publish_first_edition(site)
    refused = newsbot("add", url, "--topic", "lighthouse")
    assert (refused.exit_code, refused.stderr) == (
        2,
        "newsbot: error: --topic: only with --channel (the topic says which of the new articles are posted)\n",
    )
    wordless = newsbot("add", url, "--channel", "77", "--topic", "the")
    assert wordless.exit_code == 2 and wordless.stderr.startswith("newsbot: error: 'the' has no word to search for")
    assert site.hits == {}  # nothing fetched, nothing subscribed

    added = newsbot("add", url, "--outlet", OUTLET, "--channel", "77", "--topic", "harbour lighthouse")
    assert added.exit_code == 0, added.output
    assert added.stdout.splitlines()[2:] == [
        "From now on, its new articles on “harbour lighthouse” will be posted in the Discord channel 77 (headline, "
        "outlet, date and link).",
        "The bot checks that it may post there (View Channel, Send Messages, Embed Links) before each post; a post "
        "it cannot make is logged.",
    ]
    assert newsbot("list").stdout.splitlines()[2:] == [
        "     alert: posts its new articles in the Discord channel 77, only those on “harbour lighthouse”"
    ]
    (listed,) = json.loads(newsbot("list", "--json").stdout)
    assert listed["alert"] == {
        "channel_id": 77,
        "topic": "harbour lighthouse",
        "added_at": listed["alert"]["added_at"],
        "added_by": listed["added_by"],
    }
    assert listed["alert"]["added_at"] >= listed["added_at"]
    assert newsbot("poll").exit_code == 0
    service = NewsService.open(load_settings(data_dir=clean_env))
    try:
        pending = service.pending_alerts()
        assert [(p.alert.channel_id, p.alert.topic, service.get(p.article_id).title) for p in pending] == [
            (77, "harbour lighthouse", "Port Elspeth approves lighthouse"),
            (77, "harbour lighthouse", "Glenmoor library reopens"),
            (77, "harbour lighthouse", "Ferry timetable changes at Inish Mor"),
        ]  # the bot judges the topic and posts at its next round
        assert [service.alert_matches(p) for p in pending] == [True, False, False]
        dispatcher = AlertDispatcher(service, Recorder())
        assert asyncio.run(dispatcher.collect()) == 1
        asyncio.run(dispatcher.deliver(dispatcher.queue.get_nowait()))
    finally:
        service.close()
    # What the alert did with each article, under the article's line of the feed's log (newest first).
    log = newsbot("log", "1").stdout.splitlines()
    assert [line for line in log if line.startswith(" ")] == [
        f"{'':<22}alert: not posted in the Discord channel 77: not on the alert's topic",
        f"{'':<22}alert: not posted in the Discord channel 77: not on the alert's topic",
        f"{'':<22}alert: posted in the Discord channel 77 (message 1001)",
    ]
    assert log[-2].endswith(": Port Elspeth approves lighthouse: fetched and extracted the page")
    assert [entry["alerts"] for entry in json.loads(newsbot("log", "1", "--json").stdout)][-1] == [
        {"channel_id": 77, "status": "posted", "message_id": 1001, "detail": ""}
    ]


def test_the_command_line_changes_an_alert_and_turns_it_off(
    site: Site, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBOT_ALLOW_PRIVATE_URLS", "1")
    url = publish_first_edition(site)
    assert newsbot("add", url, "--outlet", OUTLET).exit_code == 0
    will_check = (
        "The bot checks that it may post there (View Channel, Send Messages, Embed Links) before each post; a post "
        "it cannot make is logged."
    )

    def refused(*args: str) -> str:
        result = newsbot("alert", *args)
        assert result.exit_code == 2 and result.stdout == ""
        return result.stderr

    assert refused("1", "--topic", "lighthouse") == (
        "newsbot: error: --channel: feed 1 has no alert yet: give the channel to post in\n"
    )
    assert refused("1") == (
        "newsbot: error: give --channel ID (and --topic TEXT) to say where and what the feed posts, or --off\n"
    )
    assert refused("1", "--off", "--channel", "77") == (
        "newsbot: error: --off: alone (with --off the feed posts nothing, so --channel and --topic say nothing)\n"
    )
    assert refused("1", "--channel", "77", "--topic", "the").startswith("newsbot: error: 'the' has no word")
    assert refused("2", "--channel", "77") == "newsbot: error: no feed has the id 2 (see `newsbot feeds list`)\n"
    assert newsbot("list").stdout.splitlines()[2:] == []  # nothing was changed

    moved = newsbot("alert", "1", "--channel", "77", "--topic", "harbour  lighthouse")
    assert moved.stdout.splitlines() == [
        "Feed 1: from now on, its new articles on “harbour lighthouse” will be posted in the Discord channel 77 "
        "(headline, outlet, date and link).",
        will_check,
    ]
    assert newsbot("alert", "1", "--topic", "ferry").stdout.splitlines()[0] == (
        "Feed 1: from now on, its new articles on “ferry” will be posted in the Discord channel 77 (headline, "
        "outlet, date and link)."
    )  # the channel stays
    assert newsbot("alert", url, "--channel", "88").stdout.splitlines()[0] == (
        "Feed 1: from now on, each of its new articles will be posted in the Discord channel 88 (headline, outlet, "
        "date and link)."
    )  # by URL too; without --topic, every new article
    assert newsbot("list").stdout.splitlines()[2:] == ["     alert: posts its new articles in the Discord channel 88"]
    assert newsbot("alert", "1", "--off").stdout == "Feed 1 posts no new articles from now on (its alert is off).\n"
    assert newsbot("alert", "1", "--off").stdout == "Feed 1 had no alert: nothing was changed.\n"
    assert json.loads(newsbot("list", "--json").stdout)[0]["alert"] is None
