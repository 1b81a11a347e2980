"""The alert dispatcher over two services (two processes' view of one data directory): every article a feed with an
alert added is posted exactly once, in the order it was added; off-topic and removed ones never."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.config import load_settings
from bot.core.errors import AlertUndeliverable
from bot.core.models import ArticleIn, FeedLogEntry
from bot.feeds.alerts import AlertDispatcher, NewCoverage
from bot.service import NewsService
from tests.feeds.test_subscriptions import OUTLET, Site, newsbot, publish_first_edition, running_site


class Recorder:
    """A sink that keeps what it was asked to post (and refuses one headline, as a channel without rights would)."""

    def __init__(self, refuse: str = "") -> None:
        self.posts: list[str] = []
        self.refuse = refuse

    async def post(self, item: NewCoverage) -> int:
        if item.article.title == self.refuse:
            raise AlertUndeliverable("the bot lacks Send Messages in #news")
        self.posts.append(item.article.title)
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
        feed_id = service.subscribe_feed("https://f.example/rss", "f.example/rss", "", "Harbour Wire", actor="t")
        assert feed_id is not None
        feed = service.feed(feed_id)
        assert feed is not None
        service.set_alert(feed, 77, None, actor="t")
        article = service.add(ArticleIn(title="Ferry strike", source="Harbour Wire", body="No boats."), actor="f")
        service.record_feed_entry(FeedLogEntry(feed_id, "e", None, "Ferry strike", "added", article.id, "", "9999"))
        dispatcher = AlertDispatcher(service, Recorder(refuse="Ferry strike"))
        assert await dispatcher.collect() == 1
        await dispatcher.deliver(dispatcher.queue.get_nowait())
        assert service.alert_posts(feed_id) == [
            (article.id, 77, "failed", None, "the bot lacks Send Messages in #news")
        ]
        assert await dispatcher.collect() == 0  # not retried: one post per article at most
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
        "feed 1 posts its new articles in the Discord channel 77, only those on “harbour lighthouse”"
    ]
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
    finally:
        service.close()
