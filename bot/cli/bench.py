"""``newsbot bench``: retrieval timed against the other BM25 engines, side by side (harness: :mod:`bot.ops.bench`)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.core.errors import InvalidInput

__all__ = ["bench"]


@click.command()
@click.option("--sizes", default="100000,1000000", show_default=True, help="Synthetic corpus sizes, in passages.")
@click.option("--queries", default=200, show_default=True, help="Queries per corpus.")
@click.option(
    "--huffpost", "huffpost", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="The HuffPost headlines file (JSON lines) to benchmark on too "
    "[default: ../shared/data/huffpost-headlines-2018-2022.jsonl, if it exists].",
)  # fmt: skip
@click.option("--no-huffpost", is_flag=True, help="Leave the HuffPost corpus out.")
@click.option(
    "--engines", default="rank-bm25,rank-bm25-rs,bm25s,tantivy,sqlite-fts5", show_default=True,
    help="The contenders to run next to newsbot (comma-separated; an empty string for none).",
)  # fmt: skip
@click.option(
    "--cold-start", "cold_articles", type=int, default=0,
    help="Also time a data directory of this many articles (e.g. 100000): ingest, answers, a new process's first.",
)  # fmt: skip
@click.option(
    "--answers", "answer_sizes", default="",
    help="Instead, time whole answers over synthetic coverages of N sentences each (e.g. 100000,1000000), next "
    "to pure retrieval, without the semantic reader and, when it is installed, with it.",
)  # fmt: skip
@click.option("--no-reader", is_flag=True, help="With --answers: leave the semantic reader's round out.")
@click.option(
    "--answers-cache", "answers_cache", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="With --answers: keep each built coverage (and the reader's vectors) in this directory, and load it "
    "from there in the next run of the same size instead of building it again.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print every figure as JSON.")
def bench(
    sizes: str,
    queries: int,
    huffpost: Path | None,
    no_huffpost: bool,
    engines: str,
    cold_articles: int,
    answer_sizes: str,
    no_reader: bool,
    answers_cache: Path | None,
    as_json: bool,
) -> None:
    """Benchmark retrieval against rank-bm25, rank-bm25-rs, bm25s, tantivy and SQLite FTS5 in one run; see
    BENCHMARKS.md.

    Example:

        newsbot bench --sizes 10000,100000 --queries 100 --engines rank-bm25,bm25s
    """
    if answer_sizes:
        _answers(answer_sizes, queries, as_json, semantic=not no_reader, cache=answers_cache)
        return
    from bot.ops.bench import DEFAULT_HUFFPOST, run_benchmark
    from bot.ops.bench_report import format_report

    try:
        size_list = [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError:
        raise InvalidInput(f"--sizes: {sizes!r} is not a comma-separated list of numbers") from None
    if no_huffpost:
        huffpost = None
    elif huffpost is None and DEFAULT_HUFFPOST.is_file():
        huffpost = DEFAULT_HUFFPOST
    try:
        result = run_benchmark(
            sizes=size_list,
            huffpost=huffpost,
            queries=queries,
            engines=[e.strip() for e in engines.split(",") if e.strip()],
            progress=lambda message: click.echo(message, err=True),
        )
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    if cold_articles:
        from bot.ops.bench_service import cold_start

        result["cold_start"] = cold_start(cold_articles, progress=lambda message: click.echo(message, err=True))
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(format_report(result))
    if cold_articles:
        cold = result["cold_start"]
        first = cold["first_answer_seconds"]
        answers = cold["answers"]
        click.echo(
            f"\nCold start: {cold['articles']:,} articles, {cold['passages']:,} passages; first answer in a new "
            f"process {first['best']} s with the saved index, CPU {first['best_cpu']} s "
            f"({first['rebuilding_the_index']} s rebuilding it); index build and save "
            f"{cold['index_build_and_save_seconds']} s, {cold['index_megabytes']} MB.\n"
            f"Ingest (store {cold['store_seconds']} s + split, tokenize, index {cold['index_build_seconds']} s): "
            f"{cold['ingest_seconds']} s wall, {cold['ingest_cpu_seconds']} s CPU (store {cold['store_cpu_seconds']}"
            f" s, index {cold['index_build_cpu_seconds']} s). First add in a new process: {cold['first_add_ms']} ms "
            f"({cold['first_add_cpu_ms']} ms CPU). Load average {cold['load_average']}.\n"
            f"Whole answers p50 / p95 {answers['whole_ms']['p50']} / {answers['whole_ms']['p95']} ms against pure "
            f"retrieval {answers['retrieval_ms']['p50']} / {answers['retrieval_ms']['p95']} ms "
            f"({answers['ratio_p50']}x / {answers['ratio_p95']}x; "
            f"{answers['answered']} of {answers['questions']} answered)."
        )


def _answers(sizes: str, queries: int, as_json: bool, *, semantic: bool, cache: Path | None) -> None:
    """``--answers``: the latency of a whole answer (:mod:`bot.ops.answer_bench`), a few lines per size."""
    from bot.ops.answer_bench import answer_latency

    try:
        size_list = [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError:
        raise InvalidInput(f"--answers: {sizes!r} is not a comma-separated list of numbers") from None
    results = []
    for size in size_list:  # each size is reported as soon as it is measured (a 1M coverage takes minutes)
        r = answer_latency(size, queries, progress=lambda m: click.echo(m, err=True), semantic=semantic, cache=cache)
        results.append(r)
        retrieval = r["retrieval"]
        lines = [
            f"{r['sentences']:,} sentences, {r['questions']} questions "
            f"({'loaded from the cache' if r['from_cache'] else 'built'} in {r['build_seconds']} s): "
            f"pure retrieval (BM25 top 10) p50 {retrieval['wall_ms']['p50']} ms, p95 {retrieval['wall_ms']['p95']} "
            f"ms (CPU {retrieval['cpu_ms']['p50']} / {retrieval['cpu_ms']['p95']} ms)"
        ]
        for mode in ("lexical", "semantic"):
            m = r[mode]
            if "skipped" in m:
                lines.append(f"  {mode}: skipped ({m['skipped']})")
                continue
            wall, cpu, ratio = m["wall_ms"], m["cpu_ms"], m["ratio_to_retrieval"]
            lines.append(
                f"  {mode} whole answer: p50 {wall['p50']} ms, p95 {wall['p95']} ms (CPU {cpu['p50']} / "
                f"{cpu['p95']} ms: {ratio['p50']}x / {ratio['p95']}x retrieval); {m['answered']} answered"
            )
        click.echo("\n".join(lines), err=as_json)
    if as_json:
        click.echo(json.dumps(results, indent=2))
