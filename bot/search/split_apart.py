"""Splitting a big build's article bodies into sentences in a second process while this one tokenizes them.

Why: an index build of 100,000 articles spends about half its time in the sentence splitter, and the tokenizer
and the rest of the build need only its spans. On a machine with two cores the splitter can run beside them: batch
after batch, a spawned worker splits the bodies this process reads from the store and sends back the spans, and this
process tokenizes the batches before (a pipeline of two stages).

What the index sees does not change: the worker runs the same :func:`bot.core.text.sentence_spans` on the same
strings, and the batches come back in their order. The worker is only a helper: a batch it has not started yet when
this process needs it is split here instead (so this process never waits for a slow or starting worker), and when
the worker fails (killed, out of memory, cannot start) the rest is split here, the same spans; nothing is stored
by either. It is started only for a build of :data:`APART_FROM` articles or more (seen on the stream's first
batches: a small add never starts a process) and on two or more CPUs, with the "spawn" method (the same on Linux,
macOS and Windows), and it is shut down before the build returns, whatever happens.
"""

from __future__ import annotations

import logging
import os
import sys
import types
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain, islice
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from bot.core.text import sentence_spans

if TYPE_CHECKING:
    from concurrent.futures import Future

    from bot.core.models import Article  # (not imported at run time: the worker process imports this module)

__all__ = ["APART_FROM", "BATCH", "Spans", "spans_of", "split_batches"]

BATCH = 2048  # articles a batch
APART_FROM = 4 * BATCH  # articles in a build from which the splitter runs in a worker process
_AHEAD = 3  # batches handed to the worker ahead of the one being tokenized

log = logging.getLogger(__name__)
_T = TypeVar("_T")

# Per article of a batch, how many sentences; per sentence, its start and end in the body, one article after the
# other (what CoverageIndex keeps per passage, as arrays of the same type).
Spans: TypeAlias = "tuple[array[int], array[int], array[int]]"


def spans_of(bodies: Sequence[str]) -> Spans:
    """The sentence spans of each body (:func:`~bot.core.text.sentence_spans`), flat: counts, starts, ends."""
    counts, starts, ends = array("i"), array("i"), array("i")
    for body in bodies:
        spans = sentence_spans(body)
        counts.append(len(spans))
        for a, b in spans:
            starts.append(a)
            ends.append(b)
    return counts, starts, ends


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def split_batches(
    articles: Iterable[Article], *, apart_from: int = APART_FROM
) -> Iterator[tuple[list[Article], Spans]]:
    """``articles`` in batches of :data:`BATCH`, in order, each with its bodies' spans (see the module docstring)."""
    it = iter(articles)
    head: list[list[Article]] = []
    seen = 0
    while seen < apart_from and (batch := list(islice(it, BATCH))):
        head.append(batch)
        seen += len(batch)
    batches = chain(head, iter(lambda: list(islice(it, BATCH)), []))
    pipeline = None
    if seen >= apart_from and _cpus() >= 2:
        try:
            pipeline = _Pipeline()
        except (OSError, ImportError, RuntimeError) as exc:  # no process pool here (no semaphores, say)
            log.warning("splitting sentences in this process: no worker process (%s)", exc)
    if pipeline is None:
        for batch in batches:
            yield batch, spans_of([a.body for a in batch])
        return
    try:
        yield from pipeline.run(batches)
    finally:
        pipeline.close()


class _Pipeline:
    """The worker and the batches handed to it, oldest first."""

    def __init__(self) -> None:
        import multiprocessing  # (here: a small build never pays for importing them)
        from concurrent.futures import ProcessPoolExecutor

        self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        self._broken = False
        self.apart = 0  # batches whose spans came from the worker
        with _main_left_out():
            self._ready = self._submit(int)  # done once the worker runs: no batch waits for it to start

    def run(self, batches: Iterator[list[Article]]) -> Iterator[tuple[list[Article], Spans]]:
        pending: deque[tuple[list[Article], Future[Spans] | None]] = deque()
        for batch in batches:
            future = None
            if not self._broken and self._ready is not None and self._ready.done():
                future = self._submit(spans_of, [a.body for a in batch])
            pending.append((batch, future))
            while len(pending) > (_AHEAD if future is not None else 0):
                yield self._take(*pending.popleft())
        while pending:
            yield self._take(*pending.popleft())

    def _submit(self, work: Callable[..., _T], *args: Any) -> Future[_T] | None:
        try:
            return self._pool.submit(work, *args)
        except RuntimeError as exc:  # the pool broke (BrokenProcessPool is one), or cannot start a process
            self._gave_up(exc)
            return None

    def _take(self, batch: list[Article], future: Future[Spans] | None) -> tuple[list[Article], Spans]:
        """The batch's spans: the worker's, or split here if the worker had not started it (or failed)."""
        if future is not None and not future.cancel():  # started (or done) in the worker: wait for it
            try:
                spans = future.result()
                self.apart += 1
                return batch, spans
            except Exception as exc:  # noqa: BLE001 - the worker failed: split here, the same spans
                self._gave_up(exc)
        return batch, spans_of([a.body for a in batch])

    def _gave_up(self, exc: BaseException) -> None:
        if not self._broken:
            log.warning("splitting sentences in this process: the worker process failed (%s)", exc)
        self._broken = True

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _main_left_out() -> Iterator[None]:
    """Start the worker without the parent's main script: "spawn" runs that again in the child (as ``__mp_main__``)
    unless it guards itself with ``if __name__ == "__main__"``, and the worker needs nothing of it."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main
