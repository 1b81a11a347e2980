"""New-coverage alerts: each article a feed with an alert adds is posted once into the alert's channel.

Plain Python over a :class:`~bot.service.NewsService`; the posting is a :class:`AlertSink` that the Discord glue
provides (:mod:`bot.discord_app.alerts`), so nothing here knows Discord.

What to post comes from the store, not from one poll's report: every article that an alert's feed added since the
alert was set, by whichever process polled it (the bot, ``newsbot feeds poll``), that no process has claimed yet
(:meth:`NewsService.pending_alerts`). For each, in the order the feed added them:

1. an article removed since, or (with a topic) not on the topic by the answerer's relevance test, is claimed as
   such and never posted;
2. otherwise its post is *claimed* in the store: a row keyed by (feed, article, channel), inserted before posting.
   The unique key decides: with several bot processes, exactly one gets the claim and posts; the others skip it;
3. claimed posts wait in a queue that one worker drains one post at a time, so a poll that added fifty articles
   never bursts fifty requests at Discord (discord.py also waits out any 429 it gets). What became of each post
   (its message, or why it failed: the channel is gone, the bot may not post there) is recorded.

A claim lasts ``CLAIM_TTL_S`` seconds and is renewed while the post waits in the queue and while it is made. A
process that dies (or whose worker is cancelled) between its claim and recording the post stops renewing: once the
claim has expired, the next process to collect (another one, or the same after a restart) takes it over, one of
them only, and posts it. That retry cannot post twice: each attempt is counted in the store before its request is
sent (which checks the claim is still this process's), and every request carries the post's own nonce
(:attr:`PendingAlert.nonce`), with which Discord returns the message an earlier attempt created instead of a
second one; the sink looks in the channel first when the earlier attempt is older than Discord's nonce window. A
post whose request failed for an unexpected reason (Discord's 5xx, a dropped connection) is released and tried
again, at most ``MAX_ATTEMPTS`` times.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import secrets
import socket
from dataclasses import dataclass
from typing import Protocol

from bot.core.alerts import ExpiredClaim, PendingAlert
from bot.core.errors import AlertUndeliverable
from bot.core.models import Article
from bot.feeds.tasks import stop
from bot.service import NewsService

__all__ = ["CLAIM_TTL_S", "MAX_ATTEMPTS", "AlertDispatcher", "AlertSink", "NewCoverage"]

log = logging.getLogger(__name__)

BATCH = 100  # pending articles taken per round
CLAIM_TTL_S = 30.0  # how long a dead holder keeps a post from the others
MAX_ATTEMPTS = 5  # post requests made for one article before it is recorded as failed


@dataclass(frozen=True)
class NewCoverage:
    """One article to post, and the alert (feed, channel, topic) it is posted for. ``earlier_attempt_at`` (Unix
    seconds) is when an earlier attempt at this very post was first sent, by this process or one that died since
    (None: this is the first): a post request may have reached Discord then."""

    pending: PendingAlert
    article: Article
    earlier_attempt_at: float | None = None


class AlertSink(Protocol):
    """Where alerts go: posts one and returns its message id (the one an earlier attempt made, if it did), or
    raises :class:`AlertUndeliverable` saying why it cannot."""

    async def post(self, item: NewCoverage) -> int: ...


def _key(pending: PendingAlert) -> tuple[int, str, int]:
    return pending.alert.feed_id, pending.article_id, pending.alert.channel_id


class AlertDispatcher:
    """Claims what is pending, or left claimed by a process that died (:meth:`collect`, after every poll), and
    posts it through ``sink`` one at a time (:meth:`run`, the worker task)."""

    def __init__(
        self, service: NewsService, sink: AlertSink, *, holder: str | None = None, claim_ttl: float = CLAIM_TTL_S
    ) -> None:
        self.service = service
        self.sink = sink
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.claim_ttl = claim_ttl
        self.queue: asyncio.Queue[NewCoverage] = asyncio.Queue()
        self.posted = 0  # posts made by this process (tests and logs)
        self._queued: set[tuple[int, str, int]] = set()  # claimed here and not delivered yet

    async def collect(self) -> int:
        """Take over the expired claims, claim every pending article this process may post, and queue them; how
        many were queued."""
        queued = 0
        for claim in await asyncio.to_thread(self.service.expired_alert_claims, BATCH):
            if _key(claim.pending) in self._queued:
                continue  # ours, waiting in the queue: delivering it checks the claim is still ours
            item = await asyncio.to_thread(self._retake, claim)
            queued += self._put(item)
        for pending in await asyncio.to_thread(self.service.pending_alerts, BATCH):
            item = await asyncio.to_thread(self._claim, pending)
            queued += self._put(item)
        return queued

    def _put(self, item: NewCoverage | None) -> int:
        if item is None:
            return 0
        self._queued.add(_key(item.pending))
        self.queue.put_nowait(item)
        return 1

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
        if not service.claim_alert(pending, self.holder, ttl=self.claim_ttl):
            return None  # another process claimed it first: it posts it
        return NewCoverage(pending, article)

    def _retake(self, claim: ExpiredClaim) -> NewCoverage | None:
        service, pending = self.service, claim.pending
        if not service.retake_alert(pending, self.holder, ttl=self.claim_ttl):
            return None  # renewed by its holder, or taken over by another process first
        log.warning(
            "alert of feed %d: taking over the post of %s, whose claim by %s expired after %d attempts",
            pending.alert.feed_id,
            pending.article_id,
            claim.holder,
            claim.attempts,
        )
        article = service.alert_article(pending)
        if not claim.current:
            detail = "the alert was changed or turned off before it was posted"
        elif article is None:
            detail = "the article was removed before it was posted"
        elif claim.attempts >= MAX_ATTEMPTS:
            detail = f"gave up after {claim.attempts} attempts (the log says what went wrong)"
        else:
            return NewCoverage(pending, article)
        service.finish_alert(pending, "failed", detail=detail)
        return None

    async def run(self) -> None:
        """Post what is queued, one at a time, for ever (cancel the task to stop), keeping the claims of what waits
        in the queue meanwhile."""
        renewing = asyncio.create_task(self._renew_claims(), name="newsbot-alert-claims")
        try:
            while True:
                item = await self.queue.get()
                try:
                    await self.deliver(item)
                except Exception:  # the store could not record it (busy): logged, the claim expires, is taken over
                    log.exception("alert of feed %d: recording the post failed", item.pending.alert.feed_id)
                finally:
                    self.queue.task_done()
        finally:
            await stop(renewing)

    async def deliver(self, item: NewCoverage) -> None:
        """Post one claimed article and record what became of it. Raises only when the store cannot record the
        attempt (the claim then expires, and the post is taken over) or for cancellation."""
        pending = item.pending
        try:
            mine, earlier = await asyncio.to_thread(
                self.service.begin_alert_attempt, pending, self.holder, ttl=self.claim_ttl
            )
            if not mine:
                log.info("alert of feed %d: another process took %s over", pending.alert.feed_id, item.article.id)
                return
            await self._post(dataclasses.replace(item, earlier_attempt_at=earlier))
        finally:
            self._queued.discard(_key(pending))

    async def _post(self, item: NewCoverage) -> None:
        pending = item.pending
        try:
            message_id = await self.sink.post(item)
        except AlertUndeliverable as exc:
            log.warning("alert of feed %d: %s", pending.alert.feed_id, exc)
            await asyncio.to_thread(self.service.finish_alert, pending, "failed", None, str(exc))
        except Exception:  # a bug or Discord's error: logged, released, tried again at a later round
            log.exception("alert of feed %d: posting %s failed", pending.alert.feed_id, pending.article_id)
            await asyncio.to_thread(self.service.release_alert, pending, self.holder)
        else:
            self.posted += 1
            log.info("alert of feed %d: posted %s (message %d)", pending.alert.feed_id, pending.article_id, message_id)
            await asyncio.to_thread(self.service.finish_alert, pending, "posted", message_id)

    async def _renew_claims(self) -> None:
        """Keep this process's claims (queued, or being posted: discord.py may wait out a rate limit) every third
        of their lifetime; a process that dies stops, and its claims expire."""
        while True:
            await asyncio.sleep(self.claim_ttl / 3)
            try:
                await asyncio.to_thread(self.service.renew_alert_claims, self.holder, ttl=self.claim_ttl)
            except Exception as exc:  # noqa: BLE001 - the next renewal tries again; the nonce covers a takeover
                log.warning("could not renew this process's claims of alert posts: %s", exc)
