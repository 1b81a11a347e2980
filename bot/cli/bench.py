"""``newsbot bench``: retrieval timed against rank-bm25 (and bm25s) side by side (the harness: :mod:`bot.ops.bench`)."""

from __future__ import annotations

import json

import click

from bot.core.errors import InvalidInput

__all__ = ["bench"]


@click.command()
@click.option("--sizes", default="10000,100000,1000000", show_default=True, help="Synthetic corpus sizes, in passages.")
@click.option("--queries", default=200, show_default=True, help="Queries per corpus.")
@click.option("--no-bm25s", is_flag=True, help="Leave bm25s (timed for reference only) out.")
@click.option("--skip-rank-bm25-above", type=int, help="Do not run rank-bm25 on corpora larger than this.")
@click.option(
    "--cold-start", "cold_articles", type=int, default=0,
    help="Also time a new process's first answer over a data directory of this many articles (e.g. 100000).",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print every figure as JSON.")
def bench(
    sizes: str, queries: int, no_bm25s: bool, skip_rank_bm25_above: int | None, cold_articles: int, as_json: bool
) -> None:
    """Benchmark retrieval against rank-bm25 (and bm25s) side by side, in one run; see BENCHMARKS.md.

    Example:

        newsbot bench --sizes 10000,100000 --queries 100
    """
    from bot.ops.bench import format_report, run_benchmark

    try:
        size_list = [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError:
        raise InvalidInput(f"--sizes: {sizes!r} is not a comma-separated list of numbers") from None
    try:
        result = run_benchmark(
            sizes=size_list,
            queries=queries,
            include_bm25s=not no_bm25s,
            skip_rank_bm25_above=skip_rank_bm25_above,
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
        click.echo(
            f"\nCold start: {cold['articles']:,} articles, {cold['passages']:,} passages; first answer in a new "
            f"process {first['best']} s with the saved index ({first['rebuilding_the_index']} s rebuilding it); "
            f"index build and save {cold['index_build_and_save_seconds']} s, {cold['index_megabytes']} MB."
        )
