"""Turning what a moderator supplies (a URL, a file, a form) into a validated article.

Shared by ``newsbot add`` and ``/corpus add``, so both accept the same things and refuse them with the same
messages. Fetching is async (aiohttp); everything else here is plain.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from bot.core.config import Settings
from bot.core.errors import InvalidArticle
from bot.core.models import ArticleIn
from bot.intake.article_files import describe_validation_error
from bot.intake.extract import ExtractedArticle
from bot.intake.guard import FetchPolicy
from bot.intake.http import fetch_article

__all__ = ["article_from_fields", "article_from_url", "fetch_policy", "looks_like_url"]


def looks_like_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def fetch_policy(settings: Settings) -> FetchPolicy:
    """What the bot may fetch: public addresses only, unless the operator allows private ones."""
    return FetchPolicy(allow_private=settings.allow_private_urls)


def article_from_fields(fields: dict[str, Any], label: str = "article") -> ArticleIn:
    """Validate ``fields`` as an article; :class:`InvalidArticle` names each bad field."""
    try:
        return ArticleIn.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        raise InvalidArticle(f"{label}: {describe_validation_error(exc)}") from None


def from_extracted(page: ExtractedArticle, overrides: dict[str, Any] | None = None) -> ArticleIn:
    """The article a fetched page holds, with the moderator's overrides applied (they win)."""
    fields: dict[str, Any] = {
        "title": page.title,
        "source": page.source,
        "date": page.date,
        "url": page.url,
        "authors": list(page.authors),
        "body": page.body,
    }
    fields.update({k: v for k, v in (overrides or {}).items() if v})
    if not fields.get("title"):
        raise InvalidArticle(f"{page.url}: the page has no headline; give one with title")
    if not fields.get("source"):
        raise InvalidArticle(f"{page.url}: the page does not name its outlet; give one with source")
    return article_from_fields(fields, page.url)


async def article_from_url(url: str, policy: FetchPolicy, overrides: dict[str, Any] | None = None) -> ArticleIn:
    """Fetch ``url`` safely, extract its article and apply ``overrides``."""
    return from_extracted(await fetch_article(url, policy), overrides)
