"""newsbot's BM25 index side by side with every BM25 engine a user could pick instead, in one run, same tokens.

Why it exists: :class:`bot.search.bm25.BM25Index` claims rank-bm25's scores bit for bit (checked here on every
timed query) at the speed of the fastest engines, which do not give those scores. This measures that claim
against rank-bm25 (the reference), rank-bm25-rs, bm25s (numba backend), tantivy and SQLite FTS5 (see
:mod:`bot.ops.bench_engines`) on the same corpora (:mod:`bot.ops.bench_corpora`), the same queries, one engine
after the other in one process, and reports each as a ratio to newsbot, so the table of BENCHMARKS.md can be
reproduced with ``newsbot bench``. The machine is shared, so only ratios within one run mean much; the load
average before and after each corpus is recorded.
"""

from __future__ import annotations

import functools
import gc
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.ops.bench_corpora import (
    ARTICLE_PASSAGES,
    Docs,
    deep_size,
    huffpost_corpus,
    machine_info,
    synthetic_corpus,
    traced_peak,
)
from bot.ops.bench_engines import ENGINES
from bot.search.bm25 import BM25Index

__all__ = ["DEFAULT_HUFFPOST", "run_benchmark"]

#: Where a checkout finds the HuffPost file: the shared data folder beside it (relative to the current directory).
DEFAULT_HUFFPOST = Path("..") / "shared" / "data" / "huffpost-headlines-2018-2022.jsonl"

TOP_K = 10
SLOW_ENGINE_QUERIES = 20  # rank-bm25 takes about a second a query at 1M passages: it answers this many there
SLOW_ABOVE = 200_000
CHECK_AFTER_CHANGE_QUERIES = 5

Progress = Callable[[str], None]


def _ms(seconds: Sequence[float]) -> dict[str, float]:
    arr = np.asarray(seconds, dtype=np.float64) * 1000
    if len(arr) == 0:
        return {"p50": math.nan, "p95": math.nan, "mean": math.nan}
    return {"p50": float(np.percentile(arr, 50)), "p95": float(np.percentile(arr, 95)), "mean": float(arr.mean())}


def _reference_top(scores: Any, ids: Sequence[int]) -> list[tuple[int, float]]:
    """rank-bm25's top-k in BM25Index.top_k's documented order (score descending, earlier first on ties)."""
    best = np.argsort(-scores, kind="stable")[:TOP_K]
    return [(ids[i], float(scores[i])) for i in best.tolist()]


def _same_top(ours: list[tuple[int, float]], reference: list[tuple[int, float]]) -> bool:
    """Same ids and bit-identical scores. When fewer than k passages match, BM25Index returns only those, while
    the reference continues with zero-score non-matching passages; those are not required."""
    if len(ours) == len(reference):
        return ours == reference
    return ours == reference[: len(ours)] and all(score == 0.0 for _, score in reference[len(ours) :])


def _built(docs: Docs) -> BM25Index:
    index = BM25Index()
    index.add_many(enumerate(docs))
    return index


# --- one corpus ------------------------------------------------------------------------------------------------


def _build_engine(
    name: str, docs: Docs, warm_query: list[str], say: Progress, corpus: str
) -> tuple[Any, dict[str, Any]]:
    """Build one contender (timed, with its memory) and answer a warm-up query (JIT compilation, lazy readers)."""
    engine = ENGINES[name]
    why = engine.missing()
    if why is not None:
        return None, {"skipped": why}
    say(f"{corpus}: {name} build")
    handle, build_s, rss, peak = traced_peak(lambda: engine.build(docs))
    engine.top_k(handle, warm_query, TOP_K)
    return handle, {
        "note": engine.note,
        "exact": engine.exact,
        "build_s": build_s,
        "resident_bytes": rss,
        "build_peak_bytes": peak,
    }


def _round_robin(
    contenders: dict[str, Callable[[list[str]], Any]], queries: Docs, limits: dict[str, int]
) -> dict[str, Any]:
    """Time every contender on each query in turn (the order rotating), so a burst of load from the rest of the
    machine falls on all of them alike rather than on whoever ran during it."""
    names = list(contenders)
    walls: dict[str, list[float]] = {n: [] for n in names}
    cpus: dict[str, list[float]] = {n: [] for n in names}
    results: dict[str, list[Any]] = {n: [] for n in names}
    clock, cpu = time.perf_counter, time.thread_time
    for i, q in enumerate(queries):
        for j in range(len(names)):
            name = names[(i + j) % len(names)]
            if i >= limits.get(name, len(queries)):
                continue
            fn = contenders[name]
            w, c = clock(), cpu()
            value = fn(q)
            walls[name].append(clock() - w)
            cpus[name].append(cpu() - c)
            results[name].append(value)
    return {"wall": walls, "cpu": cpus, "results": results}


def _bench_corpus(
    name: str,
    docs: Docs,
    query_list: Docs,
    article: Docs,
    *,
    engines: Sequence[str],
    workdir: Path,
    say: Progress,
) -> dict[str, Any]:
    clock = time.perf_counter
    n = len(docs)
    ids = list(range(n))
    out: dict[str, Any] = {
        "name": name,
        "load_average_before": os.getloadavg()[0],
        "passages": n,
        "tokens": sum(map(len, docs)),
        "queries": len(query_list),
    }

    say(f"{name}: newsbot build")
    index, build_s, rss, peak = traced_peak(lambda: _built(docs))
    start = clock()
    index.top_k(query_list[0], TOP_K)
    first_s = clock() - start
    nb: dict[str, Any] = {
        "build_s": build_s,
        "resident_bytes": rss,
        "build_peak_bytes": peak,
        "object_bytes": deep_size(index),
        "vocabulary": index.vocabulary_size,
        "first_query_ms": first_s * 1000,
        "compiled": index._kernels() is not None,
    }
    out["newsbot"] = nb
    handles: dict[str, Any] = {}
    results: dict[str, dict[str, Any]] = {}
    for engine in engines:
        handle, info = _build_engine(engine, docs, query_list[0], say, name)
        results[engine] = info
        if handle is not None:
            handles[engine] = handle
    limits = {"rank-bm25": SLOW_ENGINE_QUERIES} if n > SLOW_ABOVE else {}

    say(f"{name}: top-10 of {len(query_list)} queries, every engine in turn")
    top: dict[str, Callable[[list[str]], Any]] = {"newsbot": lambda q: index.top_k(q, TOP_K)}
    for engine, handle in handles.items():
        top[engine] = functools.partial(lambda e, h, q: ENGINES[e].top_k(h, q, TOP_K), engine, handle)
    timed = _round_robin(top, query_list, limits)
    say(f"{name}: dense scores, every exact engine in turn")
    dense: dict[str, Callable[[list[str]], Any]] = {"newsbot": index.get_scores}
    for engine, handle in handles.items():
        scorer = ENGINES[engine].scores
        if scorer is not None:
            dense[engine] = functools.partial(scorer, handle)
    scored = _round_robin(dense, query_list, limits)
    for label in top:
        target = nb if label == "newsbot" else results[label]
        target["queries"] = len(timed["wall"][label])
        target["top_k_ms"] = _ms(timed["wall"][label])
        target["top_k_cpu_ms"] = _ms(timed["cpu"][label])
        if label in dense:
            target["get_scores_ms"] = _ms(scored["wall"][label])
            target["get_scores_cpu_ms"] = _ms(scored["cpu"][label])
    tops = timed["results"]["newsbot"]
    ours = scored["results"]["newsbot"]
    for engine in dense:
        if engine != "newsbot":
            theirs = scored["results"][engine]
            same = sum(
                np.asarray(s, dtype=np.float64).tobytes() == o.tobytes() for s, o in zip(theirs, ours, strict=False)
            )
            results[engine]["scores_identical_to_newsbot"] = {"equal": int(same), "of": len(theirs)}
    if "rank-bm25" in dense:
        reference = scored["results"]["rank-bm25"]
        equal = sum(_same_top(tops[i], _reference_top(reference[i], ids)) for i in range(len(reference)))
        out["top10_equal"] = {"equal": int(equal), "of": len(reference)}
    out["engines"] = results
    handles.clear()
    timed = scored = {}
    gc.collect()
    if nb["compiled"]:  # the numpy fallback, for the record (same bits, checked in the tests)
        index.compiled = False
        fallback = _round_robin({"numpy": lambda q: index.top_k(q, TOP_K)}, query_list, {})
        index.compiled = True
        nb["numpy_top_k_ms"] = _ms(fallback["wall"]["numpy"])
        nb["numpy_same_results"] = fallback["results"]["numpy"] == tops

    # Changes to the built index: add an article, remove the oldest one, then remove the new one.
    say(f"{name}: add / remove an article")
    new_ids = list(range(n, n + len(article)))
    oldest = ids[: len(article)]
    changes: dict[str, Any] = {"article_passages": len(article)}
    start = clock()
    index.add_many(zip(new_ids, article, strict=True))
    changes["add_article_ms"] = (clock() - start) * 1000
    start = clock()
    index.top_k(query_list[1], TOP_K)
    changes["first_query_after_add_ms"] = (clock() - start) * 1000
    start = clock()
    for doc_id in oldest:
        index.remove(doc_id)
    changes["remove_oldest_article_ms"] = (clock() - start) * 1000
    start = clock()
    index.top_k(query_list[2], TOP_K)
    changes["first_query_after_remove_ms"] = (clock() - start) * 1000
    if "rank-bm25" in engines and n <= SLOW_ABOVE:
        from rank_bm25 import BM25Okapi

        say(f"{name}: fresh rank-bm25 over the changed corpus")
        present_ids = ids[len(article) :] + new_ids
        fresh = BM25Okapi(docs[len(article) :] + article)
        checks = query_list[:CHECK_AFTER_CHANGE_QUERIES]
        ok = 0
        for q in checks:
            scores = fresh.get_scores(q)
            ok += index.get_scores(q).tobytes() == scores.tobytes() and _same_top(
                index.top_k(q, TOP_K), _reference_top(scores, present_ids)
            )
        del fresh
        changes["equal_to_fresh_rank_bm25"] = {"equal": ok, "of": len(checks)}
    start = clock()
    for doc_id in new_ids:
        index.remove(doc_id)
    changes["remove_new_article_ms"] = (clock() - start) * 1000
    out["changes"] = changes

    # Persistence: save (compacts the tombstones away), load, first query (cold start), in a new process too.
    say(f"{name}: save / load")
    path = workdir / f"{name}.npz"
    start = clock()
    index.save(path)
    save_s = clock() - start
    expected = [index.top_k(q, TOP_K) for q in query_list[:5]]
    index = BM25Index()  # free the built one before loading
    gc.collect()
    start = clock()
    loaded = BM25Index.load(path)
    load_s = clock() - start
    start = clock()
    loaded.top_k(query_list[0], TOP_K)
    cold_s = clock() - start
    out["persistence"] = {
        "save_s": save_s,
        "file_bytes": path.stat().st_size,
        "load_s": load_s,
        "first_query_after_load_ms": cold_s * 1000,
        "same_results_after_load": [loaded.top_k(q, TOP_K) for q in query_list[:5]] == expected,
        "new_process": _cold_start(path, query_list[:50]),
    }
    del loaded
    path.unlink()
    out["load_average_after"] = os.getloadavg()[0]
    return out


_COLD_START = """
import gc, json, sys, time
def rss():
    gc.collect()
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096
start = time.perf_counter()
from bot.search.bm25 import BM25Index
from bot.search.kernels import kernels
kernels()
imported = time.perf_counter()
before = rss()
index = BM25Index.load(sys.argv[1])
loaded = time.perf_counter()
queries = json.loads(sys.argv[2])
index.top_k(queries[0], 10)
done = time.perf_counter()
for q in queries:
    index.top_k(q, 10)
print(json.dumps({"import_s": imported - start, "load_s": loaded - imported, "first_query_ms": (done - loaded) * 1000,
                  "resident_bytes": rss() - before}))
"""


def _cold_start(path: Path, queries: Docs) -> dict[str, float] | None:
    """A new interpreter imports newsbot (and numba), loads ``path``, answers queries: times and resident growth."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    try:
        done = subprocess.run(
            [sys.executable, "-c", _COLD_START, str(path), json.dumps(queries)],
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
            env=env,
        )
        result: dict[str, float] = json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return result


# --- the run ---------------------------------------------------------------------------------------------------


def run_benchmark(
    sizes: Sequence[int] = (100_000, 1_000_000),
    huffpost: Path | None = None,
    queries: int = 200,
    seed: int = 0,
    engines: Sequence[str] = tuple(ENGINES),
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Benchmark every corpus (synthetic ``sizes``, then the HuffPost file if given); a JSON-serialisable result.

    ``huffpost`` must be an existing file when given (``ValueError`` otherwise). rank-bm25 answers every query up
    to SLOW_ABOVE passages and the first SLOW_ENGINE_QUERIES above (each takes about a second at 1M).
    """
    if queries < 3:
        raise ValueError("queries must be at least 3")
    if any(size < 100 for size in sizes):
        raise ValueError("sizes must be at least 100 passages")
    unknown = [e for e in engines if e not in ENGINES]
    if unknown:
        raise ValueError(f"unknown engines: {', '.join(unknown)} (known: {', '.join(ENGINES)})")
    if huffpost is not None and not huffpost.is_file():
        raise ValueError(f"{huffpost}: no such file (the HuffPost headlines, one JSON object a line)")
    say: Progress = progress or (lambda message: None)
    from bot.search.kernels import kernels

    kernels()  # loaded up front, as the bot does at start-up: every size then runs compiled (when numba is here)
    started = time.perf_counter()
    corpora: list[dict[str, Any]] = []
    plan: list[tuple[str, Callable[[], tuple[Docs, Docs, Docs]]]] = [
        (f"synthetic-{size}", functools.partial(synthetic_corpus, size, queries, seed)) for size in sizes
    ]
    if huffpost is not None:
        plan.append(("huffpost", functools.partial(huffpost_corpus, huffpost, queries, seed)))
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-") as tmp:
        for name, make in plan:
            say(f"{name}: generating")
            gc.disable()  # building millions of small lists would otherwise trigger repeated full GC passes
            try:
                docs, query_list, article = make()
            finally:
                gc.enable()
            gc.collect()
            gc.freeze()  # the corpus is the caller's, not the index's: keep GC from rescanning it during builds
            try:
                corpora.append(
                    _bench_corpus(name, docs, query_list, article, engines=engines, workdir=Path(tmp), say=say)
                )
            finally:
                gc.unfreeze()
                del docs, query_list, article
                gc.collect()
    return {
        "machine": machine_info(),
        "settings": {
            "sizes": list(sizes),
            "huffpost": str(huffpost) if huffpost is not None else None,
            "queries": queries,
            "seed": seed,
            "top_k": TOP_K,
            "engines": list(engines),
            "article_passages": ARTICLE_PASSAGES,
            "slow_engine_queries_above": {"passages": SLOW_ABOVE, "queries": SLOW_ENGINE_QUERIES},
        },
        "corpora": corpora,
        "total_s": time.perf_counter() - started,
    }
