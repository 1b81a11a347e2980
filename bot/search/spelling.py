"""Typo tolerance against the coverage's own vocabulary: "amazn" is "amazon", "recogntion" is "recognition".

Why against the coverage: a question word the coverage never uses cannot match anything, and the words it might
have meant are exactly the coverage's own terms, names included ("bezoz" -> "bezos", which no dictionary holds).
A term is corrected only when the coverage does not use it at all, to the closest term within a small edit
distance (optimal string alignment, by rapidfuzz: an inserted, a left-out or a wrong letter, or two neighbouring
letters swapped, count one edit each; 1 edit for terms of up to 5 letters, 2 beyond), the most used one when
several are as close. Swapped letters are the commonest slip of a fast typist ("jnue", "lettre"), and
Levenshtein counts them two: a four-letter word with two letters swapped could never be corrected.

The vocabulary is grouped by first letter and length once per index version, at most every
:data:`REBUILD_AFTER` seconds (grouping a 1M-sentence coverage's terms takes about a second; a term removed since
is never suggested, one added since is suggested after the next regrouping), so a correction compares a word with
a few thousand terms, in C.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

__all__ = ["Speller"]

REBUILD_AFTER = 600.0  # seconds: a changed vocabulary is regrouped at most this often (1M sentences: ~1 s)
MIN_LENGTH = 3  # shorter words are too ambiguous to correct ("us", "un")


def max_edits(term: str) -> int:
    return 1 if len(term) <= 5 else 2


class Speller:
    """Corrections of unknown terms to terms of one vocabulary; rebuilt when the vocabulary's version changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: object = None
        self._buckets: dict[tuple[str, int], list[str]] = {}
        self._built = 0.0

    def _ensure(self, version: object, vocabulary: Callable[[], Iterable[str]]) -> None:
        with self._lock:
            if self._version == version:
                return
            if self._version is not None and time.monotonic() - self._built < REBUILD_AFTER:
                return  # recent enough: words added since are not correction targets for a few minutes
            self._built = time.monotonic()
            buckets: dict[tuple[str, int], list[str]] = {}
            for term in vocabulary():
                if len(term) >= MIN_LENGTH - 1 and term.isalpha():
                    buckets.setdefault((term[0], len(term)), []).append(term)
            self._buckets = buckets
            self._version = version

    def corrections(
        self,
        word: str,
        term: str,
        version: object,
        vocabulary: Callable[[], Iterable[str]],
        doc_freq: Callable[[str], int],
    ) -> list[str]:
        """The known terms closest to ``word`` as typed or to its ``term`` (empty when none is close enough):
        fewest edits first, then the most similar (Indel ratio: "hati" is "haiti" before "hat"), then the most
        used."""
        if len(word) < MIN_LENGTH or not word.isalpha():
            return []
        self._ensure(version, vocabulary)
        scored: dict[str, tuple[int, float]] = {}
        probes = [word, term]
        if len(word) >= 8:  # a long word against a stem: "rehabilitaion" -> "rehabilita" ~ "rehabilit"
            probes += [word[:-2], word[:-3]]
        for probe in dict.fromkeys(probes):
            limit = max_edits(probe) if probe in (word, term) else 1
            pool = [t for n in range(len(probe) - limit, len(probe) + limit + 1)
                    for t in self._buckets.get((probe[0], n), [])]  # fmt: skip
            for found, distance, _ in process.extract(probe, pool, scorer=OSA.distance, score_cutoff=limit, limit=20):
                if found == term:
                    continue  # the term itself is unknown, or it would not be corrected
                key = (int(distance), -Indel.normalized_similarity(probe, found))
                if found not in scored or key < scored[found]:
                    scored[found] = key
        if not scored:
            return []
        best = min(d for d, _ in scored.values())
        closest = [t for t, (d, _) in scored.items() if d == best and doc_freq(t) > 0]
        return sorted(closest, key=lambda t: (scored[t][1], -doc_freq(t), t))[:2]
