"""Side-by-side benchmark of newsbot's BM25 index, rank-bm25 (the reference it must equal) and bm25s.

Why it exists: :class:`bot.search.bm25.BM25Index` replaces ``rank_bm25.BM25Okapi`` on the claim that it returns the very
same scores much faster, takes articles in and out without a rebuild, and uses less memory. This module measures
all of that in one run, on the same corpora and queries, and checks the "same scores" part on every timed query,
so the published numbers (BENCHMARKS.md) can be reproduced with ``newsbot bench``.

Corpora: synthetic passages (deterministic for a seed; ~25 tokens; a Zipf-Mandelbrot vocabulary of 200,000
words, heavier-headed than stopword-free news: the commonest term is in ~42% of the passages, where "trump" is
in 20% of the HuffPost ones, so queries often touch hundreds of thousands of passages at 1M) and, when the file
exists, the 9,999 HuffPost headlines + descriptions of the News Category Dataset (Rishabh Misra), tokenized
with :func:`bot.core.text.tokenize`. bm25s is timed for reference only: its scoring (Lucene idf, float32) differs
from rank-bm25's, so its results are not compared.
"""

from __future__ import annotations

import functools
import gc
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
import tracemalloc
import types
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.search.bm25 import BM25Index

__all__ = ["DEFAULT_HUFFPOST", "format_report", "run_benchmark", "synthetic_corpus"]

DEFAULT_HUFFPOST = Path(__file__).resolve().parents[3] / "shared" / "data" / "huffpost-headlines-2018-2022.jsonl"

TOP_K = 10
ARTICLE_PASSAGES = 10  # "an article": what the bot adds or removes at once
RANK_FULL_QUERIES_UP_TO = 200_000  # above this size rank-bm25 gets RANK_QUERIES_LARGE queries (~1 s each at 1M)
RANK_QUERIES_LARGE = 20
BM25S_QUERIES_LARGE = 50  # bm25s takes ~0.2 s a query at 1M passages
TRACEMALLOC_UP_TO = 100_000  # tracemalloc cross-check of the memory figures (it slows builds 2-3x)
CHECK_AFTER_CHANGE_QUERIES = 5

# Synthetic vocabulary: P(rank r) ~ 1 / (r + q), r = 1..V (Zipf-Mandelbrot, exponent 1).
VOCABULARY = 200_000
ZIPF_OFFSET = 2.7
PASSAGE_LENGTHS = (15, 35)  # inclusive; mean 25
QUERY_LENGTHS = (2, 6)

Docs = list[list[str]]
Progress = Callable[[str], None]


# --- corpora ---------------------------------------------------------------------------------------------------


def _words(count: int) -> list[str]:
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


def _zipf_ranks(rng: np.random.Generator, size: int) -> npt.NDArray[np.int64]:
    """Ranks 0..VOCABULARY-1 with P(r) ~ 1 / (r + 1 + q): inverse CDF of the continuous law, vectorised."""
    q = ZIPF_OFFSET
    u = rng.random(size)
    x = (1 + q) * np.exp(u * math.log((VOCABULARY + 1 + q) / (1 + q))) - q  # in [1, V + 1)
    return np.minimum(x.astype(np.int64) - 1, VOCABULARY - 1)


def _passages(rng: np.random.Generator, words: list[str], count: int) -> Docs:
    lo, hi = PASSAGE_LENGTHS
    lengths = rng.integers(lo, hi + 1, size=count)
    flat = np.asarray(words, dtype=object)[_zipf_ranks(rng, int(lengths.sum()))].tolist()
    ends = np.cumsum(lengths).tolist()
    return [flat[e - n : e] for e, n in zip(ends, lengths.tolist(), strict=True)]


def synthetic_corpus(size: int, queries: int, seed: int = 0) -> tuple[Docs, Docs, Docs]:
    """``size`` passages, ``queries`` queries and one extra article of ARTICLE_PASSAGES passages, deterministic."""
    rng = np.random.default_rng([seed, size])
    words = _words(VOCABULARY)
    docs = _passages(rng, words, size)
    lo, hi = QUERY_LENGTHS
    query_list = [[words[r] for r in _zipf_ranks(rng, int(n)).tolist()] for n in rng.integers(lo, hi + 1, size=queries)]
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


def _traced_build(build: Callable[[], object]) -> int:
    """Memory retained by what ``build`` returns, as tracemalloc sees it (a cross-check of :func:`deep_size`)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        obj = build()
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    del obj
    return retained


def _ms(seconds: Sequence[float]) -> dict[str, float]:
    arr = np.asarray(seconds, dtype=np.float64) * 1000
    if len(arr) == 0:
        return {"p50": math.nan, "p95": math.nan, "mean": math.nan}
    return {
        "p50": float(np.percentile(arr, 50)),
        "p95": float(np.percentile(arr, 95)),
        "mean": float(arr.mean()),
    }


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def _reference_top(scores: npt.NDArray[np.float64], ids: Sequence[int]) -> list[tuple[int, float]]:
    """rank-bm25's top-k in BM25Index.top_k's documented order (score descending, earlier first on ties)."""
    best = np.argsort(-scores, kind="stable")[:TOP_K]
    return [(ids[i], float(scores[i])) for i in best.tolist()]


def _same_top(ours: list[tuple[int, float]], reference: list[tuple[int, float]]) -> bool:
    """Same ids and bit-identical scores. When fewer than k passages match, BM25Index returns only those, while
    the reference continues with zero-score non-matching passages; those are not required."""
    if len(ours) == len(reference):
        return ours == reference
    return ours == reference[: len(ours)] and all(score == 0.0 for _, score in reference[len(ours) :])


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
    for package in ("numpy", "scipy", "rank-bm25", "bm25s"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
    }


# --- one corpus ------------------------------------------------------------------------------------------------


def _bench_corpus(
    name: str,
    docs: Docs,
    query_list: Docs,
    article: Docs,
    *,
    run_rank: bool,
    rank_queries: int,
    include_bm25s: bool,
    trace_memory: bool,
    workdir: Path,
    say: Progress,
) -> dict[str, Any]:
    from rank_bm25 import BM25Okapi

    clock = time.perf_counter
    n = len(docs)
    ids = list(range(n))
    out: dict[str, Any] = {
        "name": name,
        "load_average_before": os.getloadavg()[0],
        "passages": n,
        "tokens": sum(map(len, docs)),
        "queries": len(query_list),
        "rank_bm25_queries": rank_queries if run_rank else 0,
    }

    # newsbot: bulk build, then queries (the first one after a build also computes idf and length norms).
    say(f"{name}: newsbot build")
    start = clock()
    index = _built(docs)
    build_s = clock() - start
    start = clock()
    index.top_k(query_list[0], TOP_K)
    first_s = clock() - start
    top_times: list[float] = []
    top_cpu: list[float] = []  # CPU time too: other processes on the machine inflate wall-clock latency
    tops: list[list[tuple[int, float]]] = []
    for q in query_list:
        start, cpu = clock(), time.thread_time()
        tops.append(index.top_k(q, TOP_K))
        top_times.append(clock() - start)
        top_cpu.append(time.thread_time() - cpu)
    scores_times: list[float] = []
    for q in query_list[: max(20, len(query_list) // 4)]:
        start = clock()
        index.get_scores(q)
        scores_times.append(clock() - start)
    nb: dict[str, Any] = {
        "build_s": build_s,
        "memory_bytes": deep_size(index),
        "vocabulary": index.vocabulary_size,
        "first_query_ms": first_s * 1000,
        "top_k_ms": _ms(top_times),
        "top_k_cpu_ms": _ms(top_cpu),
        "get_scores_ms": _ms(scores_times),
    }
    if trace_memory:
        nb["memory_traced_bytes"] = _traced_build(lambda: _built(docs))
    out["newsbot"] = nb

    # rank-bm25, the reference, timed the way BM25Okapi.get_top_n works: get_scores, then argsort.
    if run_rank:
        say(f"{name}: rank-bm25 build")
        start = clock()
        bm = BM25Okapi(docs)
        rank_build_s = clock() - start
        rank_times: list[float] = []
        equal_top = equal_scores = 0
        say(f"{name}: rank-bm25, {rank_queries} queries")
        for i, q in enumerate(query_list[:rank_queries]):
            start = clock()
            scores = bm.get_scores(q)
            np.argsort(scores)[::-1][:TOP_K]
            rank_times.append(clock() - start)
            equal_top += _same_top(tops[i], _reference_top(scores, ids))
            equal_scores += index.get_scores(q).tobytes() == scores.tobytes()
        out["rank_bm25"] = {"build_s": rank_build_s, "memory_bytes": deep_size(bm), "query_ms": _ms(rank_times)}
        del bm
        if trace_memory:
            out["rank_bm25"]["memory_traced_bytes"] = _traced_build(lambda: BM25Okapi(docs))
        ours, theirs = np.asarray(top_times[:rank_queries]), np.asarray(rank_times)
        out["speedup"] = {
            "p50": float(np.median(theirs) / np.median(ours)),
            "mean": float(theirs.mean() / ours.mean()),
        }
        out["top10_equal"] = {"equal": equal_top, "of": len(rank_times)}
        out["scores_identical"] = {"equal": equal_scores, "of": len(rank_times)}

    if include_bm25s:
        bm25s_queries = query_list if n <= RANK_FULL_QUERIES_UP_TO else query_list[:BM25S_QUERIES_LARGE]
        out["bm25s"] = _bench_bm25s(name, docs, bm25s_queries, trace_memory, say)

    # Changes to the built index: add an article, remove the oldest one, then remove the new one.
    say(f"{name}: add / remove an article")
    new_ids = list(range(n, n + len(article)))
    oldest = ids[: len(article)]
    changes: dict[str, Any] = {"article_passages": len(article)}
    start = clock()
    for doc_id, doc in zip(new_ids, article, strict=True):
        index.add(doc_id, doc)
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
    if run_rank:
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

    # Persistence: save (compacts the tombstones away), load, first query (cold start).
    say(f"{name}: save / load")
    path = workdir / f"{name}.npz"
    start = clock()
    index.save(path)
    save_s = clock() - start
    expected = [index.top_k(q, TOP_K) for q in query_list[:5]]
    del index
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
        "new_process": _cold_start(path, query_list[0]),
    }
    path.unlink()
    out["load_average_after"] = os.getloadavg()[0]
    return out


_COLD_START = """
import json, sys, time
start = time.perf_counter()
from bot.search.bm25 import BM25Index
imported = time.perf_counter()
index = BM25Index.load(sys.argv[1])
loaded = time.perf_counter()
index.top_k(json.loads(sys.argv[2]), 10)
done = time.perf_counter()
print(json.dumps({"import_s": imported - start, "load_s": loaded - imported, "first_query_ms": (done - loaded) * 1000}))
"""


def _cold_start(path: Path, query: list[str]) -> dict[str, float] | None:
    """A real cold start: a new interpreter imports, loads ``path`` and answers one query (file in page cache)."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    try:
        done = subprocess.run(
            [sys.executable, "-c", _COLD_START, str(path), json.dumps(query)],
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


def _built(docs: Docs) -> BM25Index:
    index = BM25Index()
    index.add_many(enumerate(docs))
    return index


def _bench_bm25s(name: str, docs: Docs, query_list: Docs, trace_memory: bool, say: Progress) -> dict[str, Any]:
    try:
        import bm25s
    except ImportError:
        return {"skipped": "bm25s is not installed (pip install 'newsbot[bench]')"}
    say(f"{name}: bm25s build")

    def build() -> Any:
        retriever = bm25s.BM25()  # defaults: k1=1.5, b=0.75, Lucene idf, float32 scores
        retriever.index(docs, show_progress=False)
        return retriever

    clock = time.perf_counter
    start = clock()
    retriever = build()
    build_s = clock() - start
    times: list[float] = []
    k = min(TOP_K, len(docs))
    for q in query_list:
        start = clock()
        retriever.retrieve([q], k=k, show_progress=False, n_threads=1)
        times.append(clock() - start)
    result: dict[str, Any] = {
        "build_s": build_s,
        "memory_bytes": deep_size(retriever),
        "query_ms": _ms(times),
        "queries": len(times),
        "note": "different scoring (Lucene idf, float32): timed for reference, not compared",
    }
    del retriever
    if trace_memory:
        result["memory_traced_bytes"] = _traced_build(build)
    return result


# --- the run ---------------------------------------------------------------------------------------------------


def run_benchmark(
    sizes: Sequence[int] = (10_000, 100_000, 1_000_000),
    huffpost: Path | None = DEFAULT_HUFFPOST,
    queries: int = 200,
    seed: int = 0,
    include_bm25s: bool = True,
    skip_rank_bm25_above: int | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Benchmark every corpus (synthetic ``sizes``, then HuffPost if the file exists); JSON-serialisable result.

    rank-bm25 answers every query up to RANK_FULL_QUERIES_UP_TO passages and the first RANK_QUERIES_LARGE
    above (each takes about a second at 1M passages); with ``skip_rank_bm25_above`` it is not run at all on
    larger corpora (then nothing is checked against it there).
    """
    if queries < 3:
        raise ValueError("queries must be at least 3")
    if any(size < 100 for size in sizes):
        raise ValueError("sizes must be at least 100 passages")
    say: Progress = progress or (lambda message: None)
    started = time.perf_counter()
    corpora: list[dict[str, Any]] = []
    plan: list[tuple[str, Callable[[], tuple[Docs, Docs, Docs]]]] = [
        (f"synthetic-{size}", functools.partial(synthetic_corpus, size, queries, seed)) for size in sizes
    ]
    if huffpost is not None and huffpost.is_file():
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
                n = len(docs)
                run_rank = skip_rank_bm25_above is None or n <= skip_rank_bm25_above
                rank_queries = len(query_list) if n <= RANK_FULL_QUERIES_UP_TO else RANK_QUERIES_LARGE
                result = _bench_corpus(
                    name,
                    docs,
                    query_list,
                    article,
                    run_rank=run_rank,
                    rank_queries=min(rank_queries, len(query_list)),
                    include_bm25s=include_bm25s,
                    trace_memory=n <= TRACEMALLOC_UP_TO,
                    workdir=Path(tmp),
                    say=say,
                )
                corpora.append(result)
            finally:
                gc.unfreeze()
                del docs, query_list, article
                gc.collect()
    return {
        "machine": machine_info(),
        "settings": {
            "sizes": list(sizes),
            "huffpost": str(huffpost) if huffpost is not None and huffpost.is_file() else None,
            "queries": queries,
            "seed": seed,
            "top_k": TOP_K,
            "article_passages": ARTICLE_PASSAGES,
            "rank_bm25_queries_above_full": RANK_QUERIES_LARGE,
            "bm25s_queries_above_full": BM25S_QUERIES_LARGE,
            "rank_bm25_full_queries_up_to": RANK_FULL_QUERIES_UP_TO,
            "skip_rank_bm25_above": skip_rank_bm25_above,
            "include_bm25s": include_bm25s,
            "synthetic": {
                "vocabulary": VOCABULARY,
                "law": f"P(rank r) ~ 1/(r + {ZIPF_OFFSET})",
                "passage_tokens": list(PASSAGE_LENGTHS),
                "query_tokens": list(QUERY_LENGTHS),
            },
        },
        "corpora": corpora,
        "total_s": time.perf_counter() - started,
    }


# --- the report ------------------------------------------------------------------------------------------------


def _num(value: Any, fmt: str = "{:.2f}") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return fmt.format(value)


def _mb(value: Any) -> str:
    return "–" if value is None else f"{value / 1e6:,.0f}" if value >= 1e7 else f"{value / 1e6:,.1f}"


def format_report(result: dict[str, Any]) -> str:
    """Markdown tables of a :func:`run_benchmark` result (what BENCHMARKS.md shows)."""
    machine = result["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in machine["versions"].items() if v)
    lines = [
        f"Machine: {machine['cpu']}, {machine['cores']} cores; Python {machine['python']}; {versions}.",
        f"Total run time: {result['total_s']:.0f} s.",
        "",
        "### Query latency (top-10, one query at a time, ms)",
        "",
        "| corpus | passages | rank-bm25 p50 / p95 | newsbot top_k p50 / p95 (CPU p50 / p95) "
        "| speed-up (p50 / mean) | newsbot get_scores p50 / p95 | bm25s p50 / p95 | top-10 equal "
        "| scores bit-identical | load avg before → after |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in result["corpora"]:
        rank, nb, bs = c.get("rank_bm25"), c["newsbot"], c.get("bm25s")
        rank_q = (
            f"{_num(rank['query_ms']['p50'], '{:.1f}')} / {_num(rank['query_ms']['p95'], '{:.1f}')}"
            if rank
            else "skipped"
        )
        if rank and c["rank_bm25_queries"] < c["queries"]:
            rank_q += f" ({c['rank_bm25_queries']} q.)"
        speed = f"{c['speedup']['p50']:,.0f}× / {c['speedup']['mean']:,.0f}×" if "speedup" in c else "–"
        bs_q = "–"
        if bs and "query_ms" in bs:
            bs_q = f"{_num(bs['query_ms']['p50'], '{:.1f}')} / {_num(bs['query_ms']['p95'], '{:.1f}')}"
            if bs["queries"] < c["queries"]:
                bs_q += f" ({bs['queries']} q.)"
        top = f"{c['top10_equal']['equal']}/{c['top10_equal']['of']}" if "top10_equal" in c else "–"
        same = f"{c['scores_identical']['equal']}/{c['scores_identical']['of']}" if "scores_identical" in c else "–"
        lines.append(
            f"| {c['name']} | {c['passages']:,} | {rank_q} | {_num(nb['top_k_ms']['p50'])} / "
            f"{_num(nb['top_k_ms']['p95'])} ({_num(nb['top_k_cpu_ms']['p50'])} / "
            f"{_num(nb['top_k_cpu_ms']['p95'])}) | {speed} | {_num(nb['get_scores_ms']['p50'])} / "
            f"{_num(nb['get_scores_ms']['p95'])} | {bs_q} | {top} | {same} | "
            f"{c['load_average_before']:.1f} → {c['load_average_after']:.1f} |"
        )
    lines += [
        "",
        "### Build and memory",
        "",
        "| corpus | build s: rank-bm25 / newsbot / bm25s | newsbot first query ms "
        "| memory MB: rank-bm25 / newsbot / bm25s | newsbot ÷ rank-bm25 "
        "| tracemalloc MB: rank-bm25 / newsbot / bm25s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for c in result["corpora"]:
        rank, nb, bs = c.get("rank_bm25") or {}, c["newsbot"], c.get("bm25s") or {}
        builds = " / ".join(_num(x.get("build_s"), "{:.1f}") for x in (rank, nb, bs))
        mems = " / ".join(_mb(x.get("memory_bytes")) for x in (rank, nb, bs))
        ratio = f"{nb['memory_bytes'] / rank['memory_bytes']:.2f}" if rank.get("memory_bytes") else "–"
        traced = " / ".join(_mb(x.get("memory_traced_bytes")) for x in (rank, nb, bs))
        first = _num(nb["first_query_ms"], "{:.1f}")
        lines.append(f"| {c['name']} | {builds} | {first} | {mems} | {ratio} | {traced} |")
    lines += [
        "",
        "### newsbot: changes and cold start",
        "",
        "| corpus | add article (10 passages) ms | first query after ms | remove oldest article ms "
        "| remove new article ms | equal to fresh rank-bm25 after | save s (file MB) | load s | first query "
        "after load ms | new process: import + load s, first query ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in result["corpora"]:
        ch, ps = c["changes"], c["persistence"]
        fresh = ch.get("equal_to_fresh_rank_bm25")
        fresh_s = f"{fresh['equal']}/{fresh['of']}" if fresh else "–"
        cold = ps.get("new_process")
        cold_s = f"{cold['import_s']:.2f} + {cold['load_s']:.2f}, {cold['first_query_ms']:.0f}" if cold else "–"
        lines.append(
            f"| {c['name']} | {ch['add_article_ms']:.1f} | {ch['first_query_after_add_ms']:.1f} | "
            f"{ch['remove_oldest_article_ms']:.1f} | {ch['remove_new_article_ms']:.1f} | {fresh_s} | "
            f"{ps['save_s']:.2f} ({_mb(ps['file_bytes'])}) | {ps['load_s']:.2f} | "
            f"{ps['first_query_after_load_ms']:.1f} | {cold_s} |"
        )
    settings = result["settings"]
    lines += [
        "",
        "Notes: rank-bm25 is timed as get_scores + argsort (what its get_top_n does), on every query up to "
        f"{settings['rank_bm25_full_queries_up_to']:,} passages and on the first "
        f'{settings["rank_bm25_queries_above_full"]} above ("q." = number of queries timed); the speed-up '
        'compares the same queries. "top-10 equal" means same ids and bit-identical scores, ties by '
        "insertion order. Memory is the size of everything reachable from the index object (sys.getsizeof "
        "walk; numpy buffers once); tracemalloc is a cross-check on the smaller corpora. bm25s scores "
        'differently (Lucene idf, float32): timed for reference, never compared. "first query" after a '
        "build, change or load includes recomputing idf and length norms, with a cold contribution cache. "
        f"The machine has {result['machine']['cores']} cores: a load average above 1 means other processes "
        "competed for them, which inflates wall-clock times (CPU times are unaffected).",
    ]
    return "\n".join(lines) + "\n"
