"""Answering in worker processes, so that the bot's event loop never waits for an answer's turn at the GIL.

Why: an answer is 8-18 ms of pure Python (reading the question, judging candidates, rendering). In threads of the
bot's own process, answers hold the GIL in turns with the event loop, which then wakes late each time it has
something to do (discord.py's gateway, acknowledging interactions): with 50 questions at once its lag reached
p99 63-339 ms on a loaded machine. In processes of their own, answers compete with the loop only for a core, which
the operating system shares out far more finely than the GIL's 5 ms turns; and a worker runs at a lower priority
(``nice`` 5 on POSIX), so that when the cores are short the bot's own process, which acknowledges interactions and
keeps the gateway alive, is scheduled first. Measured with ``benchmarks/discord_load.py`` (BENCHMARKS.md): the
loop's worst lag fell 3-5x; at ``nice`` 0 the p99 did not improve, at ``nice`` 5 it did.

How a worker answers what the bot would: it is spawned (nothing of the bot's threads, locks or connections is
copied into it), opens the same store through :meth:`NewsService.open` with the same settings, and loads the same
saved index (memory-mapped: the workers share its pages with the bot). It only reads: it never seeds, saves an
index or writes to the store. Before every answer its index catches up with the store's change log, as every reader
does (:mod:`bot.search.keeper`; on PostgreSQL a worker does not listen for notifications, so each read asks the
store for the newest change, one round trip): an article a moderator added a moment ago, in this process or any
other, is answerable in every worker at once. Its start-up (the index, the compiled search loops, the semantic
reader's model, the lazily built tables of a first answer) happens before the bot takes questions.

A worker that dies (killed, out of memory) breaks the whole executor (``concurrent.futures`` cannot tell which
question killed it): the executor is replaced, and every question that was in it is asked once more in the new
one (answering only reads, so asking twice is safe). A question whose second try fails the same way gets
:class:`bot.core.errors.AnswerFailed`, which the glue tells the user; so does one asked while the bot stops.
:meth:`AnswerWorkers.close` waits for the workers to exit: a stopped bot leaves no process behind.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.queues import SimpleQueue
from typing import Any, TypeVar

from bot.core.config import Settings
from bot.core.errors import AnswerFailed
from bot.service.news import NewsService

__all__ = ["NICENESS", "WARM_UP_QUESTION", "AnswerWorkers"]

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Answered once by each worker as it starts: builds what a first answer builds lazily (WordNet's line tables, the
#: reader's model), so that no one's question pays for it.
WARM_UP_QUESTION = "What did the officials say about the new study of the company?"
NICENESS = 5  # how much lower a worker's scheduling priority is than the bot's (see the module docstring)
_START_POLL_S = 0.05  # how often start() looks whether every worker is ready
_TRIES = 2  # a question is asked at most this often when its worker dies under it
_STOPPING = "newsbot is stopping: ask again in a minute"

_service: NewsService | None = None  # in a worker process: the service it answers from


def _start_worker(settings: Settings, started: SimpleQueue[int]) -> None:
    """A worker's initializer: open the store and load the index, read-only, answer one question, and say its
    process id on ``started`` (the pool's list of its workers)."""
    global _service
    if hasattr(os, "nice"):  # POSIX: below the bot's own process, whose event loop acknowledges interactions
        os.nice(NICENESS)
    service = NewsService.open(settings, seed=False, save_indexes=False)
    service.warm_up()
    service.ask(WARM_UP_QUESTION)
    _service = service
    started.put(os.getpid())


def _run(work: Callable[..., T], args: tuple[Any, ...]) -> T:
    """In a worker: ``work(service, *args)``."""
    assert _service is not None, "an answering worker runs work only after its initializer"
    return work(_service, *args)


def _pid() -> int:
    return os.getpid()


class AnswerWorkers:
    """A few spawned processes that answer from the same store (see the module docstring). Thread-safe."""

    _context = multiprocessing.get_context("spawn")  # nothing of the bot's threads, locks or connections copied

    def __init__(self, settings: Settings, processes: int) -> None:
        if processes < 1:
            raise ValueError("an answering pool needs at least one process")
        self.settings = settings
        self.processes = processes
        self._lock = threading.Lock()
        self._closed = False
        self._started: SimpleQueue[int] = self._context.SimpleQueue()  # each worker of the executor says its pid
        self._pids: set[int] = set()  # the current executor's workers that said so
        self._executor = self._new_executor()
        self.replaced = 0  # executors replaced after a worker died

    def _new_executor(self) -> ProcessPoolExecutor:
        """A pool of workers that each say their process id on ``self._started`` once ready (call with the lock,
        or from ``__init__``)."""
        return ProcessPoolExecutor(
            self.processes, mp_context=self._context, initializer=_start_worker, initargs=(self.settings, self._started)
        )

    def start(self) -> list[int]:
        """Start every worker and wait until each is ready to answer (blocks: call it off the event loop); their
        process ids. A worker that cannot start (a damaged index is rebuilt; a store that cannot be opened is not)
        raises here, before the bot takes questions."""
        with self._lock:
            executor = self._executor
        try:
            for future in [executor.submit(_pid) for _ in range(self.processes)]:  # one task spawns one worker
                future.result()
            # The first worker ready may have taken every task while the others still start: wait until each has
            # said its pid, asking the pool now and then whether one failed (a broken pool raises).
            while len(self.pids()) < self.processes:
                executor.submit(_pid).result()
                time.sleep(_START_POLL_S)
        except BrokenProcessPool:
            raise AnswerFailed(
                "the answering worker processes could not start (their error is logged above); "
                "NEWSBOT_ANSWER_PROCESSES=0 answers in the bot's own threads"
            ) from None
        return self.pids()

    def pids(self) -> list[int]:
        """The process ids of the current workers (those that have started so far): what each one said when it was
        ready, so nothing private of ``concurrent.futures`` is read."""
        with self._lock:
            while not self._started.empty():
                self._pids.add(self._started.get())
            return sorted(self._pids)

    def submit(self, work: Callable[..., T], *args: Any) -> Future[T]:
        """``work(service, *args)`` in a worker, where ``work`` is a module-level function (it is sent by name) and
        ``service`` is the worker's own :class:`NewsService`. The future's result is what ``work`` returned; its
        exception what it raised (a :class:`bot.core.errors.NewsBotError` comes back as itself), or
        :class:`AnswerFailed` when the worker died twice under it or the pool is closed."""
        result: Future[T] = Future()
        result.set_running_or_notify_cancel()  # it cannot be cancelled: an answer under way is let finish
        self._attempt(result, work, args, _TRIES)
        return result

    def _attempt(self, result: Future[T], work: Callable[..., T], args: tuple[Any, ...], tries: int) -> None:
        with self._lock:
            if self._closed:
                result.set_exception(AnswerFailed(_STOPPING))
                return
            executor = self._executor
            try:
                inner = executor.submit(_run, work, args)
            except BrokenProcessPool:  # broken before its callbacks replaced it: replace it here
                executor = self._replace(executor)
                inner = executor.submit(_run, work, args)

        def done(inner: Future[T]) -> None:
            if not inner.cancelled() and not isinstance(inner.exception(), BrokenProcessPool):
                error = inner.exception()
                if error is None:
                    result.set_result(inner.result())
                else:
                    result.set_exception(error)
                return
            with self._lock:  # its worker died (or the pool is closing under it)
                closed = self._closed
                if not closed:
                    self._replace(executor)
            if closed:
                result.set_exception(AnswerFailed(_STOPPING))
            elif tries > 1:
                log.warning("asking a question again: the worker answering it stopped")
                self._attempt(result, work, args, tries - 1)
            else:
                result.set_exception(AnswerFailed("the process answering this question stopped: ask again"))

        inner.add_done_callback(done)

    def _replace(self, broken: ProcessPoolExecutor) -> ProcessPoolExecutor:
        """A new executor in place of ``broken`` (once, whichever question notices first); call with the lock."""
        if self._executor is broken:
            log.warning("an answering worker died: starting new workers")
            broken.shutdown(wait=False, cancel_futures=True)
            self._started = self._context.SimpleQueue()  # what the dead pool's workers said is let go with it
            self._pids = set()
            self._executor = self._new_executor()
            self.replaced += 1
        return self._executor

    def close(self) -> None:
        """Refuse new work, let the answers under way finish, and wait for every worker to exit (blocks)."""
        with self._lock:
            self._closed = True
            executor = self._executor
        executor.shutdown(wait=True, cancel_futures=True)
