"""The coverage index: BM25 as rank-bm25 defines it over the shipped sentences, and the saved index that makes
a restart fast (loaded, caught up by replaying the change log, or rebuilt when it belongs to another history)."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from bot.core.config import load_settings
from bot.core.models import ArticleIn
from bot.core.text import TEXT_VERSION, sentence_spans, split_sentences, tokenize
from bot.intake.article_files import load_corpus_dir
from bot.search.generations import current
from bot.service import NewsService, shipped_corpus_dir
from bot.storage.store import Store

A, B = 111111111111111111, 222222222222222222  # two Discord servers
WORDS = ["harbour", "ferry", "council", "lighthouse", "keeper", "tower", "vote", "camera", "library", "storm"]


def test_sentence_scores_equal_rank_bm25_on_the_shipped_corpus(service: NewsService) -> None:
    sentences = [s for a in load_corpus_dir(shipped_corpus_dir()) for s in split_sentences(a.body)]
    reference = BM25Okapi([tokenize(s) for s in sentences])
    collection = service.index._collections["sentence"]
    for question in ("What did Amazon pitch to ICE?", "Who wrote Bezos a letter?", "ICE Amazon"):
        terms = tokenize(question)
        assert collection.get_scores(terms).tobytes() == np.asarray(reference.get_scores(terms)).tobytes()
        hits = service.index.search(terms, "sentence", 3)
        best = sorted(range(len(sentences)), key=lambda i: (-reference.get_scores(terms)[i], i))[:3]
        assert [h.passage.text for h in hits] == [sentences[i] for i in best]


def open_service(data_dir: Path) -> NewsService:
    return NewsService.open(load_settings(data_dir=data_dir))


def forbid_rebuild(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Store, server: int = 0, batch: int = 5000) -> None:
        raise AssertionError("the index was rebuilt from the store")

    monkeypatch.setattr(Store, "iter_all", refuse)


def test_a_saved_index_is_loaded_not_rebuilt(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = open_service(clean_env)
    assert first.ask("What did Amazon pitch to ICE?").answered
    first.close()
    saved = current(clean_env / "index")
    assert saved is not None and (saved / "articles.json").exists()
    forbid_rebuild(monkeypatch)
    second = open_service(clean_env)
    assert second.ask("What did Amazon pitch to ICE?").quotes[0].source == "Washington Post"
    second.close()


def test_a_stale_index_catches_up_by_replaying_changes(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = open_service(clean_env)
    first.ask("anything about Amazon")
    first.close()
    store = Store(clean_env / "newsbot.sqlite3")  # another process changes the corpus
    text = "The lighthouse keepers went on strike over unpaid overtime."
    store.add(0, ArticleIn(title="Keepers strike", source="Coast News", body=text), actor="other")
    store.remove(0, "amazon-met-with-ice-officials-over-173ada", actor="other")
    store.close()
    forbid_rebuild(monkeypatch)
    second = open_service(clean_env)
    assert second.ask("Why did the lighthouse keepers strike?").quotes[0].text == text
    assert second.ask("What did Amazon pitch to ICE?").quotes[0].source == "LA Times"
    assert second.stats().articles == 31
    second.close()


def test_an_index_from_another_history_is_rebuilt(clean_env: Path, tmp_path: Path) -> None:
    first = open_service(clean_env)
    first.ask("Amazon")
    backup_path = tmp_path / "backup.sqlite3"
    first.backup(backup_path)
    first.add(ArticleIn(title="Later story", source="Wire", body="The zebra crossing was repainted."), actor="t")
    first.close()  # the saved index now includes the later story
    NewsService.restore(load_settings(data_dir=clean_env), backup_path)  # back to before it
    store = Store(clean_env / "newsbot.sqlite3")
    store.add(0, ArticleIn(title="Other story", source="Wire", body="The walrus enclosure was reopened."), actor="t")
    store.close()
    second = open_service(clean_env)
    assert not second.ask("Was the zebra crossing repainted?").answered
    assert second.ask("Was the walrus enclosure reopened?").answered
    second.close()


def test_a_damaged_index_is_rebuilt(clean_env: Path, caplog: pytest.LogCaptureFixture) -> None:
    first = open_service(clean_env)
    first.stats()
    first.close()
    saved = current(clean_env / "index")
    assert saved is not None
    (saved / "articles.json").write_text("{not json")
    with caplog.at_level(logging.WARNING, logger="bot.search.keeper"):
        service = open_service(clean_env)
        assert service.ask("What did Amazon pitch to ICE?").answered
    assert "rebuilding the index" in caplog.text
    service.close()
    shutil.rmtree(clean_env / "index")
    again = open_service(clean_env)
    assert again.stats().articles == 31
    again.close()


def test_writing_commands_do_not_build_the_index(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    service = open_service(clean_env)
    forbid_rebuild(monkeypatch)
    service.add(ArticleIn(title="Quick add", source="Wire", body="Added without an index."), actor="t")
    assert not service._indexes.default.loaded
    service.close()


def test_an_index_built_with_other_text_rules_is_rebuilt(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.search.keeper

    first = open_service(clean_env)
    first.stats()
    first.close()
    monkeypatch.setattr(bot.search.keeper, "TEXT_VERSION", TEXT_VERSION + 1)
    calls = []
    original = Store.iter_all

    def counting(self: Store, server: int = 0, batch: int = 5000) -> object:
        calls.append(1)
        return original(self, server, batch)

    monkeypatch.setattr(Store, "iter_all", counting)
    second = open_service(clean_env)
    assert second.stats().articles == 31
    assert calls == [1]
    second.close()


# ------------------------------------------- exact BM25 per server (each Discord server's coverage, issue 11)


@dataclass
class Row:
    seq: int
    server: int
    article_id: str
    body: str


@dataclass
class Model:
    """What each coverage should hold: the default collection's rows a server has not touched, plus its own."""

    rows: list[Row] = field(default_factory=list)
    touched: dict[int, set[str]] = field(default_factory=dict)
    seq: int = 0

    def visible(self, server: int) -> list[Row]:
        touched = self.touched.get(server, set())
        return [
            r for r in self.rows if r.server == server or (server and r.server == 0 and r.article_id not in touched)
        ]

    def add(self, server: int, article_id: str, body: str) -> None:
        self.seq += 1
        self.rows.append(Row(self.seq, server, article_id, body))
        if server:
            self.touched.setdefault(server, set()).add(article_id)

    def remove(self, server: int, article_id: str) -> None:
        self.rows = [r for r in self.rows if not (r.server == server and r.article_id == article_id)]
        if server:
            self.touched.setdefault(server, set()).add(article_id)


def check_exact(service: NewsService, model: Model, server: int, queries: list[list[str]]) -> None:
    """The server's sentence scores are rank-bm25's over that server's sentences alone, in order."""
    index = service.index_of(server or None)
    expected = [r.body[s:e] for r in model.visible(server) for s, e in sentence_spans(r.body)]
    collection = index._collections["sentence"]
    pids = collection.doc_ids()
    assert list(index._texts(pids, "sentence").values()) == expected
    assert [r.article_id for r in model.visible(server)] == [a.id for a in index.articles()]
    if not expected:
        return
    reference = BM25Okapi([tokenize(s) for s in expected])
    for terms in queries:
        assert collection.get_scores(terms).tobytes() == np.asarray(reference.get_scores(terms)).tobytes()


sentence = st.lists(st.sampled_from(WORDS), min_size=1, max_size=5).map(lambda ws: " ".join(ws).capitalize() + ".")
body = st.lists(sentence, min_size=1, max_size=3).map(" ".join)
step = st.one_of(
    st.tuples(st.just("add"), st.sampled_from([0, A, B]), body),
    st.tuples(st.just("remove"), st.sampled_from([0, A, B]), st.integers(min_value=0)),
    st.tuples(st.just("readd"), st.sampled_from([0, A, B]), st.integers(min_value=0), body),
    st.tuples(st.just("ask"), st.sampled_from([0, A, B])),
    st.tuples(st.just("reopen")),
    st.tuples(st.just("unload")),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    initial=st.lists(body, min_size=1, max_size=4),
    steps=st.lists(step, max_size=12),
    queries=st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3), min_size=1, max_size=3),
)
def test_each_server_scores_like_rank_bm25_over_its_own_passages_through_any_history(
    tmp_path_factory: pytest.TempPathFactory, initial: list[str], steps: list[tuple[Any, ...]], queries: list[list[str]]
) -> None:
    """Adds and removes in the default collection and in two servers, in any order, with restarts (saved indexes
    caught up from the change log) and unloads between them: every coverage stays exact, and holds exactly the
    default collection's articles it has not touched plus its own."""
    folder = tmp_path_factory.mktemp("servers")

    def open_service() -> NewsService:
        return NewsService(Store(folder / "db.sqlite3"), index_dir=folder / "index", index_idle_seconds=3600)

    service = open_service()
    model = Model()
    made = 0

    def add(server: int, text: str, article_id: str | None = None) -> None:
        nonlocal made
        made += 1
        article_id = article_id or f"story-{made}"
        service.add(ArticleIn(id=article_id, title=f"Story {made}", source="Wire", body=text), actor="t",
                    server=server or None)  # fmt: skip
        model.add(server, article_id, text)

    for text in initial:
        add(0, text)
    for server in (0, A, B):  # load the indexes first, so that later changes are replayed, not built
        check_exact(service, model, server, queries)
    for op in steps:
        if op[0] == "add":
            add(op[1], op[2])
        elif op[0] == "remove":
            present = model.visible(op[1])
            if present:
                gone = present[op[2] % len(present)].article_id
                service.remove(gone, actor="t", server=op[1] or None)
                model.remove(op[1], gone)
        elif op[0] == "readd":  # an id used before (in any coverage) added again where it is not visible
            ids = sorted({r.article_id for r in model.rows} | {i for t in model.touched.values() for i in t})
            hidden = [i for i in ids if i not in {r.article_id for r in model.visible(op[1])}]
            if hidden:
                add(op[1], op[3], hidden[op[2] % len(hidden)])
        elif op[0] == "ask":
            check_exact(service, model, op[1], queries)
        elif op[0] == "reopen":
            service.close()
            service = open_service()
        elif op[0] == "unload":
            service._indexes.idle_seconds = 0
            service.unload_idle_indexes()
            service._indexes.idle_seconds = 3600
    for server in (0, A, B):
        check_exact(service, model, server, queries)
    service.close()


def test_article_terms_are_every_term_of_its_headline_and_sentences_and_follow_removal() -> None:
    from bot.core.models import Article
    from bot.search.index import CoverageIndex

    def article(article_id: str, title: str, body: str) -> Article:
        return Article(
            id=article_id, title=title, source="Example", date=None, url=None, body=body, added_at="2024", added_by="t"
        )

    index = CoverageIndex()
    first = article("a1", "Storm hits coast", "The storm hit hard. Power lines fell.")
    index.add_articles([first, article("a2", "Election results", "Votes were counted.")])
    expected = set(tokenize(first.title))
    for sentence in split_sentences(first.body):
        expected.update(tokenize(sentence))
    assert index.article_terms("a1") == frozenset(expected)
    assert index.article_terms("a1") == frozenset(expected)  # from the cache
    index.remove_article("a1")
    index.add_articles([article("a1", "Budget passes", "The council approved it.")])
    assert index.article_terms("a1") == frozenset(tokenize("Budget passes") + tokenize("The council approved it."))
