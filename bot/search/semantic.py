"""The semantic reader: how close a passage is in meaning to a question, from stored sentence embeddings.

The answer picker (:mod:`bot.search.answers`) asks a :class:`Reader` for the similarity of each of its candidate
passages; BM25 found them, the reader says which of them says what the question asks in other words ("workers"
for "employees", "gambling" for "casino"). A similarity is the cosine between the question's embedding and the
stored embedding of "headline: sentence" (a headline passage embeds its headline alone): the headline carries
what the sentence leaves out ("the company" names no company). ``None`` means the passage has no stored vector
yet (just added, still being embedded): the picker falls back to BM25 for it.

Vectors are computed when articles are added, never per question (a sentence takes tens of milliseconds to
embed on a CPU; a question's few hundred candidates would take seconds): a question costs one embedding and one
lookup of its candidates' vectors in the :class:`bot.storage.vectors.VectorCache`.

:data:`NO_READER` is the reader of an install without the ``semantic`` extra (or with ``NEWSBOT_READER=off``).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from bot.core.errors import ModelUnavailable, NewsBotError, StoreError
from bot.core.models import Article
from bot.core.text import sentence_spans
from bot.search.index import Passage
from bot.search.minilm import DIMENSIONS, MODEL_NAME, MiniLMEncoder, find_model, missing_requirements
from bot.storage.vectors import VectorCache, text_key

__all__ = [
    "NO_READER",
    "Encoder",
    "EmbeddingReader",
    "Reader",
    "article_texts",
    "embedded_text",
    "open_reader",
    "passage_text",
]

log = logging.getLogger(__name__)

_QUESTIONS_KEPT = 256  # question vectors remembered (the picker may ask several times about one question)


class Reader(Protocol):
    """Scores candidate passages for a question; one float (about -1..1, higher is closer) or None per passage."""

    name: str

    def similarities(self, question: str, passages: Sequence[Passage]) -> list[float | None]: ...


class _NoReader:
    """No semantic reader: every passage is unscored, so answers rest on BM25 alone."""

    name = "none"

    def similarities(self, question: str, passages: Sequence[Passage]) -> list[float | None]:
        return [None] * len(passages)


NO_READER: Reader = _NoReader()


class Encoder(Protocol):
    """Texts to L2-normalised float32 rows (:class:`bot.search.minilm.MiniLMEncoder`)."""

    name: str

    def encode(self, texts: Sequence[str], batch_size: int = ...) -> npt.NDArray[np.float32]: ...


def embedded_text(title: str, sentence: str | None) -> str:
    """What is embedded for a passage: "headline: sentence", or the headline alone for a headline passage."""
    title = " ".join(title.split())
    if sentence is None:
        return title
    return f"{title}: {' '.join(sentence.split())}"


def passage_text(passage: Passage) -> str:
    return embedded_text(passage.article.title, None if passage.kind == "headline" else passage.text)


def article_texts(article: Article) -> list[str]:
    """Every text embedded for an article: its headline, then each sentence of its body, split exactly as the
    index splits them (so each matches a :class:`Passage` of the article)."""
    texts = [embedded_text(article.title, None)]
    texts.extend(embedded_text(article.title, article.body[s:e]) for s, e in sentence_spans(article.body))
    return texts


class EmbeddingReader:
    """Cosines from stored vectors; the encoder (about a second to load) is loaded on first need.

    A command line's question waits for the model (:meth:`load_in_background` lets it load while the index
    loads). A long-running process sets :attr:`wait_for_model` to False: until the model is loaded, and after it
    failed to load, every passage is unscored, so no question ever waits for it."""

    def __init__(self, load_encoder: Callable[[], Encoder], cache: VectorCache, *, name: str) -> None:
        self.name = name
        self.cache = cache
        self._load_encoder = load_encoder
        self._encoder: Encoder | None = None
        self._failed: str | None = None
        self._loading = threading.Lock()
        self._loader: threading.Thread | None = None
        self.wait_for_model = True
        self._questions: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()
        self._questions_lock = threading.Lock()

    # --- the encoder -----------------------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self._encoder is not None

    @property
    def failure(self) -> str | None:
        """Why the encoder could not be loaded, if it could not."""
        return self._failed

    def load(self) -> Encoder | None:
        """Load the encoder now (once; blocks while another thread loads it). None if it cannot be loaded: the
        reason is logged once and kept in :attr:`failure`."""
        if self._encoder is not None or self._failed is not None:
            return self._encoder
        with self._loading:
            if self._encoder is None and self._failed is None:
                try:
                    self._encoder = self._load_encoder()
                    log.info("semantic reader %s loaded", self.name)
                except NewsBotError as exc:
                    self._failed = str(exc)
                    log.error("semantic reader off: %s", exc)
        return self._encoder

    def load_in_background(self) -> None:
        """Start loading the encoder in a thread, once; returns at once."""
        with self._questions_lock:
            if self._loader is not None or self._encoder is not None or self._failed is not None:
                return
            self._loader = threading.Thread(target=self.load, name="newsbot-reader-load", daemon=True)
        self._loader.start()

    def close(self) -> None:
        """Let a model load in progress finish (a thread killed at exit in the middle of it could crash the
        interpreter's shutdown), then close the vector cache."""
        loader = self._loader
        if loader is not None:
            loader.join(30.0)
        self.cache.close()

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embeddings of ``texts`` (loading the encoder if need be); :class:`NewsBotError` if it cannot load."""
        encoder = self.load()
        if encoder is None:
            raise NewsBotError(f"the semantic reader is off: {self._failed}")
        return encoder.encode(texts)

    # --- scoring ---------------------------------------------------------------------------------------------

    def question_vector(self, question: str) -> npt.NDArray[np.float32] | None:
        """The question's embedding (remembered for the next few questions); None while the encoder is not loaded
        (unless :attr:`wait_for_model`) or when it cannot be."""
        encoder = self._encoder
        if encoder is None and self.wait_for_model:
            encoder = self.load()
        if encoder is None:
            return None
        with self._questions_lock:
            cached = self._questions.get(question)
            if cached is not None:
                self._questions.move_to_end(question)
                return cached
        vector: npt.NDArray[np.float32] = encoder.encode([question])[0]
        with self._questions_lock:
            self._questions[question] = vector
            while len(self._questions) > _QUESTIONS_KEPT:
                self._questions.popitem(last=False)
        return vector

    def similarities(self, question: str, passages: Sequence[Passage]) -> list[float | None]:
        if not passages:
            return []
        q = self.question_vector(question)
        if q is None:
            return [None] * len(passages)
        keys = [text_key(passage_text(p)) for p in passages]
        try:
            stored = self.cache.get_many(keys)
        except StoreError as exc:
            self._cache_failed(exc)
            return [None] * len(passages)
        if not stored:
            return [None] * len(passages)
        order = list(stored)
        matrix = np.vstack([stored[k] for k in order]).astype(np.float32)
        matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), np.float32(1e-6))  # float16 rounding
        scores = dict(zip(order, (matrix @ q).tolist(), strict=True))
        return [scores.get(k) for k in keys]

    def _cache_failed(self, exc: StoreError) -> None:
        """A damaged cache turns the reader off (answers go on with BM25), reported once; the file stays."""
        if self._failed is None:
            self._failed = str(exc)
            log.error("semantic reader off: %s", exc)
        self._encoder = None


ReaderMode = Literal["auto", "minilm", "off"]


def open_reader(mode: ReaderMode, directory: Path) -> EmbeddingReader | None:
    """The reader ``NEWSBOT_READER`` asks for, over the vector cache in ``directory``; None for BM25 alone.

    ``auto`` uses the model when the ``semantic`` extra and the model package are installed, and otherwise says
    in the log why answers rest on BM25 alone; ``minilm`` makes a missing model or a damaged vector cache an
    error. The model itself is loaded later (:meth:`EmbeddingReader.load`), so opening costs milliseconds."""
    if mode == "off":
        return None
    try:
        if missing_requirements():
            find_model()  # raises ModelUnavailable naming what to install
        cache = VectorCache(directory / f"{MODEL_NAME}.sqlite3", model=MODEL_NAME, dimensions=DIMENSIONS)
    except (ModelUnavailable, StoreError) as exc:
        if mode == "minilm":
            raise
        level = logging.INFO if isinstance(exc, ModelUnavailable) else logging.ERROR
        log.log(level, "answers use BM25 alone: %s", exc)
        return None
    return EmbeddingReader(MiniLMEncoder.installed, cache, name=MODEL_NAME)
