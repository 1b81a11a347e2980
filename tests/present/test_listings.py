"""The renderer's listings: the same facts in both styles, article text escaped in Discord's."""

from __future__ import annotations

from bot.core.models import Article, Stats, TimelineQuery
from bot.present.listings import (
    render_added,
    render_added_from_file,
    render_article_digest,
    render_removed,
    render_stats,
)
from bot.present.render import timeline_filters
from bot.present.style import DISCORD, PLAIN

HOSTILE = Article(
    id="a-1",
    title="**Breaking** <@123> [click](https://evil.example)",
    source="The _Daily_ `Tick`",
    date="2021-03-04",
    added_at="2021-03-04T00:00:00Z",
    added_by="test",
)


def test_confirmations_escape_article_text_in_discord_only() -> None:
    assert render_added(HOSTILE, DISCORD) == (
        "Added `a-1`: \\*\\*Breaking\\*\\* \\<\\@123\\> \\[click\\]\\(https\\://evil.example\\) "
        "(The \\_Daily\\_ \\`Tick\\`, 4 Mar 2021). It can be asked about now."
    )
    assert render_removed(HOSTILE, PLAIN) == (
        "Removed a-1: **Breaking** <@123> [click](https://evil.example) (The _Daily_ `Tick`, 4 Mar 2021)"
    )


def test_the_digest_escapes_and_says_how_many_more() -> None:
    text = render_article_digest([HOSTILE] * 3, DISCORD, max_chars=200)
    lines = text.splitlines()
    assert lines[0] == (
        "`a-1` 4 Mar 2021 · The \\_Daily\\_ \\`Tick\\`: \\*\\*Breaking\\*\\* \\<\\@123\\> "
        "\\[click\\]\\(https\\://evil.example\\)"
    )
    assert lines[-1] == "… and 2 more (see `newsbot list`)"
    assert render_article_digest([], DISCORD, max_chars=200) == "The corpus is empty."


def test_stats_a_table_for_the_terminal_a_sentence_for_discord() -> None:
    stats = Stats(
        articles=3, with_text=1, headlines_only=2, sentences=9, outlets=2,
        first_date="2019", last_date="2021-03-04", undated=0, last_change=None,
    )  # fmt: skip
    assert render_stats(stats, DISCORD) == (
        "**3** articles (1 with text, 2 headlines only), **9** sentences, **2** outlets, "
        "from 2019 to 4 Mar 2021 (0 undated). Last change: none."
    )
    assert render_stats(stats, database="/d/newsbot.sqlite3").splitlines()[-1] == "database:        /d/newsbot.sqlite3"


def test_timeline_filters_escape_what_the_user_typed() -> None:
    query = TimelineQuery(topic="x", since="2019", outlet="*AP*")
    assert timeline_filters(query) == ", since 2019, from *AP*"
    assert timeline_filters(query, DISCORD) == ", since 2019, from \\*AP\\*"
    assert timeline_filters(TimelineQuery()) == ""


def test_an_uploaded_file_name_cannot_inject_markdown() -> None:
    assert render_added_from_file(2, "[x](https://evil.example)_@here.jsonl", DISCORD) == (
        "Added 2 articles from \\[x\\]\\(https\\://evil.example\\)\\_\\@here.jsonl."
    )
    assert render_added_from_file(2, "a_b.jsonl") == "Added 2 articles from a_b.jsonl."


def test_a_server_name_reaches_the_terminal_with_its_control_characters_shown() -> None:
    from bot.core.models import ServerSummary
    from bot.present.servers import render_servers

    server = ServerSummary(
        id=42, name="Evil\x1b]0;pwned\x07", articles=3, own_articles=1, feeds=0, last_change=None, left_at=None
    )
    last = render_servers([server]).splitlines()[-1]
    assert "\x1b" not in last and "\x07" not in last
    assert last.endswith("  Evil\\x1b]0;pwned\\x07")
