"""``newsbot bench``: every contender on the same tokens, exactness checked, missing engines and files reported."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from bot.cli import cli
from bot.ops.bench import run_benchmark
from bot.ops.bench_engines import ENGINES, Engine, renamed
from bot.ops.bench_report import format_report


def test_a_small_run_checks_every_exact_engine_against_newsbot() -> None:
    result = run_benchmark(sizes=[300], queries=6, engines=["rank-bm25", "sqlite-fts5"])
    (corpus,) = result["corpora"]
    assert corpus["passages"] == 300 and corpus["queries"] == 6
    assert corpus["top10_equal"] == {"equal": 6, "of": 6}
    assert corpus["engines"]["rank-bm25"]["scores_identical_to_newsbot"] == {"equal": 6, "of": 6}
    assert corpus["engines"]["sqlite-fts5"]["queries"] == 6
    assert corpus["changes"]["equal_to_fresh_rank_bm25"] == {"equal": 5, "of": 5}
    report = format_report(result)
    assert "| rank-bm25 (exact) |" in report and "| sqlite-fts5 (inexact) |" in report
    assert "### Top-10 CPU time of the query's thread" in report and "### get_scores CPU time" in report
    assert corpus["newsbot"]["get_scores_cpu_ms"]["p50"] >= 0


def test_a_missing_engine_is_reported_with_its_install_command() -> None:
    ghost = Engine("ghost", "surely-not-installed-bm25", False, "", lambda docs: None, lambda h, q, k: [])
    assert ghost.missing() == (
        "surely-not-installed-bm25 is not installed: pip install 'newsbot[bench]' "
        "(or pip install surely-not-installed-bm25)"
    )
    assert ENGINES["rank-bm25"].missing() is None


def test_full_text_engines_get_our_tokens_renamed_to_plain_words() -> None:
    texts, names = renamed([["u.s.", "storm", "u.s."], ["o'neil", "storm"]])
    assert texts == ["w0 w1 w0", "w2 w1"]
    assert names == {"u.s.": "w0", "storm": "w1", "o'neil": "w2"}


def test_bad_options_are_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(cli, ["bench", "--sizes", "300", "--huffpost", str(tmp_path / "none.jsonl")])
    assert missing.exit_code == 2
    assert "none.jsonl: no such file" in missing.output
    unknown = runner.invoke(cli, ["bench", "--sizes", "300", "--no-huffpost", "--engines", "lucene"])
    assert unknown.exit_code == 2
    assert "unknown engines: lucene" in unknown.output
    sizes = runner.invoke(cli, ["bench", "--sizes", "ten"])
    assert sizes.exit_code == 2
    assert "is not a comma-separated list of numbers" in sizes.output


def test_cold_start_builds_a_data_directory_and_times_every_part() -> None:
    """`newsbot bench --cold-start N` at a small N: the real pipeline stores and indexes every article (the shipped
    31 too), a new process adds one and answers, and each part is given in wall-clock and CPU seconds."""
    from bot.core.text import sentence_spans
    from bot.ops.bench_service import cold_start, synthetic_articles

    result = cold_start(300, sentences=3, questions=0)
    assert result["articles"] == 331
    sentences = sum(len(sentence_spans(a.body)) for a in synthetic_articles(300, 3, 0))
    assert sentences > 800
    assert result["passages"] == 331 + sentences + 14  # headlines, synthetic sentences, the shipped story's 2 x 7
    for part in ("store", "index_build", "ingest"):
        assert result[f"{part}_seconds"] > 0 and result[f"{part}_cpu_seconds"] > 0
    assert abs(result["ingest_seconds"] - result["store_seconds"] - result["index_build_seconds"]) <= 0.02
    assert result["first_add_ms"] is not None and result["first_add_cpu_ms"] is not None
    first = result["first_answer_seconds"]
    assert len(first["with_saved_index"]) == len(first["with_saved_index_cpu"]) == 3
    assert first["best"] == min(first["with_saved_index"]) and first["rebuilding_the_index"] > 0
    assert result["answers"] is None  # not asked for
