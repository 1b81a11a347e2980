"""Running a background job once per period across every process that shares the store: the feed poll.

Each process that runs the bot ticks every ``tick`` seconds (a minute, or the period when it is shorter) and asks
the store for the job's lease (:mod:`bot.storage.leases`). The first process to ask once the job is due gets it
and runs the job; the others, and that one until a period has passed, are told no and do nothing. While the job
runs its lease is renewed every third of its lifetime, so a long poll is not taken over; when the process dies,
the lease expires and the next process to ask runs the job. A single process (SQLite, one host) sees what it saw
before: the job runs every period, the first time when the bot is ready.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.feeds.tasks import stop
from bot.service import NewsService

__all__ = ["OncePerPeriod"]

log = logging.getLogger(__name__)

T = TypeVar("T")

_LEASE_S = 300.0  # how long a dead holder keeps a job from the others


class OncePerPeriod:
    """Job ``name``, run by one of the processes sharing ``service``'s store every ``period`` seconds."""

    def __init__(self, service: NewsService, name: str, period: float, *, lease: float = _LEASE_S) -> None:
        if period <= 0:
            raise ValueError(f"the period must be positive, not {period}")
        self.service = service
        self.name = name
        self.period = period
        self.tick = min(period, 60.0)  # how often to ask: a due job starts within a tick
        self.lease = lease

    async def run(self, job: Callable[[], Awaitable[T]]) -> tuple[bool, T | None]:
        """Run ``job`` if this process gets the lease: (True, its result), else (False, None) at once."""
        # Due half a tick early: a process whose ticks fall just short of the period must not skip a whole tick.
        every = self.period - self.tick / 2
        if not await asyncio.to_thread(self.service.claim_job, self.name, every=every, ttl=self.lease):
            return False, None
        renewing = asyncio.create_task(self._renew())
        try:
            return True, await job()
        finally:
            try:
                await stop(renewing)  # a cancellation of this task while it waits here is not swallowed
            finally:
                try:
                    await asyncio.to_thread(self.service.release_job, self.name)
                except Exception as exc:  # noqa: BLE001 - the lease then expires by itself
                    log.warning("could not release the %s lease (it expires in %.0f s): %s", self.name, self.lease, exc)

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self.lease / 3)
            try:
                kept = await asyncio.to_thread(self.service.renew_job, self.name, ttl=self.lease)
            except Exception as exc:  # noqa: BLE001 - the next renewal tries again
                log.warning("could not renew the %s lease: %s", self.name, exc)
                continue
            if not kept:
                log.warning("the %s lease expired while it ran: another process may run it too", self.name)
                return
