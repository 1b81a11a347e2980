"""The coverage chart: the numbers behind the picture (bins, counts, notes, labels), and a valid, stable PNG."""

from __future__ import annotations

import random
import struct
import zlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.core.errors import InvalidDate, InvalidInput, NewsBotError
from bot.intake.article_files import load_corpus_dir
from bot.present.chart import MAX_BINS, ChartData, ChartItem, chart_data, chart_png, render_chart
from bot.present.chart.bins import range_label as _range_label
from bot.present.chart.layout import stack_flags as _stack_flags
from bot.service import shipped_corpus_dir

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def item(date: str | None, source: str = "AP", title: str = "", relevance: float = 0.0) -> ChartItem:
    return ChartItem(date=date, source=source, title=title or f"{source} on {date}", relevance=relevance)


def png_chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of every chunk, checking each CRC on the way."""
    assert png[:8] == PNG_SIGNATURE
    chunks, at = [], 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind, body = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", png[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + body), f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        at += 12 + length
    return chunks


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which must come first."""
    assert png[:8] == PNG_SIGNATURE
    (length,) = struct.unpack(">I", png[8:12])
    assert png[12:16] == b"IHDR" and length == 13
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def nonzero(data: ChartData) -> dict[str, dict[str, int]]:
    """outlet -> {bin label: count} for the bins that count anything."""
    return {
        outlet: {label: c for label, c in zip(data.bins, row, strict=True) if c} for outlet, row in data.counts.items()
    }


# --- bins and counts -----------------------------------------------------------------------------------------


def test_counts_per_month() -> None:
    items = [
        item("2020-01-05", "AP"),
        item("2020-01-31", "AP"),
        item("2020-01-15", "CNN"),
        item("2020-04-01", "CNN"),
        item("2020-06-30", "AP"),
    ]
    data = chart_data(items, period="month")
    assert data.period == "month"
    assert data.bins == ["2020-01", "2020-02", "2020-03", "2020-04", "2020-05", "2020-06"]  # gaps kept
    assert data.outlets == ["AP", "CNN"]
    assert data.counts == {"AP": [2, 0, 0, 0, 0, 1], "CNN": [1, 0, 0, 1, 0, 0]}
    assert data.bin_totals() == [3, 0, 0, 1, 0, 1]
    assert (data.total, data.undated, data.imprecise, data.charted) == (5, 0, 0, 5)


def test_counts_per_iso_week() -> None:
    # 16 Dec 2019 is a Monday; 22 Dec a Sunday (same week); 23 Dec the next Monday; 1 Jan 2020 a Wednesday.
    items = [item("2019-12-19"), item("2019-12-16"), item("2019-12-22"), item("2019-12-23"), item("2020-01-01")]
    data = chart_data(items, period="week")
    assert data.bins == ["2019-12-16", "2019-12-23", "2019-12-30"]
    assert data.counts == {"AP": [3, 1, 1]}


def test_counts_per_year() -> None:
    items = [item("2017-10"), item("2018-05-22"), item("2018-12-31"), item("2021-01-19")]
    data = chart_data(items, period="year")
    assert data.bins == ["2017", "2018", "2019", "2020", "2021"]
    assert data.counts == {"AP": [1, 2, 0, 0, 1]}
    assert data.imprecise == 0  # a month is finer than a year


def test_month_and_year_precision_land_in_their_month_and_year() -> None:
    items = [item("2018-10"), item("2018-10-31"), item("2018-11-02"), item("2019")]
    by_month = chart_data(items, period="month")
    assert by_month.counts["AP"][by_month.bins.index("2018-10")] == 2
    assert by_month.counts["AP"][by_month.bins.index("2019-01")] == 1  # "2019" in its first month...
    assert by_month.imprecise == 1  # ...and said to be a guess; "2018-10" is exact for a month
    by_year = chart_data(items, period="year")
    assert by_year.bins == ["2018", "2019"]
    assert by_year.counts == {"AP": [3, 1]}
    assert by_year.imprecise == 0


def test_a_month_on_a_weekly_chart_goes_to_the_week_of_its_first_day() -> None:
    # 1 Oct 2017 is a Sunday: its ISO week starts on Monday 25 Sep.
    data = chart_data([item("2017-10"), item("2017-10-20"), item("2017")], period="week")
    assert data.bins[0] == "2016-12-26"  # 1 Jan 2017 is a Sunday too
    assert nonzero(data) == {"AP": {"2016-12-26": 1, "2017-09-25": 1, "2017-10-16": 1}}
    assert data.imprecise == 2


def test_undated_are_counted_not_charted() -> None:
    items = [item("2020-01-05"), item(None, "Salon"), item(None, "ABC"), item("2020-02-01", "CNN")]
    data = chart_data(items, period="month")
    assert data.undated == 2
    assert data.total == 4
    assert data.charted == 2
    assert data.outlets == ["AP", "CNN"]  # Salon and ABC have nothing on the chart


def test_top_outlets_then_other() -> None:
    counts = {"Reuters": 5, "BBC": 4, "AP": 3, "CNN": 3, "NPR": 1, "Slate": 1}
    items = [item("2021-03-01", source) for source, n in counts.items() for _ in range(n)]
    data = chart_data(items, top_outlets=3)
    assert data.outlets == ["Reuters", "BBC", "AP", "other"]  # AP and CNN tie at 3: by name
    assert {outlet: sum(row) for outlet, row in data.counts.items()} == {"Reuters": 5, "BBC": 4, "AP": 3, "other": 5}


def test_no_other_when_every_outlet_fits() -> None:
    data = chart_data([item("2021-03-01", "b"), item("2021-03-01", "a"), item("2021-03-02", "b")], top_outlets=2)
    assert data.outlets == ["b", "a"]
    assert "other" not in data.counts


def test_an_outlet_called_other_is_not_merged_with_the_rest() -> None:
    items = [item("2021-03-01", "other")] * 3 + [item("2021-03-01", "x"), item("2021-03-01", "y")]
    data = chart_data(items, top_outlets=1)
    assert data.outlets == ["other", "other outlets"]
    assert data.counts == {"other": [3], "other outlets": [2]}


# --- the labelled headlines ----------------------------------------------------------------------------------


def test_highlights_are_the_most_relevant() -> None:
    items = [item(f"2020-{m:02d}-01", title=f"Story {m}", relevance=float(m % 5)) for m in range(1, 13)]
    data = chart_data(items, highlights=3)
    # relevance 4 for months 4 and 9, 3 for months 3 and 8: ties go to the older one
    assert data.highlights == [
        ("2020-04", "Story 4", "AP"),
        ("2020-09", "Story 9", "AP"),
        ("2020-03", "Story 3", "AP"),
    ]


def test_highlights_skip_syndicated_copies_and_are_shortened() -> None:
    long_title = "Amazon met with ICE officials over facial-recognition system that could identify immigrants"
    items = [
        item("2018-10-23", "Washington Post", long_title, relevance=9),
        item("2018-10-23", "LA Times", long_title, relevance=9),
        item("2018-11-09", "Firstpost", "Amazon will sell face recognition to police", relevance=5),
        item(None, "Salon", "Undated, however relevant", relevance=99),
    ]
    data = chart_data(items, period="month", highlights=3)
    assert [(label, source) for label, _, source in data.highlights] == [
        ("2018-10", "LA Times"),  # same relevance and date: by title, then by outlet
        ("2018-11", "Firstpost"),
    ]
    short = data.highlights[0][1]
    assert short.endswith("…") and len(short) <= 48
    assert long_title.startswith(short[:-1])
    assert data.highlights[1][1] == "Amazon will sell face recognition to police"


def test_no_highlights_when_asked_for_none() -> None:
    assert chart_data([item("2020-01-01")], highlights=0).highlights == []


# --- choosing the period -------------------------------------------------------------------------------------


def test_auto_period_by_span() -> None:
    assert chart_data([item("2024-01-01"), item("2024-04-20")]).period == "week"  # 110 days
    assert chart_data([item("2024-01-01"), item("2024-05-15")]).period == "month"
    assert chart_data([item("2017-01-01"), item("2024-12-31")]).period == "month"  # 96 months
    assert chart_data([item("2017-01-01"), item("2025-01-01")]).period == "year"  # 97 months


def test_auto_period_does_not_chart_mostly_guesses() -> None:
    # Mostly year-dated articles over two years: monthly bars would pile them up in January.
    assert chart_data([item("2019"), item("2020"), item("2020"), item("2019-06-01")]).period == "year"
    # Mostly month-dated over two months: weekly bars would be guesses, monthly ones are not.
    data = chart_data([item("2024-01"), item("2024-02"), item("2024-02-10")])
    assert data.period == "month"
    assert data.imprecise == 0


# --- errors ----------------------------------------------------------------------------------------------------


def test_no_dated_coverage_is_an_error() -> None:
    with pytest.raises(InvalidInput, match="no dated coverage"):
        chart_data([])
    with pytest.raises(InvalidInput, match="no dated coverage"):
        chart_data([item(None), item(None)])


def test_chart_png_says_what_is_missing() -> None:
    with pytest.raises(InvalidInput, match=r"^no coverage on 'volcanoes' to chart$"):
        chart_png([], topic="volcanoes")
    with pytest.raises(InvalidInput) as caught:
        chart_png([item(None), item(None)], topic="volcanoes")
    assert str(caught.value) == "no dated coverage on 'volcanoes' to chart: the 2 articles found are undated"
    assert isinstance(caught.value, NewsBotError) and caught.value.exit_code == 2


def test_bad_arguments() -> None:
    with pytest.raises(InvalidInput, match="unknown period 'day'"):
        chart_data([item("2020-01-01")], period="day")  # type: ignore[arg-type]
    with pytest.raises(InvalidDate, match="no month 13"):
        chart_data([item("2020-13")])
    with pytest.raises(InvalidInput, match="too many bars"):
        chart_data([item("2000-01-01"), item("2020-01-01")], period="week")
    assert len(chart_data([item("2000-01-01"), item("2020-01-01")], period="month").bins) <= MAX_BINS
    with pytest.raises(ValueError):
        chart_data([item("2020-01-01")], top_outlets=0)
    with pytest.raises(ValueError):
        chart_data([item("2020-01-01")], highlights=6)


# --- the PNG ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("width", "height"), [(1200, 600), (800, 400), (1234, 567)])
def test_png_is_valid_and_of_the_requested_size(width: int, height: int) -> None:
    data = chart_data([item("2020-01-05", "AP"), item("2020-03-01", "CNN", relevance=1), item(None)])
    png = render_chart(data, title="Coverage of tests", subtitle="3 articles", width_px=width, height_px=height)
    assert png.startswith(PNG_SIGNATURE)
    assert png_size(png) == (width, height)
    kinds = [kind for kind, _ in png_chunks(png)]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"


def test_png_is_deterministic_and_carries_no_timestamp() -> None:
    items = [item(f"2019-{m:02d}-10", f"Outlet {m % 4}", relevance=m) for m in range(1, 13)]
    first = chart_png(items, topic="determinism")
    assert chart_png(list(items), topic="determinism") == first
    chunks = png_chunks(first)
    assert b"tIME" not in [kind for kind, _ in chunks]
    text = b"".join(body for kind, body in chunks if kind in (b"tEXt", b"iTXt", b"zTXt"))
    assert b"Software" not in text and b"matplotlib" not in text.lower()


def test_renders_the_same_in_worker_threads() -> None:
    items = [item(f"2022-{m:02d}-01", f"Outlet {m % 3}", f"Story {m}", relevance=m) for m in range(1, 13)]
    expected = chart_png(items, topic="threads")
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: chart_png(items, topic="threads"), range(8)))
    assert all(png == expected for png in results)


def test_text_is_drawn_literally() -> None:
    # Two "$" would be TeX to matplotlib, and it has no glyph for the emoji or the CJK: with warnings as
    # errors, either would fail here.
    items = [item("2021-05-01", "$Outlet$", "Costs of $5 and $6 billion 🌋 火山", relevance=1), item("2021-06-01")]
    png = chart_png(items, topic="$x^2$ 🌋")
    assert png_size(png) == (1200, 600)


def test_many_outlets_long_names_and_crowded_labels_render() -> None:
    rng = random.Random(7)
    names = [f"The Very Long Name of Newspaper Number {i}" for i in range(12)]
    items = [
        item(f"2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", rng.choice(names), f"Story {i} " * 12, i)
        for i in range(300)
    ]
    data = chart_data(items, top_outlets=7, highlights=5)
    assert len(data.outlets) == 8 and len(data.highlights) == 5
    assert png_size(render_chart(data, title="x" * 300)) == (1200, 600)


def test_ten_thousand_items() -> None:
    rng = random.Random(1)
    outlets = [f"Outlet {i}" for i in range(20)]
    items = []
    for i in range(10_000):
        year, month, day = rng.randint(2017, 2024), rng.randint(1, 12), rng.randint(1, 28)
        date = rng.choice([f"{year}-{month:02d}-{day:02d}"] * 8 + [f"{year}-{month:02d}", None])
        items.append(item(date, rng.choice(outlets), f"Story {i}", rng.random()))
    data = chart_data(items)
    assert data.period == "month" and len(data.bins) == 96
    assert data.charted + data.undated == data.total == 10_000
    assert png_size(chart_png(items, topic="everything")) == (1200, 600)


# --- the labels do not collide ---------------------------------------------------------------------------------


def test_flags_are_stacked_without_collisions() -> None:
    # Four labels ~40% of the axes wide, their bars close together in the middle: only some orders work.
    layout, clashes = _stack_flags([484, 541, 644, 747], [430, 430, 420, 420], 1094, 5, 12)
    assert clashes == 0
    assert sorted(row for row, *_ in layout) == [0, 1, 2, 3]
    for _, left, right, _, _ in layout:
        assert 0 <= left < right <= 1094
    # Two labels on one bar share the pole: one above the other, both on the same side of it.
    layout, clashes = _stack_flags([100, 100], [300, 300], 1094, 5, 12)
    assert clashes == 0
    assert {row for row, *_ in layout} == {0, 1}
    assert {side for *_, side in layout} == {"left"}


def test_range_label() -> None:
    assert _range_label(chart_data([item("2017-10"), item("2025-01-28")])) == "Oct 2017 – Jan 2025"
    assert _range_label(chart_data([item("2024-01-05"), item("2024-06-01")])) == "Jan – Jun 2024"
    assert _range_label(chart_data([item("2024-03-05")])) == "4 – 10 Mar 2024"
    assert _range_label(chart_data([item("2019-12-19"), item("2020-02-05")])) == "16 Dec 2019 – 9 Feb 2020"
    assert _range_label(chart_data([item("2001"), item("2020-05-01")])) == "2001 – 2020"


# --- the shipped corpus ----------------------------------------------------------------------------------------


def test_shipped_corpus_by_month() -> None:
    articles = load_corpus_dir(shipped_corpus_dir())
    items = [ChartItem(a.date, a.source, a.title) for a in articles]
    data = chart_data(items)
    # Counted by hand from the 31 articles' dates (28 dated, one of them "2017-10"; 3 undated).
    by_hand = {
        "2017-10": 1,
        "2018-05": 2,
        "2018-07": 2,
        "2018-10": 2,
        "2018-11": 2,
        "2019-01": 1,
        "2019-02": 1,
        "2019-04": 1,
        "2019-07": 3,
        "2019-12": 2,
        "2020-05": 1,
        "2020-06": 7,
        "2021-01": 1,
        "2024-05": 1,
        "2025-01": 1,
    }
    assert data.period == "month"  # 88 months: under the 96 that auto charts by month
    assert (data.bins[0], data.bins[-1], len(data.bins)) == ("2017-10", "2025-01", 88)
    assert {label: n for label, n in zip(data.bins, data.bin_totals(), strict=True) if n} == by_hand
    assert (data.total, data.undated, data.imprecise) == (31, 3, 0)
    by_source = Counter(a.source for a in articles if a.date)
    assert data.outlets[:5] == sorted(by_source, key=lambda s: (-by_source[s], s))[:5]
    assert data.outlets == ["Associated Press", "CNN", "Firstpost", "The Hindu", "The Independent", "other"]
    assert sum(data.counts["Associated Press"]) == 6
    assert data.counts["other"][data.bins.index("2018-10")] == 2  # Washington Post and LA Times
    assert png_size(chart_png(items, topic=None)) == (1200, 600)


def test_the_chart_cache_draws_a_chart_once_while_it_is_kept() -> None:
    from bot.present.chart.cache import ChartCache

    cache = ChartCache(kept=2)
    first = [item(f"2021-{m:02d}-01", "AP", f"Story {m}") for m in range(1, 4)]
    second = [*first[:2], item("2021-03-01", "AP", "Story 3, corrected")]  # one headline changed: another chart
    third = [item("2020-01-01", "Reuters")]
    png = cache.png(first, topic="cache")
    assert png == chart_png(first, topic="cache")
    assert cache.png(list(first), topic="cache") is png  # the same items: not drawn again
    other = cache.png(second, topic="cache")
    assert other != png and cache.png(first, topic="other topic") != png
    assert len(cache) == 2  # the oldest (first, "cache") was dropped for (first, "other topic")
    cache.png(third, topic="cache")
    redrawn = cache.png(first, topic="cache")
    assert redrawn == png and redrawn is not png  # drawn again, the same picture
    with pytest.raises(InvalidInput, match="no coverage on 'cache' to chart"):
        cache.png([], topic="cache")  # an error is not kept
