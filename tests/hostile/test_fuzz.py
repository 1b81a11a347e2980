"""Fuzzing the parsers and the renderer (issue #17): whatever a file, a feed or the store holds,

* the article-file parsers (``.json``, ``.jsonl``, ``.md``, ``.txt``, ``.html``) and the feed parser either return
  articles or raise newsbot's own error (a :class:`NewsBotError`, which the command line and Discord show as a
  message), never anything else;
* the renderer, in the Discord style, puts no markdown into a reply beyond what its own layout puts there (a link
  to the article, the bold outlet, one block-quote line per quoted line), links only the article's own address,
  and in the terminal style lets no control character through.

Hypothesis draws the inputs from alphabets heavy in markdown, JSON and XML syntax. In CI (``CI`` set) the runs are
derandomized, so a red build can be reproduced; locally each run explores new inputs.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.markdown_check import kinds, link_targets

# isort: split
from bot.core.errors import NewsBotError
from bot.core.models import (
    Answer,
    ArticleIn,
    Headline,
    OutletCoverage,
    Quote,
    Sources,
    Timeline,
    TimelineEntry,
)
from bot.intake.article_files import articles_from_text
from bot.intake.feed_parser import parse_feed
from bot.present.listings import describe_article
from bot.present.render import render_answer, render_sources, render_timeline
from bot.present.style import DISCORD, PLAIN, link_target

FUZZ = settings(
    max_examples=120,
    deadline=None,  # a shared, loaded machine: time is not what is tested
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow],
)

# Text from outside, rich in what could become markup, links, mentions, escapes or a broken layout.
HOSTILE_CHARS = st.sampled_from(
    list("*_~`|>#-[]()<@!:/\\.1 \n\t\"'{}=&;")
    + ["https://", "http://evil.example/x", "@everyone", "<@123>", "<#42>", "<t:1:R>", "||", "**", "__", "~~",
       "```", "1. ", "- ", "# ", "> ", "-# ", "\x00", "\x1b[31m", "\u202e", "\u200b", "\x85", "é", "日本"]
)  # fmt: skip
hostile_text = st.lists(st.one_of(HOSTILE_CHARS, st.text(max_size=4)), max_size=30).map("".join)
urls = st.one_of(
    st.none(),
    st.just("https://news.example.com/story"),
    hostile_text.map(lambda t: "https://news.example.com/" + t),
    hostile_text,
)


# ---------------------------------------------------------------------------------------------- the parsers


def _parse(name: str, data: bytes) -> list[ArticleIn]:
    """Parse a file; newsbot's own error is an answer too (it becomes a message with exit status 2)."""
    try:
        articles = articles_from_text(name, data)
    except NewsBotError as exc:
        assert str(exc)  # a message a user can read, never empty
        return []
    assert all(isinstance(article, ArticleIn) for article in articles)
    return articles


FIELDS = ["title", "source", "date", "url", "body", "authors", "outlet", "headline", "text", "published"]
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), hostile_text,
              st.sampled_from(["2021-03-04", "2021-03", "2021", "3000-01-01", "https://news.example.com/a"])),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(FIELDS), inner, max_size=6)),
    max_leaves=12,
)  # fmt: skip
articles_json = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=7)


@FUZZ
@given(st.one_of(articles_json, json_values), st.booleans())
def test_a_json_file_gives_articles_or_newsbots_own_error(value: Any, as_list: bool) -> None:
    data = json.dumps([value] if as_list else value, allow_nan=True).encode()
    for article in _parse("fuzz.json", data):
        assert article.title.strip() and article.source.strip()


@FUZZ
@given(st.lists(st.one_of(articles_json.map(json.dumps), hostile_text), max_size=5))
def test_a_jsonl_file_gives_articles_or_newsbots_own_error(lines: list[str]) -> None:
    _parse("fuzz.jsonl", "\n".join(lines).encode())


@FUZZ
@given(
    st.lists(st.tuples(st.sampled_from(FIELDS), hostile_text), max_size=6),
    hostile_text,
    st.sampled_from(["---\n", "", "---\r\n", "+++\n"]),
)
def test_a_markdown_file_gives_articles_or_newsbots_own_error(
    front: list[tuple[str, str]], body: str, fence: str
) -> None:
    header = "".join(f"{key}: {value}\n" for key, value in front)
    _parse("fuzz.md", f"{fence}{header}{fence}{body}".encode())


@FUZZ
@given(st.one_of(st.binary(max_size=300), hostile_text.map(str.encode)), st.sampled_from([".txt", ".md", ".json"]))
def test_any_bytes_give_articles_or_newsbots_own_error(data: bytes, suffix: str) -> None:
    _parse("fuzz" + suffix, data)


@settings(FUZZ, max_examples=15)  # each page goes through the extraction worker
@given(hostile_text, st.lists(hostile_text, max_size=6), st.sampled_from(["<p>", "<div>", "<li>", "<td>", ""]))
def test_a_saved_web_page_gives_an_article_or_newsbots_own_error(title: str, paragraphs: list[str], tag: str) -> None:
    body = "".join(f"{tag}{p}" for p in paragraphs)
    _parse(
        "fuzz.html", f"<html><head><title>{title}</title></head><body><article>{body}</article></body></html>".encode()
    )


@FUZZ
@given(
    st.sampled_from(["rss", "atom", "rdf", "other"]),
    st.lists(st.tuples(hostile_text, urls, hostile_text), max_size=4),
    hostile_text,
)
def test_a_feed_gives_entries_or_newsbots_own_error(
    kind: str, items: list[tuple[str, str | None, str]], tail: str
) -> None:
    def x(text: str | None) -> str:
        return (text or "").replace("&", "&amp;").replace("<", "&lt;")

    if kind == "atom":
        entries = "".join(
            f"<entry><title>{x(t)}</title><link href='{x(u)}'/><summary>{x(s)}</summary></entry>" for t, u, s in items
        )
        document = f"<feed xmlns='http://www.w3.org/2005/Atom'><title>{x(tail)}</title>{entries}</feed>"
    else:
        entries = "".join(
            f"<item><title>{x(t)}</title><link>{x(u)}</link><description>{x(s)}</description></item>"
            for t, u, s in items
        )
        root = {"rss": "rss version='2.0'", "rdf": "rdf:RDF", "other": "html"}[kind]
        document = f"<{root}><channel><title>{x(tail)}</title>{entries}</channel></{root.split()[0]}>" + tail
    try:
        feed = parse_feed(document, "https://news.example.com/feed")
    except NewsBotError as exc:
        assert str(exc)
        return
    for entry in feed.entries:
        assert entry.url.startswith(("http://", "https://"))


# ---------------------------------------------------------------------------------------------- the renderer

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # a tab and a newline are layout


def _answer(title: str, source: str, text: str, url: str | None, also_in: list[str]) -> Answer:
    """An answer as the store could hold it, unchecked (model_construct): the renderer must not trust it."""
    quote = Quote.model_construct(
        article_id="a-1", title=title, source=source, date="2021-03-04", url=url, also_in=also_in, text=text, score=1.0
    )
    headline = Headline.model_construct(
        article_id="a-2", title=title, source=source, date="2021-03", url=url, also_in=also_in
    )
    return Answer.model_construct(question="q", answered=True, quotes=[quote], headlines=[headline])


def _layout_twin(title: str, source: str, text: str, url: str | None, also_in: list[str]) -> Answer:
    """The same answer with harmless words in every field: what the layout alone puts into a reply."""
    target = link_target(url)
    linked = "https://news.example.com/x" if target and len(target) <= 512 else None
    return _answer("Title", "Wire", "\n".join("Text" for _ in text.split("\n")), linked, ["Other"] * len(also_in))


def _no_markup_beyond_the_layout(hostile: str, twin: str, url: str | None) -> None:
    extra = kinds(hostile) - kinds(twin)
    assert extra == Counter(), (extra, hostile)
    assert set(link_targets(hostile)) <= {link_target(url)}


@FUZZ
@given(hostile_text, hostile_text, hostile_text, urls, st.lists(hostile_text, max_size=2))
def test_an_answer_from_hostile_data_has_no_markup_beyond_the_layout(
    title: str, source: str, text: str, url: str | None, also_in: list[str]
) -> None:
    fields = (title, source, text, url, also_in)
    for max_chars in (None, 2000, 1000):  # Discord's 2,000, and room for one quote with its attribution
        hostile = render_answer(_answer(*fields), DISCORD, max_chars=max_chars)
        twin = render_answer(_layout_twin(*fields), DISCORD, max_chars=max_chars)
        _no_markup_beyond_the_layout(hostile, twin, url)
        if max_chars is not None:
            assert len(hostile) <= max_chars
    assert not _CONTROLS.search(render_answer(_answer(*fields), PLAIN))


@FUZZ
@given(hostile_text, hostile_text, hostile_text, urls)
def test_a_timeline_and_sources_from_hostile_data_have_no_markup_beyond_the_layout(
    topic: str, title: str, source: str, url: str | None
) -> None:
    def timeline(topic: str, title: str, source: str, url: str | None) -> Timeline:
        entry = TimelineEntry.model_construct(article_id="a-1", date="2021-03-04", title=title, source=source, url=url)
        return Timeline.model_construct(topic=topic, entries=[entry])

    def sources(topic: str, title: str, source: str, url: str | None) -> Sources:
        outlet = OutletCoverage.model_construct(
            source=source, articles=1, first_date="2021", last_date="2021", earliest_title=title,
            earliest_article_id="a-1", earliest_url=url,
        )  # fmt: skip
        return Sources.model_construct(topic=topic, articles=1, outlets=[outlet])

    target = link_target(url)
    linked = "https://news.example.com/x" if target and len(target) <= 512 else None
    hostile_timeline = render_timeline(timeline(topic, title, source, url), DISCORD)
    _no_markup_beyond_the_layout(hostile_timeline, render_timeline(timeline("t", "T", "S", linked), DISCORD), url)
    hostile_sources = render_sources(sources(topic, title, source, url), DISCORD)
    _no_markup_beyond_the_layout(hostile_sources, render_sources(sources("t", "T", "S", linked), DISCORD), url)
    assert not _CONTROLS.search(render_timeline(timeline(topic, title, source, url), PLAIN))
    assert not _CONTROLS.search(render_sources(sources(topic, title, source, url), PLAIN))


@FUZZ
@given(hostile_text, hostile_text)
def test_a_confirmation_names_a_hostile_article_without_markup(title: str, source: str) -> None:
    article = ArticleIn.model_construct(title=title, source=source, date="2021-03-04", body="x", authors=[], url=None)
    assert kinds(describe_article(article, DISCORD)) == Counter()
    assert not _CONTROLS.search(describe_article(article, PLAIN))
