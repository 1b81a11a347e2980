"""``newsbot migrate-store``: a data directory's SQLite store copied into PostgreSQL with nothing lost, verified,
and safe to run again."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli.main import cli
from bot.core.config import load_settings
from bot.core.models import ArticleIn, FeedLogEntry
from bot.core.quoting import QuoteSpan
from bot.service import NewsService
from bot.storage.pg_store import PgStore
from bot.storage.store import Store
from tests.pg import PgAdmin

GUILD = 111_222_333_444_555_666
QUESTION = "Why did the Zanzibar council ban drones?"
TEXT = "The Zanzibar council banned drones over the harbour."


def migrate(data_dir: Path, url: str, **env: str) -> Result:
    return CliRunner().invoke(cli, ["migrate-store", "--data-dir", str(data_dir), "--to", url], env=env)


def lived_in(data_dir: Path) -> None:
    """A data directory with a history: seeded, a server's own coverage, removals, feeds and their log, an answer,
    a knowledge gap (a table added after migrate-store: copied all the same)."""
    service = NewsService.open(load_settings(data_dir=data_dir))
    service.close()
    store = Store(data_dir / "newsbot.sqlite3")
    default = store.all(0)
    store.add(GUILD, ArticleIn(title="Zanzibar bans drones", source="AP", body=TEXT), actor="d:1", guild_id=GUILD)
    store.remove(GUILD, default[0].id, actor="d:1", reason="off topic", guild_id=GUILD)
    store.remove(0, default[1].id, actor="cli:ann")
    last = store.add(0, ArticleIn(title="Short lived", source="AP", body="Gone soon."), actor="cli:ann")
    store.remove(0, last.id, actor="cli:ann")  # the highest article number ever given is no longer in the table
    feed = store.add_feed(GUILD, "https://f.example/rss", "f.example/rss", "F", "F Wire", "d:2", GUILD)
    assert feed is not None
    store.record_feed_entry(FeedLogEntry(feed, "e1", None, "Entry", "skipped", None, "old", "2020-01-01T00:00:00Z"))
    gone = store.add_feed(0, "https://g.example/rss", "g.example/rss", "G", "G Wire", "cli:ann")
    record = store.feed(gone or 0)
    assert record is not None and store.remove_feed(record, "cli:ann")
    store.record_servers([(GUILD, "Harbour")])
    store.record_answer(GUILD, "Why?", [QuoteSpan("x-1", 0, 5, "Quote")])
    store.record_gap(GUILD, "Who owns the ferry?", "ferry own", "2020-01-01T00:00:00Z")
    store.close()


#: The tables ``lived_in`` fills (each must come out of the copy non-empty); every other table is compared too.
TABLES = {
    "articles", "changes", "overrides", "servers", "feeds", "feed_items", "feed_changes", "answers", "answer_quotes",
    "meta", "gaps",
}  # fmt: skip


def test_every_row_is_copied_with_its_numbers_and_the_index_stays_valid(
    pg_url: str, clean_env: Path, caplog: pytest.LogCaptureFixture
) -> None:
    lived_in(clean_env)
    before = NewsService.open(load_settings())
    assert before.ask(QUESTION, server=GUILD).quotes[0].text == TEXT
    before.close()  # the indexes are saved in the data directory
    result = migrate(clean_env, pg_url)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"Copied {clean_env / 'newsbot.sqlite3'} to postgresql://postgres@127.0.0.1:5432/")
    assert "Verified: every table holds the same rows in both." in lines
    sqlite = sqlite3.connect(clean_env / "newsbot.sqlite3")
    target = PgStore(pg_url)
    with target._reading() as pg:
        every = [
            str(r[0])
            for r in sqlite.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND name <> 'schema_migrations'"
            )
        ]
        assert set(TABLES) <= set(every)
        for table in every:  # a table added later is compared too
            columns = ", ".join(str(r[1]) for r in sqlite.execute(f"PRAGMA table_info({table})"))
            mine = sorted((tuple(r) for r in sqlite.execute(f"SELECT {columns} FROM {table}")), key=repr)
            theirs = sorted((tuple(r) for r in pg.execute(f"SELECT {columns} FROM {table}")), key=repr)
            assert theirs == mine, table
            assert mine or table not in TABLES, f"{table} is empty: the test copies nothing of it"
            counted = [line.split() for line in lines if line.split()[:1] == [table]]
            assert counted == [[table, f"{len(mine):,}", f"{len(mine):,}"]]
    highest = sqlite.execute("SELECT seq FROM sqlite_sequence WHERE name = 'articles'").fetchone()[0]
    sqlite.close()
    added = target.add(0, ArticleIn(title="After", source="AP", body="After the copy."), actor="t")
    with target._reading() as pg:
        assert pg.execute("SELECT seq FROM articles WHERE id = ?", (added.id,)).fetchone()[0] == highest + 1
    target.close()
    caplog.set_level(logging.INFO, logger="bot.search.keeper")
    after = NewsService.open(load_settings(database_url=pg_url))
    assert after.ask(QUESTION, server=GUILD).quotes[0].text == TEXT
    assert after.count() == 31 - 1 + 1  # seeded 31, one removed, "After" added
    after.close()
    assert not [r for r in caplog.records if "rebuilding" in r.getMessage()]  # the saved indexes still belong


def test_running_it_again_verifies_updates_or_refuses(pg_url: str, clean_env: Path) -> None:
    lived_in(clean_env)
    assert migrate(clean_env, pg_url).exit_code == 0
    again = migrate(clean_env, pg_url)
    assert again.exit_code == 0
    assert again.stdout.splitlines()[0].endswith(
        "holds this store already (store id " + store_id(clean_env) + "); nothing was copied."
    )
    # the SQLite store went on (the bot still ran on it): the copy is brought up to date
    sqlite = Store(clean_env / "newsbot.sqlite3")
    sqlite.add(0, ArticleIn(title="Later", source="AP", body="Added to SQLite after the first copy."), actor="t")
    sqlite.close()
    updated = migrate(clean_env, pg_url)
    assert updated.exit_code == 0 and updated.stdout.startswith("Copied ")
    assert ["articles", "32", "32"] in [line.split() for line in updated.stdout.splitlines()]
    # then the bot ran on PostgreSQL: the copy is left alone
    target = PgStore(pg_url)
    target.add(0, ArticleIn(title="On PG", source="AP", body="Added in PostgreSQL."), actor="t")
    target.close()
    ahead = migrate(clean_env, pg_url)
    assert ahead.exit_code == 0 and "nothing was copied" in ahead.stdout
    assert "It has 1 changes made since the copy (newsbot has been running on it)" in ahead.stdout
    # both went on: refused
    sqlite = Store(clean_env / "newsbot.sqlite3")
    sqlite.add(0, ArticleIn(title="Diverged", source="AP", body="Another change in SQLite."), actor="t")
    sqlite.close()
    both = migrate(clean_env, pg_url)
    assert both.exit_code == 2
    assert "that has a history of its own since (changes 38 differs): nothing was copied" in " ".join(
        both.stderr.split()
    )


def test_a_target_holding_another_store_is_refused_and_left_as_it_is(
    pg_url: str, clean_env: Path, tmp_path: Path, pg_admin: PgAdmin
) -> None:
    lived_in(clean_env)
    other = NewsService.open(load_settings(database_url=pg_url, data_dir=tmp_path / "other"))  # seeds its own
    other.close()
    result = migrate(clean_env, pg_url)
    assert result.exit_code == 2
    assert "holds another newsbot store (31 articles, 31 changes; store id" in " ".join(result.stderr.split())
    assert "nothing was copied: copy into an empty database or schema" in " ".join(result.stderr.split())
    target = PgStore(pg_url)
    assert target.count() == 31 and target.count(GUILD) == 31 and target.store_id() != store_id(clean_env)
    target.close()


def test_what_cannot_be_copied_is_said_plainly(clean_env: Path, pg_url: str) -> None:
    none = migrate(clean_env, pg_url)
    assert none.exit_code == 2 and f"{clean_env / 'newsbot.sqlite3'}: no SQLite store to copy" in none.stderr
    lived_in(clean_env)
    no_target = CliRunner().invoke(cli, ["migrate-store", "--data-dir", str(clean_env)])
    assert no_target.exit_code == 2
    assert "give the PostgreSQL store to copy into: --to postgresql://... (or NEWSBOT_DATABASE_URL)" in no_target.stderr
    wrong = migrate(clean_env, "mysql://root:sekrit@localhost/db")
    assert wrong.exit_code == 2 and "sekrit" not in wrong.output
    away = migrate(clean_env, "postgresql://postgres:sekrit@127.0.0.1:1/newsbot")
    assert away.exit_code == 1 and "sekrit" not in away.output
    assert away.stderr.splitlines() == [
        "newsbot: error: the database is unavailable; try again",
        "newsbot: error: postgresql://postgres@127.0.0.1:1/newsbot: Connection refused",
    ]
    from_env = CliRunner().invoke(
        cli, ["migrate-store", "--data-dir", str(clean_env)], env={"NEWSBOT_DATABASE_URL": pg_url}
    )
    assert from_env.exit_code == 0 and from_env.stdout.startswith("Copied ")


def store_id(data_dir: Path) -> str:
    db = sqlite3.connect(data_dir / "newsbot.sqlite3")
    value = str(db.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchone()[0])
    db.close()
    return value
