"""Keeping a data directory healthy: the checks behind ``newsbot doctor``, and the slash commands' fingerprint.

Backups and restores are :meth:`bot.service.NewsService.backup` and :meth:`bot.service.NewsService.restore`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.core.config import Settings
from bot.core.errors import NewsBotError, StoreError

if TYPE_CHECKING:
    from bot.service import NewsService

__all__ = ["Check", "command_signature", "doctor"]


def command_signature(payload: list[dict[str, Any]]) -> str:
    """A fingerprint of the slash commands' definitions, to tell whether Discord has the current ones."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Check:
    """One finding. A warning (``ok`` but with a ``fix``) is worth doing but does not make newsbot unhealthy."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def doctor(
    settings: Settings,
    command_payload: Callable[[NewsService], list[dict[str, Any]]] | None = None,
) -> list[Check]:
    """Check what newsbot needs to run; each failed check says what to do about it."""
    checks: list[Check] = []
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    checks.append(
        Check("token", True, "DISCORD_TOKEN is set")
        if token
        else Check("token", False, "DISCORD_TOKEN is not set", "put the bot's token in the environment")
    )
    data_dir = settings.data_dir
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / ".newsbot-write-test"
        probe.write_text("ok")
        probe.unlink()
        checks.append(Check("data directory", True, f"{data_dir} is writable"))
    except OSError as exc:
        checks.append(
            Check("data directory", False, f"{data_dir}: {exc.strerror}", "set NEWSBOT_DATA_DIR to a writable folder")
        )
        return checks
    from bot.service import NewsService

    try:
        service = NewsService.open(settings)
    except StoreError as exc:
        checks.append(Check("database", False, str(exc)))
        return checks
    except (NewsBotError, sqlite3.Error) as exc:
        checks.append(Check("database", False, str(exc), "restore a backup with `newsbot restore FILE`"))
        return checks
    try:
        health = service.health()
        integrity = health.integrity
        checks.append(
            Check("database", integrity == "ok", f"{health.path}: schema {health.schema_version}, {integrity}",
                  "" if integrity == "ok" else "restore a backup with `newsbot restore FILE`")
        )  # fmt: skip
        stats = service.stats()
        checks.append(
            Check("corpus", stats.articles > 0, f"{stats.articles} articles, {stats.sentences} sentences",
                  "" if stats.articles else "add articles (`newsbot add`) or remove the data directory to reseed")
        )  # fmt: skip
        indexed = service.index.size("headline")
        checks.append(
            Check("index", indexed == stats.articles, f"{indexed} of {stats.articles} articles indexed",
                  "" if indexed == stats.articles else "restart newsbot to rebuild the index")
        )  # fmt: skip
        if command_payload is not None:
            synced = health.commands_signature
            current = command_signature(command_payload(service))
            if synced is None:
                checks.append(Check("commands", True, "the slash commands were never synced from this data directory",
                                    "run `newsbot sync --guild ID` or `newsbot sync`"))  # fmt: skip
            elif synced != current:
                checks.append(Check("commands", True, "the slash commands changed since the last sync",
                                    "run `newsbot sync` again"))  # fmt: skip
            else:
                checks.append(Check("commands", True, f"synced ({health.commands_synced_to})"))
    finally:
        service.close()
    return checks
