"""Feeds as text: whatever a feed calls itself, and whatever its address holds, a Discord listing or confirmation
shows it as plain text; the only markup is the renderer's own (the id in code, the outlet in bold, the address)."""

from __future__ import annotations

import pytest

from tests.markdown_check import constructs, kinds

# isort: split
from bot.core.models import FeedLogEntry, FeedRecord
from bot.present.feeds import (
    describe_entry,
    feed_choice,
    render_feed_digest,
    render_feed_list,
    render_subscribed,
    render_unsubscribed,
)
from bot.present.style import DISCORD, PLAIN, bare_address

HOSTILE_TITLES = [
    "**Breaking** _news_ [Verify your account](https://evil.example/login) <@123> @everyone ||spoiler||",
    "# Heading\n> quoted\n1. listed\n- item `code` ~~gone~~ __under__ <#42> <t:1700000000:R>",
]
HOSTILE_URLS = [
    "https://feeds.example/rss?x=**bold**&y=_it_&z=[link](https://evil.example/login)",
    "https://feeds.example/a_b/~c/(d)/@everyone/<@123>/||s||/`c`",
    "https://user@evil.example/feed.xml",  # userinfo: shown as text, never as a link to another host
    "https://feeds.example/" + "x" * 600,  # too long to show whole
    "ftp://feeds.example/feed.xml",  # not a web address: never linked
]


def feed(title: str, url: str, outlet: str = "Wire", error: str | None = None) -> FeedRecord:
    return FeedRecord(
        id=7,
        url=url,
        title=title,
        outlet=outlet,
        added_at="2026-01-02T03:04:05Z",
        added_by="test",
        last_polled_at=None,
        last_error=error,
        added=2,
    )


SAFE = feed("The Gazette", "https://feeds.example/rss.xml")


def renderings(record: FeedRecord) -> list[str]:
    return [
        render_feed_digest([record], DISCORD, max_chars=4000),
        render_subscribed(record, DISCORD, poll_minutes=30),
        render_unsubscribed(record, DISCORD),
    ]


@pytest.mark.parametrize("url", HOSTILE_URLS)
@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_a_hostile_feed_adds_no_markup_to_any_discord_text(title: str, url: str) -> None:
    hostile = feed(title, url, outlet="__Evil__ Wire](https://evil.example)", error="**failed** <@&5> [x](https://e.x)")
    safe = feed(SAFE.title, SAFE.url, error="failed")
    linked = url.startswith("https://feeds.example/") and len(url) < 400  # the address is linked, as the safe one
    for number, (text, expected) in enumerate(zip(renderings(hostile), renderings(safe), strict=True)):
        found = kinds(text)
        if number == 0 and not linked:
            found["autolink"] += 1  # the listing shows the address as escaped text: it is not even linked
        assert found == kinds(expected), (text, constructs(text))
        assert not {kind for kind, _ in constructs(text)} & {"link", "mention", "italic", "italic_", "spoiler"}


def test_a_feed_address_is_linked_as_itself_with_markup_characters_encoded() -> None:
    assert bare_address(SAFE.url) == "<https://feeds.example/rss.xml>"
    assert bare_address(HOSTILE_URLS[1]) == (
        "<https://feeds.example/a%5Fb/%7Ec/%28d%29/%40everyone/%3C%40123%3E/%7C%7Cs%7C%7C/%60c%60>"
    )
    assert bare_address(HOSTILE_URLS[2]) == "https\\://user\\@evil.example/feed.xml"
    assert bare_address(HOSTILE_URLS[3]) == "https\\://feeds.example/" + "x" * 477 + "…"
    assert bare_address("ftp://feeds.example/feed.xml") == "ftp://feeds.example/feed.xml"
    assert render_feed_digest([SAFE], DISCORD, max_chars=4000).splitlines() == [
        "`7` **Wire** · The Gazette",
        "  <https://feeds.example/rss.xml> · 2 added, 0 skipped, 0 failed · not polled yet",
    ]


def test_the_terminal_shows_a_feeds_control_characters_instead_of_obeying_them() -> None:
    record = feed("Title\x1b[2J", "https://feeds.example/\x1b]0;pwned\x07", outlet="Wire\x9b31m", error="bad\x1b[31m")
    entry = FeedLogEntry(feed_id=7, entry_key="k", status="failed", at="2026-01-02", url=None, title="T\x1b[1m",
                         article_id=None, reason="no text\x07")  # fmt: skip
    texts = [*render_feed_list([record]), render_unsubscribed(record, PLAIN), describe_entry(entry)]
    assert not any(ch in text for text in texts for ch in "\x1b\x07\x9b")
    assert "Title\\x1b[2J" in texts[0] and "Wire\\x9b31m" in texts[0] and "bad\\x1b[31m" in texts[1]
    assert "T\\x1b[1m" in texts[3] and "no text\\x07" in texts[3]


def test_an_autocomplete_choice_names_a_feed_within_discords_100_characters() -> None:
    assert feed_choice(SAFE) == "7: The Gazette — https://feeds.example/rss.xml"
    assert feed_choice(feed("T" * 200, SAFE.url)) == "7: " + "T" * 96 + "…"
