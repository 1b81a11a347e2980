"""Listings and reports: the article list, the corpus counts, an import's report, a removal, the doctor's findings.

The rest of what newsbot prints besides answers, timelines and sources (those are in :mod:`bot.present.render`).
Each function returns text and prints nothing, so the command line and Discord show the same facts the same way;
text that came from an article goes through the style's escaping.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from bot.core.models import Article, ArticleIn, Stats, format_date
from bot.present.style import PLAIN, Style

__all__ = [
    "Finding",
    "describe_article",
    "render_article_list",
    "render_findings",
    "render_import_problems",
    "render_import_report",
    "render_removed",
    "render_stats",
]

IMPORT_PROBLEMS_SHOWN = 50


def describe_article(article: Article | ArticleIn, style: Style = PLAIN) -> str:
    """``headline (outlet, date)``: how a confirmation names an article."""
    return f"{style.escape(article.title)} ({style.escape(article.source)}, {format_date(article.date)})"


def render_removed(article: Article, style: Style = PLAIN) -> str:
    return f"Removed {article.id}: {describe_article(article, style)}"


def render_article_list(articles: Sequence[Article]) -> str:
    """One line an article for a terminal: id, date, outlet, headline; ids padded to one column."""
    width = max((len(a.id) for a in articles), default=0)
    return "\n".join(f"{a.id:<{width}}  {format_date(a.date):>11}  {a.source}: {a.title}" for a in articles)


def render_stats(stats: Stats, *, data_dir: object | None = None) -> str:
    """The corpus counts as an aligned table for a terminal (with the data directory when given)."""
    s = stats
    dates = f"{format_date(s.first_date)} to {format_date(s.last_date)}" if s.first_date else "none"
    lines = [
        f"articles:        {s.articles} ({s.with_text} with text, {s.headlines_only} headlines only)",
        f"sentences:       {s.sentences}",
        f"outlets:         {s.outlets}",
        f"dates:           {dates} ({s.undated} undated)",
        f"last change:     {s.last_change or 'none'}",
    ]
    if data_dir is not None:
        lines.append(f"data directory:  {data_dir}")
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
        lines.append(f"{mark} {check.name}: {check.detail}" + (f" — {check.fix}" if check.fix else ""))
    return lines
