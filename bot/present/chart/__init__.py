"""A PNG chart of the coverage over time: articles per week, month or year, stacked by outlet.

Three jobs in three modules, so that the numbers can be tested without looking at pixels:
:mod:`~bot.present.chart.bins` turns articles into bins and counts (pure Python), :mod:`~bot.present.chart.draw`
draws those counts (matplotlib), and :mod:`~bot.present.chart.layout` places the headline labels. :func:`chart_png`
here is the convenience the service calls: titles and subtitle in words, then the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from bot.core.errors import InvalidInput
from bot.present.chart.bins import (
    MAX_BINS,
    MONTHLY_MAX_BINS,
    WEEKLY_MAX_DAYS,
    ChartData,
    ChartItem,
    Period,
    chart_data,
    plural,
    range_label,
    shorten_line,
)
from bot.present.chart.draw import render_chart

__all__ = [
    "MAX_BINS",
    "MONTHLY_MAX_BINS",
    "WEEKLY_MAX_DAYS",
    "ChartData",
    "ChartItem",
    "Period",
    "chart_data",
    "chart_png",
    "render_chart",
]


def chart_png(
    items: Sequence[ChartItem],
    *,
    topic: str | None,
    period: Literal["auto", "week", "month", "year"] = "auto",
) -> bytes:
    """The coverage chart as 1200x600 PNG bytes, titled "Coverage of <topic>, Oct 2017 – Jan 2025" (or "All
    coverage, ..."), with a subtitle that says how many articles and outlets the bars count.

    Raises :class:`InvalidInput` with a message for the user when there is nothing dated to chart."""
    topic = " ".join(topic.split()) if topic else None
    about = f" on {shorten_line(topic, 60)!r}" if topic else ""
    if not items:
        raise InvalidInput(f"no coverage{about} to chart")
    if all(item.date is None for item in items):
        count = len(items)
        raise InvalidInput(
            f"no dated coverage{about} to chart: the {count} {plural(count, 'article')} found "
            f"{'is' if count == 1 else 'are'} undated"
        )
    data = chart_data(items, period=period)
    name = f"Coverage of {shorten_line(topic, 60)}" if topic else "All coverage"
    outlets = len({item.source for item in items if item.date is not None})
    dated = data.charted
    counted = f"{dated} dated {plural(dated, 'article')} from {outlets} {plural(outlets, 'outlet')}"
    subtitle = f"{counted}, per {data.period}"
    labelled = len(data.highlights)
    if labelled:
        titles = {" ".join(item.title.casefold().split()) for item in items if item.date is not None}
        ranked = len({item.relevance for item in items if item.date is not None}) > 1
        which = "most relevant" if ranked else "earliest"
        if labelled == len(titles):
            subtitle += "; labelled: every headline" if labelled > 1 else "; labelled: its headline"
        elif labelled == 1:
            subtitle += f"; labelled: the {which} headline"
        else:
            subtitle += f"; labelled: the {labelled} {which} headlines"
    return render_chart(data, title=f"{name}, {range_label(data)}", subtitle=subtitle)
