"""Bulk import and export: many articles in one transaction, and the corpus back out in the corpus/ format.

An import is checked whole before anything is stored: every bad line is reported with its number and field, and
by default one bad line stores nothing (``skip_invalid`` keeps the good ones). A duplicate (the same URL, or the
same text from the same outlet, as a stored article or an earlier line) is not an error: it is skipped and
reported with what it duplicates. An article already stored exactly as given is counted as unchanged, so
importing an export again is idempotent; an id already used by a *different* article is an error.

Formats: ``newsbot`` (the article format: title, source, date, url, authors, body, optional id; JSON Lines, or a
corpus directory of .md files) and ``huffpost`` (the News Category Dataset: headline, short_description, date,
link, authors, category), mapped as documented in :func:`huffpost_fields`.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import ValidationError

from bot.core.errors import InvalidArticle, InvalidInput
from bot.core.models import Article, ArticleIn, future_date_problem, make_article_id
from bot.intake.article_files import (
    JSONProblem,
    article_to_markdown,
    describe_validation_error,
    json_type,
    load_corpus_dir,
    parse_json,
)
from bot.storage.keys import DuplicateKeys

__all__ = ["Format", "ImportPlan", "StoredArticles", "export_corpus", "huffpost_fields", "plan_import", "read_import"]

Format = Literal["newsbot", "huffpost"]
HUFFPOST_OUTLET = "HuffPost"


@dataclass
class ImportPlan:
    """What an import would do: the articles to add, the problems found, and what is already stored."""

    to_add: list[ArticleIn] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    unchanged: int = 0
    read: int = 0


def huffpost_fields(row: dict[str, Any]) -> dict[str, Any]:
    """A News Category Dataset row as an article: ``headline`` -> title, ``short_description`` -> body (one
    sentence), ``date`` -> date, ``link`` -> url, ``authors`` (a string) -> a list of names, and the outlet is
    "HuffPost". ``category`` has no place in the article model and is dropped."""
    authors = row.get("authors") or ""
    return {
        "title": row.get("headline"),
        "source": HUFFPOST_OUTLET,
        "date": row.get("date"),
        "url": row.get("link"),
        "authors": [a.strip() for a in re.split(r",| and ", authors) if a.strip()]
        if isinstance(authors, str)
        else authors,
        "body": row.get("short_description") or "",
    }


def read_import(
    path: Path, fmt: Format = "newsbot", *, on_line: Callable[[int], None] | None = None
) -> tuple[list[tuple[str, ArticleIn]], list[str]]:
    """Parse and validate every article in ``path`` (a .jsonl file, or a corpus directory of .md files).

    Returns ``(where, article)`` pairs and error lines ("FILE:LINE: field 'date': ..."), never raising for a bad
    line so that all of them can be reported at once."""
    if path.is_dir():
        if fmt != "newsbot":
            raise InvalidArticle(f"{path}: a directory is read in the newsbot (corpus/) format only")
        return [(f"{path}: {a.id or a.title}", a) for a in load_corpus_dir(path)], []
    if not path.is_file():
        raise InvalidArticle(f"{path}: no such file or directory")
    good: list[tuple[str, ArticleIn]] = []
    errors: list[str] = []
    for number, line, problem in _lines(path):
        if on_line is not None:
            on_line(number)
        where = f"{path}:{number}"
        if problem is not None:
            errors.append(f"{where}: {problem}")
            continue
        try:
            raw = parse_json(line)
        except JSONProblem as exc:
            errors.append(f"{where}: {exc}")
            continue
        if not isinstance(raw, dict):
            errors.append(f"{where}: expected an article object, got {json_type(raw)}")
            continue
        fields = huffpost_fields(raw) if fmt == "huffpost" else raw
        try:
            good.append((where, ArticleIn.model_validate(fields)))
        except ValidationError as exc:
            errors.append(f"{where}: {describe_validation_error(exc)}")
    if not good and not errors:
        errors.append(f"{path}: the file holds no article")
    return good, errors


def _lines(path: Path) -> Iterator[tuple[int, str, str | None]]:
    """Non-blank lines with their numbers, and for a line that is not UTF-8 the problem instead."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield number, "", f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})"
                continue
            if line.strip():
                yield number, line, None


class StoredArticles(Protocol):
    """What an import plan asks of the store: the stored articles with some ids, and which duplicate keys stored
    articles have (:meth:`bot.storage.store.Store.duplicate_ids`), both looked up by index."""

    def articles_by_id(self, ids: Collection[str]) -> dict[str, Article]: ...

    def duplicate_ids(self, keys: Collection[DuplicateKeys]) -> tuple[dict[str, str], dict[tuple[str, str], str]]: ...


def plan_import(
    stored_articles: StoredArticles,
    items: list[tuple[str, ArticleIn]],
    errors: list[str],
    *,
    allow_future_dates: bool = False,
) -> ImportPlan:
    """Check ``items`` against the stored articles and each other by the one duplicate rule
    (:mod:`bot.storage.keys`); only the keys of ``items`` are looked up, and nothing is written."""
    plan = ImportPlan(errors=list(errors), read=len(items) + len(errors))
    if not allow_future_dates:  # an article dated in the future is a bad line (NEWSBOT_ALLOW_FUTURE_DATES)
        dated = []
        for where, article in items:
            problem = future_date_problem(article.date)
            if problem is None:
                dated.append((where, article))
            else:
                plan.errors.append(f"{where}: {problem}")
        items = dated
    identified = [(where, article.model_copy(update={"id": _article_id(article)})) for where, article in items]
    keys = [DuplicateKeys.of(article) for _, article in identified]
    existing = stored_articles.articles_by_id([article.id for _, article in identified if article.id])
    stored_urls, stored_texts = stored_articles.duplicate_ids(keys)
    by_url = {key: f"already stored as {article_id}" for key, article_id in stored_urls.items()}
    by_text = {key: f"already stored as {article_id}" for key, article_id in stored_texts.items()}
    seen_ids: dict[str, str] = {}
    for (where, article), key in zip(identified, keys, strict=True):
        article_id = article.id or ""
        stored = existing.get(article_id)
        if stored is not None:
            if _same(stored, article):
                plan.unchanged += 1
            else:
                plan.errors.append(f"{where}: id {article_id} is already used by {stored.title!r} ({stored.source})")
            continue
        if article_id in seen_ids:
            plan.duplicates.append(f"{where}: the same article (id {article_id}) is already at {seen_ids[article_id]}")
            continue
        if key.url and key.url in by_url:
            plan.duplicates.append(f"{where}: the same URL is {by_url[key.url]}")
            continue
        if key.text and key.text in by_text:
            plan.duplicates.append(f"{where}: the same text from {article.source} is {by_text[key.text]}")
            continue
        seen_ids[article_id] = where
        if key.url:
            by_url[key.url] = f"already at {where}"
        if key.text:
            by_text[key.text] = f"already at {where}"
        plan.to_add.append(article)
    return plan


def _article_id(article: ArticleIn) -> str:
    return article.id or make_article_id(article.source, article.title, article.date, article.url)


def _same(stored: Article, new: ArticleIn) -> bool:
    fields = ("title", "source", "date", "url", "authors", "body")
    return all(getattr(stored, f) == getattr(new, f) for f in fields)


def export_corpus(articles: Iterable[Article], directory: Path, *, replace: bool = False) -> int:
    """Write every article to ``directory/articles/NNNNN-outlet-headline.md`` (the corpus/ format), in the order
    they were added, so that importing the directory gives the same corpus.

    ``directory`` must be empty (or missing): files left from an earlier export would bring removed articles back on
    the next import. With ``replace``, what is there is replaced whole: the export is written beside it and swapped
    in, so a failure leaves the old folder as it was."""
    if directory.exists() and not directory.is_dir():
        raise InvalidInput(f"{directory}: not a folder")
    occupied = directory.is_dir() and any(directory.iterdir())
    if occupied and not replace:
        raise InvalidInput(
            f"{directory}: the folder is not empty (an earlier export?); export to an empty folder, or use --force "
            "to replace what is there"
        )
    staging = directory.parent / f".{directory.name}.export-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    folder = staging / "articles"
    folder.mkdir(parents=True)
    count = 0
    try:
        for count, article in enumerate(articles, start=1):
            name = f"{count:05d}-{_slug(article.source)}-{_slug(article.title)[:40].rstrip('-')}.md"
            (folder / name).write_text(article_to_markdown(article), encoding="utf-8")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if directory.exists():
        old = directory.parent / f".{directory.name}.replaced-{os.getpid()}"
        directory.rename(old)
        staging.rename(directory)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(directory)
    return count


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "x"
