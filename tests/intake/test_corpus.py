"""The shipped corpus matches its sources: the seed page and seed-coverage.tsv."""

from __future__ import annotations

import csv
from pathlib import Path

from bot.core.text import split_sentences
from bot.intake.article_files import article_to_markdown, articles_from_text, load_corpus_dir
from bot.service import shipped_corpus_dir
from tests.conftest import SOURCES

ARTIFACTS = ("LA TimesWashington Post", "SlateDiscover Related")


def test_corpus_matches_the_tsv() -> None:
    rows = list(
        csv.DictReader((SOURCES / "seed-coverage.tsv").read_text(encoding="utf-8").splitlines(), delimiter="\t")
    )
    articles = load_corpus_dir(shipped_corpus_dir())
    assert len(articles) == 31
    main, reprint, *history = articles
    assert (main.source, main.date, reprint.source) == ("Washington Post", "2018-10-23", "LA Times")
    assert main.title == reprint.title == rows[0]["headline"]
    assert len(history) == 29
    for row, article in zip(rows[1:], history, strict=True):
        assert (article.title, article.source, article.date, article.url, article.body) == (
            row["headline"], row["outlet"], row["date"] or None, row["url"] or None, "",
        )  # fmt: skip
    for article in articles:
        assert article.source not in ARTIFACTS and all(a not in article.body for a in ARTIFACTS)


def test_the_body_is_the_seed_text_sentence_for_sentence() -> None:
    seed = (SOURCES / "seed-page.txt").read_text(encoding="utf-8")
    main = load_corpus_dir(shipped_corpus_dir())[0]
    sentences = split_sentences(main.body)
    assert len(sentences) == 7
    for sentence in sentences:
        assert sentence in seed
    assert " ".join(sentences) == seed.splitlines()[2].removeprefix("LA TimesWashington Post ").strip()


def test_markdown_round_trip() -> None:
    for article in load_corpus_dir(shipped_corpus_dir()):
        again = articles_from_text("a.md", article_to_markdown(article).encode())[0]
        assert again == article


def test_ids_are_unique_and_stable() -> None:
    articles = load_corpus_dir(shipped_corpus_dir())
    ids = [a.id for a in articles]
    assert len(set(ids)) == len(ids)
    assert ids[0] == "amazon-met-with-ice-officials-over-173ada"


def test_corpus_readme_documents_the_fields() -> None:
    readme = (Path(shipped_corpus_dir()) / "README.md").read_text(encoding="utf-8")
    for field in ("title", "source", "date", "url", "authors", "id"):
        assert f"`{field}`" in readme
