"""Discord's rate limit on posting in a channel, opt-in: ``fake.limit_channel(channel_id, limit=5, per=5.0)``.

As Discord does, every answer to a message post in that channel carries its bucket's headers (``X-RateLimit-Limit``,
``-Remaining``, ``-Reset``, ``-Reset-After``, ``-Bucket``, ``-Scope``), and a post past the limit gets 429 with
``retry_after`` and is not made. The window opens at the first post and lasts ``per`` seconds of the fake's clock.
A client that reads the headers (discord.py) waits before it would go past the limit, and never sees the 429.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["ChannelLimits"]


@dataclass
class _Window:
    limit: int
    per: float
    opened: float = 0.0
    used: int = 0


class ChannelLimits:
    """The channels whose posts are rate limited, and how many posts each window has left."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._windows: dict[int, _Window] = {}
        self.refused: list[int] = []  # the channel of every post refused with a 429

    def limit(self, channel_id: int, limit: int, per: float) -> None:
        self._windows[channel_id] = _Window(limit, per)

    def take(self, channel_id: int) -> tuple[dict[str, str], float | None]:
        """Count one post in ``channel_id``: (the headers to answer with, None), or (headers, retry_after) for a
        post past the limit. No headers for a channel without a limit."""
        window = self._windows.get(channel_id)
        if window is None:
            return {}, None
        now = self._clock()
        if window.used == 0 or now - window.opened >= window.per:
            window.opened, window.used = now, 0
        reset_after = max(window.per - (now - window.opened), 0.0)
        over = window.used >= window.limit
        if not over:
            window.used += 1
        headers = {
            "X-RateLimit-Limit": str(window.limit),
            "X-RateLimit-Remaining": str(window.limit - window.used),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": f"channel-messages-{channel_id}",
            "X-RateLimit-Scope": "user",
        }
        if not over:
            return headers, None
        self.refused.append(channel_id)
        return {**headers, "Retry-After": str(max(1, int(reset_after + 0.999))), "Via": "1.1 google"}, reset_after
