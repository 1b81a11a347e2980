"""New-coverage alerts: each article a feed with an alert adds is posted once into the alert's channel.

Plain Python over a :class:`~bot.service.NewsService`; the posting is a :class:`AlertSink` that the Discord glue
provides (:mod:`bot.discord_app.alerts`), so nothing here knows Discord.

What to post comes from the store, not from one poll's report: every article that an alert's feed added since the
alert was set, by whichever process polled it (the bot, ``newsbot feeds poll``), that no process has claimed yet
(:meth:`NewsService.pending_alerts`). For each, in the order the feed added them:

1. an article removed since, or (with a topic) not on the topic by the answerer's relevance test, is claimed as
   such and never posted;
2. otherwise its post is *claimed* in the store: a row keyed by (feed, article, channel), inserted before posting.
   The unique key decides: with several bot processes, exactly one gets the claim and posts; the others skip it.
   A process that dies between its claim and its post leaves that one article unposted (never posted twice);
3. claimed posts wait in a queue that one worker drains one post at a time, so a poll that added fifty articles
   never bursts fifty requests at Discord (discord.py also waits out any 429 it gets). What became of each post
   (its message, or why it failed: the channel is gone, the bot may not post there) is recorded.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass
from typing import Protocol

from bot.core.alerts import PendingAlert
from bot.core.errors import AlertUndeliverable
from bot.core.models import Article
from bot.service import NewsService

__all__ = ["AlertDispatcher", "AlertSink", "NewCoverage"]

log = logging.getLogger(__name__)

BATCH = 100  # pending articles taken per round


@dataclass(frozen=True)
class NewCoverage:
    """One article to post, and the alert (feed, channel, topic) it is posted for."""

    pending: PendingAlert
    article: Article


class AlertSink(Protocol):
    """Where alerts go: posts one and returns its message id, or raises :class:`AlertUndeliverable` saying why
    it cannot."""

    async def post(self, item: NewCoverage) -> int: ...


class AlertDispatcher:
    """Claims what is pending (:meth:`collect`, after every poll) and posts it through ``sink`` one at a time
    (:meth:`run`, the worker task)."""

    def __init__(self, service: NewsService, sink: AlertSink, *, holder: str | None = None) -> None:
        self.service = service
        self.sink = sink
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}"
        self.queue: asyncio.Queue[NewCoverage] = asyncio.Queue()
        self.posted = 0  # posts made by this process (tests and logs)

    async def collect(self) -> int:
        """Claim every pending article this process may post and queue it; how many were queued."""
        queued = 0
        for pending in await asyncio.to_thread(self.service.pending_alerts, BATCH):
            item = await asyncio.to_thread(self._claim, pending)
            if item is not None:
                self.queue.put_nowait(item)
                queued += 1
        return queued

    def _claim(self, pending: PendingAlert) -> NewCoverage | None:
        service = self.service
        article = service.alert_article(pending)
        if article is None:
            if service.claim_alert(pending, self.holder, "failed"):
                service.finish_alert(pending, "failed", detail="the article was removed before it was posted")
            return None
        if not service.alert_matches(pending):
            service.claim_alert(pending, self.holder, "off-topic")
            return None
        if not service.claim_alert(pending, self.holder):
            return None  # another process claimed it first: it posts it
        return NewCoverage(pending, article)

    async def run(self) -> None:
        """Post what is queued, one at a time, for ever (cancel the task to stop)."""
        while True:
            item = await self.queue.get()
            try:
                await self.deliver(item)
            except Exception:  # the store could not record it (busy): logged, the worker goes on
                log.exception("alert of feed %d: recording the post failed", item.pending.alert.feed_id)
            finally:
                self.queue.task_done()

    async def deliver(self, item: NewCoverage) -> None:
        """Post one claimed article and record what became of it; never raises (but for cancellation)."""
        pending = item.pending
        try:
            message_id = await self.sink.post(item)
        except AlertUndeliverable as exc:
            log.warning("alert of feed %d: %s", pending.alert.feed_id, exc)
            await asyncio.to_thread(self.service.finish_alert, pending, "failed", None, str(exc))
        except Exception as exc:  # noqa: BLE001 - a bug or Discord's error: logged, recorded, the worker goes on
            log.exception("alert of feed %d: posting %s failed", pending.alert.feed_id, pending.article_id)
            detail = f"unexpected error: {type(exc).__name__}: {exc}"
            await asyncio.to_thread(self.service.finish_alert, pending, "failed", None, detail)
        else:
            self.posted += 1
            log.info("alert of feed %d: posted %s (message %d)", pending.alert.feed_id, pending.article_id, message_id)
            await asyncio.to_thread(self.service.finish_alert, pending, "posted", message_id)
