from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.errors import InvalidDate
from bot.core.models import TimelineQuery, format_date
from bot.present.render import PLAIN, render_timeline
from bot.service import NewsService


def test_whole_timeline_is_oldest_first_with_undated_last(service: NewsService) -> None:
    entries = service.timeline(TimelineQuery()).entries
    assert len(entries) == 31
    dated = [e.date for e in entries if e.date]
    assert dated == sorted(dated)
    assert entries[0].title == "Airport Face Scans Could Be a Dry Run for a National Surveillance System"
    assert entries[0].date == "2017-10"
    assert [e.date for e in entries[-3:]] == [None, None, None]
    assert entries[-4].date == "2025-01-28"


def test_dates_keep_their_precision(service: NewsService) -> None:
    text = render_timeline(service.timeline(TimelineQuery()), PLAIN)
    lines = text.splitlines()
    assert lines[0] == "Timeline of the coverage (31 articles)"
    assert lines[1] == (
        "   Oct 2017 · Slate · Airport Face Scans Could Be a Dry Run for a National Surveillance System "
        "<https://slate.com/technology/2017/10/airport-face-scans-could-be-a-dry-run-for-a-national-surveillance-system.html>"
    )
    assert lines[2] == "22 May 2018 · Slate · Amazon Is Working With Police to Provide Facial Recognition Surveillance"
    assert lines[-1].startswith("    undated · ")
    assert format_date("2017") == "2017"


def test_topic_filter(service: NewsService) -> None:
    titles = [e.title for e in service.timeline(TimelineQuery("Microsoft")).entries]
    assert titles == [
        "Amazon met with ICE officials over facial-recognition system that could identify immigrants",
        "Amazon met with ICE officials over facial-recognition system that could identify immigrants",
        "Microsoft joins Amazon, IBM in pausing face scans for police",
        "Microsoft joins Amazon in banning face-recognition technology sales to police",
        "Microsoft declines to sell facial recognition tech to police until there is a law to regulate it",
    ]


def test_since_until_and_outlet(service: NewsService) -> None:
    entries = service.timeline(TimelineQuery(since="2020-06", until="2020-06-11", outlet="associated press")).entries
    assert [(e.date, e.title) for e in entries] == [
        ("2020-06-10", "Amazon bans police use of its face recognition for a year"),
        ("2020-06-11", "Microsoft joins Amazon, IBM in pausing face scans for police"),
    ]


def test_a_month_overlaps_a_day_range(service: NewsService) -> None:
    entries = service.timeline(TimelineQuery(since="2017-10-15", until="2017-10-20")).entries
    assert [e.date for e in entries] == ["2017-10"]
    assert service.timeline(TimelineQuery(since="2017-11", until="2018-01")).entries == []


@pytest.mark.parametrize("bad", ["2019-13", "2019-02-30", "last year", "19-01-01"])
def test_bad_dates_are_errors(service: NewsService, bad: str) -> None:
    with pytest.raises(InvalidDate, match="since"):
        service.timeline(TimelineQuery(since=bad))


def test_since_after_until_is_an_error(service: NewsService) -> None:
    with pytest.raises(InvalidDate, match="after"):
        service.timeline(TimelineQuery(since="2020", until="2019"))


def test_topic_with_no_coverage(service: NewsService) -> None:
    timeline = service.timeline(TimelineQuery("volcanoes"))
    assert timeline.entries == []
    assert (
        render_timeline(timeline)
        == "Timeline of the coverage on volcanoes (0 articles)\nNo article on volcanoes matches."
    )


def test_the_chart_of_a_timeline_counts_its_entries_per_month(service: NewsService, tmp_path: Path) -> None:
    import struct
    from collections import Counter

    from click.testing import CliRunner

    from bot.cli.main import cli
    from bot.present.chart import ChartItem, chart_data

    target = tmp_path / "chart.png"
    result = CliRunner().invoke(cli, ["timeline", "--chart", str(target), "--json"])
    assert result.exit_code == 0 and result.stderr == f"Wrote the chart to {target}\n"
    png = target.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (1200, 600)
    assert png == service.timeline_chart(TimelineQuery())  # the same picture from the same corpus version

    entries = service.timeline(TimelineQuery()).entries
    data = chart_data([ChartItem(e.date, e.source, e.title) for e in entries])
    assert data.period == "month" and data.undated == 3 and data.total == 31
    per_month = Counter(e.date[:7] for e in entries if e.date)
    assert {b: t for b, t in zip(data.bins, data.bin_totals(), strict=True) if t} == dict(per_month)


def test_no_chart_for_a_topic_without_coverage(service: NewsService) -> None:
    from bot.core.errors import InvalidInput

    with pytest.raises(InvalidInput, match="no coverage on 'volcanoes' to chart"):
        service.timeline_chart(TimelineQuery("volcanoes"))
