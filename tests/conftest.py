"""Shared fixtures: every test gets its own data directory and a clean environment."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.core.config import load_settings
from bot.service import NewsService
from tests.fakediscord import FakeDiscord
from tests.pg import pg_admin, pg_server, pg_url, store_backend  # noqa: F401 - fixtures for every test

REPO = Path(__file__).resolve().parent.parent
# The files the shipped corpus and the tests were made from (the seed page, seed-coverage.tsv), copied into the
# repository so that a clean clone runs every test; the HuffPost rows are the evaluation store's own copy.
SOURCES = REPO / "tests" / "data" / "sources"
HUFFPOST = REPO / "benchmarks" / "eval" / "huffpost.jsonl"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No setting leaks in from the machine; NEWSBOT_DATA_DIR points at a fresh folder."""
    for name in list(os.environ):
        if name.startswith("NEWSBOT_") or name == "DISCORD_TOKEN":
            monkeypatch.delenv(name)
    data_dir = tmp_path / "data"
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(data_dir))
    # No semantic reader unless a test asks for one (tests/test_semantic.py): loading the model takes a second.
    monkeypatch.setenv("NEWSBOT_READER", "off")
    # Answers in the bot's own threads unless a test asks for worker processes (tests/discord_app/test_workers.py):
    # a test that replaces a service method sees it called, and no bot start spawns processes it does not test.
    monkeypatch.setenv("NEWSBOT_ANSWER_PROCESSES", "0")
    return data_dir


@pytest.fixture
def service(clean_env: Path) -> Iterator[NewsService]:
    """A service over the shipped corpus in a fresh data directory."""
    svc = NewsService.open(load_settings())
    yield svc
    svc.close()


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A fake Discord on loopback that enforces Discord's rules (tests/fakediscord/)."""
    async with FakeDiscord() as server:
        yield server
