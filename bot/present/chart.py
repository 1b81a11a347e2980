"""A PNG chart of the coverage over time: articles per week, month or year, stacked by outlet.

The work is split in two so that the numbers can be tested without looking at pixels: :func:`chart_data` turns
articles into bins and counts (pure Python), :func:`render_chart` draws those counts (matplotlib), and
:func:`chart_png` is the convenience the command line and the Discord layer call.

Dates keep their precision (see :mod:`bot.core.models`). An article is counted in the bin of the first day its date
can stand for; when the date is coarser than the bins (a "2017-10" article on a weekly chart, a "2019" article
on a monthly one) that bin is a guess, so such articles are counted in ``imprecise`` and the image says so.
Undated articles cannot be placed at all: they are left out of the bars and counted in a note.

Rendering uses matplotlib's object API (``Figure`` + ``FigureCanvasAgg``), never ``pyplot``: pyplot keeps
global state and is not thread-safe, and the Discord layer renders in a worker thread. For the same reason
nothing here touches ``matplotlib.rcParams``: every font size and colour is passed explicitly. The PNG carries
no software name or timestamp, so the same input gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, get_args

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ft2font import FT2Font
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from bot.core.errors import InvalidDate, InvalidInput
from bot.core.models import date_bounds, date_precision, format_date, parse_partial_date

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

Period = Literal["week", "month", "year"]
Placed = tuple[int, float, float, float, str]  # a headline label: row, text's left and right edge, pole x, side
Measure = Callable[[str, FontProperties], float]  # the width in pixels of a text drawn in a font

WEEKLY_MAX_DAYS = 120
"""``auto`` uses weekly bins when the dated span (first to last article) is under this many days (~4 months):
at most 18 bars, each wide enough to carry its own date label."""

MONTHLY_MAX_BINS = 96
"""``auto`` uses monthly bins up to 96 months (8 years), else yearly ones. At 1200 px the plot is about
1,080 px wide, so 96 bars are 11 px each (about 5 px in Discord's ~550 px preview): still separate bars with
visible gaps, labelled by year, not by month. The shipped corpus (Oct 2017 - Jan 2025) is 88 months, so it is
charted by month, which shows its bursts (June 2020) that a yearly chart would flatten into one bar."""

MAX_BINS = 480
"""An explicit period that would need more bars than this (e.g. weeks over ten years) is refused: the bars
would be thinner than a pixel and the render slow. ``auto`` never gets near it."""

OTHER = "other"
OTHER_ALT = "other outlets"  # the "other" series' name when an outlet is itself called "other"
MAX_OUTLETS = 7  # colours in the palette below (besides grey for "other")
MAX_HIGHLIGHTS = 5  # more labels than this do not fit above the bars
MIN_SLOTS = 8  # the x axis is at least this many bars wide
ROW_STEP = 30  # pixels (at 1200x600) from one row of headline labels to the next
HEADLINE_CHARS = 48  # a highlighted headline is shortened to this many characters, "…" included

# The card: light, with dark text. Discord shows an image as is, on #313338 (dark theme) or #FFFFFF (light
# theme). A light card reads as a card on the dark theme, and a faint grey tint plus a 2 px border separate it
# from the white of the light theme. Dark text on a light ground also survives the downscaling to the
# ~550 px preview better than light text on dark (thin light strokes bleed into a dark ground), and the
# Okabe-Ito colours below were designed for a white ground. A transparent PNG is no option: its text would
# vanish on one of the two themes.
CARD = "#F6F7F9"
BORDER = "#C5CBD3"
INK = "#1F2328"  # titles, headlines
MUTED = "#4F5862"  # subtitle, axis labels, notes: contrast 6.7:1 on CARD (INK: 14.7:1)
GRID = "#DADFE5"
LEADER = "#8A939C"
# Okabe & Ito (2008), the colour-blind-safe qualitative palette, in an order where neighbours in a stack
# differ in lightness as well as hue; their yellow comes last because it is faint on a light ground.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
OTHER_COLOUR = "#A3A9B0"

FONT_FAMILY = "DejaVu Sans"  # ships with matplotlib, so every machine draws the same pixels
_PERIODS: tuple[str, ...] = get_args(Period)
_RANK = {"day": 0, "week": 0, "month": 1, "year": 2}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class ChartItem:
    """One article as the chart sees it; ``relevance`` (e.g. a search score) picks the labelled headlines."""

    date: str | None
    source: str
    title: str
    relevance: float = 0.0


@dataclass(frozen=True)
class ChartData:
    """Everything the picture shows, as numbers and labels, so tests can check it without reading pixels.

    ``bins`` are consecutive periods from the first dated article's to the last one's, empty ones included
    (a gap in coverage is information): ``"2019-12-16"`` (the Monday an ISO week starts), ``"2018-10"`` or
    ``"2019"``. ``outlets`` lists the stacked series, bottom first: the outlets with the most dated articles
    (ties by name), then ``"other"`` if any outlets remain. ``counts[outlet][i]`` is that series' count in
    ``bins[i]``. ``highlights`` holds ``(bin label, shortened headline, source)``, most relevant first.
    ``total`` is every article given, undated ones included.
    """

    period: Period
    bins: list[str]
    outlets: list[str]
    counts: dict[str, list[int]]
    undated: int
    imprecise: int
    highlights: list[tuple[str, str, str]]
    total: int

    @property
    def charted(self) -> int:
        """How many articles the bars show (every dated one)."""
        return sum(sum(row) for row in self.counts.values())

    def bin_totals(self) -> list[int]:
        """The height of each stacked bar."""
        return [sum(column) for column in zip(*self.counts.values(), strict=True)] if self.counts else []


# --- the numbers --------------------------------------------------------------------------------------------


def chart_data(
    items: Sequence[ChartItem],
    *,
    period: Literal["auto", "week", "month", "year"] = "auto",
    top_outlets: int = 5,
    highlights: int = 4,
) -> ChartData:
    """Bin the dated ``items`` by ``period`` and count them per outlet.

    ``auto`` chooses by the dated span: weeks under :data:`WEEKLY_MAX_DAYS` days, months up to
    :data:`MONTHLY_MAX_BINS` months, else years; then, if more than half of the dated articles are known less
    precisely than that (e.g. mostly year-dated), the next coarser period, so that most bars are not guesses.

    Raises :class:`InvalidInput` when no item has a date (an empty chart tells nobody anything) or when an
    explicit ``period`` would need more than :data:`MAX_BINS` bars; :class:`InvalidDate` for a malformed date.
    """
    if period != "auto" and period not in _PERIODS:
        raise InvalidInput(f"unknown period {period!r}: use auto, week, month or year")
    if not 1 <= top_outlets <= MAX_OUTLETS:
        raise ValueError(f"top_outlets must be 1 to {MAX_OUTLETS}, not {top_outlets}")
    if not 0 <= highlights <= MAX_HIGHLIGHTS:
        raise ValueError(f"highlights must be 0 to {MAX_HIGHLIGHTS}, not {highlights}")

    dated: list[tuple[ChartItem, dt.date, int]] = []  # item, first day, precision rank
    starts: dict[str, tuple[dt.date, int]] = {}
    for item in items:
        if item.date is None:
            continue
        known = starts.get(item.date)
        if known is None:
            known = starts[item.date] = _start_and_rank(item.date)
        dated.append((item, *known))
    if not dated:
        raise InvalidInput("no dated coverage to chart")

    first = min(start for _, start, _ in dated)
    last = max(start for _, start, _ in dated)
    chosen: Period = _auto_period(first, last, [rank for _, _, rank in dated]) if period == "auto" else period
    n_bins = _bin_index(last, first, chosen) + 1
    if n_bins > MAX_BINS:
        raise InvalidInput(
            f"{n_bins} {chosen}s from {format_date(first.isoformat())} to {format_date(last.isoformat())} "
            f"are too many bars to chart (at most {MAX_BINS}): use a coarser period"
        )
    bins = _bin_labels(_bin_start(first, chosen), n_bins, chosen)

    by_outlet = Counter(item.source for item, _, _ in dated)
    ranked = sorted(by_outlet, key=lambda name: (-by_outlet[name], name.casefold(), name))
    shown = ranked[:top_outlets]
    other = OTHER if OTHER not in shown else OTHER_ALT
    series = {name: name for name in shown}
    outlets = list(shown)
    if len(ranked) > top_outlets:
        outlets.append(other)
    counts = {name: [0] * n_bins for name in outlets}
    imprecise = 0
    period_rank = _RANK[chosen]
    bin_of: list[int] = []
    for item, start, rank in dated:
        index = _bin_index(start, first, chosen)
        bin_of.append(index)
        counts[series.get(item.source, other)][index] += 1
        if rank > period_rank:
            imprecise += 1

    return ChartData(
        period=chosen,
        bins=bins,
        outlets=outlets,
        counts=counts,
        undated=len(items) - len(dated),
        imprecise=imprecise,
        highlights=_pick_highlights(dated, bin_of, bins, highlights),
        total=len(items),
    )


def _start_and_rank(date: str) -> tuple[dt.date, int]:
    try:
        checked = parse_partial_date(date)
    except ValueError as exc:
        raise InvalidDate(str(exc)) from None
    precision = date_precision(checked)
    assert precision is not None
    return date_bounds(checked)[0], _RANK[precision]


def _auto_period(first: dt.date, last: dt.date, ranks: list[int]) -> Period:
    """See :func:`chart_data`: by span, then coarser while most articles would be guesses."""
    if (last - first).days < WEEKLY_MAX_DAYS:
        chosen: Period = "week"
    elif _bin_index(last, first, "month") + 1 <= MONTHLY_MAX_BINS:
        chosen = "month"
    else:
        chosen = "year"
    while chosen != "year" and 2 * sum(rank > _RANK[chosen] for rank in ranks) > len(ranks):
        chosen = "month" if chosen == "week" else "year"
    return chosen


def _bin_start(day: dt.date, period: Period) -> dt.date:
    if period == "week":
        return day - dt.timedelta(days=day.weekday())  # ISO weeks start on Monday
    if period == "month":
        return day.replace(day=1)
    return dt.date(day.year, 1, 1)


def _bin_index(day: dt.date, first: dt.date, period: Period) -> int:
    """Which bin ``day`` falls in, counting from the bin of ``first``."""
    if period == "week":
        return (_bin_start(day, "week") - _bin_start(first, "week")).days // 7
    if period == "month":
        return (day.year - first.year) * 12 + day.month - first.month
    return day.year - first.year


def _bin_labels(start: dt.date, count: int, period: Period) -> list[str]:
    if period == "week":
        return [(start + dt.timedelta(weeks=i)).isoformat() for i in range(count)]
    if period == "month":
        months = (start.year * 12 + start.month - 1 + i for i in range(count))
        return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in months]
    return [f"{start.year + i:04d}" for i in range(count)]


def _pick_highlights(
    dated: list[tuple[ChartItem, dt.date, int]], bin_of: list[int], bins: list[str], count: int
) -> list[tuple[str, str, str]]:
    """The ``count`` most relevant headlines (ties: the older first); a headline syndicated under several
    outlets is shown once, so the labels show different stories."""

    def relevance(item: ChartItem) -> float:
        return item.relevance if math.isfinite(item.relevance) else 0.0

    order = sorted(
        range(len(dated)),
        key=lambda i: (-relevance(dated[i][0]), dated[i][1], dated[i][0].title, dated[i][0].source),
    )
    picked: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for i in order:
        if len(picked) == count:
            break
        item = dated[i][0]
        key = " ".join(item.title.casefold().split())
        if key in seen:
            continue
        seen.add(key)
        picked.append((bins[bin_of[i]], _shorten(item.title, HEADLINE_CHARS), item.source))
    return picked


def _shorten(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word boundary to at most ``limit`` characters with "…" when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


# --- the picture --------------------------------------------------------------------------------------------


def render_chart(
    data: ChartData,
    *,
    title: str,
    subtitle: str | None = None,
    width_px: int = 1200,
    height_px: int = 600,
) -> bytes:
    """Draw ``data`` as a PNG of exactly ``width_px`` x ``height_px`` pixels and return its bytes.

    The layout is made for 1200x600, which Discord previews at about 550 px wide: fonts are large (tick
    labels 15 pt = 21 px, so about 10 px in the preview) and all sizes scale with the image for other sizes.
    Positions are computed in pixels rather than left to matplotlib's layout engines, so the picture is the
    same for the same data and nothing (title, legend, notes) can be pushed off the card. The highlighted
    headlines are flags above the bars (see :func:`_place_highlights`); the y scale leaves room for them.
    Text is drawn literally (``parse_math=False``: a headline with two "$" is not TeX) and characters the
    font lacks become "?" rather than boxes and warnings.
    """
    n = len(data.bins)
    if n == 0 or any(len(row) != n for row in data.counts.values()) or set(data.counts) != set(data.outlets):
        raise ValueError("ChartData is inconsistent: every outlet needs one count per bin")
    if len(data.outlets) > MAX_OUTLETS + 1:
        raise ValueError(f"at most {MAX_OUTLETS} outlets and 'other' can be told apart by colour")
    if width_px < 300 or height_px < 150:
        raise ValueError("a chart needs at least 300x150 pixels")

    scale = min(width_px / 1200, height_px / 600)
    dpi = 100.0
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, facecolor=CARD)
    canvas = FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]  # to measure text before drawing
    glyphs = _font_charmap()

    def px_x(value: float) -> float:
        return value / width_px

    def px_y(value: float) -> float:
        return value / height_px

    def pt(size: float) -> float:
        return size * scale

    def font(size: float, weight: str = "normal") -> FontProperties:
        return FontProperties(family=FONT_FAMILY, size=pt(size), weight=weight)

    def text_width(text: str, prop: FontProperties) -> float:
        width, _, _ = renderer.get_text_width_height_descent(text, prop, ismath=False)
        return float(width)

    # The card's edge, so that it stands apart from Discord's white light theme.
    edge = 2 * scale
    fig.patches.append(
        Rectangle(
            (px_x(edge / 2), px_y(edge / 2)),
            1 - px_x(edge),
            1 - px_y(edge),
            transform=fig.transFigure,
            facecolor="none",
            edgecolor=BORDER,
            linewidth=edge * 72 / dpi,
        )
    )

    margin = 32 * scale
    top = margin
    title_prop = font(24, "bold")
    fig.text(
        px_x(margin),
        1 - px_y(top),
        _fit(_clean(title, glyphs), title_prop, width_px - 2 * margin, text_width),
        fontproperties=title_prop,
        color=INK,
        va="top",
        parse_math=False,
    )
    top += 36 * scale
    if subtitle:
        sub_prop = font(15)
        fig.text(
            px_x(margin),
            1 - px_y(top),
            _fit(_clean(subtitle, glyphs), sub_prop, width_px - 2 * margin, text_width),
            fontproperties=sub_prop,
            color=MUTED,
            va="top",
            parse_math=False,
        )
        top += 26 * scale

    # The legend: one row under the title if it fits, else as many rows as needed.
    last = len(data.outlets) - 1
    colours = [
        OTHER_COLOUR if i == last and name in (OTHER, OTHER_ALT) else PALETTE[i] for i, name in enumerate(data.outlets)
    ]
    labels = [_clean(_shorten(name, 28), glyphs) for name in data.outlets]
    legend_prop = font(15)
    swatch = 14 * scale
    gap = 22 * scale
    widths = [swatch + 8 * scale + text_width(label, legend_prop) for label in labels]
    available = width_px - 2 * margin
    columns = len(labels)
    while columns > 1 and sum(_column_widths(widths, columns)) + gap * (columns - 1) > available:
        columns -= 1
    rows = math.ceil(len(labels) / columns)
    row_height = 24 * scale
    top += 12 * scale
    column_x = [margin]
    for w in _column_widths(widths, columns)[:-1]:
        column_x.append(column_x[-1] + w + gap)
    for i, (label, colour) in enumerate(zip(labels, colours, strict=True)):
        x = column_x[i % columns]
        y = top + (i // columns) * row_height
        fig.patches.append(
            Rectangle(
                (px_x(x), 1 - px_y(y + swatch)),
                px_x(swatch),
                px_y(swatch),
                transform=fig.transFigure,
                facecolor=colour,
                edgecolor="none",
            )
        )
        fig.text(
            px_x(x + swatch + 8 * scale),
            1 - px_y(y + swatch / 2),
            label,
            fontproperties=legend_prop,
            color=INK,
            va="center_baseline",
            parse_math=False,
        )
    top += rows * row_height + 10 * scale

    # The axes, in pixels from the card's edges.
    notes = _notes(data)
    tick_positions, tick_labels, separators = _x_ticks(data)
    tick_lines = max((label.count("\n") + 1 for label in tick_labels), default=1)
    bottom = ((42 if notes else 14) + 30 + 8 + 26 * tick_lines) * scale  # notes, axis label, tick labels
    totals = data.bin_totals()
    peak = max(max(totals), 1)
    # Ticks only up to the tallest bar: above it is room for the labels, not a scale to read.
    y_ticks = [t for t in MaxNLocator(integer=True, nbins=4).tick_values(0, peak) if 0 <= t <= peak]
    tick_prop = font(15)
    widest_tick = max(text_width(f"{t:g}", tick_prop) for t in y_ticks)
    left = margin + (20 + 12 + 8) * scale + widest_tick  # the axis label, a gap, the tick labels, a pad
    right = 28 * scale
    ax_w = width_px - left - right
    ax_h = height_px - top - bottom
    if ax_h < 60 * scale:
        raise ValueError(f"{width_px}x{height_px} leaves no room for the bars")
    ax = fig.add_axes((px_x(left), px_y(bottom), px_x(ax_w), px_y(ax_h)))
    ax.set_facecolor(CARD)
    # At least MIN_SLOTS bar widths across, so that one or two bars are bars, not walls.
    spare = max(0.0, (MIN_SLOTS - n) / 2)
    x_range = (-0.5 - spare, n - 0.5 + spare)
    ax.set_xlim(*x_range)

    # One collection of rectangles for all the bars: ax.bar makes a patch per bar, about 10x slower to build.
    bar_width = 0.8 if n <= 40 else 0.86
    base = [0] * n
    boxes: list[list[tuple[float, float]]] = []
    faces: list[str] = []
    for name, colour in zip(data.outlets, colours, strict=True):
        for x, count in enumerate(data.counts[name]):
            if count:
                lo, hi, y0, y1 = x - bar_width / 2, x + bar_width / 2, base[x], base[x] + count
                boxes.append([(lo, y0), (lo, y1), (hi, y1), (hi, y0)])
                faces.append(colour)
                base[x] += count
    ax.add_collection(
        PolyCollection(
            boxes,
            facecolors=faces,
            edgecolors=CARD,
            linewidths=0.8 * scale if n <= 120 else 0,
            zorder=2,
        ),
        autolim=False,
    )

    rows_used = _place_highlights(ax, data, totals, x_range, glyphs, font(14), text_width, ax_w, ax_h, scale)
    # Bars stay below the lowest row of labels.
    label_zone = (6 + rows_used * ROW_STEP + 10) * scale if rows_used else 0.0
    bar_share = max(0.35, 1 - label_zone / ax_h) if rows_used else 0.93
    ax.set_ylim(0, peak / bar_share)

    tick_font = pt(15)
    ax.set_yticks(y_ticks)
    ax.tick_params(axis="y", labelsize=tick_font, colors=MUTED, length=0, pad=8 * scale)
    ax.tick_params(axis="x", labelsize=tick_font, colors=MUTED, pad=6 * scale)
    ax.grid(axis="y", color=GRID, linewidth=1 * scale, zorder=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(LEADER)
    ax.spines["bottom"].set_linewidth(1.2 * scale)
    ax.set_xticks(tick_positions, tick_labels)
    if separators:  # a faint line between years instead of tick marks
        ax.tick_params(axis="x", length=0)
        for x in separators:
            ax.axvline(x, color=GRID, linewidth=1 * scale, zorder=1)
    else:
        ax.tick_params(axis="x", length=5 * scale, width=1 * scale, color=LEADER)
    label_font = font(14)
    ax.set_ylabel(f"Articles per {data.period}", fontproperties=label_font, color=MUTED, labelpad=10 * scale)
    # The axis label at the card's margin, centred on the scale (the bars), not on the room for headlines above.
    label_len = text_width(f"Articles per {data.period}", label_font)
    ax.yaxis.set_label_coords((margin - left + 20 * scale) / ax_w, max(bar_share / 2, min(0.5, label_len / 2 / ax_h)))
    ax.set_xlabel(
        {"week": "Week (starting Monday)", "month": "Month", "year": "Year"}[data.period],
        fontproperties=label_font,
        color=MUTED,
        labelpad=6 * scale,
    )

    if notes:
        fig.text(
            px_x(margin),
            px_y(16 * scale),
            _fit(notes, font(13), width_px - 2 * margin, text_width),
            fontproperties=font(13),
            color=MUTED,
            va="bottom",
            parse_math=False,
        )

    out = io.BytesIO()
    # No "Software" entry: matplotlib would write its version there; the Agg PNG has no timestamp otherwise.
    canvas.print_png(out, metadata={"Software": None})  # type: ignore[no-untyped-call]
    return out.getvalue()


def _column_widths(widths: list[float], columns: int) -> list[float]:
    return [max(widths[c::columns]) for c in range(columns)]


def _notes(data: ChartData) -> str:
    """What the bars leave out or place by guess, in words."""
    parts = []
    if data.undated:
        parts.append(f"{data.undated} undated {_plural(data.undated, 'article')} not shown")
    if data.imprecise:
        coarser = "a month or year" if data.period == "week" else "a year"
        noun = _plural(data.imprecise, "article")
        its = "its" if data.imprecise == 1 else "their"
        parts.append(f"{data.imprecise} {noun} dated only to {coarser}, counted in {its} first {data.period}")
    return " · ".join(parts)


def _plural(count: int, noun: str) -> str:
    return noun if count == 1 else noun + "s"


def _x_ticks(data: ChartData) -> tuple[list[float], list[str], list[float]]:
    """Date labels that never crowd: every bin when few, else one per year (or per 2, 5... years).

    Returns tick positions, their labels and the x of the lines between years (for a long monthly chart)."""
    n = len(data.bins)
    positions: list[float] = []
    labels: list[str] = []
    separators: list[float] = []
    if data.period == "week":
        step = max(1, math.ceil(n / 12))
        previous_year = ""
        for i in range(0, n, step):
            day = dt.date.fromisoformat(data.bins[i])
            year = str(day.year)
            positions.append(i)
            labels.append(f"{day.day} {_MONTHS[day.month - 1]}" + (f"\n{year}" if year != previous_year else ""))
            previous_year = year
    elif data.period == "month" and n <= 24:
        for i, label in enumerate(data.bins):
            year, month = label.split("-")
            positions.append(i)
            labels.append(_MONTHS[int(month) - 1] + (f"\n{year}" if i == 0 or month == "01" else ""))
    elif data.period == "month":
        # One label per calendar year, centred under its months, with a faint line between years.
        years: dict[str, list[int]] = {}
        for i, label in enumerate(data.bins):
            years.setdefault(label[:4], []).append(i)
        step = _year_step(len(years))
        for year, members in years.items():
            if members[0] > 0:
                separators.append(members[0] - 0.5)
            if int(year) % step == 0:
                positions.append((members[0] + members[-1]) / 2)
                labels.append(year)
    else:
        step = _year_step(n)
        for i, label in enumerate(data.bins):
            if int(label) % step == 0 or n <= 16:
                positions.append(i)
                labels.append(label)
    return positions, labels, separators


def _year_step(count: int) -> int:
    for step in (1, 2, 5, 10, 20, 50):
        if count / step <= 12:
            return step
    return 100


def _place_highlights(
    ax: Axes,
    data: ChartData,
    totals: list[int],
    x_range: tuple[float, float],
    glyphs: frozenset[int],
    prop: FontProperties,
    measure: Measure,
    ax_w: float,
    ax_h: float,
    scale: float,
) -> int:
    """Label each highlighted headline as a flag: a thin pole up from its bar, the text beside the pole's top.

    Labels go on rows counted down from the top of the axes, so that no text overlaps another or is cut by a
    pole (see :func:`_stack_flags`); when that cannot be done, the headlines are shortened and it is tried
    again. Two flags on one bar share the pole and stack. Works in pixels from the axes' left edge: the x axis
    is fixed before this runs, so the y scale can be chosen afterwards to keep the bars under the rows used.
    Returns how many rows were used."""
    if not data.highlights:
        return 0
    index = {label: i for i, label in enumerate(data.bins)}
    x0, x1 = x_range
    gap = 5 * scale  # between a pole and its text
    pad = 12 * scale  # between two labels on a row
    top_pad = 6 * scale
    row_step = ROW_STEP * scale

    max_width = 0.45 * ax_w  # so that a label fits beside its pole, on one side or the other, wherever it is

    def to_px(x: float) -> float:
        return (x - x0) / (x1 - x0) * ax_w

    ordered = sorted(data.highlights, key=lambda h: (index[h[0]], h[1]))
    poles = [to_px(index[label]) for label, _, _ in ordered]
    # Shorter headlines when the labels cannot be placed without running into each other.
    for attempt in range(3):
        texts = [
            _label_text(_clean(headline, glyphs), _clean(_shorten(source, 22), glyphs), prop, max_width, measure)
            for _, headline, source in ordered
        ]
        widths = [measure(text, prop) for text in texts]
        layout, clashes = _stack_flags(poles, widths, ax_w, gap, pad)
        if clashes == 0 or attempt == 2:
            break
        max_width *= 0.75
    drawn = [
        (text, index[label], flag[1] if flag[4] == "left" else flag[2], flag[4], flag[0])
        for text, (label, _, _), flag in zip(texts, ordered, layout, strict=True)
    ]

    to_axes = ax.get_xaxis_transform()  # x in data, y in axes fraction
    for text, bin_index, x_px, align, row in drawn:
        y_top = 1 - (top_pad + row * row_step) / ax_h
        x_data = x0 + x_px / ax_w * (x1 - x0)
        ax.text(
            x_data,
            y_top,
            text,
            transform=to_axes,
            ha=align,
            va="top",
            fontproperties=prop,
            color=INK,
            parse_math=False,
            zorder=4,
        )
        ax.annotate(
            "",
            xy=(bin_index, totals[bin_index]),
            xycoords="data",
            xytext=(bin_index, y_top - 2 * scale / ax_h),
            textcoords=to_axes,
            arrowprops={
                "arrowstyle": "-",
                "color": LEADER,
                "linewidth": 1.2 * scale,
                "shrinkA": 0,
                "shrinkB": 0,
            },
            annotation_clip=False,
            zorder=3,
        )
        ax.plot([bin_index], [totals[bin_index]], marker="o", markersize=5 * scale, color=INK, zorder=5)
    return max(row for *_, row in drawn) + 1


def _label_text(headline: str, source: str, prop: FontProperties, width: float, measure: Measure) -> str:
    """``headline — source``, the headline shortened word by word (with "…") until it fits ``width`` pixels."""
    text = f"{headline} — {source}"
    words = headline.split()
    while measure(text, prop) > width and len(words) > 1:
        words.pop()
        text = f"{' '.join(words).rstrip(' ,;:.-–—…')}… — {source}"
    return text if measure(text, prop) <= width else _fit(text, prop, width, measure)


def _stack_flags(
    poles: list[float], widths: list[float], ax_w: float, gap: float, pad: float
) -> tuple[list[Placed], int]:
    """Rows and sides for flags with poles at ``poles`` and texts ``widths`` wide; returns them and the number of
    collisions left (0 unless the labels are too wide for the room).

    Each flag, in turn, takes the highest row and the side (text right or left of its pole, inwards preferred)
    where it collides with the fewest flags placed before it. The order matters (a flag whose text lies left
    of its pole must sit above the flags to its left, or their poles cut through its text), so every order is
    tried, at most 5! = 120, and the best layout kept: fewest collisions, then fewest rows, then the first.
    """
    best: tuple[int, int, list[Placed]] | None = None
    count = len(poles)
    for order in itertools.permutations(range(count)):
        placed: dict[int, Placed] = {}
        clashes = 0
        for i in order:
            pole, width = poles[i], widths[i]
            spans = {"left": (pole + gap, pole + gap + width), "right": (pole - gap - width, pole - gap)}
            sides = [side for side, (lo, hi) in spans.items() if lo >= 0 and hi <= ax_w]
            if not sides:  # too wide for either side: clamp it into the axes on the roomier side
                side = "left" if pole < ax_w / 2 else "right"
                spans[side] = (max(0.0, ax_w - width), ax_w) if side == "left" else (0.0, min(width, ax_w))
                sides = [side]
            inward = "left" if pole < ax_w / 2 else "right"
            found, row, _, side = min(
                (sum(_clashes(r, *spans[side], pole, o, pad) for o in placed.values()), r, side != inward, side)
                for r in range(count)
                for side in sides
            )
            placed[i] = (row, *spans[side], pole, side)
            clashes += found
        layout = [placed[i] for i in range(count)]
        rows = max(flag[0] for flag in layout) + 1
        if best is None or (clashes, rows) < best[:2]:
            best = (clashes, rows, layout)
    assert best is not None
    return best[2], best[0]


def _clashes(row: int, left: float, right: float, pole: float, other: Placed, pad: float) -> bool:
    """Whether a flag on ``row``, text from ``left`` to ``right``, pole at ``pole``, runs into ``other``."""
    o_row, o_left, o_right, o_pole, _ = other
    if o_row == row:
        return left < o_right + pad and o_left < right + pad  # the texts overlap
    if o_row < row:
        return left - 2 < o_pole < right + 2  # the other's pole runs down through this text
    return o_left - 2 < pole < o_right + 2  # this pole runs down through the other's text


@lru_cache(maxsize=1)
def _font_charmap() -> frozenset[int]:
    """The characters the chart font can draw; others would be drawn as boxes with a warning."""
    path = font_manager.findfont(FontProperties(family=FONT_FAMILY), fallback_to_default=True)
    return frozenset(FT2Font(path).get_charmap())


def _clean(text: str, glyphs: frozenset[int]) -> str:
    """One line of drawable text: whitespace collapsed, characters the font lacks (emoji, CJK) as "?"."""
    return "".join(c if ord(c) in glyphs else "?" for c in " ".join(text.split()))


def _fit(text: str, prop: FontProperties, width: float, measure: Measure) -> str:
    """``text`` shortened with "…" until it fits ``width`` pixels."""
    if measure(text, prop) <= width:
        return text
    low, high = 1, len(text)
    while low < high:  # the longest prefix that fits
        mid = (low + high + 1) // 2
        if measure(text[:mid].rstrip() + "…", prop) <= width:
            low = mid
        else:
            high = mid - 1
    return text[:low].rstrip() + "…"


# --- the convenience ----------------------------------------------------------------------------------------


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
    about = f" on {_shorten(topic, 60)!r}" if topic else ""
    if not items:
        raise InvalidInput(f"no coverage{about} to chart")
    if all(item.date is None for item in items):
        count = len(items)
        raise InvalidInput(
            f"no dated coverage{about} to chart: the {count} {_plural(count, 'article')} found "
            f"{'is' if count == 1 else 'are'} undated"
        )
    data = chart_data(items, period=period)
    name = f"Coverage of {_shorten(topic, 60)}" if topic else "All coverage"
    outlets = len({item.source for item in items if item.date is not None})
    dated = data.charted
    counted = f"{dated} dated {_plural(dated, 'article')} from {outlets} {_plural(outlets, 'outlet')}"
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
    return render_chart(data, title=f"{name}, {_range_label(data)}", subtitle=subtitle)


def _range_label(data: ChartData) -> str:
    """The span the bars cover, as precisely as the bins and without repeating a shared year or month:
    "Oct 2017 – Jan 2025", "Mar – Jun 2024", "2017 – 2025", "4 – 10 Mar 2024", "16 Dec 2019 – 9 Feb 2020"."""
    first, last = data.bins[0], data.bins[-1]
    if data.period == "week":
        last = (dt.date.fromisoformat(last) + dt.timedelta(days=6)).isoformat()
    start, end = format_date(first), format_date(last)
    if start == end:
        return start
    if data.period != "year" and first[:4] == last[:4]:
        start = start.removesuffix(f" {first[:4]}")  # "Mar 2024" -> "Mar", "4 Mar 2024" -> "4 Mar"
        if data.period == "week" and first[:7] == last[:7]:
            start = start.split()[0]  # "4 Mar" -> "4"
    return f"{start} – {end}"
