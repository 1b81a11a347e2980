"""The vectors part of the service: sentence vectors for the semantic reader, computed in the background.

Vectors are content-addressed, so one cache serves every coverage. An add hands its articles to the embedding
worker and returns at once; until their vectors are stored, the new articles are answered by BM25 alone. Without
the ``semantic`` extra (or with the reader off) every method here is a no-op that reports nothing to do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.core.models import Article
from bot.search.embedding import EmbeddingProgress
from bot.service.part import ServicePart

__all__ = ["VectorsPart"]


class VectorsPart(ServicePart):
    """Embedding what is stored, and what the reader is doing."""

    def _embed_replayed_articles(self, articles: Sequence[Article]) -> None:
        """What an index caught up with (added by another process): embedded too, in the bot."""
        if self._embed_replayed and self._embedder is not None and articles:
            self._embedder.submit(articles)

    def start_embedding(self) -> None:
        """For a long-running process (the bot): load the model in the background, embed every stored article
        (of every coverage) that has no vectors yet, and from now on also what other processes add."""
        if self._reader is None or self._embedder is None:
            return
        self._embed_replayed = True
        self._reader.wait_for_model = False  # questions asked before the model is loaded rest on BM25
        self._reader.load_in_background()
        self._embedder.catch_up(self._store.iter_every)

    def embed_missing(self, progress: Callable[[EmbeddingProgress], None] | None = None) -> EmbeddingProgress:
        """Embed, now, every stored article's texts that have no vector (``newsbot embed``), reporting progress."""
        if self._embedder is None:
            return EmbeddingProgress(0, 0)
        self._embedder.catch_up(self._store.iter_every)
        return self.wait_for_vectors(progress)

    def wait_for_vectors(
        self, progress: Callable[[EmbeddingProgress], None] | None = None, *, timeout: float | None = None
    ) -> EmbeddingProgress:
        """Wait for the vectors of what was added (a command line, before it exits); what was embedded so far."""
        if self._embedder is None:
            return EmbeddingProgress(0, 0)
        self._embedder.drain(progress, timeout=timeout)
        return self._embedder.progress

    def embedding_failure(self) -> str | None:
        """Why vectors are not being computed (the model would not load, the vector cache is damaged), if so."""
        if self._reader is None or self._embedder is None:
            return None
        return self._reader.failure or self._embedder.last_error

    def vector_count(self) -> int:
        """How many sentence vectors are stored (0 without the semantic reader)."""
        return len(self._reader.cache) if self._reader is not None else 0
