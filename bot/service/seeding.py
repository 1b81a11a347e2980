"""Seeding: the coverage that ships with newsbot (corpus/), loaded into the default collection of a new store.

A store is seeded once per version of the corpus (its fingerprint is kept in the store's meta table): every
command and the bot seed on open, and an unchanged corpus costs one meta lookup. An article already stored, or
removed at some time, is not added again, so a moderator's removal survives an upgrade.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from bot.core.errors import ConfigError
from bot.intake.article_files import load_corpus_dir
from bot.search.keeper import DEFAULT
from bot.storage.protocol import NewsStore

__all__ = ["seed_default_collection", "shipped_corpus_dir"]

log = logging.getLogger(__name__)


def shipped_corpus_dir() -> Path:
    """The coverage that ships with newsbot: corpus/ of a checkout, or its installed copy ``bot._corpus``."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package.parent / "corpus", package / "_corpus"):
        if (candidate / "articles").is_dir():
            return candidate
    raise ConfigError("the shipped corpus is missing; set NEWSBOT_CORPUS_DIR to a corpus directory")


def seed_default_collection(store: NewsStore, corpus_dir: Path) -> int:
    """Load ``corpus_dir`` into the default collection once per corpus version; idempotent. Returns how many
    were added."""
    articles = load_corpus_dir(corpus_dir)
    fingerprint = hashlib.sha256("\n".join(a.model_dump_json() for a in articles).encode()).hexdigest()
    if store.get_meta("corpus_fingerprint") == fingerprint:
        return 0
    store.verify()  # never seed over a damaged database: its articles would be lost for good
    removed = store.removed_ids()
    fresh = [a for a in articles if a.id not in removed]
    added = store.add_many(
        DEFAULT,
        fresh,
        actor="corpus",
        action="seed",
        allow_same_text=True,
        skip_existing_ids=True,
        meta={"corpus_fingerprint": fingerprint, "corpus_dir": str(corpus_dir)},
    )
    if added:
        log.info("seeded %d articles from %s", len(added), corpus_dir)
    return len(added)
