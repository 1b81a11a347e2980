"""Stopping a helper task from inside another task, without swallowing the caller's own cancellation.

The usual idiom, ``task.cancel()`` then ``with suppress(CancelledError): await task``, has a trap: if the *caller*
is cancelled while it waits there (the bot closing while a poll is finishing), the CancelledError it receives is
suppressed too, so the caller carries on as if nothing had happened. The feed poller then went back to sleep
until its next tick, and closing the bot waited for it for ever. :func:`stop` waits with :func:`asyncio.wait`,
which never raises the helper's outcome, so a CancelledError that reaches the caller is always its own.
"""

from __future__ import annotations

import asyncio

__all__ = ["stop"]


async def stop(task: asyncio.Task[object]) -> None:
    """Cancel ``task`` and wait until it has ended (whatever it raised), unless the caller is cancelled meanwhile:
    then the caller's CancelledError propagates, and ``task`` still ends (it was cancelled)."""
    task.cancel()
    await asyncio.wait({task})
