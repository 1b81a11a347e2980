"""The feeds part of the service: the records of feed subscriptions, per coverage.

Only the records live here; fetching a feed and polling the subscriptions is :mod:`bot.feeds.subscriptions`,
which sits above the service and adds what it finds through :meth:`~bot.service.NewsService.add`.
"""

from __future__ import annotations

from bot.core.models import FeedLogEntry, FeedRecord
from bot.search.keeper import DEFAULT
from bot.service.part import ServicePart

__all__ = ["FeedsPart"]


class FeedsPart(ServicePart):
    """Subscriptions of a coverage and what their polls found."""

    def feeds(self, *, server: int | None = None) -> list[FeedRecord]:
        """The feeds of the coverage ``server`` reads."""
        return self._store.feeds(self.reads(server))

    def feeds_to_poll(self) -> list[FeedRecord]:
        """Every feed whose coverage someone reads: all of them, or in shared mode the default collection's."""
        return self._store.feeds(DEFAULT if self.coverage == "shared" else None)

    def feed(self, feed_id: int, *, server: int | None = None) -> FeedRecord | None:
        """The feed with this id, if it belongs to the coverage ``server`` reads (another server's is None)."""
        found = self._store.feed(feed_id)
        return found if found is not None and found.server_id == self.reads(server) else None

    def feed_by_url_key(self, key: str, *, server: int | None = None) -> FeedRecord | None:
        return self._store.feed_by_url_key(self.reads(server), key)

    def subscribe_feed(
        self, url: str, key: str, title: str, outlet: str, *, actor: str, server: int | None = None
    ) -> int | None:
        """Store a subscription (logged with its actor); its id, or None when that URL key is subscribed."""
        where = self.writes(server)
        return self._store.add_feed(where, url, key, title, outlet, actor, guild_id=server)

    def unsubscribe_feed(self, feed: FeedRecord, *, actor: str, server: int | None = None) -> bool:
        """Drop a subscription of the coverage ``server`` changes, and its log; False when it was gone already
        (or belongs to another coverage)."""
        if feed.server_id != self.writes(server):
            return False
        return self._store.remove_feed(feed, actor, guild_id=server)

    def feed_entry_keys(self, feed_id: int) -> set[str]:
        return self._store.feed_entry_keys(feed_id)

    def feed_log(self, feed_id: int, limit: int = 50) -> list[FeedLogEntry]:
        return self._store.feed_log(feed_id, limit)

    def record_feed_entry(self, entry: FeedLogEntry) -> None:
        self._store.record_feed_entry(entry)

    def feed_polled(self, feed_id: int, title: str | None, error: str | None) -> None:
        self._store.feed_polled(feed_id, title, error)
