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
