"""What only the PostgreSQL store has to get right: selecting it, migrations run once by processes that start
together, readers that never wait, a database that is not newsbot's or lost a table, a server that is away or
refuses, a connection broken under it, and the operator's tools (backup, restore, doctor) saying what applies."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import cli
from bot.core.config import load_settings
from bot.core.errors import ConfigError, StoreBusy, StoreDamaged, StoreError, StoreUnavailable
from bot.core.models import ArticleIn
from bot.service import NewsService
from bot.storage import pg_connection
from bot.storage.connection import latest_schema_version
from bot.storage.pg_store import PgStore
from bot.storage.store import Store, open_store
from tests.pg import PgAdmin, schema_url

pytestmark = pytest.mark.usefixtures("pg_server")


def schema_of(url: str) -> str:
    return url.rsplit("search_path%3D", 1)[1]


def test_the_url_selects_postgresql_and_sqlite_stays_the_default(pg_url: str, clean_env: Path) -> None:
    clean_env.mkdir()
    sqlite = open_store(load_settings())
    assert isinstance(sqlite, Store) and sqlite.path == str(clean_env / "newsbot.sqlite3")
    sqlite.close()
    pg = open_store(load_settings(database_url=pg_url))
    assert isinstance(pg, PgStore) and pg.health().schema_version == latest_schema_version()
    pg.close()
    with pytest.raises(ConfigError, match="NEWSBOT_DATABASE_URL: Value error, must be a PostgreSQL URL"):
        load_settings(database_url="mysql://root@localhost/db")


def test_processes_starting_together_migrate_once(pg_url: str, pg_admin: PgAdmin) -> None:
    stores: list[PgStore] = []
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def open_one() -> None:
        start.wait()
        try:
            stores.append(PgStore(pg_url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(stores) == 6
    schema = schema_of(pg_url)
    rows = pg_admin(f'SELECT version, name FROM "{schema}".schema_migrations ORDER BY version')
    assert rows == [
        (1, "initial"),
        (2, "feeds"),
        (3, "servers"),
        (4, "answers"),
        (5, "gaps"),
        (6, "feedback"),
        (7, "alerts"),
        (8, "leases"),
        (9, "alert_delivery"),
        (10, "alert_changes"),
    ]
    assert len({s.store_id() for s in stores}) == 1
    assert pg_admin(f"SELECT count(*) FROM \"{schema}\".meta WHERE key = 'store_id'") == [(1,)]
    for store in stores:
        store.close()


def test_readers_never_wait_for_the_migration_or_the_write_lock(pg_url: str, pg_admin: PgAdmin) -> None:
    store = PgStore(pg_url)
    store.add(0, ArticleIn(title="One", source="AP", body="Text."), actor="t")
    schema = schema_of(pg_url)
    key = f"hashtext('{schema}')"
    pg_admin(f"SELECT pg_advisory_lock({pg_connection._MIGRATE_LOCK}, {key})")
    pg_admin(f"SELECT pg_advisory_lock({pg_connection._WRITE_LOCK}, {key})")
    try:
        again = PgStore(pg_url)  # the schema is current: opening takes no lock
        assert again.count() == 1 and [a.title for a in again.all()] == ["One"]
        again.close()
    finally:
        pg_admin("SELECT pg_advisory_unlock_all()")
    store.close()


def test_a_writer_meeting_another_is_told_the_store_is_busy(
    pg_url: str, pg_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    monkeypatch.setattr(pg_connection, "_BUSY_S", 1)
    store = PgStore(pg_url)
    holder = psycopg.connect(pg_url)
    try:
        holder.execute("SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", (pg_connection._WRITE_LOCK,))
        with pytest.raises(StoreBusy, match="^the database is busy: another newsbot process is writing; try again$"):
            store.add(0, ArticleIn(title="Waits", source="AP", body="Text."), actor="t")
    finally:
        holder.rollback()
        holder.close()
    assert store.count() == 0 and store.changes() == []
    store.add(0, ArticleIn(title="Waits", source="AP", body="Text."), actor="t")
    assert store.count() == 1
    store.close()


def test_tables_that_are_not_newsbots_are_never_written_over(pg_url: str, pg_admin: PgAdmin) -> None:
    schema = schema_of(pg_url)
    pg_admin(f'CREATE TABLE "{schema}".articles (id TEXT)')
    pg_admin(f"INSERT INTO \"{schema}\".articles VALUES ('theirs')")
    with pytest.raises(StoreDamaged, match=r"has newsbot's tables \(articles\) but no record of its schema"):
        PgStore(pg_url)
    tables = pg_admin(f"SELECT table_name FROM information_schema.tables WHERE table_schema = '{schema}'")
    assert tables == [("articles",)] and pg_admin(f'SELECT id FROM "{schema}".articles') == [("theirs",)]


def test_a_store_that_lost_a_table_is_refused_and_doctor_says_so(pg_url: str, pg_admin: PgAdmin) -> None:
    PgStore(pg_url).close()
    pg_admin(f'DROP TABLE "{schema_of(pg_url)}".feed_items')
    with pytest.raises(StoreDamaged, match="has lost its tables feed_items; restore it from a backup"):
        PgStore(pg_url)
    result = CliRunner().invoke(cli, ["doctor"], env={"NEWSBOT_DATABASE_URL": pg_url})
    assert result.exit_code == 1
    assert "has lost its tables feed_items" in result.stdout


def test_a_newer_schema_is_refused(pg_url: str, pg_admin: PgAdmin) -> None:
    PgStore(pg_url).close()
    pg_admin(f"INSERT INTO \"{schema_of(pg_url)}\".schema_migrations VALUES (99, 'future', 'then')")
    latest = latest_schema_version()
    with pytest.raises(StoreError, match=rf"has schema version 99, newer than this newsbot's \({latest}\): upgrade"):
        PgStore(pg_url)


def test_a_server_that_is_away_or_refuses_is_reported_without_the_password(pg_server: str) -> None:
    with pytest.raises(StoreUnavailable) as away:
        PgStore("postgresql://postgres:sekrit@127.0.0.1:1/newsbot")
    assert str(away.value) == "the database is unavailable; try again"  # fit for Discord: no address
    assert away.value.details == "postgresql://postgres@127.0.0.1:1/newsbot: Connection refused"  # the operator's
    missing = pg_server.rsplit("/", 1)[0] + "/newsbot_no_such_db"
    with pytest.raises(StoreError) as refused:
        PgStore(missing)
    assert not isinstance(refused.value, StoreUnavailable)
    assert str(refused.value) == (
        "the database postgresql://postgres@127.0.0.1:5432/newsbot_no_such_db refused newsbot (database "
        '"newsbot_no_such_db" does not exist): check NEWSBOT_DATABASE_URL'
    )
    result = CliRunner().invoke(cli, ["stats"], env={"NEWSBOT_DATABASE_URL": "postgresql://u:sekrit@127.0.0.1:1/x"})
    assert result.exit_code == 1 and "sekrit" not in result.output
    assert result.stderr == (
        "newsbot: error: the database is unavailable; try again\n"
        "newsbot: error: postgresql://u@127.0.0.1:1/x: Connection refused\n"
    )


def test_a_connection_ended_under_the_store_is_replaced(pg_url: str, pg_server: str, pg_admin: PgAdmin) -> None:
    store = PgStore(pg_url)
    store.add(0, ArticleIn(title="One", source="AP", body="Text."), actor="t")
    ended = pg_admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'newsbot' "
        "AND datname = current_database() AND pid <> pg_backend_pid()"
    )
    assert ended and all(ok for (ok,) in ended)
    assert store.count() == 1  # a fresh connection, no error
    store.add(0, ArticleIn(title="Two", source="AP", body="More text."), actor="t")
    assert store.count() == 2
    store.close()


def test_backup_and_restore_point_to_pg_dump(pg_url: str, tmp_path: Path) -> None:
    env = {"NEWSBOT_DATABASE_URL": pg_url}
    backup = CliRunner().invoke(cli, ["backup", str(tmp_path / "b.sqlite3")], env=env)
    assert backup.exit_code == 2 and not (tmp_path / "b.sqlite3").exists()
    assert "the store is PostgreSQL (NEWSBOT_DATABASE_URL): back it up with the server's own tool, `pg_dump" in (
        " ".join(backup.stderr.split())
    )
    (tmp_path / "b.sqlite3").write_bytes(b"x")
    restore = CliRunner().invoke(cli, ["restore", str(tmp_path / "b.sqlite3")], env=env, input="")
    assert restore.exit_code == 2 and "pg_restore" in restore.stderr and "Replace" not in restore.output


def test_doctor_checks_the_connection_and_the_schema(pg_url: str) -> None:
    result = CliRunner().invoke(cli, ["doctor"], env={"NEWSBOT_DATABASE_URL": pg_url, "DISCORD_TOKEN": "x"})
    database = [line for line in result.stdout.splitlines() if "database" in line]
    assert database and database[0].endswith(
        f"postgresql://postgres@127.0.0.1:5432/{pg_url.split('/')[-1].split('?')[0]} "
        f"(schema {schema_of(pg_url)}): schema {latest_schema_version()}, ok"
    ), result.stdout
    stats = CliRunner().invoke(cli, ["stats"], env={"NEWSBOT_DATABASE_URL": pg_url})
    assert stats.stdout.splitlines()[-1] == f"database:        {pg_connection.describe_url(pg_url)}"
    away = CliRunner().invoke(cli, ["doctor"], env={"NEWSBOT_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/x"})
    assert away.exit_code == 1
    assert "the database is unavailable; try again (postgresql://postgres@127.0.0.1:1/x: Connection refused)" in (
        away.stdout
    )


def test_two_services_share_one_store_each_with_its_own_index(pg_url: str, tmp_path: Path) -> None:
    """Two data directories, one database: each keeps its index on its own disk, caught up from the change log."""
    first = NewsService.open(load_settings(database_url=pg_url, data_dir=tmp_path / "a"))
    second = NewsService.open(load_settings(database_url=pg_url, data_dir=tmp_path / "b"))
    assert first.count() == second.count() == 31  # seeded once
    assert len(first.log(100)) == 31
    text = "The Zanzibar council banned drones over the harbour."
    second.add(ArticleIn(title="Zanzibar bans drones", source="AP", body=text), actor="test")
    assert first.ask("Why did the Zanzibar council ban drones?").quotes[0].text == text
    assert second.ask("Why did the Zanzibar council ban drones?").quotes[0].text == text
    first.close()
    second.close()
    assert (tmp_path / "a" / "index").is_dir() and (tmp_path / "b" / "index").is_dir()
    assert not (tmp_path / "a" / "newsbot.sqlite3").exists()
    reopened = NewsService.open(load_settings(database_url=pg_url, data_dir=tmp_path / "a"))
    assert reopened.ask("Why did the Zanzibar council ban drones?").quotes[0].text == text
    reopened.close()


def test_schema_url_keeps_stores_apart(pg_server: str, pg_admin: PgAdmin) -> None:
    pg_admin('CREATE SCHEMA "t_apart_a"')
    pg_admin('CREATE SCHEMA "t_apart_b"')
    try:
        a, b = PgStore(schema_url(pg_server, "t_apart_a")), PgStore(schema_url(pg_server, "t_apart_b"))
        a.add(0, ArticleIn(title="Only in A", source="AP", body="Text."), actor="t")
        assert (a.count(), b.count()) == (1, 0) and a.store_id() != b.store_id()
        a.close()
        b.close()
    finally:
        pg_admin('DROP SCHEMA "t_apart_a" CASCADE')
        pg_admin('DROP SCHEMA "t_apart_b" CASCADE')
