"""An answer fits Discord's 2,000 characters whatever the articles hold: the room is shared fairly between the
quotes, each cut at a word with "…", and every attribution is shown whole."""

from __future__ import annotations

from bot.core.models import Answer, Headline, Quote
from bot.present.render import DISCORD, PLAIN, fair_shares, render_answer

WORDS = "the council heard long testimony about the harbour budget and the new ferry timetable".split()


def sentence(length: int, seed: int = 0) -> str:
    words: list[str] = []
    i = seed
    while sum(len(w) + 1 for w in words) < length:
        words.append(WORDS[i % len(WORDS)])
        i += 1
    return " ".join(words)[: length - 1].rstrip() + "."


def quote(n: int, text: str, url: str | None = None) -> Quote:
    return Quote(
        article_id=f"a{n}",
        title=f"Harbour story {n}",
        source=f"Outlet {n}",
        date="2024-03-0" + str(n + 1),
        url=url or f"https://news.example/{n}",
        text=text,
    )


def quoted_lines(reply: str) -> list[str]:
    return [line.removeprefix("> ") for line in reply.split("\n") if line.startswith("> ")]


def attributions(reply: str) -> list[str]:
    return [line for line in reply.split("\n") if line.startswith("— ")]


def test_fair_shares_keep_short_texts_whole_and_share_the_rest() -> None:
    assert fair_shares([100, 1500, 1500], 1300) == [100, 600, 600]
    assert fair_shares([1500, 1500, 1500], 1650) == [550, 550, 550]
    assert fair_shares([10, 20], 100) == [10, 20]
    assert sum(fair_shares([7, 900, 33, 2000], 1000)) <= 1000


def test_three_long_quotes_share_the_2000_characters() -> None:
    texts = [sentence(1500, seed=i) for i in range(3)]
    answer = Answer(question="q", answered=True, quotes=[quote(i, t) for i, t in enumerate(texts)])
    reply = render_answer(answer, DISCORD, max_chars=2000)
    assert 1900 <= len(reply) <= 2000  # the room is used, not wasted on 40-character stubs
    kept = quoted_lines(reply)
    assert len(kept) == 3
    for text, shown in zip(texts, kept, strict=True):
        assert shown.endswith("…")
        assert text.startswith(shown[:-1])  # a prefix of the sentence, letter for letter
        assert text[len(shown) - 1] == " "  # cut at a word
        assert 500 <= len(shown) <= 650
    assert attributions(reply) == [
        f"— **Outlet {i}**, {d} · [Harbour story {i}](<https://news.example/{i}>)"
        for i, d in enumerate(["1 Mar 2024", "2 Mar 2024", "3 Mar 2024"])
    ]


def test_a_short_quote_stays_whole_and_leaves_its_room_to_the_long_one() -> None:
    short, long = "The ferry will run on Sundays.", sentence(3000)
    answer = Answer(question="q", answered=True, quotes=[quote(0, short), quote(1, long)])
    reply = render_answer(answer, DISCORD, max_chars=2000)
    first, second = quoted_lines(reply)
    assert first == short
    assert second.endswith("…") and long.startswith(second[:-1]) and len(second) > 1700
    assert len(reply) <= 2000 and len(attributions(reply)) == 2


def test_markdown_heavy_quotes_still_fit_after_escaping() -> None:
    texts = ["*_`|" * 400 + " end." for _ in range(3)]  # every character doubles when escaped
    answer = Answer(question="q", answered=True, quotes=[quote(i, t) for i, t in enumerate(texts)])
    reply = render_answer(answer, DISCORD, max_chars=2000)
    assert len(reply) <= 2000 and len(attributions(reply)) == 3
    assert all(len(line) > 300 for line in quoted_lines(reply))


def test_headlines_go_before_any_quote_is_cut() -> None:
    headlines = [
        Headline(article_id=f"h{i}", title="Ferry " * 40, source="Outlet", date=None, url=None) for i in range(10)
    ]
    text = sentence(1200)
    answer = Answer(question="q", answered=True, quotes=[quote(0, text)], headlines=headlines)
    reply = render_answer(answer, DISCORD, max_chars=2000)
    assert quoted_lines(reply) == [text] and len(reply) <= 2000


def test_when_attributions_leave_no_room_the_weakest_quotes_go_whole() -> None:
    url = "https://news.example/" + "x" * 479  # 500 characters: linked, and each attribution is long
    texts = [sentence(400, seed=i) for i in range(4)]
    answer = Answer(question="q", answered=True, quotes=[quote(i, t, url=url) for i, t in enumerate(texts)])
    reply = render_answer(answer, DISCORD, max_chars=2000)
    assert len(reply) <= 2000
    shown, kept = attributions(reply), quoted_lines(reply)
    assert 1 <= len(shown) == len(kept) < 4
    for i, (line, text) in enumerate(zip(shown, kept, strict=False)):  # the best quotes, in order, whole attributions
        assert line == f"— **Outlet {i}**, {i + 1} Mar 2024 · [Harbour story {i}](<{url}>)"
        assert texts[i].startswith(text.removesuffix("…")) and len(text) >= 60


def test_a_headline_with_a_very_long_address_is_shown_unlinked() -> None:
    url = "https://news.example/redirect?to=" + "x" * 2000
    answer = Answer(question="q", answered=True, quotes=[quote(i, sentence(300, seed=i), url=url) for i in range(3)])
    reply = render_answer(answer, DISCORD, max_chars=2000)
    assert "news.example/redirect" not in reply
    assert attributions(reply) == [f"— **Outlet {i}**, {i + 1} Mar 2024 · *Harbour story {i}*" for i in range(3)]
    assert [len(q) for q in quoted_lines(reply)] == [300, 300, 300]


def test_plain_style_is_bounded_the_same_way() -> None:
    texts = [sentence(1500, seed=i) for i in range(3)]
    answer = Answer(question="q", answered=True, quotes=[quote(i, t) for i, t in enumerate(texts)])
    reply = render_answer(answer, PLAIN, max_chars=2000)
    assert 1900 <= len(reply) <= 2000 and len(quoted_lines(reply)) == 3
