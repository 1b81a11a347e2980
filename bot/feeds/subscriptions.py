"""Feed subscriptions: moderators subscribe RSS and Atom feeds, and polls turn their new entries into articles.

Shared by ``newsbot feeds ...`` and ``/feeds``; plain Python over a :class:`~bot.service.NewsService` (no discord).

A subscription is validated once: the feed is fetched and parsed, so a web page, a JSON document or a broken feed
is refused at once, and one URL (normalised) is one subscription. A poll then, for every feed:

1. fetches and parses the feed with the same safe fetcher as ``/corpus add url:`` (address checks on every hop,
   size and time limits);
2. takes the entries it has not seen before (an entry is known by its guid or Atom id, else by its normalised
   link), at most ``max_new_per_feed`` of them; the rest wait for the next poll;
3. for each: skips it when its link is already stored; else fetches and extracts its page, attributes it to the
   feed's outlet and adds it through :meth:`NewsService.add`, so it can be asked about at once. When the page
   cannot be fetched or holds no article, the entry's own title and summary are stored instead, and the log says
   so. A duplicate (same URL or same text as a stored article) is skipped, naming that article;
4. records the outcome of every entry in ``feed_items``: the per-feed log, and the set of entries the next poll
   leaves alone. An entry that failed for a stated reason (its link is refused, or neither its page nor the feed
   gives an article) is not retried; one that hit an unexpected error (a bug, a busy database) is reported but
   not recorded, so the next poll tries it again.

One feed that cannot be fetched never stops the others: its error is kept in ``feeds.last_error``. Network work
is async (aiohttp); SQLite, extraction and indexing run in worker threads, so the Discord event loop never waits.
"""

from __future__ import annotations

import asyncio
import builtins
import logging
from typing import Any, Final

import aiohttp

from bot.core.errors import (
    DuplicateArticle,
    DuplicateFeed,
    FeedNotFound,
    FetchError,
    InvalidArticle,
    InvalidInput,
    NewsBotError,
    NotAFeed,
    UnsafeURL,
)
from bot.core.models import (
    ArticleIn,
    FeedLogEntry,
    FeedPoll,
    FeedRecord,
    FeedStatus,
    PollReport,
    now_iso,
    parse_partial_date,
)
from bot.core.urls import normalize_url
from bot.intake.discovery import fetch_feed
from bot.intake.extract import ExtractedArticle
from bot.intake.feed_parser import FeedEntry
from bot.intake.guard import FetchPolicy, open_session
from bot.intake.http import fetch_article
from bot.intake.ingest import article_from_fields, from_extracted, looks_like_url
from bot.present.feeds import describe_entry, describe_poll
from bot.service import NewsService

__all__ = [
    "DuplicateFeed",
    "FeedLogEntry",
    "FeedNotFound",
    "FeedPoll",
    "FeedRecord",
    "NotAFeed",
    "PollReport",
    "Subscriptions",
    "describe_entry",
    "describe_poll",
    "entry_key",
]  # the errors, the records and describe_* are re-exported from bot.core and bot.present

log = logging.getLogger(__name__)

_MAX_OUTLET_CHARS: Final = 100  # ArticleIn.source
_CONCURRENT_FEEDS: Final = 4


def entry_key(entry: FeedEntry) -> str:
    """How an entry is recognised from one poll to the next: its guid or Atom id, else its link normalised."""
    if entry.id and entry.id != entry.url:
        return entry.id
    try:
        return normalize_url(entry.url)
    except UnsafeURL:
        return entry.url


class Subscriptions:
    """The subscribed feeds of one data directory, and polling them into a :class:`NewsService`.

    ``add`` and ``poll`` are coroutines (they fetch); the other methods are synchronous SQLite work, to be run
    through ``asyncio.to_thread`` from an event loop.
    """

    def __init__(self, service: NewsService, *, server: int | None = None) -> None:
        self.service = service
        self.server = server  # the Discord server whose coverage's feeds these are (None: the default collection)

    # --- subscribing -----------------------------------------------------------------------------------------

    async def add(self, url: str, *, policy: FetchPolicy, actor: str, outlet: str | None = None) -> FeedRecord:
        """Subscribe to the feed at ``url``: fetch and parse it once, and store it with its outlet.

        ``outlet`` is the name its articles are attributed to; by default the feed's title. Raises
        :class:`DuplicateFeed` when the feed is subscribed already, :class:`NotAFeed` when the URL serves no
        feed, :class:`UnsafeURL` or :class:`FetchError` when it cannot be fetched. Nothing is stored then.
        """
        url = url.strip()
        if not looks_like_url(url):
            raise InvalidInput(f"{url!r} is not an http(s) URL")
        key = normalize_url(url)
        existing = await asyncio.to_thread(self._by_key, key)
        if existing is not None:
            raise DuplicateFeed(f"that feed is already subscribed as feed {existing.id} ({existing.name})", existing.id)
        name = _clean(outlet)
        if len(name) > _MAX_OUTLET_CHARS:
            raise InvalidInput(f"outlet: at most {_MAX_OUTLET_CHARS} characters, not {len(name)}")
        async with open_session() as session:
            feed = await fetch_feed(url, policy, session)
        if not name:
            name = _clean(feed.title)
            if len(name) > _MAX_OUTLET_CHARS:
                raise InvalidInput(
                    f"the feed's title is {len(name)} characters, too long to name an outlet "
                    f"({_MAX_OUTLET_CHARS} at most): give the outlet's name"
                )
        if not name:
            raise InvalidInput(f"the feed at {url} has no title: give the outlet's name its articles are credited to")
        return await asyncio.to_thread(self._subscribe, url, key, _clean(feed.title), name, actor)

    def remove(self, feed: int | str, *, actor: str) -> FeedRecord:
        """Unsubscribe a feed (by id or URL) and drop its log. The articles it added stay in the coverage."""
        record = self.get(feed)
        if not self.service.unsubscribe_feed(record, actor=actor, server=self.server):
            raise FeedNotFound(f"feed {record.id} was removed meanwhile")
        log.info("%s unsubscribed feed %d (%s)", actor, record.id, record.url)
        return record

    # --- reading ---------------------------------------------------------------------------------------------

    def list(self) -> list[FeedRecord]:
        """Every subscribed feed, oldest subscription first, with its counts and last poll."""
        return self.service.feeds(server=self.server)

    def get(self, feed: int | str) -> FeedRecord:
        """The feed with this id (a number, or digits) or URL; :class:`FeedNotFound` if none."""
        if isinstance(feed, int) or feed.strip().isdigit():
            feed_id = int(feed)
            found = self.service.feed(feed_id, server=self.server)
            if found is None:
                raise FeedNotFound(f"no feed has the id {feed_id} (see `newsbot feeds list`)")
            return found
        text = feed.strip()
        if not looks_like_url(text):
            raise FeedNotFound(f"{text!r} is neither a feed id nor a feed URL (see `newsbot feeds list`)")
        record = self._by_key(normalize_url(text))
        if record is None:
            raise FeedNotFound(f"no feed is subscribed at {text} (see `newsbot feeds list`)")
        return record

    def find(self, text: str, limit: int = 25) -> builtins.list[FeedRecord]:
        """Feeds whose id, title, outlet or URL contains ``text`` (for autocomplete)."""
        needle = text.casefold().strip()
        found = [f for f in self.list() if not needle or needle in f"{f.id} {f.title} {f.outlet} {f.url}".casefold()]
        return found[:limit]

    def log(self, feed: int | str, limit: int = 50) -> builtins.list[FeedLogEntry]:
        """The newest ``limit`` lines of a feed's log: what became of each entry, newest first."""
        record = self.get(feed)
        return self.service.feed_log(record.id, limit)

    def _by_key(self, key: str) -> FeedRecord | None:
        return self.service.feed_by_url_key(key, server=self.server)

    def _subscribe(self, url: str, key: str, title: str, outlet: str, actor: str) -> FeedRecord:
        feed_id = self.service.subscribe_feed(url, key, title, outlet, actor=actor, server=self.server)
        if feed_id is None:  # subscribed by someone else since the check
            existing = self._by_key(key)
            if existing is None:
                raise FeedNotFound(f"the feed at {url} was subscribed and removed meanwhile; try again")
            raise DuplicateFeed(f"that feed is already subscribed as feed {existing.id} ({existing.name})", existing.id)
        log.info("%s subscribed feed %d (%s) for %s", actor, feed_id, url, outlet)
        return self.get(feed_id)

    # --- polling ---------------------------------------------------------------------------------------------

    async def poll(
        self,
        feed: int | str | None = None,
        *,
        policy: FetchPolicy,
        max_new_per_feed: int = 20,
        every_server: bool = False,
    ) -> PollReport:
        """Poll one feed (by id or URL) or all of them: this coverage's, or with ``every_server`` every feed
        whose coverage is read (the bot's background poll); see the module docstring. Never raises for a feed
        that fails: its error is in the report (and in ``last_error``)."""
        if max_new_per_feed < 1:
            raise ValueError(f"max_new_per_feed must be at least 1, not {max_new_per_feed}")
        if feed is not None:
            records = [await asyncio.to_thread(self.get, feed)]
        elif every_server:
            records = await asyncio.to_thread(self.service.feeds_to_poll)
        else:
            records = await asyncio.to_thread(self.list)
        if not records:
            return PollReport([])
        limit = asyncio.Semaphore(_CONCURRENT_FEEDS)
        async with open_session() as session:

            async def one(record: FeedRecord) -> FeedPoll:
                async with limit:
                    return await self._poll_feed(record, policy, session, max_new_per_feed)

            polled = await asyncio.gather(*(one(r) for r in records))
        return PollReport(builtins.list(polled))

    async def _poll_feed(
        self, record: FeedRecord, policy: FetchPolicy, session: aiohttp.ClientSession, max_new: int
    ) -> FeedPoll:
        """Poll one feed; never raises (but for cancellation): one broken feed must not stop the others."""
        try:
            return await self._poll_one(record, policy, session, max_new)
        except NewsBotError as exc:
            error = str(exc)
            log.warning("feed %d (%s) could not be polled: %s", record.id, record.url, error)
        except Exception as exc:  # noqa: BLE001 - a bug or a database error: logged, reported, not raised
            error = f"unexpected error: {type(exc).__name__}: {exc}"
            log.exception("polling feed %d (%s) failed", record.id, record.url)
        try:
            await asyncio.to_thread(self.service.feed_polled, record.id, None, error)
        except Exception:  # noqa: BLE001 - the report still says what went wrong
            log.exception("could not record the error of feed %d", record.id)
        return FeedPoll(feed=record, error=error)

    async def _poll_one(
        self, record: FeedRecord, policy: FetchPolicy, session: aiohttp.ClientSession, max_new: int
    ) -> FeedPoll:
        feed = await fetch_feed(record.url, policy, session)
        seen = await asyncio.to_thread(self.service.feed_entry_keys, record.id)
        fresh: dict[str, FeedEntry] = {}
        already = 0
        for entry in feed.entries:
            key = entry_key(entry)
            if key in seen:
                already += 1
            elif key not in fresh:
                fresh[key] = entry
        todo = builtins.list(fresh.items())
        results: builtins.list[FeedLogEntry] = []
        for key, entry in todo[:max_new]:
            try:
                result = await self._take(record, key, entry, policy, session)
            except Exception as exc:  # noqa: BLE001 - one broken entry must not stop the others
                # A bug or a busy database, not something wrong with the entry: it is reported but not logged as
                # seen, so the next poll tries it again.
                log.exception("feed %d: taking %s failed", record.id, entry.url)
                reason = f"unexpected error: {type(exc).__name__}: {exc}; it is tried again at the next poll"
                results.append(_outcome(record, key, entry, "failed", None, reason))
                continue
            await asyncio.to_thread(self.service.record_feed_entry, result)
            log.info("%s", describe_entry(result))
            results.append(result)
        await asyncio.to_thread(self.service.feed_polled, record.id, _clean(feed.title), None)
        waiting = max(len(todo) - max_new, 0)
        return FeedPoll(feed=record, entries=results, seen=already, waiting=waiting)

    async def _take(
        self, record: FeedRecord, key: str, entry: FeedEntry, policy: FetchPolicy, session: aiohttp.ClientSession
    ) -> FeedLogEntry:
        """Fetch, extract and add one new entry; the outcome says what happened and why."""
        try:
            stored = await asyncio.to_thread(self.service.article_with_url, entry.url, server=record.server_id or None)
        except UnsafeURL as exc:
            return _outcome(record, key, entry, "failed", None, f"the entry's link cannot be fetched: {exc}")
        if stored is not None:
            reason = f"the same URL is already stored as {stored.id} ({stored.title!r})"
            return _outcome(record, key, entry, "skipped", stored.id, reason)
        note = "fetched and extracted the page"
        try:
            page = await fetch_article(entry.url, policy, session)
            article = _from_page(record, entry, page)
        except UnsafeURL as exc:
            return _outcome(record, key, entry, "failed", None, f"refused to fetch the entry's link: {exc}")
        except (FetchError, InvalidArticle) as exc:
            try:
                article = _from_entry(record, entry)
            except InvalidArticle as bad:
                reason = f"the page could not be used ({exc}), nor the feed's own title and summary ({bad})"
                return _outcome(record, key, entry, "failed", None, reason)
            what = "title and summary" if article.body else "title (it has no summary)"
            note = f"the page could not be used ({exc}); stored the feed's {what} instead"
        try:
            added = await asyncio.to_thread(
                self.service.add, article, actor=f"feed:{record.id}", server=record.server_id or None
            )
        except DuplicateArticle as exc:
            return _outcome(record, key, entry, "skipped", exc.existing_id, f"duplicate: {exc}")
        except InvalidInput as exc:
            return _outcome(record, key, entry, "failed", None, str(exc))
        return _outcome(record, key, entry, "added", added.id, note)


# --- helpers -------------------------------------------------------------------------------------------------


def _outcome(
    record: FeedRecord, key: str, entry: FeedEntry, status: FeedStatus, article_id: str | None, reason: str
) -> FeedLogEntry:
    return FeedLogEntry(
        feed_id=record.id,
        entry_key=key,
        url=entry.url,
        title=entry.title,
        status=status,
        article_id=article_id,
        reason=reason,
        at=now_iso(),
    )


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _date(value: str | None) -> str | None:
    """The entry's date if it is one newsbot stores (a feed may say 1970 or 2999); else None."""
    if not value:
        return None
    try:
        return parse_partial_date(value)
    except ValueError:
        return None


def _from_page(record: FeedRecord, entry: FeedEntry, page: ExtractedArticle) -> ArticleIn:
    """The article on the entry's page, credited to the feed's outlet. The feed's own headline and date win over
    what extraction found on the page; the page's authors win over the feed's."""
    overrides: dict[str, Any] = {
        "source": record.outlet,
        "title": _clean(entry.title),
        "date": _date(entry.published),
        "authors": None if page.authors else list(entry.authors),
    }
    return from_extracted(page, overrides)


def _from_entry(record: FeedRecord, entry: FeedEntry) -> ArticleIn:
    """The entry as the feed gives it: its title, and its summary as the text."""
    fields: dict[str, Any] = {
        "title": _clean(entry.title),
        "source": record.outlet,
        "date": _date(entry.published),
        "url": entry.url,
        "authors": list(entry.authors),
        "body": entry.summary,
    }
    return article_from_fields(fields, f"the feed entry {entry.url}")
