"""The coverage index: BM25 as rank-bm25 defines it over the shipped sentences, and the saved index that makes
a restart fast (loaded, caught up by replaying the change log, or rebuilt when it belongs to another history)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from bot.core.config import load_settings
from bot.core.models import ArticleIn
from bot.core.text import split_sentences, tokenize
from bot.intake.corpus import load_corpus_dir
from bot.service import NewsService, shipped_corpus_dir
from bot.storage.store import Store


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
    assert (clean_env / "index" / "articles.json").exists()
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
    (clean_env / "index" / "articles.json").write_text("{not json")
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
    monkeypatch.setattr(bot.search.keeper, "TEXT_VERSION", bot.search.keeper.TEXT_VERSION + 1)
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
