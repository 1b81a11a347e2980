"""The Discord layer: a thin glue over :class:`bot.service.NewsService` (named so as not to shadow ``discord``)."""

from bot.discord_app.client import NewsBot, run_bot, sync_commands

__all__ = ["NewsBot", "run_bot", "sync_commands"]
