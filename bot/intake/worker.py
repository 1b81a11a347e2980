"""Extraction under limits: trafilatura runs in a worker process with a deadline and a memory cap.

A hostile or merely huge page can make trafilatura parse and score for many seconds and hundreds of megabytes
(a 5 MB page took 10 s and 233 MB). A thread cannot be stopped and shares the bot's memory, so extraction runs
in a separate process (`pebble`_'s pool, which kills a worker whose task runs past its timeout and starts a
fresh one): the page gets the fetch's own deadline, and the worker's address space is capped
(``RLIMIT_AS``; where the platform has no ``resource`` module, as on Windows, only the deadline applies).
Either way the caller gets a :class:`FetchError` that says which limit the page hit, and the bot carries on.

Plain-text pages need no parsing and are read in the calling process.

.. _pebble: https://pebble.readthedocs.io/
"""

from __future__ import annotations

import asyncio
import atexit
import multiprocessing
import os
import threading
from typing import Final

from pebble import ProcessExpired, ProcessFuture, ProcessPool

from bot.core.errors import FetchError
from bot.intake.extract import ExtractedArticle, extract_article
from bot.intake.page import FetchedPage

__all__ = ["DEFAULT_MEMORY", "DEFAULT_TIMEOUT", "WORKERS", "extract_in_worker", "extract_in_worker_async", "shutdown"]

#: The limits of one extraction unless the caller has its own (a fetch passes what is left of its deadline):
#: the fetch's default deadline, and an address space that fits a worker (about 50 MB) parsing the largest page
#: a fetch accepts (5 MB of HTML needs about 250 MB).
DEFAULT_TIMEOUT: Final = 15.0
DEFAULT_MEMORY: Final = 512_000_000

#: Worker processes per bot process: two extractions may run at once (one hostile page does not hold up a
#: moderator's next add); each idle worker costs about 50 MB.
WORKERS: Final = 2
#: A worker is replaced after this many extractions, so a slow leak in a parser cannot grow without bound.
_TASKS_PER_WORKER: Final = 100

_lock = threading.Lock()
_pools: dict[int, ProcessPool] = {}  # by memory cap: a policy with another cap gets workers of its own


def _cap_memory(max_bytes: int) -> None:
    """Runs first in each worker: cap its address space, so a page that needs more fails there, not here."""
    try:
        import resource
    except ImportError:  # Windows: only the deadline applies
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = max_bytes if hard == resource.RLIM_INFINITY else min(max_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _pool(max_memory: int) -> ProcessPool:
    with _lock:
        pool = _pools.get(max_memory)
        if pool is None or not pool.active:
            # spawn, not fork: the bot has threads (discord.py, the answerer), and forking a threaded
            # process can copy a held lock into the child.
            pool = ProcessPool(
                max_workers=WORKERS,
                max_tasks=_TASKS_PER_WORKER,
                initializer=_cap_memory,
                initargs=(max_memory,),
                context=multiprocessing.get_context("spawn"),
            )
            _pools[max_memory] = pool
        return pool


def shutdown() -> None:
    """Stop every worker (at exit, and in tests that count processes)."""
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.stop()  # type: ignore[no-untyped-call]  # pebble's stop() has no annotations
        pool.join()


atexit.register(shutdown)


#: The exit status of a worker that ran out of memory (see :func:`_extract_or_exit`).
_OUT_OF_MEMORY: Final = 86


def _extract_or_exit(page: FetchedPage) -> ExtractedArticle:
    """Runs in the worker. After a ``MemoryError`` the worker's heap is full of fragments it will not give back,
    so it exits, and the pool starts a fresh one for the next page."""
    try:
        return extract_article(page)
    except MemoryError:
        os._exit(_OUT_OF_MEMORY)


def _schedule(page: FetchedPage, timeout: float, max_memory: int) -> ProcessFuture[ExtractedArticle]:
    return _pool(max_memory).schedule(_extract_or_exit, args=(page,), timeout=timeout)


def _failure(page: FetchedPage, exc: BaseException, timeout: float, max_memory: int) -> FetchError:
    where = f" at {page.final_url}" if page.final_url else ""  # a saved file's caller names the file
    if isinstance(exc, TimeoutError):
        return FetchError(
            f"reading the article{where} took longer than {round(timeout, 1):g} s; the page is too complex"
        )
    if isinstance(exc, MemoryError) or (isinstance(exc, ProcessExpired) and exc.exitcode == _OUT_OF_MEMORY):
        limit = max_memory // 1_000_000
        return FetchError(f"reading the article{where} needed more than {limit} MB of memory; the page is too large")
    if isinstance(exc, ProcessExpired):
        return FetchError(f"reading the article{where} failed: the page crashed the reader (exit {exc.exitcode})")
    return FetchError(f"reading the article{where} failed: {type(exc).__name__}")


def extract_in_worker(page: FetchedPage, *, timeout: float, max_memory: int) -> ExtractedArticle:
    """:func:`extract_article` in a worker process, within ``timeout`` seconds and ``max_memory`` bytes.

    Blocks the calling thread; from async code use :func:`extract_in_worker_async`. Raises
    :class:`FetchError` for a page without an article and for one that hits a limit.
    """
    if page.content_type == "text/plain":
        return extract_article(page)
    future = _schedule(page, timeout, max_memory)
    try:
        article: ExtractedArticle = future.result()
        return article
    except FetchError:
        raise
    except Exception as exc:  # the worker's own failure, pickled back, or the pool's timeout/expiry
        raise _failure(page, exc, timeout, max_memory) from None


async def extract_in_worker_async(page: FetchedPage, *, timeout: float, max_memory: int) -> ExtractedArticle:
    """:func:`extract_in_worker` without blocking the event loop: the loop only waits on the worker's future."""
    if page.content_type == "text/plain":
        return extract_article(page)
    future = _schedule(page, timeout, max_memory)
    try:
        return await asyncio.wrap_future(future)
    except FetchError:
        raise
    except asyncio.CancelledError:
        future.cancel()  # type: ignore[no-untyped-call]  # pebble stops the worker running it
        raise
    except Exception as exc:
        raise _failure(page, exc, timeout, max_memory) from None
