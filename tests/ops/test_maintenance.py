"""Operating newsbot: backups while in use, restores, doctor, and two processes sharing one data directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from click.testing import CliRunner

from bot.cli.main import cli
from bot.core.config import load_settings
from bot.core.models import ArticleIn
from bot.service import NewsService
from bot.storage.store import Store


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_backup_while_another_connection_writes_then_restore(tmp_path: Path, clean_env: Path) -> None:
    service = NewsService.open(load_settings())
    service.add(ArticleIn(title="Kept", source="Wire", body="This one is in the backup."), actor="test")
    code, out, _ = run("backup", str(tmp_path / "b" / "backup.sqlite3"))
    assert code == 0 and out.startswith(
        f"Backed up {clean_env / 'newsbot.sqlite3'} to {tmp_path / 'b' / 'backup.sqlite3'}"
    )
    service.add(ArticleIn(title="Lost", source="Wire", body="This one came after the backup."), actor="test")
    service.close()
    assert Store(tmp_path / "b" / "backup.sqlite3").count() == 32
    code, out, _ = run("restore", str(tmp_path / "b" / "backup.sqlite3"), "--yes")
    assert (code, out) == (0, f"Restored 32 articles from {tmp_path / 'b' / 'backup.sqlite3'}\n")
    titles = [a.title for a in Store(clean_env / "newsbot.sqlite3").all()]
    assert "Kept" in titles and "Lost" not in titles


def test_a_damaged_backup_is_refused_and_changes_nothing(tmp_path: Path, clean_env: Path) -> None:
    run("stats")
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    code, _, err = run("restore", str(bad), "--yes")
    assert code == 2 and err.startswith(f"newsbot: error: {bad}: not a newsbot backup")
    missing = tmp_path / "missing.sqlite3"
    code, _, err = run("restore", str(missing), "--yes")
    assert code == 2 and err == f"newsbot: error: {missing}: no such backup file\n"
    assert Store(clean_env / "newsbot.sqlite3").count() == 31


def test_doctor_reports_what_to_fix(clean_env: Path) -> None:
    code, out, _ = run("doctor")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "FAIL token: DISCORD_TOKEN is not set — put the bot's token in the environment"
    assert lines[1] == f"ok   data directory: {clean_env} is writable"
    assert lines[3:5] == ["ok   corpus: 31 articles, 14 sentences", "ok   index: 31 of 31 articles indexed"]
    assert lines[5] == "ok   reader: off (NEWSBOT_READER=off): answers use BM25 alone"  # as conftest sets it
    assert lines[6].startswith("WARN commands: the slash commands were never synced")
    code, out, _ = run("doctor", "--quiet", env={"DISCORD_TOKEN": "secret-token"})
    assert code == 0
    assert out == (
        "WARN commands: the slash commands were never synced from this data directory — "
        "run `newsbot sync --guild ID` or `newsbot sync`\n"
    )
    assert "secret-token" not in out


def test_doctor_fails_on_an_unwritable_data_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    code, out, _ = run("doctor", "--data-dir", str(blocker / "data"), env={"DISCORD_TOKEN": "t"})
    assert code == 1 and "FAIL data directory" in out and "set NEWSBOT_DATA_DIR to a writable folder" in out


WATCHER = textwrap.dedent(
    """
    import json, sys, time
    from bot.core.config import load_settings
    from bot.service import NewsService

    service = NewsService.open(load_settings())
    print("ready", flush=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        answer = service.ask("Why did the lighthouse keepers strike?")
        if answer.answered:
            print(json.dumps(answer.model_dump(mode="json")), flush=True)
            sys.exit(0)
        time.sleep(0.2)
    sys.exit(1)
    """
)


def test_two_processes_share_one_data_directory(tmp_path: Path, clean_env: Path) -> None:
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(clean_env)}
    watcher = subprocess.Popen(
        [sys.executable, "-c", WATCHER], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert watcher.stdout is not None
        assert watcher.stdout.readline().strip() == "ready"
        story = tmp_path / "story.json"
        text = "The lighthouse keepers went on strike over unpaid overtime."
        story.write_text(json.dumps({"title": "Keepers strike", "source": "Coast News", "body": text}))
        adder = subprocess.run(
            [sys.executable, "-m", "bot", "add", str(story)], env=env, capture_output=True, text=True, timeout=60
        )
        assert adder.returncode == 0, adder.stderr
        out, err = watcher.communicate(timeout=30)
    finally:
        watcher.kill()
    assert watcher.returncode == 0, err
    answer = json.loads(out)
    assert answer["quotes"][0]["text"] == text and answer["quotes"][0]["source"] == "Coast News"


def test_restore_replaces_a_damaged_database(tmp_path: Path, clean_env: Path) -> None:
    run("stats")
    code, _, _ = run("backup", str(tmp_path / "good.sqlite3"))
    assert code == 0
    (clean_env / "newsbot.sqlite3").write_bytes(b"this is not a database" * 100)
    code, out, err = run("ask", "What did Amazon pitch to ICE?")
    assert code == 1 and err.startswith(
        f"newsbot: error: the database {clean_env / 'newsbot.sqlite3'} is not an SQLite database"
    )
    code, out, err = run("restore", str(tmp_path / "good.sqlite3"), "--yes")
    assert code == 0 and out == f"Restored 31 articles from {tmp_path / 'good.sqlite3'}\n"
    moved = list(clean_env.glob("newsbot.sqlite3.damaged-*"))
    assert len(moved) == 1 and err == f"The damaged database was moved to {moved[0]}\n"
    code, out, _ = run("ask", "What did Amazon pitch to ICE?")
    assert code == 0 and out.startswith("> Amazon.com Inc. pitched")
