"""Computing the vectors of added articles: in a background thread, or in bulk with progress.

Adding an article must not wait for its sentences to be embedded (tens of milliseconds each on a CPU): the
service stores and indexes it, hands it to :class:`EmbeddingWorker`, and returns; the article is answerable at
once by BM25, and by the reader as soon as its vectors are stored. Only texts whose vectors are not in the cache
are encoded (content addressing: a syndicated copy costs nothing), in batches of similar length, and each batch
is stored in one transaction, so a kill loses at most one batch, which the next catch-up computes again.

:meth:`EmbeddingWorker.catch_up` walks a whole corpus for missing vectors (after an install of the extra, a
restore, or changes made by another process); :meth:`EmbeddingWorker.drain` lets a command line wait for the
work with a progress callback.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from bot.core.errors import NewsBotError
from bot.core.models import Article
from bot.search.semantic import EmbeddingReader, article_texts
from bot.storage.vectors import text_key

__all__ = ["EmbeddingProgress", "EmbeddingWorker"]

log = logging.getLogger(__name__)

CHUNK = 64  # texts encoded and stored together: one transaction, and the most a kill can lose
_SCAN = 2000  # articles checked for missing vectors at a time during a catch-up

Progress = Callable[["EmbeddingProgress"], None]
ArticleSource = Callable[[], Iterable[Article]]


@dataclass(frozen=True, slots=True)
class EmbeddingProgress:
    """Where the worker stands: texts embedded so far, and texts known to be waiting."""

    done: int
    waiting: int


class EmbeddingWorker:
    """One background thread that embeds what it is given, in order. Thread-safe; start on first use."""

    def __init__(self, reader: EmbeddingReader) -> None:
        self.reader = reader
        self._jobs: queue.Queue[list[Article] | ArticleSource | None] = queue.Queue()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._unfinished = 0  # jobs queued or running
        self._waiting = 0  # texts found missing and not yet stored
        self._done = 0  # texts embedded and stored by this worker
        self.last_error: str | None = None

    # --- giving work -----------------------------------------------------------------------------------------

    def submit(self, articles: Iterable[Article]) -> None:
        """Embed these articles' texts (those not stored yet) in the background."""
        batch = list(articles)
        if batch:
            self._put(batch)

    def catch_up(self, source: ArticleSource) -> None:
        """Embed whatever ``source()`` (called in the worker thread) yields that has no stored vector."""
        self._put(source)

    def _put(self, job: list[Article] | ArticleSource) -> None:
        with self._lock:
            if self._stopping:
                return
            self._unfinished += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="newsbot-embedding", daemon=True)
                self._thread.start()
        self._jobs.put(job)

    # --- waiting ---------------------------------------------------------------------------------------------

    @property
    def progress(self) -> EmbeddingProgress:
        with self._lock:
            return EmbeddingProgress(self._done, self._waiting)

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._unfinished > 0

    def drain(self, progress: Progress | None = None, *, timeout: float | None = None, every: float = 0.2) -> bool:
        """Wait until every job given so far is done (True), or ``timeout`` seconds pass (False), calling
        ``progress`` as the work advances."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while self._unfinished:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._idle.wait(every if remaining is None else min(every, remaining))
                if progress is not None:
                    snapshot = EmbeddingProgress(self._done, self._waiting)
                    self._lock.release()
                    try:
                        progress(snapshot)
                    finally:
                        self._lock.acquire()
            return True

    def close(self, timeout: float = 5.0) -> None:
        """Stop after the batch being encoded (what is queued is left for the next catch-up)."""
        with self._lock:
            self._stopping = True
            thread = self._thread
        if thread is not None:
            self._jobs.put(None)
            thread.join(timeout)

    # --- the thread ------------------------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            try:
                if not self._stopping:
                    articles = job if isinstance(job, list) else job()
                    self._embed(articles)
            except NewsBotError as exc:  # the model would not load, or the cache is damaged: said once, kept
                self.last_error = str(exc)
                log.error("embedding stopped: %s", exc)
            except Exception:  # a bug: logged with its traceback; the bot goes on answering with BM25
                self.last_error = "unexpected error (see the log)"
                log.exception("embedding failed")
            finally:
                with self._lock:
                    self._unfinished -= 1
                    if not self._unfinished:
                        self._waiting = 0
                    self._idle.notify_all()

    def _embed(self, articles: Iterable[Article]) -> None:
        for texts in _missing_texts(self.reader, articles):
            with self._lock:
                self._waiting += len(texts)
            for start in range(0, len(texts), CHUNK):
                if self._stopping:
                    return
                chunk = texts[start : start + CHUNK]
                vectors = self.reader.encode(chunk)
                self.reader.cache.put_many((text_key(t), v) for t, v in zip(chunk, vectors, strict=True))
                with self._lock:
                    self._done += len(chunk)
                    self._waiting -= len(chunk)


def _missing_texts(reader: EmbeddingReader, articles: Iterable[Article]) -> Iterator[list[str]]:
    """Texts of ``articles`` with no stored vector, each once, a few thousand articles at a time."""
    batch: list[Article] = []
    for article in articles:
        batch.append(article)
        if len(batch) >= _SCAN:
            yield _missing(reader, batch)
            batch = []
    if batch:
        yield _missing(reader, batch)


def _missing(reader: EmbeddingReader, articles: list[Article]) -> list[str]:
    by_key = {text_key(t): t for a in articles for t in article_texts(a)}
    return sorted((by_key[k] for k in reader.cache.missing(list(by_key))), key=len)  # batches of like length
