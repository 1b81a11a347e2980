"""Listings and reports: the article list, the corpus counts, an import's report, a removal, the doctor's findings.

The rest of what newsbot prints besides answers, timelines and sources (those are in :mod:`bot.present.render`).
Each function returns text and prints nothing, so the command line and Discord show the same facts the same way;
text that came from an article goes through the style's escaping.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from bot.core.models import Article, ArticleIn, Stats, StoreCopy, format_date
from bot.core.shorten import clip
from bot.core.text import split_sentences
from bot.present.style import PLAIN, Style

__all__ = [
    "Finding",
    "Listed",
    "article_choice",
    "describe_article",
    "fit_lines",
    "render_added",
    "render_added_from_file",
    "render_article_digest",
    "render_article_list",
    "render_findings",
    "render_import_problems",
    "render_import_report",
    "render_preview_fields",
    "render_preview_title",
    "render_store_copy",
    "render_removed",
    "render_stats",
]

IMPORT_PROBLEMS_SHOWN = 50


def describe_article(article: Article | ArticleIn, style: Style = PLAIN) -> str:
    """``headline (outlet, date)``: how a confirmation names an article."""
    return f"{style.escape(article.title)} ({style.escape(article.source)}, {format_date(article.date)})"


def render_removed(article: Article, style: Style = PLAIN) -> str:
    """The confirmation of a removal (a sentence, with its full stop, in Discord)."""
    end = "" if style is PLAIN else "."
    return f"Removed {style.code(article.id)}: {describe_article(article, style)}{end}"


def render_added(article: Article, style: Style = PLAIN) -> str:
    """The confirmation of an article added from Discord: its id, and that it can be asked about."""
    return f"Added {style.code(article.id)}: {describe_article(article, style)}. It can be asked about now."


def render_added_from_file(count: int, filename: str, style: Style = PLAIN) -> str:
    """The confirmation of the articles of one uploaded file (its name is the uploader's: escaped)."""
    return f"Added {count} articles from {style.escape(filename)}."


class Listed(Protocol):
    """What a listing shows of an article (an :class:`Article`, or the index's lighter reference to one)."""

    @property
    def id(self) -> str: ...
    @property
    def date(self) -> str | None: ...
    @property
    def source(self) -> str: ...
    @property
    def title(self) -> str: ...


CHOICE_CHARS = 100  # Discord's limit for an autocomplete choice's name


def article_choice(article: Listed) -> str:
    """An article as an autocomplete choice names it (plain text: Discord shows choices without markdown)."""
    return clip(f"{article.title} — {article.source}, {format_date(article.date)}", CHOICE_CHARS)


def render_article_list(articles: Sequence[Listed]) -> str:
    """One line an article for a terminal: id, date, outlet, headline; ids padded to one column."""
    width = max((len(a.id) for a in articles), default=0)
    return "\n".join(
        f"{a.id:<{width}}  {format_date(a.date):>11}  {PLAIN.escape(a.source)}: {PLAIN.escape(a.title)}"
        for a in articles
    )


def render_article_digest(articles: Sequence[Listed], style: Style, *, max_chars: int) -> str:
    """The newest articles, one line each (headlines cut at 120 characters), as many as fit ``max_chars``,
    then how many more there are and where to see them all."""
    lines = [
        f"{style.code(a.id)} {format_date(a.date)} · {style.escape(a.source)}: {style.escape(clip(a.title, 120))}"
        for a in articles
    ]
    return fit_lines(lines, max_chars, f"see {style.code('newsbot list')}") or "The corpus is empty."


def fit_lines(lines: Sequence[str], max_chars: int, where_more: str) -> str:
    """As many of ``lines`` as fit ``max_chars``, then "… and N more (``where_more``)" for the rest."""
    shown: list[str] = []
    for line in lines:
        if sum(len(x) + 1 for x in shown) + len(line) > max_chars:
            break
        shown.append(line)
    more = len(lines) - len(shown)
    return "\n".join(shown) + (f"\n… and {more} more ({where_more})" if more else "")


def render_stats(stats: Stats, style: Style = PLAIN, *, database: object | None = None) -> str:
    """The corpus counts: an aligned table for a terminal (with where the store is when given: the SQLite file,
    or the PostgreSQL server's address), one sentence in Discord."""
    s = stats
    if style is not PLAIN:
        return (
            f"{style.bold(str(s.articles))} articles ({s.with_text} with text, {s.headlines_only} headlines only), "
            f"{style.bold(str(s.sentences))} sentences, {style.bold(str(s.outlets))} outlets, "
            f"from {format_date(s.first_date)} to {format_date(s.last_date)} ({s.undated} undated). "
            f"Last change: {s.last_change or 'none'}."
        )
    dates = f"{format_date(s.first_date)} to {format_date(s.last_date)}" if s.first_date else "none"
    lines = [
        f"articles:        {s.articles} ({s.with_text} with text, {s.headlines_only} headlines only)",
        f"sentences:       {s.sentences}",
        f"outlets:         {s.outlets}",
        f"dates:           {dates} ({s.undated} undated)",
        f"last change:     {s.last_change or 'none'}",
    ]
    if database is not None:
        lines.append(f"database:        {database}")
    return "\n".join(lines)


def render_import_problems(duplicates: Sequence[str], errors: Sequence[str]) -> list[str]:
    """The lines an import prints on stderr: skipped duplicates and bad lines, the first fifty of each."""
    shown = IMPORT_PROBLEMS_SHOWN
    lines = [f"newsbot: skipped duplicate: {line}" for line in duplicates[:shown]]
    lines += [f"newsbot: error: {line}" for line in errors[:shown]]
    if len(errors) > shown:
        lines.append(f"newsbot: error: ... and {len(errors) - shown} more bad lines")
    return lines


def render_import_report(report: Mapping[str, int]) -> str:
    """One sentence: what an import added and what it left alone (``report`` as ``newsbot import --json``)."""
    return (
        f"Imported {report['added']} articles ({report['unchanged']} already stored, "
        f"{report['duplicates']} duplicates skipped, {report['invalid']} bad lines skipped)."
    )


class Finding(Protocol):
    """One of the doctor's findings (:class:`bot.ops.maintenance.Check`): a warning is ``ok`` with a ``fix``."""

    @property
    def name(self) -> str: ...
    @property
    def ok(self) -> bool: ...
    @property
    def detail(self) -> str: ...
    @property
    def fix(self) -> str: ...


def render_findings(findings: Iterable[Finding], *, quiet: bool = False) -> list[str]:
    """``ok``/``WARN``/``FAIL`` lines, each problem with what to do about it; only the problems when ``quiet``."""
    lines = []
    for check in findings:
        if quiet and check.ok and not check.fix:
            continue
        mark = "FAIL" if not check.ok else "WARN" if check.fix else "ok  "
        line = f"{mark} {check.name}: {check.detail}" + (f" — {check.fix}" if check.fix else "")
        lines.append(PLAIN.escape(line))  # a detail may quote a path or a setting: shown, never obeyed
    return lines


def render_preview_title(article: ArticleIn, style: Style, *, max_chars: int) -> str:
    """The headline a moderator confirms, escaped (an embed's title shows markdown) and cut to ``max_chars``."""
    return clip(style.escape(article.title), max_chars)


def render_preview_fields(article: ArticleIn, style: Style, *, field_chars: int) -> list[tuple[str, str, bool]]:
    """What a moderator checks before an article is stored, as (name, value, inline) fields of ``field_chars``
    at most: outlet, date, authors, and the opening two sentences of its text."""
    sentences = split_sentences(article.body)
    opening = " ".join(sentences[:2]) if sentences else "(no article text: only the headline will be stored)"
    authors = ", ".join(article.authors) or "unknown"
    return [
        ("Outlet", clip(style.escape(article.source), field_chars), True),
        ("Date", format_date(article.date), True),
        ("Authors", clip(style.escape(authors), field_chars), True),
        (f"Text ({len(sentences)} sentences)", clip(style.escape(opening), field_chars), False),
    ]


def render_store_copy(copy: StoreCopy) -> str:
    """``newsbot migrate-store``'s report: what was copied (or found there already), every table counted on both
    sides, and what to do next."""
    if copy.copied:
        head = f"Copied {copy.source} to {copy.target} in {copy.seconds:.1f} s (store id {copy.store_id})."
    else:
        head = f"{copy.target} holds this store already (store id {copy.store_id}); nothing was copied."
    width = max(len(name) for name, _, _ in copy.tables)
    lines = [head, f"  {'table':<{width}}  {'SQLite':>10}  {'PostgreSQL':>10}"]
    for name, there, here in copy.tables:
        lines.append(f"  {name:<{width}}  {there:>10,}  {here:>10,}" + ("" if there == here else "  differs"))
    if copy.newer_changes:
        lines.append(
            f"It has {copy.newer_changes:,} changes made since the copy (newsbot has been running on it): "
            "the counts differ by those."
        )
    elif copy.verified:
        lines.append("Verified: every table holds the same rows in both.")
    else:
        lines.append("NOT verified: the counts differ; run `newsbot migrate-store` again, then `newsbot doctor`.")
    if copy.verified:
        lines.append(
            "Set NEWSBOT_DATABASE_URL to that address on every host to use it; the SQLite file is left as it was."
        )
    return "\n".join(lines)
