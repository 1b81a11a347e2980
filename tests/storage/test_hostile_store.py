"""Hostile state: a busy, full, emptied, truncated, table-less or damaged database, and a damaged index.

What must hold: a reader never waits for a writer; busy is reported as busy, a full disk as a full disk, damage as
damage with what to do; a damaged store is never written over (no reseed); ``doctor`` prints every check whatever
the damage; a damaged index is rebuilt, with a warning.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli.main import cli
from bot.core.config import load_settings
from bot.core.errors import DiskFull, StoreBusy
from bot.core.models import ArticleIn
from bot.search.generations import POINTER, current
from bot.service import NewsService
from bot.storage import connection as connection_module
from bot.storage import store as store_module
from bot.storage.store import Store

CHECKS = ["token", "data directory", "database", "corpus", "index", "reader", "commands"]
QUESTION = "What did Amazon pitch to ICE?"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def articles(n: int, start: int = 0) -> list[dict[str, str]]:
    return [
        {
            "title": f"Harbour report {i}",
            "source": f"Coast Wire {i % 7}",
            "date": "2021-03-04",
            "url": f"https://news.example.com/harbour/{i}",
            "body": f"The harbour board published report number {i} on the state of the old bridge and its repairs.",
        }
        for i in range(start, start + n)
    ]


def write_jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def doctor_names(out: str) -> list[str]:
    return [line[5:].split(":", 1)[0] for line in out.splitlines()]


@pytest.fixture
def filled(tmp_path: Path, clean_env: Path) -> Path:
    """A data directory holding the shipped corpus and 400 imported articles, checkpointed (no WAL)."""
    code, _, err = run("import", str(write_jsonl(tmp_path / "many.jsonl", articles(400))))
    assert code == 0, err
    database = clean_env / "newsbot.sqlite3"
    assert not database.with_name("newsbot.sqlite3-wal").exists()
    return database


@pytest.fixture
def write_lock(clean_env: Path) -> Iterator[sqlite3.Connection]:
    """Another process's open write transaction on the store (as during a long import)."""
    run("stats")
    other = sqlite3.connect(clean_env / "newsbot.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO meta (key, value) VALUES ('held-by', 'another process')")
    yield other
    other.execute("ROLLBACK")
    other.close()


# --- busy: readers never wait, writers are told it is busy -------------------------------------------------


def test_readers_never_need_the_write_lock(write_lock: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection_module, "_BUSY_S", 0.2)  # a reader that waited would fail at once
    code, out, err = run("ask", QUESTION)
    assert (code, err) == (0, "") and out.startswith("> Amazon.com Inc. pitched its facial-recognition system")
    code, out, _ = run("list")
    assert code == 0 and len(out.splitlines()) == 31
    code, out, _ = run("stats")
    assert code == 0 and out.startswith("articles:        31 (2 with text, 29 headlines only)")
    code, out, _ = run("doctor", env={"DISCORD_TOKEN": "t"})
    assert doctor_names(out) == CHECKS and "FAIL" not in out


def test_a_writer_meeting_a_busy_database_is_told_to_try_again(
    write_lock: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, clean_env: Path
) -> None:
    monkeypatch.setattr(connection_module, "_BUSY_S", 0.2)
    story = tmp_path / "story.json"
    story.write_text(json.dumps(articles(1)[0]))
    code, _, err = run("add", str(story))
    assert (code, err) == (1, "newsbot: error: the database is busy: another newsbot process is writing; try again\n")
    code, _, err = run("import", str(write_jsonl(tmp_path / "more.jsonl", articles(3))))
    assert code == 1 and err.endswith(
        "newsbot: error: the database is busy: another newsbot process is writing; try again\n"
    )
    assert "restore" not in err and "aside" not in err
    assert Store(clean_env / "newsbot.sqlite3").count() == 31  # nothing half-written (read while it is locked)


def old_database(path: Path) -> Path:
    """A database made by the newsbot before the latest migration."""
    migrations = list(connection_module._migrations())
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT)")
        for version, name, sql in migrations[:-1]:
            for statement in connection_module.statements(sql):
                db.execute(statement)
            db.execute("INSERT INTO schema_migrations VALUES (?, ?, 'then')", (version, name))
    db.close()
    return path


def test_migrations_run_only_when_the_schema_is_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = old_database(tmp_path / "old.sqlite3")
    statements: list[str] = []
    real_connect = sqlite3.connect

    def tracing(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection: sqlite3.Connection = real_connect(*args, **kwargs)
        connection.set_trace_callback(statements.append)
        return connection

    monkeypatch.setattr(sqlite3, "connect", tracing)  # the store's sqlite3 is this module
    Store(database).close()
    assert "BEGIN IMMEDIATE" in statements  # behind: brought up to date, with the write lock
    statements.clear()
    store = Store(database)
    assert store.schema_version() == store_module.latest_schema_version()
    store.close()
    assert [s for s in statements if s.startswith(("BEGIN", "CREATE", "INSERT", "UPDATE", "DELETE"))] == []


def test_a_busy_migration_is_busy_not_damaged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = old_database(tmp_path / "old.sqlite3")
    other = sqlite3.connect(database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    monkeypatch.setattr(connection_module, "_BUSY_S", 0.2)
    try:
        with pytest.raises(StoreBusy, match="^the database is busy: another newsbot process is writing; try again$"):
            Store(database)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert Store(database).schema_version() == store_module.latest_schema_version()  # and later it is done


# --- a store that shrank, lost its tables or fails its check is never written over -------------------------


def assert_refused_everywhere(database: Path, what: str, size_before: int) -> None:
    """ask, list, stats, add and run refuse the store, saying what is wrong and what to do; doctor prints every
    check; and the file is left exactly as it was (never reseeded)."""
    expected = f"newsbot: error: the database {database} {what}"
    for args in (["ask", QUESTION], ["list"], ["stats"], ["run"]):
        code, out, err = run(*args, env={"DISCORD_TOKEN": "t"})
        assert code == 1 and out == "", (args, err)
        assert err.startswith(expected), (args, err)
        assert "newsbot restore FILE --yes" in err
    code, out, err = run("doctor", env={"DISCORD_TOKEN": "t"})
    assert code == 1 and doctor_names(out) == CHECKS, out
    lines = out.splitlines()
    assert lines[2].startswith(f"FAIL database: the database {database} {what}")
    assert lines[3:] == [
        "FAIL corpus: not checked: the database cannot be used",
        "FAIL index: not checked: the database cannot be used",
        "FAIL reader: not checked: the database cannot be used",
        "FAIL commands: not checked: the database cannot be used",
    ]
    assert database.stat().st_size == size_before


def test_a_zero_byte_database_is_refused_not_reseeded(filled: Path) -> None:
    filled.write_bytes(b"")
    assert_refused_everywhere(filled, "is an empty file (0 bytes): it was truncated or replaced", 0)


def test_a_truncated_database_is_refused(filled: Path) -> None:
    size = filled.stat().st_size
    with filled.open("r+b") as handle:
        handle.truncate(size // 2)
    assert_refused_everywhere(
        filled, f"is truncated: the file has {size // 2:,} bytes, its header says {size:,}", size // 2
    )


def test_a_database_that_lost_its_tables_is_refused(filled: Path) -> None:
    with sqlite3.connect(filled) as db:
        db.execute("DROP TABLE articles")
    size = filled.stat().st_size
    assert_refused_everywhere(filled, "has lost its tables articles", size)


def test_a_database_without_any_table_is_refused(filled: Path) -> None:
    filled.unlink()
    with sqlite3.connect(filled) as db:  # a valid SQLite file without a table
        db.execute("CREATE TABLE t (x)")
        db.execute("DROP TABLE t")
    db.close()
    assert_refused_everywhere(filled, "has none of newsbot's tables", filled.stat().st_size)


def damage_pages(database: Path, table: str) -> None:
    """Scribble over the first pages of one table or index, leaving the header and the schema intact."""
    with sqlite3.connect(database) as db:
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    db.close()
    with database.open("r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(b"\xde\xad\xbe\xef" * (page_size // 4))


def test_a_database_failing_its_quick_check_stops_the_bot_and_doctor_says_so(filled: Path) -> None:
    damage_pages(filled, "articles_body_key")  # an index that answering never reads
    size = filled.stat().st_size
    code, out, err = run("run", env={"DISCORD_TOKEN": "t"})
    assert code == 1 and err.startswith(f"newsbot: error: the database {filled} fails SQLite's quick check (")
    assert err.endswith("newsbot restore FILE --yes` (it moves this file aside first); without a backup, move the "
                        "file aside and newsbot starts again from its shipped corpus\n")  # fmt: skip
    code, out, _ = run("doctor", env={"DISCORD_TOKEN": "t"})
    assert code == 1 and doctor_names(out) == CHECKS
    assert out.splitlines()[2].startswith(f"FAIL database: the database {filled} fails SQLite's quick check")
    assert filled.stat().st_size == size


def test_damage_met_while_reading_is_an_error_not_a_traceback(filled: Path) -> None:
    damage_pages(filled, "articles")
    for args in (["list"], ["ask", QUESTION], ["stats"], ["sources"], ["timeline"]):
        code, out, err = run(*args)
        assert (code, out) == (1, ""), (args, out)
        assert err.startswith(f"newsbot: error: the database {filled} is damaged ("), (args, err)
    code, out, _ = run("doctor", env={"DISCORD_TOKEN": "t"})
    assert code == 1 and doctor_names(out) == CHECKS
    assert out.splitlines()[2].startswith(f"FAIL database: the database {filled} ")


def test_seeding_refuses_a_damaged_database(filled: Path) -> None:
    with sqlite3.connect(filled) as db:
        db.execute("DELETE FROM meta WHERE key = 'corpus_fingerprint'")  # as if a new corpus had shipped
    db.close()
    damage_pages(filled, "articles_body_key")
    before = filled.read_bytes()
    code, _, err = run("stats")
    assert code == 1 and err.startswith(f"newsbot: error: the database {filled} fails SQLite's quick check")
    assert filled.read_bytes() == before


def test_restore_still_replaces_an_emptied_database(filled: Path, tmp_path: Path, clean_env: Path) -> None:
    code, _, _ = run("backup", str(tmp_path / "good.sqlite3"))
    assert code == 0
    filled.write_bytes(b"")
    code, out, err = run("restore", str(tmp_path / "good.sqlite3"), "--yes")
    assert (code, out) == (0, f"Restored 431 articles from {tmp_path / 'good.sqlite3'}\n")
    assert err.startswith("The damaged database was moved to ") and len(list(clean_env.glob("*.damaged-*"))) == 1
    assert run("stats")[1].startswith("articles:        431 ")


def test_a_database_being_created_is_never_seen_half_made(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    real = Store._apply_migrations

    def spy(db: sqlite3.Connection) -> list[int]:
        seen.append(sorted(p.name for p in clean_env.iterdir()))
        return real(db)

    monkeypatch.setattr(Store, "_apply_migrations", staticmethod(spy))
    clean_env.mkdir()
    Store(clean_env / "newsbot.sqlite3").close()
    assert seen and all("newsbot.sqlite3" not in names for names in seen)  # built aside, linked in when whole
    assert sorted(p.name for p in clean_env.iterdir()) == ["newsbot.sqlite3"]


# --- a full disk --------------------------------------------------------------------------------------------


def test_a_full_database_is_reported_as_a_full_disk_and_changes_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {pages + 2}")
    batch = [ArticleIn.model_validate(a) for a in articles(300)]
    with pytest.raises(DiskFull, match=r"^the disk is full \(.*\); nothing was changed: free some space"):
        store.add_many(0, batch, actor="test")
    assert store.count() == 0 and store.version() == 0
    store.close()


def _can_mount_tmpfs() -> bool:
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"], capture_output=True, timeout=30
    )
    return probe.returncode == 0


FULL_DISK = """
mount -t tmpfs -o size=1200k tmpfs "$MOUNT" || exit 3
export NEWSBOT_DATA_DIR="$MOUNT/data"
python -m bot stats > /dev/null || exit 4
python -m bot import "$BIG" > /dev/null 2> "$ERR"
code=$?
echo "import: $(tail -n 1 "$ERR") exit $code"
echo "stats: $(python -m bot stats | head -n 1)"
dd if=/dev/zero of="$MOUNT/filler" bs=4k 2>/dev/null || true
rm -f "$NEWSBOT_DATA_DIR"/newsbot.sqlite3-wal "$NEWSBOT_DATA_DIR"/newsbot.sqlite3-shm
echo "ask: $(python -m bot ask 'What did Amazon pitch to ICE?' 2>&1 | tail -n 1)"
echo "doctor: $(python -m bot doctor 2>&1 | sed -n 2p)"
rm "$MOUNT/filler"
echo "after: $(python -m bot stats | head -n 1)"
"""


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs a mount namespace to make a small tmpfs")
def test_a_full_disk_says_the_disk_is_full_and_loses_nothing(tmp_path: Path, clean_env: Path) -> None:
    """A real full file system: a 1.2 MB tmpfs in a private mount namespace, and a 3 MB import."""
    mount = tmp_path / "mnt"
    mount.mkdir()
    big = write_jsonl(tmp_path / "big.jsonl", articles(6000))
    path = f"{Path(sys.executable).parent}:{os.environ['PATH']}"
    env = {**os.environ, "MOUNT": str(mount), "BIG": str(big), "ERR": str(tmp_path / "import.err"), "PATH": path}
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", FULL_DISK], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    data = mount / "data"
    full = f"newsbot: error: the disk is full ({data} has no space left); nothing was changed: free some space and try again"
    assert done.stdout.splitlines() == [
        f"import: {full} exit 1",
        "stats: articles:        31 (2 with text, 29 headlines only)",
        f"ask: {full}",
        f"doctor: FAIL data directory: {data}: the disk is full — free some space on its disk",
        "after: articles:        31 (2 with text, 29 headlines only)",
    ]


# --- the index ----------------------------------------------------------------------------------------------


def _stretch_last_article(data: bytes) -> bytes:
    saved = json.loads(data)
    saved["articles"][-1][-1] += 1000  # more passages than passages.npz holds
    return json.dumps(saved).encode()


DAMAGE: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "truncated passages": ("passages.npz", lambda data: data[: len(data) // 2]),
    "empty passages": ("passages.npz", lambda data: b""),
    "garbage articles": ("articles.json", lambda data: data[:7] + b"}{"),
    "truncated bm25": ("sentence.bm25", lambda data: data[: len(data) // 3]),
    "articles off the passages": ("articles.json", lambda data: _stretch_last_article(data)),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_index_is_rebuilt_with_a_warning(
    clean_env: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    code, out, _ = run("ask", QUESTION)
    assert code == 0
    name, spoil = DAMAGE[damage]
    saved = current(clean_env / "index")
    assert saved is not None
    target = saved / name
    spoiled = spoil(target.read_bytes())
    assert spoiled != target.read_bytes()
    target.write_bytes(spoiled)
    code, again, _ = run("ask", QUESTION)
    assert (code, again) == (0, out)
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and warnings[0].startswith(
        f"rebuilding the index: cannot load the index in {target.parent}"
    )
    caplog.clear()
    assert run("ask", QUESTION)[:2] == (0, out)
    assert not caplog.records  # the rebuilt index was saved whole


def test_a_truncated_index_is_rebuilt_saying_so_on_stderr(clean_env: Path) -> None:
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(clean_env)}
    ask = [sys.executable, "-m", "bot", "ask", QUESTION]
    first = subprocess.run(ask, env=env, capture_output=True, text=True, timeout=120)
    saved = current(clean_env / "index")
    assert saved is not None
    target = saved / "passages.npz"
    target.write_bytes(target.read_bytes()[:100])
    second = subprocess.run(ask, env=env, capture_output=True, text=True, timeout=120)
    assert (second.returncode, second.stdout) == (0, first.stdout)
    assert second.stderr.startswith(f"rebuilding the index: cannot load the index in {target.parent}: ")
    assert "Traceback" not in second.stderr


def test_index_files_are_on_disk_before_the_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[tuple[str, str]] = []
    real_fsync, real_replace, real_open = os.fsync, os.replace, os.open
    names: dict[int, str] = {}

    def tracing_open(path: object, *args: object, **kwargs: object) -> int:
        fd = real_open(path, *args, **kwargs)  # type: ignore[arg-type]
        names[fd] = str(path)
        return fd

    def tracing_fsync(fd: int) -> None:
        events.append(("fsync", names.get(fd, "?")))
        real_fsync(fd)

    def tracing_replace(src: object, dst: object) -> None:
        events.append(("replace", f"{src} -> {dst}"))
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", tracing_open)
    monkeypatch.setattr(os, "fsync", tracing_fsync)
    monkeypatch.setattr(os, "replace", tracing_replace)
    service = NewsService.open(load_settings(data_dir=tmp_path))
    service.index.size("headline")
    service.close()
    index = tmp_path / "index"
    pointer = [
        i for i, (kind, what) in enumerate(events) if kind == "replace" and what.endswith(f"-> {index / POINTER}")
    ]
    assert len(pointer) == 1  # the one step that makes the saved index the current one
    renamed = [
        i for i, (kind, what) in enumerate(events[: pointer[0]]) if kind == "replace" and f"-> {index}/gen-" in what
    ]
    assert len(renamed) == 1 and events[renamed[0]][1].startswith(f"{index}/.gen-")  # the generation, once
    before = {Path(what).name for kind, what in events[: renamed[0]] if kind == "fsync"}
    assert {"articles.json", "passages.npz", "sentence.bm25", "headline.bm25"} <= before
    assert any(Path(what).name.startswith(".gen-") for kind, what in events[: renamed[0]] if kind == "fsync")
    assert ("fsync", str(index)) in events[pointer[0] :]  # and the rename itself
