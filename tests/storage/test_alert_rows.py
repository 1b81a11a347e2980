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


def test_an_expired_claim_is_taken_over_by_one_process_and_counts_its_attempts(
    open_store: Callable[[], AnyStore],
) -> None:
    """A holder that died between its claim and its post stops renewing: once the claim expires, one process takes
    it over (the other is refused), and the dead holder, were it alive after all, may no longer post."""
    store, other = open_store(), open_store()
    feed = store.add_feed(GUILD, "https://f.example/rss", "f.example/rss", "F", "F Wire", "d:1", GUILD)
    assert feed is not None and store.set_alert(feed, 99, None, "d:1")
    article = store.add(GUILD, ArticleIn(title="A", source="F Wire", body="A text."), actor="f")
    store.record_feed_entry(FeedLogEntry(feed, "e1", None, "A", "added", article.id, "", "9999"))
    (pending,) = store.pending_alerts(10)
    assert store.claim_alert(pending, "dead:1", ttl=30.0, now=1000.0)
    assert store.begin_alert_attempt(pending, "dead:1", ttl=30.0, now=1001.0) == (True, None)  # its first request
    assert other.expired_alert_claims(10, now=1030.0) == []  # renewed to 1031 by the attempt
    (claim,) = other.expired_alert_claims(10, now=1031.0)
    assert (claim.pending, claim.holder, claim.attempts, claim.first_attempt_at, claim.current) == (
        pending,
        "dead:1",
        1,
        1001.0,
        True,
    )
    assert other.retake_alert(pending, "b:2", ttl=30.0, now=1031.0) is True
    assert store.retake_alert(pending, "c:3", ttl=30.0, now=1031.0) is False  # one process takes it over
    assert store.begin_alert_attempt(pending, "dead:1", ttl=30.0, now=1032.0) == (False, None)  # not its own now
    assert store.release_alert(pending, "dead:1", now=1032.0) is False
    assert store.renew_alert_claims("dead:1", ttl=30.0, now=1032.0) == 0
    assert other.begin_alert_attempt(pending, "b:2", ttl=30.0, now=1040.0) == (True, 1001.0)  # a retry
    assert other.renew_alert_claims("b:2", ttl=30.0, now=1069.0) == 1  # kept while it posts
    assert other.expired_alert_claims(10, now=1098.0) == []
    assert other.release_alert(pending, "b:2", now=1080.0) is True  # failed for now: to be tried again
    assert other.renew_alert_claims("b:2", ttl=30.0, now=1081.0) == 0  # no longer its own
    (again,) = store.expired_alert_claims(10, now=1081.0)
    assert (again.holder, again.attempts) == ("b:2 (released)", 2)
    assert store.retake_alert(pending, "c:3", ttl=30.0, now=1081.0) is True
    store.set_alert(feed, 100, None, "d:1")  # the alert moved to another channel meanwhile
    assert store.release_alert(pending, "c:3", now=1082.0) is True
    (moved,) = other.expired_alert_claims(10, now=1082.0)
    assert moved.current is False and moved.pending.alert.channel_id == 99
    other.finish_alert(pending, "posted", 555)
    assert other.expired_alert_claims(10, now=9999.0) == []  # a finished post never expires
    assert store.alert_posts(feed) == [(article.id, 99, "posted", 555, "")]
    assert store.remove_alert(feed, "d:1") is True and store.remove_alert(feed, "d:1") is False
    assert store.alerts(GUILD) == []
