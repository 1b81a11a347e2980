"""Near-misses that change one nationality or party of what an article says, typed in lower case, are refused;
the question the article does answer keeps its quote. On the real text of the evaluation store: every Lee article
and HuffPost item of benchmarks/eval, so the question words' rarity and the coverage's capitals are those of real
coverage."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.config import load_settings
from bot.intake.bulk import read_import
from bot.search.names import known_name
from bot.service import NewsService

EVAL = Path(__file__).resolve().parents[2] / "benchmarks" / "eval"


@pytest.fixture(scope="module")
def news(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NewsService]:
    root = tmp_path_factory.mktemp("near-miss")
    (root / "corpus" / "articles").mkdir(parents=True)
    service = NewsService.open(load_settings(data_dir=root / "data", corpus_dir=root / "corpus", reader="off"))
    for path, kind in ((EVAL / "lee.jsonl", "newsbot"), (EVAL / "huffpost.jsonl", "huffpost")):
        items, errors = read_import(path, kind)  # type: ignore[arg-type]
        service.add_many(service.plan_import(items, errors).to_add, actor="test")  # repeated texts skipped
    yield service
    service.close()


def _first(news: NewsService, question: str) -> str:
    answer = news.ask(question)
    assert answer.answered, question
    return answer.quotes[0].text


def test_a_plural_nationality_is_held_like_a_name(news: NewsService) -> None:
    assert news.ask("how many britons died in the interlaken canyoning tragedy").answered is False
    answer = news.ask("how many australians died in the interlaken canyoning tragedy")
    assert any("14 Australians" in q.text or "14 of them Australians" in q.text for q in answer.quotes)


def test_a_party_typed_in_lower_case_is_held_like_a_name(news: NewsService) -> None:
    # "Republican Chuck Hagel of the Foreign Relations Committee says the administration must make the tapes public."
    assert news.ask("which democrat wants the bin laden tapes made public").answered is False
    assert _first(news, "which republican wants the bin laden tapes made public").startswith("Republican Chuck Hagel")


def test_which_lower_case_words_are_names() -> None:
    assert [w for w in ("britons", "australians", "china", "geneva", "democrat") if known_name(w)] == [
        "britons", "australians", "china", "geneva", "democrat"
    ]  # fmt: skip
    assert [w for w in ("centre", "north", "id", "turkey", "boss", "halted", "tell", "white") if known_name(w)] == []
