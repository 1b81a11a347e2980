"""New-coverage alerts: a feed whose new articles are posted into a Discord channel, and one article waiting for
its post. Plain values passed between the store, the service, the feed poller's dispatcher and the renderer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["AlertPostStatus", "FeedAlert", "PendingAlert"]

AlertPostStatus = Literal["claimed", "posted", "off-topic", "failed"]


@dataclass(frozen=True)
class FeedAlert:
    """Feed ``feed_id`` (of coverage ``server_id``) posts every article it adds from ``added_at`` on into
    ``channel_id``, or only those on ``topic``."""

    feed_id: int
    server_id: int
    channel_id: int
    topic: str | None
    added_at: str
    added_by: str


@dataclass(frozen=True)
class PendingAlert:
    """An article a feed with an alert added, not claimed by any process yet."""

    alert: FeedAlert
    article_id: str
    feed_name: str
