"""What the BM25 benchmark measures on: deterministic corpora, and how it measures (latency, memory, machine).

Corpora: synthetic passages (deterministic for a seed; ~25 tokens; a Zipf-Mandelbrot vocabulary of 200,000
words, heavier-headed than stopword-free news: the commonest term is in ~42% of the passages, where "trump" is
in 20% of the HuffPost ones, so queries often touch hundreds of thousands of passages at 1M) and, when given,
the 9,999 HuffPost headlines + descriptions of the News Category Dataset (Rishabh Misra), tokenized with
:func:`bot.core.text.tokenize`.

Memory is measured two ways: a ``sys.getsizeof`` walk of newsbot's index object, and, for every engine alike
(most keep their index outside Python's heap), the growth of the process's resident set, sampled during the
build for its peak, after returning freed memory to the system (``malloc_trim`` where glibc has it).
"""

from __future__ import annotations

import ctypes
import json
import math
import os
import platform
import sys
import threading
import time
import types
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "Docs",
    "deep_size",
    "huffpost_corpus",
    "machine_info",
    "pseudo_words",
    "resident",
    "synthetic_corpus",
    "traced_peak",
    "zipf_ranks",
]

ARTICLE_PASSAGES = 10  # "an article": what the bot adds or removes at once

# Synthetic vocabulary: P(rank r) ~ 1 / (r + q), r = 1..V (Zipf-Mandelbrot, exponent 1).
VOCABULARY = 200_000
ZIPF_OFFSET = 2.7
PASSAGE_LENGTHS = (15, 35)  # inclusive; mean 25
QUERY_LENGTHS = (2, 6)

Docs = list[list[str]]
Progress = Callable[[str], None]


# --- corpora ---------------------------------------------------------------------------------------------------


def pseudo_words(count: int) -> list[str]:
    """Distinct pseudo-words ("ba", "be", ... "zuzu"): short like stems, so hashing costs what real terms cost."""
    consonants, vowels = "bcdfghjklmnprstvwz", "aeiou"
    syllables = [c + v for c in consonants for v in vowels]
    words: list[str] = []
    length = 1
    while len(words) < count:
        need = count - len(words)
        idx = np.arange(min(need, len(syllables) ** length))
        parts = [
            np.asarray(syllables, dtype=object)[(idx // len(syllables) ** i) % len(syllables)] for i in range(length)
        ]
        words.extend("".join(p) for p in zip(*parts, strict=True))
        length += 1
    return words[:count]


def zipf_ranks(rng: np.random.Generator, size: int) -> npt.NDArray[np.int64]:
    """Ranks 0..VOCABULARY-1 with P(r) ~ 1 / (r + 1 + q): inverse CDF of the continuous law, vectorised."""
    q = ZIPF_OFFSET
    u = rng.random(size)
    x = (1 + q) * np.exp(u * math.log((VOCABULARY + 1 + q) / (1 + q))) - q  # in [1, V + 1)
    return np.minimum(x.astype(np.int64) - 1, VOCABULARY - 1)


def _passages(rng: np.random.Generator, words: list[str], count: int) -> Docs:
    lo, hi = PASSAGE_LENGTHS
    lengths = rng.integers(lo, hi + 1, size=count)
    flat = np.asarray(words, dtype=object)[zipf_ranks(rng, int(lengths.sum()))].tolist()
    ends = np.cumsum(lengths).tolist()
    return [flat[e - n : e] for e, n in zip(ends, lengths.tolist(), strict=True)]


def synthetic_corpus(size: int, queries: int, seed: int = 0) -> tuple[Docs, Docs, Docs]:
    """``size`` passages, ``queries`` queries and one extra article of ARTICLE_PASSAGES passages, deterministic."""
    rng = np.random.default_rng([seed, size])
    words = pseudo_words(VOCABULARY)
    docs = _passages(rng, words, size)
    lo, hi = QUERY_LENGTHS
    query_list = [[words[r] for r in zipf_ranks(rng, int(n)).tolist()] for n in rng.integers(lo, hi + 1, size=queries)]
    article = _passages(rng, words, ARTICLE_PASSAGES)
    return docs, query_list, article


def huffpost_corpus(path: Path, queries: int, seed: int = 0) -> tuple[Docs, Docs, Docs]:
    """One passage per headline + description; queries are tokenized headlines; the article is 10 rows."""
    from bot.core.text import tokenize

    docs: Docs = []
    headlines: Docs = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            headline = tokenize(row.get("headline") or "")
            docs.append(headline + tokenize(row.get("short_description") or ""))
            if headline:
                headlines.append(headline)
    rng = np.random.default_rng([seed, len(docs)])
    query_list = [headlines[i][:8] for i in rng.integers(0, len(headlines), size=queries).tolist()]
    article = [docs[i] for i in rng.integers(0, len(docs), size=ARTICLE_PASSAGES).tolist()]
    return docs, query_list, article


# --- measuring -------------------------------------------------------------------------------------------------


def deep_size(obj: object) -> int:
    """Bytes reachable from ``obj`` (``sys.getsizeof`` over the object graph, numpy buffers included once).

    The same walk for every library, so the comparison is fair; modules, classes and functions are not counted.
    """
    skip = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType)
    seen: set[int] = set()
    stack: list[object] = [obj]
    total = 0
    while stack:
        o = stack.pop()
        if id(o) in seen or isinstance(o, skip):
            continue
        seen.add(id(o))
        total += sys.getsizeof(o)  # an ndarray that owns its buffer includes it
        if isinstance(o, np.ndarray):
            if o.base is not None:
                stack.append(o.base)
        elif isinstance(o, dict):
            stack.extend(o.keys())
            stack.extend(o.values())
        elif isinstance(o, list | tuple | set | frozenset):
            stack.extend(o)
        elif not isinstance(o, str | bytes | int | float | bool | complex | type(None)):
            if hasattr(o, "__dict__"):
                stack.append(o.__dict__)
            for cls in type(o).__mro__:
                for slot in getattr(cls, "__slots__", ()):
                    if isinstance(slot, str) and hasattr(o, slot):
                        stack.append(getattr(o, slot))
    return total


def machine_info() -> dict[str, Any]:
    """Where the numbers come from: CPU, cores, Python and library versions."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions: dict[str, str | None] = {}
    for package in ("numpy", "scipy", "numba", "rank-bm25", "rank-bm25-rs", "bm25s", "tantivy"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    import sqlite3

    versions["sqlite"] = sqlite3.sqlite_version
    return {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
    }


# --- memory ------------------------------------------------------------------------------------------------------

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _trim() -> None:
    """Give freed heap memory back to the system, so the resident size shows what is still held."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def resident() -> int | None:
    """This process's resident set in bytes, after a garbage collection and a trim (None off Linux)."""
    import gc

    gc.collect()
    _trim()
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


def traced_peak(build: Callable[[], Any]) -> tuple[Any, float, int | None, int | None]:
    """Run ``build``: its result, seconds, resident growth it leaves and the peak growth during it (bytes)."""
    before = resident()
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        try:
            with open("/proc/self/statm", encoding="ascii") as f:
                while not done.is_set():
                    f.seek(0)
                    peak[0] = max(peak[0], int(f.read().split()[1]) * _PAGE)
                    done.wait(0.005)
        except (OSError, ValueError, IndexError):
            pass

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    try:
        value = build()
    finally:
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
    after = resident()
    if before is None or after is None:
        return value, seconds, None, None
    return value, seconds, after - before, max(peak[0], after) - before
