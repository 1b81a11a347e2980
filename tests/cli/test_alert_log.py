"""``newsbot log`` shows alert changes made from the command line, on both backends: ``feeds add --channel
--topic`` sets one, ``feeds alert`` changes it or turns it off, each a line with who, which feed, which channel and
topic; a refused or empty change is not a line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli.common import actor
from bot.cli.main import cli
from tests.feeds.test_subscriptions import OUTLET, Site, deadline, publish_first_edition, running_site


@pytest.fixture
def site() -> Iterator[Site]:
    with running_site() as running:
        yield running


def newsbot(*args: str) -> Result:
    with deadline():
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_newsbot_log_shows_who_set_changed_and_turned_off_an_alert(
    store_backend: str, site: Site, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBOT_ALLOW_PRIVATE_URLS", "1")
    url = publish_first_edition(site)
    added = newsbot("feeds", "add", url, "--outlet", OUTLET, "--channel", "77", "--topic", "harbour  lighthouse")
    assert added.exit_code == 0, added.output
    assert newsbot("feeds", "alert", "1", "--channel", "88").exit_code == 0
    assert newsbot("feeds", "alert", "1", "--topic", "the").exit_code == 2  # refused: nothing changed
    assert newsbot("feeds", "alert", "1", "--off").exit_code == 0
    assert newsbot("feeds", "alert", "1", "--off").stdout == "Feed 1 had no alert: nothing was changed.\n"

    who, feed = actor(), f"feed 1: {OUTLET} ({url})"
    log = newsbot("log", "--limit", "4")
    assert [line.split("  ", 1)[1] for line in log.stdout.splitlines()] == [
        f"default  {who}  alert-off {feed}: no longer posts its new articles in the Discord channel 88",
        f"default  {who}  alert {feed}: posts its new articles in the Discord channel 88",
        f"default  {who}  alert {feed}: posts its new articles in the Discord channel 77, only those on “harbour "
        "lighthouse”",
        f"default  {who}  subscribe {feed}",
    ]

    entries = json.loads(newsbot("log", "--limit", "4", "--json").stdout)
    assert [{k: v for k, v in e.items() if k != "at"} for e in entries] == [
        {
            "server_id": 0, "guild_id": None, "actor": who, "action": action, "article_id": None, "feed_id": 1,
            "title": OUTLET, "detail": url, "channel_id": channel, "topic": topic,
        }
        for action, channel, topic in (
            ("alert-off", 88, None), ("alert", 88, None), ("alert", 77, "harbour lighthouse"), ("subscribe", None, None)
        )
    ]  # fmt: skip
