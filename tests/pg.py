"""The PostgreSQL the tests use (127.0.0.1:5432, user postgres, trust; database ``test``), each test in a store of
its own: a fresh schema in a database made for this test session, dropped at its end, so parallel test runs (and
the engineers who share the server) never see each other's tables or locks.

When the server cannot be reached, a test that needs it fails where the environment variable ``CI`` is set (CI
must run the PostgreSQL store's tests) and is skipped elsewhere. Fixtures (registered in ``tests/conftest.py``):
``pg_url`` (a fresh, empty store's URL), ``pg_server`` (the session database's URL, for tests that make their
own schemas or connections), ``pg_admin`` (run SQL in the session database, e.g. to look at or end connections).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest

__all__ = ["PG_ADMIN_URL", "PgAdmin", "pg_admin", "pg_server", "pg_url", "schema_url", "store_backend"]

PG_ADMIN_URL = os.environ.get("NEWSBOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")

PgAdmin = Callable[..., list[tuple[Any, ...]]]


def _unreachable(why: str) -> None:
    message = f"the PostgreSQL server for the tests ({PG_ADMIN_URL}) is not usable: {why}"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI must run the PostgreSQL tests: start it as .ci/run does)")
    pytest.skip(message)


def schema_url(database_url: str, schema: str) -> str:
    """``database_url`` with ``search_path`` set to ``schema``: a newsbot store of its own in that database."""
    separator = "&" if "?" in database_url else "?"
    return f"{database_url}{separator}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A database of this test session's own (``newsbot_t_<random>``), dropped when the session ends."""
    try:
        import psycopg
    except ImportError as exc:
        _unreachable(f"psycopg is not installed ({exc}): pip install -e '.[dev]'")
        raise
    name = f"newsbot_t_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        _unreachable(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_admin(pg_server: str) -> Iterator[PgAdmin]:
    """Run one statement in the session's database (autocommit) and get its rows."""
    import psycopg

    with psycopg.connect(pg_server, autocommit=True) as conn:

        def run(sql: str, *params: Any) -> list[tuple[Any, ...]]:
            cursor = conn.execute(sql, params or None)
            return list(cursor.fetchall()) if cursor.description else []

        yield run


@pytest.fixture
def pg_url(pg_server: str, pg_admin: PgAdmin) -> Iterator[str]:
    """The URL of a fresh, empty newsbot store: a new schema in the session's database, dropped after the test."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    pg_admin(f'CREATE SCHEMA "{schema}"')
    yield schema_url(pg_server, schema)
    pg_admin(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def store_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test once on each backend: for ``postgresql``, NEWSBOT_DATABASE_URL names a fresh store (so
    ``NewsService.open(load_settings())`` opens it); for ``sqlite`` the data directory's database, as by default."""
    backend = str(request.param)
    if backend == "postgresql":
        monkeypatch.setenv("NEWSBOT_DATABASE_URL", request.getfixturevalue("pg_url"))
    return backend
