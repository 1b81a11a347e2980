"""The command line as a new user meets it: every mistake is one clear line with exit status 2 and changes
nothing; Discord trouble is one line that says what to do; outputs a script reads stay aligned."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import discord
import discord.http
import pytest
from click.testing import CliRunner, Result

from tests.fakediscord import FakeDiscord

# isort: split
from bot.cli.main import cli
from bot.core.config import load_settings
from tests.paths import REPO

ARTICLE = {"title": "Rekognition pilot ends in Orlando", "source": "Orlando Sentinel", "date": "2019-07-18"}


def newsbot(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def count(data_dir: Path | None = None) -> int:
    listing = newsbot("list", "--json", *(["--data-dir", str(data_dir)] if data_dir else []))
    assert listing.exit_code == 0, listing.stderr
    return len(json.loads(listing.stdout))


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ('"hello"', "v.json: expected an article object, got a string"),
        ("42", "v.json: expected an article object, got a number"),
        ("null", "v.json: expected an article object, got null"),
        ("[1, 2]", "v.json: article 1: expected an article object, got a number"),
        ('["a"]', "v.json: article 1: expected an article object, got a string"),
    ],
)
def test_add_of_a_json_file_without_an_article_object_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str, error: str
) -> None:
    monkeypatch.chdir(tmp_path)
    before = count()
    Path("v.json").write_text(content, encoding="utf-8")
    result = newsbot("add", "v.json")
    assert (result.exit_code, result.stderr, result.stdout) == (2, f"newsbot: error: {error}\n", "")
    assert count() == before


def test_export_refuses_a_folder_that_holds_an_earlier_export(tmp_path: Path) -> None:
    target = tmp_path / "export"
    assert newsbot("export", str(target)).exit_code == 0
    removed = json.loads(newsbot("list", "--json").stdout)[0]["article_id"]
    assert newsbot("remove", removed).exit_code == 0
    again = newsbot("export", str(target))
    assert again.exit_code == 2
    assert again.stderr == (
        f"newsbot: error: {target}: the folder is not empty (an earlier export?); export to an empty folder, "
        "or use --force to replace what is there\n"
    )
    forced = newsbot("export", str(target), "--force")
    assert forced.exit_code == 0, forced.stderr
    assert len(list((target / "articles").iterdir())) == count()
    imported = newsbot("import", str(target), "--json")
    assert imported.exit_code == 0, imported.stderr
    assert json.loads(imported.stdout)["added"] == 0  # the removed article does not come back
    assert removed not in [a["article_id"] for a in json.loads(newsbot("list", "--json").stdout)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "export"]  # nothing left beside it


def test_an_unknown_id_is_bad_input(clean_env: Path) -> None:
    for args, error in [
        (("remove", "no-such-article"), "no-such-article"),
        (("feeds", "remove", "7"), "no feed has the id 7"),
        (("feeds", "log", "7"), "no feed has the id 7"),
    ]:
        result = newsbot(*args)
        assert result.exit_code == 2, (args, result.exit_code, result.stderr)
        assert result.stderr.startswith("newsbot: error: ") and error in result.stderr
        assert len(result.stderr.splitlines()) == 1


def test_data_dir_before_the_command(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    result = newsbot("--data-dir", str(elsewhere), "ask", "What did Amazon pitch to ICE?")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("> Amazon.com Inc. pitched")
    assert (elsewhere / "newsbot.sqlite3").exists()
    assert count(elsewhere) == 31


def test_ask_batch_json_writes_one_line_per_input_line(tmp_path: Path) -> None:
    questions = tmp_path / "questions.txt"
    questions.write_text(
        "What did Amazon pitch to ICE?\n\nwhat is the\nWho won the 2022 World Cup?\n", encoding="utf-8"
    )
    result = newsbot("ask", "--batch", str(questions), "--json")
    assert result.exit_code == 2
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 4
    assert lines[0]["answered"] is True and lines[0]["question"] == "What did Amazon pitch to ICE?"
    assert lines[1] == {"line": 2, "question": "", "error": "the line holds no question"}
    assert lines[2]["line"] == 3 and lines[2]["question"] == "what is the"
    assert lines[2]["error"].startswith("'what is the' has no word to search for")
    assert lines[3]["answered"] is False


def test_restore_of_a_damaged_backup_is_one_line(tmp_path: Path, clean_env: Path) -> None:
    assert newsbot("backup", str(tmp_path / "good.sqlite3")).exit_code == 0
    data = bytearray((tmp_path / "good.sqlite3").read_bytes())
    for i in range(8192, min(len(data), 60000), 7):  # scribble over the pages after the header
        data[i] = 0xAB
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(bytes(data))
    result = newsbot("restore", str(damaged), "--yes")
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(
        f"newsbot: error: {damaged}: the backup is damaged: SQLite's integrity check found "
    )
    assert result.stderr.endswith(" (`newsbot restore -v` lists them); use another backup\n")
    verbose = newsbot("restore", str(damaged), "--yes", "-v")
    assert verbose.exit_code == 2 and len(verbose.stderr.splitlines()) > 3
    assert "*** in database main ***" in verbose.stderr


# ------------------------------------------------------------------------------------ Discord trouble


@pytest.fixture
def unreachable() -> Iterator[None]:
    saved = discord.http.Route.BASE
    discord.http.Route.BASE = "http://127.0.0.1:9/api/v10"  # the discard port: nothing listens
    yield
    discord.http.Route.BASE = saved


@pytest.mark.parametrize("command", [["sync", "--guild", "123"], ["run"]])
def test_no_network_is_one_line(clean_env: Path, unreachable: None, command: list[str]) -> None:
    result = newsbot(*command, env={"DISCORD_TOKEN": "a-token"})
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert [line for line in lines if line.startswith("newsbot: error: ")] == [lines[-1]]
    assert lines[-1].startswith("newsbot: error: cannot reach Discord (")
    assert lines[-1].endswith(
        "check the network connection, a proxy or firewall, and https://discordstatus.com, then try again"
    )
    assert "Traceback" not in result.stderr


@pytest.mark.asyncio
@pytest.mark.parametrize("command", [["sync", "--guild", "123"], ["run"]])
async def test_a_refused_token_is_one_line(clean_env: Path, command: list[str]) -> None:
    async with FakeDiscord() as fake:
        result = await asyncio.to_thread(newsbot, *command, env={"DISCORD_TOKEN": "not-" + fake.token})
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines()[-1] == (
        "newsbot: error: Discord refused the token in DISCORD_TOKEN: copy it again from the developer portal "
        "(your application, Bot, Reset Token) and set it without quotes or spaces"
    )
    assert "Traceback" not in result.stderr


def test_logs_are_plain_even_inside_docker(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.discord_app.client as client

    monkeypatch.setattr(discord.utils, "is_docker", lambda: True)  # discord.py colours its logs in Docker

    async def started(settings: Any) -> None:
        logging.getLogger("newsbot").warning("ready")

    monkeypatch.setattr(client, "_run", started)
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        client.run_bot(load_settings(discord_token="t"))
        added = [h for h in root.handlers if h not in before]
        assert added and all(h.formatter is not None for h in added)
        stream = io.StringIO()
        for handler in added:
            assert isinstance(handler, logging.StreamHandler)
            handler.setStream(stream)
        logging.getLogger("newsbot").warning("ready")
    finally:
        for handler in [h for h in root.handlers if h not in before]:
            root.removeHandler(handler)
        root.setLevel(logging.WARNING)
    line = stream.getvalue().rstrip("\n")
    assert "\x1b[" not in line
    assert line.endswith("] [WARNING ] newsbot: ready") and line.startswith("[20")


# ------------------------------------------------------------------------------------ the documents


def test_an_empty_value_means_the_default_in_the_code_and_in_env_example(monkeypatch: pytest.MonkeyPatch) -> None:
    example = (REPO / "deploy" / ".env.example").read_text(encoding="utf-8")
    assert "an empty value is not the default" not in example
    assert "An empty value (NAME= with nothing after it) also means the default" in example
    monkeypatch.setenv("NEWSBOT_ASK_COOLDOWN_RATE", "")
    monkeypatch.setenv("NEWSBOT_FEED_POLL_MINUTES", "")
    settings = load_settings()
    assert (settings.ask_cooldown_rate, settings.feed_poll_minutes) == (
        type(settings).model_fields["ask_cooldown_rate"].default,
        type(settings).model_fields["feed_poll_minutes"].default,
    )


def test_the_quick_start_makes_and_activates_a_virtual_environment() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Try it: two commands", 1)[1].split("```console\n", 1)[1]
    first, second = block.splitlines()[:2]
    assert first == "$ python3 -m venv .venv && . .venv/bin/activate && pip install ."
    assert second.startswith("$ newsbot ask ")
