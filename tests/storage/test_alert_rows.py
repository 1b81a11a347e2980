"""Alerts and the claim of each post, on both backends: one claim per (feed, article, channel) whichever
connection (process) asks first; only what a feed added after its alert was set is pending."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.models import ArticleIn, FeedLogEntry
from tests.storage.conftest import AnyStore

GUILD = 4242


def test_an_alert_makes_new_articles_pending_until_one_process_claims_each(
    open_store: Callable[[], AnyStore],
) -> None:
    store, other = open_store(), open_store()  # two processes' connections to one store
    feed = store.add_feed(GUILD, "https://f.example/rss", "f.example/rss", "F", "F Wire", "d:1", GUILD)
    assert feed is not None
    old = store.add(GUILD, ArticleIn(title="Old", source="F Wire", body="Before the alert."), actor=f"feed:{feed}")
    store.record_feed_entry(FeedLogEntry(feed, "e0", None, "Old", "added", old.id, "", "2020-01-01T00:00:00Z"))
    assert store.set_alert(feed, 99, "harbour", "d:1") is True
    assert store.set_alert(feed + 1, 99, None, "d:1") is False  # no such feed
    (alert,) = other.alerts(GUILD)
    assert (alert.feed_id, alert.server_id, alert.channel_id, alert.topic) == (feed, GUILD, 99, "harbour")
    assert other.alerts(0) == [] and store.pending_alerts(10) == []  # what came before the alert is not posted
    new = [store.add(GUILD, ArticleIn(title=t, source="F Wire", body=f"{t} text."), actor="f") for t in ("A", "B")]
    for n, article in enumerate(new):
        store.record_feed_entry(FeedLogEntry(feed, f"e{n + 1}", None, article.title, "added", article.id, "", "9999"))
    store.record_feed_entry(FeedLogEntry(feed, "e9", None, "Skipped", "skipped", old.id, "", "9999"))
    pending = other.pending_alerts(10)
    assert [(p.article_id, p.feed_name) for p in pending] == [(new[0].id, "F"), (new[1].id, "F")]
    assert store.claim_alert(pending[0], "host:1") is True
    assert other.claim_alert(pending[0], "host:2") is False  # the other process lost: it does not post
    assert other.claim_alert(pending[1], "host:2", "off-topic") is True
    assert store.pending_alerts(10) == []
    store.finish_alert(pending[0], "posted", 1234)
    assert other.alert_posts(feed) == [(new[0].id, 99, "posted", 1234, ""), (new[1].id, 99, "off-topic", None, "")]
    record = store.feed(feed)
    assert record is not None and store.remove_feed(record, "d:1", GUILD)
    assert other.alerts(GUILD) == [] and other.alert_posts(feed) == []  # gone with the feed
