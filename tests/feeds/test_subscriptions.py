"""Feed subscriptions end to end: a real HTTP server on 127.0.0.1 serves RSS and Atom feeds and article pages,
and bot.feeds.subscriptions subscribes, polls, de-duplicates and logs; the `newsbot feeds` commands run through click.

The server runs in its own thread with its own event loop, so the same server serves the async tests and the
command line (which runs its own event loop with asyncio.run). Async tests are bounded by ``asyncio.timeout``,
command-line tests by an alarm; fetches by the policy's timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import signal
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import click
import pytest
from aiohttp import web
from click.testing import CliRunner, Result

from bot.cli.feeds import feeds
from bot.cli.main import cli
from bot.core.config import load_settings
from bot.core.errors import DuplicateFeed, FeedNotFound, FetchError, InvalidInput, NotAFeed, UnsafeURL
from bot.feeds.subscriptions import Subscriptions
from bot.intake.guard import FetchPolicy
from bot.intake.ingest import fetch_policy
from bot.service import NewsService
from tests.helpers import deadline_test

HOST = "127.0.0.1"
TEST_DEADLINE = 30.0  # seconds: no test may take longer, whatever the server does
OUTLET = "Elspeth Gazette"

# --------------------------------------------------------------------------------------------------- content

LIGHTHOUSE = [
    "The Port Elspeth harbour authority approved a new granite lighthouse on the north breakwater on Tuesday, "
    "ending years of argument among the town's fishermen.",
    "“We have waited a long time for a light that the trawlers can see in a winter gale,” said harbour master "
    "Morag Lindsay, who first proposed the tower in 2019.",
    "The lighthouse will cost about four million pounds and should be lit before the herring season next autumn.",
]
LIBRARY = [
    "The Glenmoor public library reopened its doors on Saturday after an eighteen-month restoration of its "
    "Victorian reading room and leaking copper roof.",
    "Volunteers carried more than twelve thousand books back onto the oak shelves in a single weekend, the "
    "librarian said.",
]
TIDAL = [
    "A tidal power trial began in the Sound of Elspeth on Monday, with two turbines anchored to the seabed "
    "between the island and the mainland.",
    "Engineers expect the turbines to supply electricity to about three hundred homes if the trial succeeds.",
]
BRIDGE = [
    "The Kilbrae footbridge over the river Allan was closed on Wednesday after inspectors found cracks in two of "
    "its cast-iron supports.",
    "Walkers face a detour of almost two miles until repairs are finished in the spring, the council said.",
]
FERRY_SUMMARY = "The ferry to Inish Mor will leave the pier at seven o'clock every morning from Monday."


def page(title: str, paragraphs: list[str], site: str = "Gazette Online Pages") -> str:
    """An article page as trafilatura sees them in the wild: metadata, navigation, the article, a footer."""
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)} | {site}</title>
<meta property="og:title" content="{escape(title)}"><meta property="og:site_name" content="{site}">
<meta property="article:published_time" content="2024-03-05T10:00:00Z"></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<article><h1>{escape(title)}</h1>
{body}
</article>
<footer><p>Copyright 2024 {site}. All rights reserved.</p></footer></body></html>"""


@dataclass
class Item:
    title: str
    link: str
    guid: str | None = None
    summary: str = ""
    date: str = "Tue, 05 Mar 2024 10:00:00 GMT"


def rss(title: str, items: list[Item]) -> str:
    parts = []
    for item in items:
        guid = f'<guid isPermaLink="false">{escape(item.guid)}</guid>' if item.guid else ""
        parts.append(
            f"<item><title>{escape(item.title)}</title><link>{escape(item.link)}</link>{guid}"
            f"<pubDate>{item.date}</pubDate><description>{escape(item.summary)}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>http://{HOST}/</link><description>news</description>"
        + "".join(parts)
        + "</channel></rss>"
    )


def atom(title: str, entries: list[tuple[str, str, str]]) -> str:
    """An Atom feed of (id, title, link) entries."""
    body = "".join(
        f'<entry><id>{escape(eid)}</id><title>{escape(t)}</title><link href="{escape(link)}"/>'
        f"<updated>2024-04-02T08:00:00Z</updated><author><name>Iain Ross</name></author>"
        f"<summary>Library news.</summary></entry>"
        for eid, t, link in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>urn:glenmoor</id><updated>2024-04-02T08:00:00Z</updated>{body}</feed>"
    )


# ---------------------------------------------------------------------------------------------------- server

RSS_TYPE = "application/rss+xml; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"


@dataclass
class Site:
    """The test web site: ``routes`` maps a path to (status, content type, body); tests change it at will."""

    port: int = 0
    routes: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def serve(self, path: str, body: str, content_type: str = HTML_TYPE, status: int = 200) -> str:
        self.routes[path] = (status, content_type, body)
        return self.url(path)


def _app(site: Site) -> web.Application:
    async def handle(request: web.Request) -> web.Response:
        site.hits[request.path] = site.hits.get(request.path, 0) + 1
        if request.path not in site.routes:
            raise web.HTTPNotFound(text="no such page")
        status, content_type, body = site.routes[request.path]
        return web.Response(status=status, body=body.encode("utf-8"), headers={"Content-Type": content_type})

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    return app


@contextlib.contextmanager
def running_site() -> Iterator[Site]:
    """Serve a :class:`Site` on 127.0.0.1 from a thread with its own event loop."""
    site = Site()
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    runner = web.AppRunner(_app(site), access_log=None, shutdown_timeout=0.5, handler_cancellation=True)

    async def start() -> None:
        await runner.setup()
        tcp = web.TCPSite(runner, HOST, 0)
        await tcp.start()
        site.port = runner.addresses[0][1]
        ready.set()

    thread = threading.Thread(target=loop.run_forever, name="feed-site", daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
    assert ready.is_set()
    try:
        yield site
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


@pytest.fixture
def site() -> Iterator[Site]:
    with running_site() as running:
        yield running


def publish_first_edition(site: Site) -> str:
    """The feed as first subscribed: two articles and one entry whose page is gone. Returns the feed's URL."""
    site.serve("/news/lighthouse", page("Port Elspeth approves lighthouse", LIGHTHOUSE))
    site.serve("/news/library", page("Glenmoor library reopens", LIBRARY))
    items = [
        Item("Port Elspeth approves lighthouse", site.url("/news/lighthouse"), "gazette-1", "A light for the harbour."),
        Item("Glenmoor library reopens", site.url("/news/library"), "gazette-2", "Books are back."),
        Item("Ferry timetable changes at Inish Mor", site.url("/news/ferry"), "gazette-3", FERRY_SUMMARY),
    ]
    return site.serve("/feed.xml", rss("The Elspeth Gazette: Local", items), RSS_TYPE)


def publish_second_edition(site: Site) -> None:
    """One new entry, the old three again, and two repeats: the lighthouse under a new guid with tracking
    parameters, and a syndicated copy of the library story (same text at another address)."""
    site.serve("/news/tidal", page("Tidal power trial begins", TIDAL))
    site.serve("/syndicated/library", page("Glenmoor library reopens", LIBRARY))
    items = [
        Item("Tidal power trial begins", site.url("/news/tidal"), "gazette-4", "Turbines in the Sound."),
        Item("Lighthouse approved", site.url("/news/lighthouse?utm_source=rss&utm_medium=feed"), "gazette-5"),
        Item("Library reopens (syndicated)", site.url("/syndicated/library"), "gazette-6"),
        Item("Port Elspeth approves lighthouse", site.url("/news/lighthouse"), "gazette-1", "A light for the harbour."),
        Item("Glenmoor library reopens", site.url("/news/library"), "gazette-2", "Books are back."),
        Item("Ferry timetable changes at Inish Mor", site.url("/news/ferry"), "gazette-3", FERRY_SUMMARY),
    ]
    site.serve("/feed.xml", rss("The Elspeth Gazette: Local", items), RSS_TYPE)


# -------------------------------------------------------------------------------------------------- helpers


async_test = deadline_test(TEST_DEADLINE)


@contextlib.contextmanager
def deadline(seconds: float = TEST_DEADLINE) -> Iterator[None]:
    """Fail a synchronous test that runs longer than ``seconds`` (SIGALRM; the main thread only)."""

    def expired(signum: int, frame: Any) -> None:
        raise TimeoutError(f"the test took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def policy(clean_env: Path) -> FetchPolicy:
    """What the operator allows with NEWSBOT_ALLOW_PRIVATE_URLS=1: the test server is on 127.0.0.1."""
    return fetch_policy(load_settings(data_dir=clean_env, allow_private_urls=True))


@pytest.fixture
def subs(service: NewsService) -> Subscriptions:
    return Subscriptions(service)


def statuses(subs: Subscriptions, feed_id: int) -> dict[str, tuple[str, str | None, str]]:
    """The feed's log as {entry title: (status, article id, reason)}."""
    return {e.title: (e.status, e.article_id, e.reason) for e in subs.log(feed_id, 100)}


# ----------------------------------------------------------------------------------------- subscribe + poll


@async_test
async def test_subscribe_then_poll_adds_the_entries_attributed_to_the_outlet(
    site: Site, subs: Subscriptions, service: NewsService, policy: FetchPolicy
) -> None:
    url = publish_first_edition(site)
    feed = await subs.add(url, policy=policy, actor="cli:tester", outlet=OUTLET)
    assert (feed.id, feed.url, feed.title, feed.outlet, feed.added_by) == (
        1,
        url,
        "The Elspeth Gazette: Local",
        OUTLET,
        "cli:tester",
    )
    assert feed.last_polled_at is None and (feed.added, feed.skipped, feed.failed) == (0, 0, 0)
    before = service.count()

    report = await subs.poll(policy=policy)

    assert [(e.title, e.status) for e in report.feeds[0].entries] == [
        ("Port Elspeth approves lighthouse", "added"),
        ("Glenmoor library reopens", "added"),
        ("Ferry timetable changes at Inish Mor", "added"),
    ]
    assert report.errors == [] and service.count() == before + 3
    lighthouse_id = report.feeds[0].entries[0].article_id
    assert lighthouse_id is not None
    article = service.get(lighthouse_id)
    assert article.source == OUTLET  # the feed's outlet, not the page's "Gazette Online Pages"
    assert article.url == site.url("/news/lighthouse")
    assert article.date == "2024-03-05" and article.title == "Port Elspeth approves lighthouse"
    assert article.added_by == "feed:1"
    assert article.body.split("\n\n") == LIGHTHOUSE  # the page's own text, verbatim

    answer = service.ask("What did the Port Elspeth harbour authority approve?")
    assert answer.answered
    quote = answer.quotes[0]
    assert quote.text == LIGHTHOUSE[0]
    assert (quote.source, quote.article_id, quote.url) == (OUTLET, lighthouse_id, site.url("/news/lighthouse"))

    listed = subs.list()[0]
    assert (listed.added, listed.skipped, listed.failed) == (3, 0, 0)
    assert listed.last_polled_at is not None and listed.last_error is None
    change = service.log(limit=1)[0]
    assert (change.action, change.actor) == ("add", "feed:1")


@async_test
async def test_an_entry_whose_page_is_gone_falls_back_to_the_feeds_title_and_summary(
    site: Site, subs: Subscriptions, service: NewsService, policy: FetchPolicy
) -> None:
    feed = await subs.add(publish_first_edition(site), policy=policy, actor="cli:tester", outlet=OUTLET)
    await subs.poll(policy=policy)

    status, article_id, reason = statuses(subs, feed.id)["Ferry timetable changes at Inish Mor"]
    assert status == "added" and article_id is not None
    assert "HTTP 404" in reason and "stored the feed's title and summary instead" in reason
    ferry = service.get(article_id)
    assert (ferry.title, ferry.source, ferry.body, ferry.url) == (
        "Ferry timetable changes at Inish Mor",
        OUTLET,
        FERRY_SUMMARY,
        site.url("/news/ferry"),
    )
    answer = service.ask("When will the ferry to Inish Mor leave the pier?")
    assert answer.answered and answer.quotes[0].text == FERRY_SUMMARY


@async_test
async def test_a_second_poll_adds_only_the_new_entry_and_logs_why_the_repeats_were_skipped(
    site: Site, subs: Subscriptions, service: NewsService, policy: FetchPolicy
) -> None:
    feed = await subs.add(publish_first_edition(site), policy=policy, actor="cli:tester", outlet=OUTLET)
    first = await subs.poll(policy=policy)
    lighthouse_id, library_id = (e.article_id for e in first.feeds[0].entries[:2])
    fetched_before = site.hits.copy()
    publish_second_edition(site)

    second = await subs.poll(feed.id, policy=policy)

    polled = second.feeds[0]
    assert [(e.title, e.status) for e in polled.entries] == [
        ("Tidal power trial begins", "added"),
        ("Lighthouse approved", "skipped"),
        ("Library reopens (syndicated)", "skipped"),
    ]
    assert polled.seen == 3 and polled.waiting == 0
    log = statuses(subs, feed.id)
    assert log["Lighthouse approved"] == (
        "skipped",
        lighthouse_id,
        f"the same URL is already stored as {lighthouse_id} ('Port Elspeth approves lighthouse')",
    )
    assert log["Library reopens (syndicated)"] == (
        "skipped",
        library_id,
        f"duplicate: the same text is already stored as {library_id} ('Glenmoor library reopens')",
    )
    assert len(log) == 6
    # Entries seen before are not fetched again, and a link already stored is not fetched at all.
    assert site.hits["/news/lighthouse"] == fetched_before["/news/lighthouse"]
    assert site.hits["/news/library"] == fetched_before["/news/library"]
    record = subs.get(feed.id)
    assert (record.added, record.skipped, record.failed) == (4, 2, 0)
    assert service.ask("Where did the tidal power trial begin?").quotes[0].text == TIDAL[0]

    third = await subs.poll(policy=policy)
    assert third.feeds[0].entries == [] and third.feeds[0].seen == 6


@async_test
async def test_at_most_max_new_entries_per_poll_the_rest_wait(
    site: Site, subs: Subscriptions, policy: FetchPolicy
) -> None:
    feed = await subs.add(publish_first_edition(site), policy=policy, actor="cli:tester", outlet=OUTLET)
    first = await subs.poll(policy=policy, max_new_per_feed=2)
    assert len(first.feeds[0].entries) == 2 and first.waiting == 1
    second = await subs.poll(feed.url, policy=policy, max_new_per_feed=2)
    assert [e.title for e in second.feeds[0].entries] == ["Ferry timetable changes at Inish Mor"]
    assert second.waiting == 0 and second.feeds[0].seen == 2
    with pytest.raises(ValueError, match="at least 1"):
        await subs.poll(policy=policy, max_new_per_feed=0)


@async_test
async def test_an_atom_feed_is_credited_to_its_title_when_no_outlet_is_given(
    site: Site, subs: Subscriptions, service: NewsService, policy: FetchPolicy
) -> None:
    site.serve("/glenmoor/library", page("Library reopens", LIBRARY))
    url = site.serve(
        "/glenmoor.atom",
        atom("Glenmoor Weekly", [("urn:glenmoor:1", "Library reopens", "/glenmoor/library")]),
        "application/atom+xml",
    )
    feed = await subs.add(url, policy=policy, actor="cli:tester")
    assert (feed.title, feed.outlet) == ("Glenmoor Weekly", "Glenmoor Weekly")
    report = await subs.poll(policy=policy)
    entry = report.feeds[0].entries[0]
    assert (entry.status, entry.entry_key, entry.url) == ("added", "urn:glenmoor:1", site.url("/glenmoor/library"))
    article = service.get(entry.article_id or "")
    assert (article.source, article.date, article.authors) == ("Glenmoor Weekly", "2024-04-02", ["Iain Ross"])
    answer = service.ask("When did the Glenmoor library reopen?")
    assert answer.quotes[0].source == "Glenmoor Weekly" and answer.quotes[0].text == LIBRARY[0]


@async_test
async def test_one_failing_feed_never_stops_the_others(site: Site, subs: Subscriptions, policy: FetchPolicy) -> None:
    broken = await subs.add(publish_first_edition(site), policy=policy, actor="cli:tester", outlet=OUTLET)
    site.serve("/kilbrae/bridge", page("Footbridge closed", BRIDGE))
    other_url = site.serve(
        "/kilbrae.xml", rss("Kilbrae Courier", [Item("Footbridge closed", site.url("/kilbrae/bridge"))]), RSS_TYPE
    )
    other = await subs.add(other_url, policy=policy, actor="cli:tester")
    site.serve("/feed.xml", "down for maintenance", "text/plain", status=503)

    report = await subs.poll(policy=policy)

    assert [f.feed.id for f in report.feeds] == [broken.id, other.id]
    assert report.feeds[0].error == f"{site.url('/feed.xml')} answered HTTP 503 Service Unavailable"
    assert [(e.title, e.status) for e in report.feeds[1].entries] == [("Footbridge closed", "added")]
    assert subs.get(broken.id).last_error == report.feeds[0].error
    assert subs.get(other.id).last_error is None

    publish_first_edition(site)  # back up: the error is cleared
    await subs.poll(broken.id, policy=policy)
    assert subs.get(broken.id).last_error is None and subs.get(broken.id).added == 3


@async_test
async def test_an_entry_linking_to_a_private_address_is_refused_and_logged(
    site: Site, subs: Subscriptions, service: NewsService
) -> None:
    # Only the test server's address counts as public here: a feed may not lead the bot into the network.
    strict = FetchPolicy(allowed_networks=(ipaddress.ip_network(f"{HOST}/32"),), timeout=5.0)
    url = site.serve(
        "/sneaky.xml", rss("Sneaky", [Item("Router admin", "http://10.0.0.1/admin", "s-1", "Look here.")]), RSS_TYPE
    )
    feed = await subs.add(url, policy=strict, actor="cli:tester", outlet="Sneaky")
    before = service.count()
    report = await subs.poll(policy=strict)
    entry = report.feeds[0].entries[0]
    assert entry.status == "failed" and entry.article_id is None
    assert entry.reason.startswith("refused to fetch the entry's link: refusing to fetch from '10.0.0.1'")
    assert service.count() == before
    assert subs.get(feed.id).failed == 1
    # A failed entry is not retried.
    assert (await subs.poll(policy=strict)).feeds[0].entries == []


@async_test
async def test_an_unexpected_error_is_reported_and_the_entry_tried_again_next_time(
    site: Site, subs: Subscriptions, service: NewsService, policy: FetchPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = await subs.add(publish_first_edition(site), policy=policy, actor="cli:tester", outlet=OUTLET)
    real_add = service.add
    calls = 0

    def busy_once(article: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise sqlite3.OperationalError("database is locked")
        return real_add(article, **kwargs)

    monkeypatch.setattr(service, "add", busy_once)
    first = await subs.poll(policy=policy)
    assert [e.status for e in first.feeds[0].entries] == ["failed", "added", "added"]
    assert first.feeds[0].entries[0].reason == (
        "unexpected error: OperationalError: database is locked; it is tried again at the next poll"
    )
    assert first.errors == [] and subs.get(feed.id).failed == 0  # not recorded as seen

    second = await subs.poll(policy=policy)
    assert [(e.title, e.status) for e in second.feeds[0].entries] == [("Port Elspeth approves lighthouse", "added")]
    assert subs.get(feed.id).added == 3


# ---------------------------------------------------------------------------------------- refused subscriptions


@async_test
async def test_a_web_page_is_refused_and_its_own_feed_suggested(
    site: Site, subs: Subscriptions, policy: FetchPolicy
) -> None:
    feed_url = publish_first_edition(site)
    html = '<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body>Hi</body></html>'
    url = site.serve("/index.html", html)
    with pytest.raises(NotAFeed) as caught:
        await subs.add(url, policy=policy, actor="cli:tester")
    assert str(caught.value) == f"{url} is a web page, not an RSS or Atom feed; the page names its feed: {feed_url}"
    assert subs.list() == []


@async_test
async def test_documents_that_are_not_feeds_are_refused(site: Site, subs: Subscriptions, policy: FetchPolicy) -> None:
    xml_url = site.serve("/note.xml", "<?xml version='1.0'?><note><to>Tove</to></note>", "application/xml")
    with pytest.raises(NotAFeed, match=r"is not an RSS or Atom feed: its root element is <note>"):
        await subs.add(xml_url, policy=policy, actor="cli:tester")
    broken_url = site.serve("/broken.xml", "<rss><channel><title>x</title>", RSS_TYPE)
    with pytest.raises(NotAFeed, match=r"malformed feed: no element found"):
        await subs.add(broken_url, policy=policy, actor="cli:tester")
    json_url = site.serve("/feed.json", '{"items": []}', "application/json")
    with pytest.raises(FetchError, match=r"is application/json; only .*application/rss\+xml.* are fetched here"):
        await subs.add(json_url, policy=policy, actor="cli:tester")
    with pytest.raises(FetchError, match="HTTP 404"):
        await subs.add(site.url("/nowhere.xml"), policy=policy, actor="cli:tester")
    assert subs.list() == []


@async_test
async def test_the_same_feed_twice_is_refused_whatever_its_tracking_parameters(
    site: Site, subs: Subscriptions, policy: FetchPolicy
) -> None:
    url = publish_first_edition(site)
    feed = await subs.add(url, policy=policy, actor="cli:tester", outlet=OUTLET)
    hits = site.hits.get("/feed.xml", 0)
    with pytest.raises(DuplicateFeed) as caught:
        await subs.add(url + "?utm_source=newsletter#top", policy=policy, actor="cli:other")
    assert str(caught.value) == f"that feed is already subscribed as feed {feed.id} (The Elspeth Gazette: Local)"
    assert caught.value.existing_id == feed.id
    assert site.hits["/feed.xml"] == hits  # refused before fetching
    assert len(subs.list()) == 1


@async_test
async def test_a_feed_on_a_private_address_is_refused_unless_the_operator_allows_it(
    site: Site, subs: Subscriptions, clean_env: Path
) -> None:
    url = publish_first_edition(site)
    public_only = fetch_policy(load_settings(data_dir=clean_env))
    with pytest.raises(UnsafeURL, match=r"refusing to fetch from '127\.0\.0\.1'.*it is loopback"):
        await subs.add(url, policy=public_only, actor="cli:tester")
    assert subs.list() == [] and site.hits == {}


@async_test
async def test_a_bad_outlet_is_refused(site: Site, subs: Subscriptions, policy: FetchPolicy) -> None:
    url = publish_first_edition(site)
    with pytest.raises(InvalidInput, match="outlet: at most 100 characters, not 101"):
        await subs.add(url, policy=policy, actor="cli:tester", outlet="x" * 101)
    untitled = site.serve("/untitled.xml", rss("", []), RSS_TYPE)
    with pytest.raises(InvalidInput, match="has no title: give the outlet's name"):
        await subs.add(untitled, policy=policy, actor="cli:tester")
    assert subs.list() == []


# -------------------------------------------------------------------------------------------- remove and log


@async_test
async def test_remove_keeps_the_articles_and_records_who_did_what(
    site: Site, subs: Subscriptions, service: NewsService, policy: FetchPolicy
) -> None:
    feed = await subs.add(publish_first_edition(site), policy=policy, actor="cli:alice", outlet=OUTLET)
    await subs.poll(policy=policy)
    count = service.count()
    removed = subs.remove(str(feed.id), actor="cli:bob")
    assert removed.id == feed.id and removed.added == 3
    assert subs.list() == [] and service.count() == count
    with pytest.raises(FeedNotFound, match="no feed has the id 1"):
        subs.log(feed.id)
    with pytest.raises(FeedNotFound, match="no feed has the id 1"):
        subs.remove(feed.id, actor="cli:bob")
    with pytest.raises(FeedNotFound, match="neither a feed id nor a feed URL"):
        subs.get("lighthouse")
    with closing(sqlite3.connect(service.health().path)) as db:
        audit = db.execute("SELECT actor, action, feed_id FROM feed_changes ORDER BY seq").fetchall()
    assert [tuple(r) for r in audit] == [("cli:alice", "subscribe", 1), ("cli:bob", "unsubscribe", 1)]

    again = await subs.add(feed.url, policy=policy, actor="cli:alice", outlet=OUTLET)
    assert again.id == 2  # ids are never reused: feed:1 in the articles' log stays unambiguous
    report = await subs.poll(policy=policy)
    assert [e.status for e in report.feeds[0].entries] == ["skipped", "skipped", "skipped"]


# ---------------------------------------------------------------------------------------------- command line


def newsbot(*args: str) -> Result:
    """Run ``newsbot feeds ARGS`` through the real command line."""
    with deadline():
        return CliRunner().invoke(cli, ["feeds", *args], catch_exceptions=False)


def test_the_command_line_subscribes_polls_logs_and_removes(
    site: Site, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBOT_ALLOW_PRIVATE_URLS", "1")
    url = publish_first_edition(site)

    added = newsbot("add", url, "--outlet", OUTLET)
    assert added.exit_code == 0, added.output
    assert added.stdout == (
        f"Subscribed feed 1: The Elspeth Gazette: Local, attributed to {OUTLET}.\n"
        "Its entries are added at the next poll (now: newsbot feeds poll 1).\n"
    )
    listing = newsbot("list")
    assert listing.stdout.splitlines() == [
        f"  1  {OUTLET}: The Elspeth Gazette: Local  {url}",
        "     0 added, 0 skipped, 0 failed; not polled yet",
    ]

    polled = newsbot("poll")
    assert polled.exit_code == 0, polled.output
    lines = polled.stdout.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("added   feed 1 port-elspeth-approves-lighthouse-")
    assert lines[0].endswith(": Port Elspeth approves lighthouse: fetched and extracted the page")
    assert lines[2].startswith("added   feed 1 ferry-timetable-changes-at-inish-mor-")
    assert "HTTP 404 Not Found); stored the feed's title and summary instead" in lines[2]
    assert lines[3] == "Polled 1 feed: 3 added, 0 skipped, 0 failed."

    publish_second_edition(site)
    again = newsbot("poll", "1")
    assert again.stdout.splitlines()[-1] == "Polled 1 feed: 1 added, 2 skipped, 0 failed."
    assert again.stdout.splitlines()[1].startswith("skipped feed 1 port-elspeth-approves-lighthouse-")

    log = newsbot("log", "1", "--json")
    entries = json.loads(log.stdout)
    assert [(e["title"], e["status"]) for e in entries[:3]] == [
        ("Library reopens (syndicated)", "skipped"),
        ("Lighthouse approved", "skipped"),
        ("Tidal power trial begins", "added"),
    ]
    assert set(entries[0]) == {"feed_id", "entry_key", "url", "title", "status", "article_id", "reason", "at", "alerts"}
    assert {str(e["alerts"]) for e in entries} == {"[]"}  # no alert, no post
    text_log = newsbot("log", "1", "--limit", "1")
    assert text_log.stdout.rstrip().endswith(
        "skipped feed 1 " + entries[0]["article_id"] + ": Library reopens (syndicated): " + entries[0]["reason"]
    )
    as_json = json.loads(newsbot("list", "--json").stdout)
    assert [(f["id"], f["outlet"], f["added"], f["skipped"], f["failed"], f["alert"]) for f in as_json] == [
        (1, OUTLET, 4, 2, 0, None)
    ]

    # Another process (the `newsbot ask` command) can ask about what the poll added.
    with deadline():
        asked = CliRunner().invoke(cli, ["ask", "What did the Port Elspeth harbour authority approve?"])
    assert asked.stdout.startswith("> " + LIGHTHOUSE[0] + f"\n— {OUTLET}, 5 Mar 2024 · Port Elspeth approves")

    removed = newsbot("remove", "1")
    assert removed.stdout == (
        f"Removed feed 1: The Elspeth Gazette: Local ({url}). The 4 articles it added stay in the coverage.\n"
    )
    assert newsbot("list").stdout == "No feeds are subscribed (add one with: newsbot feeds add URL).\n"
    assert newsbot("poll").stdout == "No feeds are subscribed (add one with: newsbot feeds add URL).\n"


def test_command_line_errors_are_one_line_with_the_exit_status(
    site: Site, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = publish_first_edition(site)
    refused = newsbot("add", url)  # NEWSBOT_ALLOW_PRIVATE_URLS is not set
    assert refused.exit_code == 2
    assert refused.stderr.startswith("newsbot: error: refusing to fetch from '127.0.0.1'")
    assert refused.stderr.count("\n") == 1

    monkeypatch.setenv("NEWSBOT_ALLOW_PRIVATE_URLS", "1")
    assert newsbot("add", url).exit_code == 0
    duplicate = newsbot("add", url)
    assert (duplicate.exit_code, duplicate.stderr) == (
        2,
        "newsbot: error: that feed is already subscribed as feed 1 (The Elspeth Gazette: Local)\n",
    )
    missing = newsbot("log", "7")
    assert (missing.exit_code, missing.stderr) == (
        2,
        "newsbot: error: no feed has the id 7 (see `newsbot feeds list`)\n",
    )
    not_a_feed = newsbot("add", site.serve("/page.html", "<html><body>Hello</body></html>"))
    assert (not_a_feed.exit_code, not_a_feed.stderr) == (
        2,
        f"newsbot: error: {site.url('/page.html')} is a web page, not an RSS or Atom feed\n",
    )

    site.serve("/feed.xml", "gone", "text/plain", status=500)
    failing = newsbot("poll")
    assert failing.exit_code == 1
    assert failing.stdout.splitlines() == [
        f"failed  feed 1 (The Elspeth Gazette: Local): {url} answered HTTP 500 Internal Server Error",
        "Polled 1 feed: 0 added, 0 skipped, 0 failed; 1 feed could not be polled.",
    ]


def test_the_feeds_group_has_the_documented_commands() -> None:
    assert isinstance(feeds, click.Group)
    assert sorted(feeds.commands) == ["add", "alert", "list", "log", "poll", "remove"]
