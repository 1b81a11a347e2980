"""Every rows class, on both backends: coverages per server, the duplicate rule, the change log and audit trail,
feeds and their log, servers, meta. The same calls must give the same answers from SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from bot.core.errors import ArticleNotFound, DuplicateArticle
from bot.core.models import ArticleIn, FeedLogEntry, FeedStatus
from bot.core.quoting import QuoteSpan
from bot.storage.connection import latest_schema_version
from bot.storage.keys import DuplicateKeys
from tests.storage.conftest import AnyStore

GUILD, OTHER = 111_222_333_444_555_666, 999_888_777_666_555_444  # real snowflakes: beyond 32 bits


def make(
    title: str, body: str = "", url: str | None = None, source: str = "Test Wire", **kw: str | list[str]
) -> ArticleIn:
    return ArticleIn.model_validate(
        {"title": title, "source": source, "date": "2020-01-02", "url": url, "body": body, **kw}
    )


def test_ids_text_and_authors_come_back_as_stored(store: AnyStore) -> None:
    body = "Line one: 100% sure? Yes — ‘quoted’ 'single' and \"double\"; a :name and a ?mark.\n\nSecond paragraph."
    stored = store.add(
        0, make("Über: 50% off?", body, "https://example.com/a?b=1&c=%20", authors=["Zoë", "O'Neil"]), actor="cli:x"
    )
    got = store.get(0, stored.id)
    assert got == stored
    assert (got.title, got.body, got.authors, got.url) == (
        "Über: 50% off?", body, ["Zoë", "O'Neil"], "https://example.com/a?b=1&c=%20",
    )  # fmt: skip
    assert store.article_with_url(0, "https://EXAMPLE.com/a?c=%20&b=1") in (None, stored)


def test_a_server_sees_the_default_collection_minus_its_removals_plus_its_own(store: AnyStore) -> None:
    a = store.add(0, make("A", "Alpha text here.", "https://example.com/a"), actor="t")
    b = store.add(0, make("B", "Beta text here.", "https://example.com/b"), actor="t")
    own = store.add(GUILD, make("Own", "Own text here.", "https://example.com/own"), actor="d:1", guild_id=GUILD)
    store.remove(GUILD, a.id, actor="d:1", reason="off topic", guild_id=GUILD)
    assert [x.id for x in store.all(0)] == [a.id, b.id]
    assert [x.id for x in store.all(GUILD)] == [b.id, own.id]
    assert [x.id for x in store.all(OTHER)] == [a.id, b.id]
    assert (store.count(0), store.count(GUILD), store.count(OTHER)) == (2, 2, 2)
    assert store.get(0, a.id).title == "A"
    with pytest.raises(ArticleNotFound):
        store.get(GUILD, a.id)
    with pytest.raises(ArticleNotFound):
        store.get(0, own.id)
    assert store.versions(GUILD) == (2, 4) and store.versions(OTHER) == (2, 0) and store.version() == 4
    assert set(store.rows_of(GUILD, [a.id, b.id, own.id])) == {own.id}
    assert set(store.rows_of(0, [a.id, b.id, own.id])) == {a.id, b.id}
    assert store.overrides(GUILD, [a.id, b.id, own.id]) == {own.id: 3, a.id: 4}
    assert store.bodies(GUILD, [a.id, b.id, own.id]) == {b.id: "Beta text here.", own.id: "Own text here."}
    assert set(store.articles_by_id(GUILD, [a.id, own.id, "nope"])) == {own.id}
    assert store.removed_ids() == set()  # removed from a server only, not from the default collection
    store.remove(0, b.id, actor="t")
    assert store.removed_ids() == {b.id}
    assert [x.id for x in store.iter_every(batch=1)] == [a.id, own.id]


def test_the_duplicate_rule_holds_within_a_coverage_only(store: AnyStore) -> None:
    text = "The harbour board voted on Monday to close the old bridge to all traffic until the end of the year."
    fresh = (
        "A fresh report from the river authority says the new weir on the lower river will be finished two years early."
    )
    first = store.add(0, make("First", text, "https://example.com/story"), actor="t")
    with pytest.raises(DuplicateArticle, match="that URL is already stored as") as url_dup:
        store.add(0, make("Again", "Other.", "https://example.com/story"), actor="t")
    assert url_dup.value.existing_id == first.id
    with pytest.raises(DuplicateArticle, match="the same text is already stored as"):
        store.add(0, make("Copy", text, "https://example.com/copy"), actor="t")
    syndicated = store.add(0, make("Copy", text, "https://other.example/copy", source="Other Wire"), actor="t")
    assert store.find_duplicate(0, make("X", text, source="test wire")) is not None
    assert store.find_duplicate(OTHER, make("X", fresh, "https://example.com/story")) is not None  # inherited
    mine = store.add(GUILD, make("Mine", fresh, "https://example.com/mine"), actor="t", guild_id=GUILD)
    assert store.find_duplicate(0, make("Mine", fresh, "https://example.com/mine")) is None
    keys = [DuplicateKeys.of(make("q", text, "https://example.com/story")), DuplicateKeys.of(make("q", fresh))]
    by_url, by_text = store.duplicate_ids(0, keys)
    assert list(by_url.values()) == [first.id]
    assert list(by_text.values()) == [first.id]
    assert store.duplicate_ids(GUILD, keys)[1] == {keys[0].text: first.id, keys[1].text: mine.id}
    assert syndicated.id != first.id
    with pytest.raises(DuplicateArticle, match=f"already stored as {first.id}"):
        store.add(0, make("Else", "Else.", "https://example.com/else", id=first.id), actor="t")  # the same id
    same_id = make("Else", "Else.", "https://example.com/else", id=first.id)
    assert store.add_many(0, [same_id], actor="t", skip_existing_ids=True) == []


def test_a_batch_meets_the_duplicate_rule_as_one_add_after_another(store: AnyStore) -> None:
    """A batch is checked against the stored articles and against its own earlier articles, and the first offender
    is refused naming the same article as adding the batch one article at a time would (the stored copy first,
    else the batch's earlier copy); nothing of a refused batch is stored."""
    text = "The harbour board voted on Monday to close the old bridge to all traffic until the end of the year."
    other = (
        "A fresh report from the river authority says the new weir on the lower river will be finished two years early."
    )
    stored = store.add(0, make("Stored", text, "https://example.com/stored"), actor="t")
    logged, count = len(store.changes(limit=1000)), store.count()
    cases = [
        ([make("B1", "One.", "https://example.com/b"), make("B2", "Two.", "https://EXAMPLE.com/b")], "B1", "URL"),
        ([make("B1", other, "https://example.com/1"), make("B2", other, "https://example.com/2", source="test wire")],
         "B1", "the same text"),
        ([make("B1", "One.", "https://example.com/1"), make("B2", text, "https://example.com/2")], "Stored",
         "the same text"),
        ([make("B1", "One.", "https://example.com/1"), make("B1", "One.", "https://example.com/1")], "B1", "already"),
        ([make("B1", "One.", "https://example.com/stored")], "Stored", "URL"),
    ]  # fmt: skip
    for batch, named, rule in cases:
        with pytest.raises(DuplicateArticle, match=rule) as refused:
            store.add_many(0, batch, actor="t")
        expected = stored if named == "Stored" else store.add_many(0, batch[:1], actor="x", action="add")[0]
        assert refused.value.existing_id == expected.id and f"{expected.id} ({named!r}" in str(refused.value)
        if named != "Stored":
            store.remove(0, expected.id, actor="x")
            logged += 2
        assert store.count() == count and len(store.changes(limit=1000)) == logged  # the refused batch: nothing
    syndicated = [make("B1", other, "https://example.com/1"), make("B2", other, "https://o.example/2", source="AP")]
    assert [a.title for a in store.add_many(0, syndicated, actor="t")] == ["B1", "B2"]  # another outlet: a copy
    same_text = [make("C1", text, "https://example.com/c1"), make("C2", text, "https://example.com/c2")]
    assert len(store.add_many(0, same_text, actor="t", allow_same_text=True)) == 2
    again = [make("D1", "One.", "https://example.com/d1"), make("D1", "One.", "https://example.com/d1")]
    assert [a.title for a in store.add_many(0, [*again, again[0]], actor="t", skip_existing_ids=True)] == ["D1"]
    own = store.add_many(GUILD, [make("G1", "Own.", "https://example.com/g1")], actor="t", guild_id=GUILD)
    assert store.overrides(GUILD, [own[0].id]) == {own[0].id: store.version()}  # the server's own, from its add
    with pytest.raises(DuplicateArticle, match=f"URL is already stored as {stored.id}"):  # the default collection's
        store.add_many(GUILD, [make("G2", "Own.", "https://example.com/stored")], actor="t", guild_id=GUILD)
    assert [(c.action, c.title) for c in store.changes(limit=3)] == [("add", "G1"), ("add", "D1"), ("add", "C2")]


def test_a_batch_is_stored_with_its_meta_in_one_transaction(store: AnyStore) -> None:
    batch = [make(f"Story {i}", f"Text number {i}.", f"https://example.com/{i}") for i in range(1200)]
    stored = store.add_many(0, batch, actor="seed", action="seed", meta={"corpus_fingerprint": "abc"})
    assert len(stored) == 1200 and store.count() == 1200 and store.get_meta("corpus_fingerprint") == "abc"
    assert [a.id for a in store.iter_all(0, batch=500)] == [a.id for a in stored]
    assert len(store.bodies(0, [a.id for a in stored])) == 1200  # more ids than one IN (...) holds
    assert len(store.articles_by_id(0, [a.id for a in stored])) == 1200
    assert len(store.duplicate_ids(0, [DuplicateKeys.of(a) for a in stored])[0]) == 1200
    changes = store.changes(limit=5000)
    assert len(changes) == 1200 and {c.action for c in changes} == {"seed"}
    assert [c.seq for c in store.changes(limit=3, since=1197)] == [1200, 1199, 1198]


def test_the_audit_trail_interleaves_article_and_feed_changes_per_server(store: AnyStore) -> None:
    a = store.add(0, make("A", "Alpha."), actor="cli:a")
    feed = store.add_feed(
        GUILD, "https://feeds.example.com/rss", "feeds.example.com/rss", "", "Feed Wire", "d:7", GUILD
    )
    assert feed is not None
    store.add(GUILD, make("B", "Beta."), actor=f"feed:{feed}", guild_id=None)
    record = store.feed(feed)
    assert record is not None
    assert store.remove_feed(record, "d:8", GUILD) is True
    assert store.remove_feed(record, "d:8", GUILD) is False
    trail = [(e.action, e.server_id, e.guild_id, e.actor, e.article_id, e.feed_id) for e in store.audit()]
    assert trail == [
        ("unsubscribe", GUILD, GUILD, "d:8", None, feed),
        ("add", GUILD, None, f"feed:{feed}", store.all(GUILD)[-1].id, None),
        ("subscribe", GUILD, GUILD, "d:7", None, feed),
        ("add", 0, None, "cli:a", a.id, None),
    ]
    assert [e.action for e in store.audit(servers=[0])] == ["add"]
    assert [e.action for e in store.audit(limit=1)] == ["unsubscribe"]
    assert [c.server_id for c in store.changes(servers=[GUILD])] == [GUILD]
    latest = store.changes(limit=1)[0]
    assert store.change_at(latest.seq) == f"{latest.at}|add|{latest.article_id}"
    assert store.change_at(999) is None


def test_feeds_their_log_and_one_subscription_per_url_per_server(store: AnyStore) -> None:
    first = store.add_feed(0, "https://f.example/rss", "f.example/rss", "F", "F Wire", "cli:a")
    assert first is not None
    assert store.add_feed(0, "https://F.example/rss", "f.example/rss", "F", "F Wire", "cli:b") is None
    second = store.add_feed(GUILD, "https://f.example/rss", "f.example/rss", "F", "F Wire", "d:1", GUILD)
    assert second is not None and second > first
    outcomes: list[tuple[str, FeedStatus]] = [("e1", "added"), ("e2", "skipped"), ("e3", "failed"), ("e1", "failed")]
    for key, status in outcomes:
        store.record_feed_entry(
            FeedLogEntry(first, key, None, f"title {key}", status, None, "", "2020-01-01T00:00:00Z")
        )
    assert store.feed_entry_keys(first) == {"e1", "e2", "e3"}
    assert [(e.entry_key, e.status) for e in store.feed_log(first, 2)] == [("e3", "failed"), ("e2", "skipped")]
    store.feed_polled(first, "Feed Title", None)
    store.feed_polled(first, "", "HTTP 500")
    record = store.feed(first)
    assert record is not None
    assert (record.added, record.skipped, record.failed, record.title, record.last_error) == (
        1,
        1,
        1,
        "Feed Title",
        "HTTP 500",
    )
    assert [f.id for f in store.feeds(None)] == [first, second]
    assert [f.id for f in store.feeds(GUILD)] == [second]
    found = store.feed_by_url_key(GUILD, "f.example/rss")
    assert found is not None and found.id == second
    assert store.remove_feed(record, "cli:a") is True
    assert store.feed_entry_keys(first) == set() and store.feed(first) is None
    store.record_feed_entry(FeedLogEntry(first, "late", None, "", "added", None, "", "2020-01-01T00:00:00Z"))
    assert store.feed_entry_keys(first) == set()  # the feed is gone: the late entry is not logged


def test_servers_are_remembered_with_their_counts(store: AnyStore) -> None:
    store.add(0, make("A", "Alpha."), actor="t")
    store.add(0, make("B", "Beta."), actor="t")
    store.record_servers([(GUILD, "Harbour"), (OTHER, None)])
    store.record_servers([(GUILD, None)])  # no name given: the one known is kept
    store.add(GUILD, make("C", "Gamma."), actor="t", guild_id=GUILD)
    store.remove(GUILD, store.all(0)[0].id, actor="t", guild_id=GUILD)
    store.server_left(OTHER)
    summary = {s.id: (s.name, s.articles, s.own_articles, s.left_at is not None) for s in store.servers()}
    assert summary == {0: (None, 2, 0, False), GUILD: ("Harbour", 2, 1, False), OTHER: (None, 2, 0, True)}
    assert store.known_server(GUILD) and store.known_server(OTHER) and not store.known_server(12345)
    store.record_servers([(OTHER, "Back")])
    assert [s.left_at for s in store.servers() if s.id == OTHER] == [None]


def test_meta_and_the_store_id(store: AnyStore, open_store: Callable[[], AnyStore]) -> None:
    assert store.get_meta("nothing") is None
    store.set_meta("commands_signature", "one")
    store.set_meta("commands_signature", "two")
    again = open_store()  # another connection to the same store
    assert again.get_meta("commands_signature") == "two"
    assert again.store_id() == store.store_id() and len(store.store_id()) == 32


def test_writers_on_two_connections_take_turns(store: AnyStore, open_store: Callable[[], AnyStore]) -> None:
    """Two processes adding at once: every change numbered in commit order, and the same URL stored once."""
    other = open_store()
    errors: list[Exception] = []
    results: list[str] = []

    def add(target: AnyStore, n: int) -> None:
        for i in range(20):
            try:
                results.append(
                    target.add(0, make(f"T{n}-{i}", f"Text {n} {i}.", f"https://e.example/{i}"), actor=f"p{n}").id
                )
            except DuplicateArticle as exc:
                errors.append(exc)

    threads = [threading.Thread(target=add, args=(s, n)) for n, s in enumerate((store, other))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 20 and len(errors) == 20 and store.count() == 20
    seqs = sorted(c.seq for c in store.changes(limit=100))
    assert seqs == list(range(1, 21))  # no gaps, no duplicates


def test_health_names_the_store_and_its_schema(store: AnyStore, store_backend: str) -> None:
    health = store.health()
    assert (health.schema_version, health.integrity, health.commands_signature) == (latest_schema_version(), "ok", None)
    if store_backend == "postgresql":
        assert health.path.startswith("postgresql://postgres@127.0.0.1:5432/newsbot_t_")
    else:
        assert health.path.endswith("db.sqlite3")


def test_sent_answers_are_kept_with_their_quotes_in_order(store: AnyStore) -> None:
    quotes = [QuoteSpan("a-1", 0, 12, "First quote."), QuoteSpan("b-2", 40, 53, "Second quote.")]
    first = store.record_answer(GUILD, "Why?", quotes)
    second = store.record_answer(0, "How?", [])
    assert second > first
    record = store.answer_record(first)
    assert record is not None
    assert (record.id, record.server_id, record.question, record.quotes) == (first, GUILD, "Why?", tuple(quotes))
    assert record.at.endswith("Z")
    assert store.answer_record(second + 100) is None
