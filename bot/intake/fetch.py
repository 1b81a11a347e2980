"""Fetching an article by URL, in one import: the names of :mod:`bot.core.urls`, :mod:`bot.intake.guard`,
:mod:`bot.intake.http`, :mod:`bot.intake.page` and :mod:`bot.intake.extract`.

Kept while code written against the old single module moves to those modules; new code imports from them.
"""

from __future__ import annotations

from bot.core.urls import check_url, normalize_url
from bot.intake.extract import MIN_ARTICLE_CHARS, ExtractedArticle, extract_article
from bot.intake.guard import DEFAULT_USER_AGENT, FetchPolicy, open_session, resolve_and_check
from bot.intake.http import fetch_article, fetch_page
from bot.intake.page import FEED_TYPES, FetchedPage, decode_html

__all__ = [
    "DEFAULT_USER_AGENT",
    "FEED_TYPES",
    "MIN_ARTICLE_CHARS",
    "ExtractedArticle",
    "FetchPolicy",
    "FetchedPage",
    "check_url",
    "decode_html",
    "extract_article",
    "fetch_article",
    "fetch_page",
    "normalize_url",
    "open_session",
    "resolve_and_check",
]
