"""``newsbot eval``: a question set run against a store built for the run, newsbot beside the rank-bm25 baseline."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import cli
from bot.ops.evaluate import Baseline, load_questions
from bot.search.minilm import DIMENSIONS, MODEL_NAME, missing_requirements
from tests.paths import REPO

needs_model = (
    pytest.mark.skip(reason=f"the semantic extra is not installed ({missing_requirements()})")
    if missing_requirements()
    else pytest.mark.needs_model
)

ORLANDO = {
    "title": "Rekognition pilot ends in Orlando",
    "source": "Orlando Sentinel",
    "date": "2019-07-18",
    "body": "Orlando police ended their second pilot of Amazon's Rekognition software on Thursday. "
    "The city said the cameras never worked reliably enough to identify a single suspect.",
}

QUESTIONS = [
    {"id": "t-001", "question": "What did Amazon pitch to ICE?", "kind": "what",
     "answers": ["pitched its facial-recognition system"]},
    {"id": "t-002", "question": "when did orlando police end the rekognition pilot", "kind": "when",
     "answers": ["on Thursday"]},
    {"id": "t-003", "question": "Who won the 2022 World Cup?", "kind": "off_topic", "answers": []},
    {"id": "t-004", "question": "What did Apple pitch to the FBI?", "kind": "near_miss", "answers": [],
     "note": "Apple for Amazon"},
]  # fmt: skip


def write_set(path: Path, rows: Sequence[Mapping[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def orlando(tmp_path: Path) -> Path:
    path = tmp_path / "orlando.jsonl"
    path.write_text(json.dumps(ORLANDO) + "\n", encoding="utf-8")
    return path


def test_eval_counts_per_kind_next_to_the_baseline(tmp_path: Path, orlando: Path) -> None:
    questions = write_set(tmp_path / "q.jsonl", QUESTIONS)
    code, out, err = run("eval", str(questions), "--corpus", "shipped", "--corpus", str(orlando), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert (data["questions"], data["articles"]) == (4, 32)
    assert data["not_verbatim"] == [] and data["misattributed"] == []
    results = {r["id"]: r for r in data["results"]}
    assert results["t-001"]["newsbot"]["first"] is True
    assert results["t-001"]["newsbot"]["quotes"][0].startswith("Amazon.com Inc. pitched")
    assert results["t-002"]["newsbot"]["quotes"][0] == ORLANDO["body"].split(" The city")[0]
    assert results["t-003"]["newsbot"] == {"answered": False, "quotes": [], "found": False, "first": False,
                                           "error": None}  # fmt: skip
    assert results["t-003"]["baseline"]["answered"] is False
    mine, theirs = data["summary"]["all"]["newsbot"], data["summary"]["all"]["baseline"]
    assert mine["answerable"] == {"n": 2, "found": 2, "first": 2, "refused": 0}
    assert mine["refuse"] == {"n": 2, "found": 0, "first": 0, "refused": 2}
    assert theirs["what"]["found"] == 1
    assert data["summary"]["odd"]["newsbot"]["all"]["n"] == 2  # t-001, t-003


def test_eval_prints_a_table(tmp_path: Path, orlando: Path) -> None:
    questions = write_set(tmp_path / "q.jsonl", QUESTIONS)
    code, out, _ = run("eval", str(questions), "--corpus", "shipped", "--corpus", str(orlando), "--halves")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "4 questions (2 answerable, 2 to refuse) over 32 articles (16 sentences)"
    assert "development half (even ids)" in lines and "held-out half (odd ids)" in lines
    row = next(line for line in lines if line.startswith("answerable"))
    assert row.split("|")[1].split() == ["2/2", "2/2", "0/2"]
    assert "quotes not verbatim: 0; misattributed: 0" in lines


def test_eval_without_corpus_uses_the_data_directory(tmp_path: Path) -> None:
    questions = write_set(tmp_path / "q.jsonl", QUESTIONS[:1])
    code, out, _ = run("eval", str(questions), "--no-baseline", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["articles"] == 31 and "baseline" not in data["results"][0]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "q.jsonl:2: malformed JSON"),
        ('["a list"]', "q.jsonl:2: expected a question object, got list"),
        ('{"id": "x-1", "question": "q?", "kind": "how", "answers": ["a"]}', "q.jsonl:2: field 'kind': 'how'"),
        ('{"id": "x-1", "question": "q?", "kind": "who", "answers": []}', "q.jsonl:2: field 'answers': a 'who'"),
        ('{"id": "x-1", "question": "q?", "kind": "near_miss", "answers": ["a"]}', "must be refused"),
        ('{"id": "t-001", "question": "q?", "kind": "off_topic", "answers": []}', "already used at "),
        ('{"id": "x-1", "question": "", "kind": "off_topic", "answers": []}', "field 'question': must be"),
    ],
)
def test_a_bad_question_set_is_an_error_naming_the_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(QUESTIONS[0]) + "\n" + line + "\n", encoding="utf-8")
    code, out, err = run("eval", str(path))
    assert code == 2 and out == ""
    assert err.startswith("newsbot: error: ") and message in err and "Traceback" not in err


def test_a_bad_corpus_is_an_error(tmp_path: Path) -> None:
    questions = write_set(tmp_path / "q.jsonl", QUESTIONS)
    code, _, err = run("eval", str(questions), "--corpus", "huffpost:" + str(tmp_path / "missing.jsonl"))
    assert code == 2 and "missing.jsonl: no such file or directory" in err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "x"}\n', encoding="utf-8")
    code, _, err = run("eval", str(questions), "--corpus", str(bad))
    assert code == 2 and "bad.jsonl:1: field 'source'" in err


def test_the_baseline_ranks_sentences_with_a_coverage_floor() -> None:
    plain = Baseline([ORLANDO["body"], "Zoo keepers fed the pandas. Police praised the zoo."])
    answered, quotes = plain.answer("When did Orlando police end the pilot?")
    assert answered and quotes == [ORLANDO["body"].split(" The city")[0]]
    assert plain.answer("Did the police feed the pandas at the zoo in Orlando?")[1] == [
        "Zoo keepers fed the pandas."
    ]  # 3 of 5 terms (fed->feed, pandas, zoo): over the floor; "Police praised the zoo." has 2 of 5
    assert plain.answer("Who won the World Cup?") == (False, [])


def test_the_shipped_question_set_is_well_formed() -> None:
    path = REPO / "benchmarks" / "eval" / "questions.jsonl"
    questions = load_questions([path, path.with_name("questions-full.jsonl")])
    assert len(questions) >= 250
    assert {q.half for q in questions} == {"even", "odd"}


def test_the_fresh_held_out_sets_are_well_formed_and_their_spans_are_verbatim() -> None:
    fresh = load_questions([REPO / "benchmarks" / "eval" / "questions-fresh.jsonl"])
    assert len(fresh) >= 70 and {q.half for q in fresh} == {"even", "odd"}
    assert all(q.id.startswith("fresh-") for q in fresh)
    fresh2 = load_questions([REPO / "benchmarks" / "eval" / "questions-fresh2.jsonl"])
    assert len(fresh2) >= 90 and {q.half for q in fresh2} == {"even", "odd"}
    assert all(q.id.startswith("fresh2-") for q in fresh2)
    fresh3 = load_questions([REPO / "benchmarks" / "eval" / "questions-fresh3.jsonl"])
    assert len(fresh3) >= 90 and {q.half for q in fresh3} == {"even", "odd"}
    assert all(q.id.startswith("fresh3-") for q in fresh3)
    checked = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "eval" / "check_set.py"), "--all"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout
    sets = sorted((REPO / "benchmarks" / "eval").glob("questions*.jsonl"))
    assert len(sets) >= 8  # the shipped set and its Lee part, three fresh held-out sets, the development sets
    assert checked.stdout.count(", 0 problems,") == len(sets)


def test_the_answer_latency_benchmark_answers_its_questions() -> None:
    from bot.ops.answer_bench import answer_latency

    result = answer_latency(400, questions=10, seed=1, semantic=False)
    assert (result["articles"], result["questions"]) == (20, 10)
    assert 380 <= result["sentences"] <= 400  # a few pseudo-words end in what reads as an abbreviation
    lexical = result["lexical"]
    assert lexical["answered"] >= 1  # its questions are built from the coverage's own sentences
    assert lexical["semantically_scored"] == 0
    for figures in (lexical, result["retrieval"]):
        assert figures["cpu_ms"]["p50"] <= figures["cpu_ms"]["p95"] <= figures["cpu_ms"]["max"]
    assert lexical["ratio_to_retrieval"]["p50"] > 1  # a whole answer does a retrieval and more
    assert result["semantic"] == {"skipped": "not asked for"}


def test_the_answer_latency_benchmark_keeps_its_coverage_and_loads_it_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.ops import answer_bench
    from bot.ops.answer_bench import answer_latency
    from bot.search.generations import current

    first = answer_latency(400, questions=10, seed=1, semantic=False, cache=tmp_path)
    assert first["from_cache"] is False
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coverage-400-seed1"]
    again = answer_latency(400, questions=10, seed=1, semantic=False, cache=tmp_path)
    assert again["from_cache"] is True
    assert (again["sentences"], again["articles"]) == (first["sentences"], first["articles"])
    assert again["lexical"]["answered"] == first["lexical"]["answered"]
    saved = current(tmp_path / "coverage-400-seed1")
    assert saved is not None
    (saved / "articles.json").write_text("{", encoding="utf-8")  # damaged: rebuilt
    rebuilt = answer_latency(400, questions=10, seed=1, semantic=False, cache=tmp_path)
    assert rebuilt["from_cache"] is False and rebuilt["lexical"]["answered"] == first["lexical"]["answered"]
    monkeypatch.setattr(answer_bench, "_builder_digest", lambda: "other code")  # the index code changed: rebuilt
    assert answer_latency(400, questions=10, seed=1, semantic=False, cache=tmp_path)["from_cache"] is False
    assert answer_latency(400, questions=10, seed=1, semantic=False, cache=tmp_path)["from_cache"] is True
    other = answer_latency(400, questions=10, seed=2, semantic=False, cache=tmp_path)  # another seed: its own
    assert other["from_cache"] is False
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coverage-400-seed1", "coverage-400-seed2"]


@needs_model
def test_the_answer_latency_benchmark_times_the_reader_over_a_vector_for_every_text() -> None:
    from bot.ops.answer_bench import answer_latency

    result = answer_latency(400, questions=6, seed=1)
    semantic, lexical = result["semantic"], result["lexical"]
    assert semantic["answered"] >= 1 and semantic["semantically_scored"] == semantic["answered"]
    assert lexical["semantically_scored"] == 0


def test_vectors_go_with_a_built_store(tmp_path: Path) -> None:
    questions = write_set(tmp_path / "q.jsonl", QUESTIONS)
    code, _, err = run("eval", str(questions), "--vectors", str(tmp_path / "vec"))
    assert code == 2 and "--vectors goes with --corpus" in err
    assert not (tmp_path / "vec").exists()


@needs_model
def test_the_reader_is_measured_with_every_vector_and_a_kept_cache_is_reused(
    tmp_path: Path, orlando: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.core.config import load_settings
    from bot.core.models import ArticleIn
    from bot.search.semantic import article_texts
    from bot.service import NewsService
    from bot.storage.vectors import VectorCache, text_key

    monkeypatch.setenv("NEWSBOT_READER", "minilm")
    questions = write_set(tmp_path / "q.jsonl", QUESTIONS)
    vectors = tmp_path / "vec"
    args = ("eval", str(questions), "--corpus", "shipped", "--corpus", str(orlando), "--vectors", str(vectors))
    code, out, err = run(*args, "--json")
    assert code == 0, err
    first = json.loads(out)
    assert first["reader"] == MODEL_NAME
    cache_file = vectors / f"{MODEL_NAME}.sqlite3"
    shipped = NewsService.open(load_settings(data_dir=tmp_path / "shipped", reader="off"))
    try:
        texts = {t for a in shipped.articles() for t in article_texts(a)}
        texts |= set(article_texts(shipped.add(ArticleIn(**ORLANDO), actor="test")))
    finally:
        shipped.close()
    cache = VectorCache(cache_file, model=MODEL_NAME, dimensions=DIMENSIONS)
    try:  # every headline and body sentence of the store has its vector, in the kept cache
        assert len(cache) == len(texts) and cache.missing([text_key(t) for t in texts]) == []
    finally:
        cache.close()
    before = cache_file.stat().st_mtime_ns  # (SQLite's WAL was checkpointed into it when the cache closed)
    code, out, err = run(*args, "--json")
    assert code == 0, err
    assert cache_file.stat().st_mtime_ns == before  # nothing embedded again: the kept vectors were read
    again = json.loads(out)
    assert [r["newsbot"] for r in again["results"]] == [r["newsbot"] for r in first["results"]]
