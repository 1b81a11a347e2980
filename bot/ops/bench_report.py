"""Markdown tables of a :func:`bot.ops.bench.run_benchmark` result: what BENCHMARKS.md shows.

Every contender is shown as its time and its ratio to newsbot's in the same run (a ratio above 1 means newsbot
is faster), since on a shared machine only ratios within one run compare; a skipped engine says why.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["format_report"]


def _num(value: Any, fmt: str = "{:.2f}") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return fmt.format(value)


def _mb(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value / 1e6:,.0f}" if abs(value) >= 1e7 else f"{value / 1e6:,.1f}"


def _ratio(theirs: Any, ours: Any) -> str:
    if theirs is None or ours is None or not ours or math.isnan(theirs) or math.isnan(ours):
        return "–"
    return f"{theirs / ours:.2f}×"


def _latency_table(corpora: list[dict[str, Any]], engines: list[str], key: str, title: str) -> list[str]:
    lines = [
        f"### {title}",
        "",
        "| engine | " + " | ".join(f"{c['name']} ({c['passages']:,})" for c in corpora) + " |",
        "|---|" + "---:|" * len(corpora),
    ]
    newsbot_row = ["newsbot (exact)"]
    for c in corpora:
        nb = c["newsbot"][key]
        newsbot_row.append(f"{_num(nb['p50'])} / {_num(nb['p95'])}")
    lines.append("| " + " | ".join(newsbot_row) + " |")
    for engine in engines:
        row = [engine]
        shown = False
        for c in corpora:
            result = c["engines"].get(engine, {})
            if "skipped" in result:
                row.append(f"skipped: {result['skipped']}")
                continue
            if key not in result:
                row.append("–")
                continue
            shown = True
            mine, ours = result[key], c["newsbot"][key]
            cell = f"{_num(mine['p50'])} / {_num(mine['p95'])} ({_ratio(mine['p50'], ours['p50'])} / "
            cell += f"{_ratio(mine['p95'], ours['p95'])})"
            if result["queries"] < c["queries"]:
                cell += f" [{result['queries']} q.]"
            row.append(cell)
        if shown or key in ("top_k_ms", "top_k_cpu_ms"):
            exact = next((c["engines"][engine].get("exact") for c in corpora if engine in c["engines"]), None)
            row[0] = f"{engine} ({'exact' if exact else 'inexact'})" if exact is not None else engine
            lines.append("| " + " | ".join(row) + " |")
    return lines


def format_report(result: dict[str, Any]) -> str:
    """Markdown tables of a run: latency with ratios, dense scores, build and memory, changes, cold start."""
    machine = result["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in machine["versions"].items() if v)
    corpora = result["corpora"]
    engines = list(result["settings"]["engines"])
    lines = [
        f"Machine: {machine['cpu']}, {machine['cores']} cores; Python {machine['python']}; {versions}.",
        f"Total run time: {result['total_s']:.0f} s. Load average (1 min) before → after each corpus: "
        + ", ".join(f"{c['name']} {c['load_average_before']:.1f} → {c['load_average_after']:.1f}" for c in corpora)
        + ".",
        "",
    ]
    lines += _latency_table(
        corpora, engines, "top_k_ms", "Top-10 latency, ms p50 / p95 (each engine's ratio to newsbot p50 / p95)"
    )
    lines += [""]
    lines += _latency_table(
        corpora, engines, "top_k_cpu_ms", "Top-10 CPU time of the query's thread, ms p50 / p95 (ratio)"
    )
    lines += [""]
    lines += _latency_table(
        corpora, engines, "get_scores_ms", "Dense scores of every passage (get_scores), ms p50 / p95 (ratio)"
    )
    if all("get_scores_cpu_ms" in c["newsbot"] for c in corpora):
        lines += [""]
        lines += _latency_table(corpora, engines, "get_scores_cpu_ms", "get_scores CPU time, ms p50 / p95 (ratio)")
    lines += [
        "",
        "### Exactness and the numpy fallback",
        "",
        "| corpus | top-10 equal to rank-bm25 | scores bit-identical: rank-bm25 / rank-bm25-rs "
        "| newsbot compiled | numpy fallback top_k p50 / p95 ms (same results) |",
        "|---|---:|---:|---:|---:|",
    ]
    for c in corpora:
        eq = c.get("top10_equal")
        same = []
        for engine in ("rank-bm25", "rank-bm25-rs"):
            s = c["engines"].get(engine, {}).get("scores_identical_to_newsbot")
            same.append(f"{s['equal']}/{s['of']}" if s else "–")
        nb = c["newsbot"]
        fallback = "–"
        if "numpy_top_k_ms" in nb:
            fallback = f"{_num(nb['numpy_top_k_ms']['p50'])} / {_num(nb['numpy_top_k_ms']['p95'])} "
            fallback += f"({'yes' if nb['numpy_same_results'] else 'NO'})"
        eq_s = f"{eq['equal']}/{eq['of']}" if eq else "–"
        compiled = "yes" if nb["compiled"] else "no"
        lines.append(f"| {c['name']} | {eq_s} | {' / '.join(same)} | {compiled} | {fallback} |")
    lines += [
        "",
        "### Build time and memory (resident growth of the process, MB; peak during the build)",
        "",
        "| engine | " + " | ".join(f"{c['name']} build s · resident · peak" for c in corpora) + " |",
        "|---|" + "---:|" * len(corpora),
    ]
    for label in ["newsbot", *engines]:
        cells = []
        for c in corpora:
            r = c["newsbot"] if label == "newsbot" else c["engines"].get(label, {})
            if not r or "skipped" in r:
                cells.append("–")
                continue
            cells.append(f"{_num(r['build_s'], '{:.1f}')} · {_mb(r['resident_bytes'])} · {_mb(r['build_peak_bytes'])}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "### newsbot: changes, persistence and a new process",
        "",
        "| corpus | add article (10 passages) ms | first query after ms | remove oldest article ms "
        "| remove new article ms | equal to fresh rank-bm25 after | save s (file MB) | load s "
        "| new process: import + load s, first query ms, resident MB after 50 queries |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in corpora:
        ch, ps = c["changes"], c["persistence"]
        fresh = ch.get("equal_to_fresh_rank_bm25")
        fresh_s = f"{fresh['equal']}/{fresh['of']}" if fresh else "–"
        cold = ps.get("new_process")
        cold_s = "–"
        if cold:
            cold_s = f"{cold['import_s']:.2f} + {cold['load_s']:.2f}, {cold['first_query_ms']:.0f}, "
            cold_s += _mb(cold["resident_bytes"])
        lines.append(
            f"| {c['name']} | {ch['add_article_ms']:.1f} | {ch['first_query_after_add_ms']:.1f} | "
            f"{ch['remove_oldest_article_ms']:.1f} | {ch['remove_new_article_ms']:.1f} | {fresh_s} | "
            f"{ps['save_s']:.2f} ({_mb(ps['file_bytes'])}) | {ps['load_s']:.2f} | {cold_s} |"
        )
    settings = result["settings"]
    slow = settings["slow_engine_queries_above"]
    lines += [
        "",
        f"Notes: every engine gets the same token lists and the same {settings['queries']} queries, one query at a "
        f"time, single-threaded; above {slow['passages']:,} passages rank-bm25 answers the first {slow['queries']} "
        '("q." = queries timed). Each engine answers one warm-up query first (JIT compilation). "top-10 equal": '
        "same ids and bit-identical scores as rank-bm25's scores sorted, ties by insertion order. Memory is the "
        "growth of the process's resident set after the build (freed memory returned first); the new-process "
        "column is a saved index loaded by a fresh interpreter. Inexact engines score differently (Lucene idf, "
        "float32): timed, never compared.",
    ]
    return "\n".join(lines) + "\n"
