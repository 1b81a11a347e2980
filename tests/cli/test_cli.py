"""The command line, run in-process with click's CliRunner (and once as a real new process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli.main import cli
from bot.storage.store import Store
from tests.paths import REPO

FIRST = "Amazon.com Inc. pitched its facial-recognition system in the summer"


def run(*args: str, ok: bool = True) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.stderr
    return result.exit_code, result.stdout, result.stderr


def snapshot(data_dir: Path) -> tuple[int, int, list[str]]:
    store = Store(data_dir / "newsbot.sqlite3")
    try:
        return store.count(), store.version(), store.ids_in_order()
    finally:
        store.close()


ARTICLE: dict[str, Any] = {
    "title": "Rekognition pilot ends in Orlando",
    "source": "Orlando Sentinel",
    "date": "2019-07-18",
    "url": "https://www.orlandosentinel.com/news/rekognition-pilot-ends",
    "authors": ["Jane Reporter"],
    "body": "Orlando police ended their second pilot of Amazon's Rekognition software on Thursday. "
    "The city said the cameras never worked reliably enough to identify a single suspect.",
}


def test_ask_prints_the_first_sentence_attributed(clean_env: Path) -> None:
    _, out, _ = run("ask", "What did Amazon pitch to ICE?")
    lines = out.splitlines()
    assert lines[0].startswith("> " + FIRST)
    assert lines[1] == (
        "— Washington Post, 23 Oct 2018 (also in LA Times) · "
        "Amazon met with ICE officials over facial-recognition system that could identify immigrants"
    )


def test_ask_json_shape(clean_env: Path) -> None:
    _, out, _ = run("ask", "When did Amazon ban police use of its face recognition?", "--json")
    data = json.loads(out)
    assert set(data) == {"question", "answered", "quotes", "headlines", "reader"}
    assert data["answered"] is True and data["reader"] is None  # the tests run without the semantic reader
    first = data["headlines"][0]
    assert set(first) == {"article_id", "title", "source", "date", "url", "also_in"}
    assert (first["source"], first["date"], first["also_in"]) == (
        "Associated Press",
        "2020-06-10",
        ["The Hindu"],
    )


def test_ask_off_topic_says_so(clean_env: Path) -> None:
    _, out, _ = run("ask", "Who won the 2022 World Cup?")
    assert out.startswith("The coverage doesn't say. No sentence in its 31 articles from Oct 2017 to 28 Jan 2025 by")
    _, out, _ = run("ask", "Who won the 2022 World Cup?", "--json")
    assert json.loads(out) == {
        "question": "Who won the 2022 World Cup?",
        "answered": False,
        "quotes": [],
        "headlines": [],
        "reader": None,
    }


def test_ask_stopwords_only_is_bad_input(clean_env: Path) -> None:
    code, out, err = run("ask", "what is the", ok=False)
    assert code == 2 and out == ""
    assert err.startswith("newsbot: error: 'what is the' has no word to search for")


def test_ask_batch_json_lines(tmp_path: Path, clean_env: Path) -> None:
    questions = tmp_path / "questions.txt"
    questions.write_text("What did Amazon pitch to ICE?\n\nWho won the 2022 World Cup?\nthe\n", encoding="utf-8")
    code, out, err = run("ask", "--batch", str(questions), "--json", ok=False)
    lines = [json.loads(line) for line in out.splitlines()]  # one line per input line, errors included
    assert [(x["question"], x.get("answered"), "error" in x) for x in lines] == [
        ("What did Amazon pitch to ICE?", True, False),
        ("", None, True),
        ("Who won the 2022 World Cup?", False, False),
        ("the", None, True),
    ]
    assert code == 2 and f"{questions}:4:" in err


def test_timeline_json(clean_env: Path) -> None:
    _, out, _ = run("timeline", "Microsoft", "--since", "2020", "--json")
    data = json.loads(out)
    assert data["topic"] == "Microsoft"
    assert [(e["date"], e["source"]) for e in data["entries"]] == [
        ("2020-06-11", "Associated Press"),
        ("2020-06-12", "The Hindu"),
        ("2020-06-12", "Firstpost"),
    ]
    assert set(data["entries"][0]) == {"article_id", "date", "title", "source", "url"}


def test_add_ask_then_a_new_process_still_answers(tmp_path: Path, clean_env: Path) -> None:
    path = tmp_path / "story.json"
    path.write_text(json.dumps(ARTICLE), encoding="utf-8")
    _, out, _ = run("add", str(path), "--json")
    article_id = json.loads(out)["article_id"]
    _, out, _ = run("ask", "Why did Orlando end the Rekognition pilot?", "--json")
    quotes = json.loads(out)["quotes"]
    assert quotes[0]["article_id"] == article_id and quotes[0]["source"] == "Orlando Sentinel"
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(clean_env)}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "Did the cameras identify a suspect?", "--json"],
        capture_output=True, text=True, env=env, timeout=120, check=True,
    )  # fmt: skip
    quote = json.loads(proc.stdout)["quotes"][0]
    assert quote["text"] == "The city said the cameras never worked reliably enough to identify a single suspect."
    assert (quote["source"], quote["date"], quote["url"]) == (
        "Orlando Sentinel",
        "2019-07-18",
        ARTICLE["url"],
    )


def test_add_markdown_with_front_matter_and_overrides(tmp_path: Path, clean_env: Path) -> None:
    path = tmp_path / "story.md"
    path.write_text(
        "---\ntitle: Draft headline\nsource: The Verge\ndate: 2019-05\nauthors: [A. Writer]\n---\n"
        "San Francisco banned facial recognition by city agencies. The vote was 8 to 1.\n",
        encoding="utf-8",
    )
    _, out, _ = run("add", str(path), "--title", "San Francisco bans facial recognition")
    article_id = out.strip()
    _, out, _ = run("list", "--json")
    stored = next(a for a in json.loads(out) if a["article_id"] == article_id)
    assert (stored["title"], stored["date"], stored["authors"]) == (
        "San Francisco bans facial recognition",
        "2019-05",
        ["A. Writer"],
    )
    _, out, _ = run("timeline", "San Francisco")
    assert "   May 2019 · The Verge · San Francisco bans facial recognition" in out


def test_remove(clean_env: Path) -> None:
    run("stats")
    before = snapshot(clean_env)
    article_id = "amazon-met-with-ice-officials-over-173ada"
    _, out, _ = run("remove", article_id)
    assert out == (
        f"Removed {article_id}: Amazon met with ICE officials over facial-recognition system that could identify "
        "immigrants (Washington Post, 23 Oct 2018)\n"
    )
    assert snapshot(clean_env)[0] == before[0] - 1
    _, out, _ = run("ask", "What did Amazon pitch to ICE?", "--json")
    assert json.loads(out)["quotes"][0]["source"] == "LA Times"
    code, _, err = run("remove", article_id, ok=False)
    assert code == 2 and "no article has the id" in err  # bad input, like any other mistake in what was typed
    run("stats")  # opening again does not bring a removed shipped article back
    assert snapshot(clean_env)[0] == before[0] - 1


def test_list_and_stats(clean_env: Path) -> None:
    _, out, _ = run("list")
    assert len(out.splitlines()) == 31
    first = out.splitlines()[0]
    width = max(len(line.split()[0]) for line in out.splitlines())
    assert first == f"{'amazon-met-with-ice-officials-over-173ada':<{width}}  23 Oct 2018  Washington Post: " + (
        "Amazon met with ICE officials over facial-recognition system that could identify immigrants"
    )
    _, out, _ = run("stats")
    assert out.splitlines()[:4] == [
        "articles:        31 (2 with text, 29 headlines only)",
        "sentences:       14",
        "outlets:         13",
        "dates:           Oct 2017 to 28 Jan 2025 (3 undated)",
    ]


def test_data_dir_option_overrides_the_environment(tmp_path: Path, clean_env: Path) -> None:
    other = tmp_path / "elsewhere"
    run("stats", "--data-dir", str(other))
    assert (other / "newsbot.sqlite3").exists()
    assert not (clean_env / "newsbot.sqlite3").exists()


BAD_FILES = [
    ("bad.json", b'{"title": "x", "source": ', "bad.json:1: malformed JSON"),
    (
        "untitled.json",
        json.dumps({"source": "AP", "body": "Text."}).encode(),
        "untitled.json: field 'title': is required",
    ),
    (
        "date.json",
        json.dumps({"title": "T", "source": "AP", "date": "2019-02-30"}).encode(),
        "field 'date': '2019-02-30': Feb 2019 has no day 30",
    ),
    (
        "latin1.json",
        '{"title": "Caf\u00e9", "source": "AP"}'.encode("latin-1"),
        "latin1.json:1: the file is not UTF-8 text (byte 0xe9",
    ),
    (
        "typo.json",
        json.dumps({"title": "T", "source": "AP", "titel": "x"}).encode(),
        "field 'titel': is not a known field",
    ),
    ("front.md", b"title: no front matter\n", "front.md:1: expected front matter"),
    ("story.docx", b"hello", "unsupported file type '.docx'"),
    (
        "story.txt",
        b"A headline\nSome text.",
        "story.txt: the file does not name its outlet; give one (--source, or outlet:)",
    ),
    (
        "url.json",
        json.dumps({"title": "T", "source": "AP", "url": "javascript:alert(1)"}).encode(),
        "field 'url'",
    ),
]


@pytest.mark.parametrize(("name", "data", "message"), BAD_FILES)
def test_bad_input_is_a_clear_error_and_changes_nothing(
    tmp_path: Path, clean_env: Path, name: str, data: bytes, message: str
) -> None:
    run("stats")
    before = snapshot(clean_env)
    path = tmp_path / name
    path.write_bytes(data)
    code, out, err = run("add", str(path), ok=False)
    assert code == 2 and out == ""
    assert err.startswith("newsbot: error: ") and message in err, err
    assert len(err.strip().splitlines()) == 1
    assert snapshot(clean_env) == before


def test_a_50_mb_file_is_refused(tmp_path: Path, clean_env: Path) -> None:
    run("stats")
    before = snapshot(clean_env)
    path = tmp_path / "huge.json"
    with path.open("wb") as f:
        f.write(b'{"title": "T", "source": "AP", "body": "')
        f.write(b"a" * 50_000_000)
        f.write(b'"}')
    code, _, err = run("add", str(path), ok=False)
    assert code == 2 and "the file is 50.0 MB; the limit is 5 MB" in err
    assert snapshot(clean_env) == before


def test_a_duplicate_url_is_refused(tmp_path: Path, clean_env: Path) -> None:
    path = tmp_path / "story.json"
    path.write_text(json.dumps(ARTICLE), encoding="utf-8")
    _, out, _ = run("add", str(path))
    first_id = out.strip()
    before = snapshot(clean_env)
    variant = "HTTPS://WWW.OrlandoSentinel.com:443/news/rekognition-pilot-ends?utm_source=twitter#comments"
    again = tmp_path / "again.json"
    again.write_text(json.dumps({**ARTICLE, "title": "Another title", "body": "Other text.", "url": variant}))
    code, _, err = run("add", str(again), ok=False)
    assert code == 2 and f"that URL is already stored as {first_id} ('Rekognition pilot ends in Orlando')" in err
    assert snapshot(clean_env) == before


def test_a_duplicate_text_is_refused(tmp_path: Path, clean_env: Path) -> None:
    path = tmp_path / "story.json"
    path.write_text(json.dumps(ARTICLE), encoding="utf-8")
    run("add", str(path))
    before = snapshot(clean_env)
    copy = tmp_path / "copy.json"
    copy.write_text(
        json.dumps({**ARTICLE, "url": None, "title": "Copy", "body": "  " + ARTICLE["body"].upper()}),
        encoding="utf-8",
    )
    code, _, err = run("add", str(copy), ok=False)
    assert code == 2 and "the same text is already stored as" in err
    assert snapshot(clean_env) == before


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name, command in cli.commands.items():
        assert command.help, name
        assert f"newsbot {name}" in readme, f"`newsbot {name}` is not documented in README.md"


def test_sources_lists_the_associated_press_first(clean_env: Path) -> None:
    _, out, _ = run("sources", "--json")
    data = json.loads(out)
    assert (data["topic"], data["articles"], len(data["outlets"])) == (None, 31, 13)
    first = data["outlets"][0]
    assert (first["source"], first["articles"], first["first_date"], first["last_date"]) == (
        "Associated Press", 6, "2019-01-25", "2024-05-02",
    )  # fmt: skip
    assert first["earliest_title"] == "Researchers say Amazon face-detection technology shows bias"
    _, out, _ = run("sources", "Microsoft")
    assert out.splitlines()[:2] == [
        "Who covered Microsoft (5 articles, 5 outlets)",
        "• Washington Post: 1 article, 23 Oct 2018; first: "
        "Amazon met with ICE officials over facial-recognition system that could identify immigrants",
    ]


def test_compare_json_names_each_outlets_sentence_and_refuses_a_wordless_topic(clean_env: Path) -> None:
    _, out, _ = run("compare", "Amazon ICE", "--json")
    assert json.loads(out) == {
        "topic": "Amazon ICE",
        "outlets": [
            {
                "source": "Washington Post",
                "text": "An Amazon Web Service official specializing in federal sales contracts, whose name was redacted "
                "in the emails, wrote that the conversation involved “predictive analytics” and “Rekognition Video "
                "tagging/analysis” that could possibly enable ICE to identify people’s faces from afar — a type of "
                "technology that immigration officials have voiced interest in for its potential enforcement use on "
                "the nation’s southern border.",
                "headline": False,
                "articles": 1,
                "article_id": "amazon-met-with-ice-officials-over-173ada",
                "title": "Amazon met with ICE officials over facial-recognition system that could identify immigrants",
                "date": "2018-10-23",
                "url": None,
                "also_in": ["LA Times"],
            }
        ],
    }
    _, out, _ = run("compare", "Who won the World Cup?", "--json")
    assert json.loads(out) == {"topic": "Who won the World Cup?", "outlets": []}
    code, out, err = run("compare", "what is the", ok=False)
    assert (code, out) == (2, "")
    assert err.startswith("newsbot: error: 'what is the' has no word to search for")
