"""New-coverage alerts: a feed whose new articles are posted into a Discord channel, one article waiting for its
post, and a claimed post whose claim expired (its holder died) and that another process may take over. Plain
values passed between the store, the service, the feed poller's dispatcher and the renderer."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

__all__ = ["AlertPostStatus", "ExpiredClaim", "FeedAlert", "PendingAlert"]

AlertPostStatus = Literal["claimed", "posted", "off-topic", "failed"]

NONCE_CHARS = 25  # Discord's longest message nonce


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
    """An article a feed with an alert added, to be posted in ``alert.channel_id``."""

    alert: FeedAlert
    article_id: str
    feed_name: str

    @property
    def nonce(self) -> str:
        """The post's nonce: the same for every attempt at it, by any process, and different for every (feed,
        article, channel). Discord creates one message for one nonce within a few minutes (``enforce_nonce``),
        so an attempt retried after a crash returns the message an earlier one created instead of a second."""
        key = f"{self.alert.feed_id}:{self.article_id}:{self.alert.channel_id}"
        return "na" + hashlib.sha256(key.encode()).hexdigest()[: NONCE_CHARS - 2]


@dataclass(frozen=True)
class ExpiredClaim:
    """A claimed post whose holder stopped renewing its claim (it died, or was cancelled) before recording what
    became of it. ``first_attempt_at`` (Unix seconds) is when a post request was first sent for it (None: never,
    the holder died before it tried); ``current`` is False when the alert was changed or turned off since."""

    pending: PendingAlert
    holder: str
    attempts: int
    first_attempt_at: float | None
    current: bool
