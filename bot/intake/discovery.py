"""Fetching a feed, and finding the feed a web page names: what a subscription checks before it is stored.

A URL given as a feed is fetched with the safe fetcher (:mod:`bot.intake.http`) accepting feeds and web pages:
a page is refused as :class:`NotAFeed`, naming the feed the page links to (``<link rel="alternate"
type="application/rss+xml">``) when it has one, so the moderator knows which URL to give instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from html.parser import HTMLParser
from typing import Final
from urllib.parse import urljoin

import aiohttp

from bot.core.errors import FetchError, NotAFeed
from bot.intake.feed_parser import Feed, parse_feed
from bot.intake.guard import FetchPolicy
from bot.intake.http import fetch_page
from bot.intake.ingest import looks_like_url
from bot.intake.page import FEED_TYPES, HTML_TYPES

__all__ = ["fetch_feed", "feed_links"]

#: What a feed URL may serve: feeds, and web pages only so that a page can be refused with a useful message.
_FEED_FETCH_TYPES: Final = FEED_TYPES | HTML_TYPES


async def fetch_feed(url: str, policy: FetchPolicy, session: aiohttp.ClientSession) -> Feed:
    """Fetch and parse a feed; a web page or a document that is not a feed is :class:`NotAFeed`."""
    page = await fetch_page(url, policy, session, accept=_FEED_FETCH_TYPES)
    if page.content_type in HTML_TYPES:
        links = await asyncio.to_thread(feed_links, page.text, page.final_url)
        hint = f"; the page names its feed: {links[0]}" if links else ""
        raise NotAFeed(f"{url} is a web page, not an RSS or Atom feed{hint}")
    try:
        return await asyncio.to_thread(parse_feed, page.text, page.final_url)
    except FetchError as exc:
        message = str(exc)
        raise NotAFeed(message if page.final_url in message or url in message else f"{url}: {message}") from None


class _FeedLinks(HTMLParser):
    """Collects ``<link rel="alternate" type="application/rss+xml" href="...">`` from a page's markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: Sequence[tuple[str, str | None]]) -> None:
        if tag != "link":
            return
        values = {name: (value or "") for name, value in attrs}
        rels = values.get("rel", "").lower().split()
        kind = values.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rels and kind in FEED_TYPES and values.get("href", "").strip():
            self.hrefs.append(values["href"].strip())


def feed_links(html: str, base: str) -> list[str]:
    """Feeds a web page names for itself, as absolute http(s) URLs."""
    parser = _FeedLinks()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - only a hint for an error message
        return []
    return _unique(u for u in (urljoin(base, h) for h in parser.hrefs) if looks_like_url(u))


def _unique(values: Iterable[str]) -> list[str]:
    result: list[str] = []
    for value in values:
        if value not in result:
            result.append(value)
    return result
