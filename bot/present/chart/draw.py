"""Drawing the coverage chart: the counts of :mod:`bot.present.chart.bins` as a 1200x600 PNG card.

Rendering uses matplotlib's object API (``Figure`` + ``FigureCanvasAgg``), never ``pyplot``: pyplot keeps
global state and is not thread-safe, and the Discord layer renders in a worker thread. For the same reason
nothing here touches ``matplotlib.rcParams``: every font size and colour is passed explicitly. The PNG carries
no software name or timestamp, so the same input gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass
from typing import Any

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from bot.present.chart.bins import MAX_OUTLETS, OTHER, OTHER_ALT, ChartData, notes, shorten_line
from bot.present.chart.layout import FONT_FAMILY, INK, LEADER, ROW_STEP, clean, fit, font_charmap, place_highlights

__all__ = ["FONT_FAMILY", "PALETTE", "render_chart"]

MIN_SLOTS = 8  # the x axis is at least this many bars wide
# The card: light, with dark text. Discord shows an image as is, on #313338 (dark theme) or #FFFFFF (light
# theme). A light card reads as a card on the dark theme, and a faint grey tint plus a 2 px border separate it
# from the white of the light theme. Dark text on a light ground also survives the downscaling to the
# ~550 px preview better than light text on dark (thin light strokes bleed into a dark ground), and the
# Okabe-Ito colours below were designed for a white ground. A transparent PNG is no option: its text would
# vanish on one of the two themes.
CARD = "#F6F7F9"
BORDER = "#C5CBD3"
MUTED = "#4F5862"  # subtitle, axis labels, notes: contrast 6.7:1 on CARD (INK: 14.7:1)
GRID = "#DADFE5"
# Okabe & Ito (2008), the colour-blind-safe qualitative palette, in an order where neighbours in a stack
# differ in lightness as well as hue; their yellow comes last because it is faint on a light ground.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
OTHER_COLOUR = "#A3A9B0"

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass
class _Card:
    """The figure being drawn, and its units: positions in pixels from the card's top left, sizes that scale
    with the image (the layout is made for 1200x600)."""

    fig: Figure
    canvas: FigureCanvasAgg
    renderer: Any
    glyphs: frozenset[int]
    width_px: int
    height_px: int
    scale: float
    dpi: float

    def x(self, value: float) -> float:
        return value / self.width_px

    def y(self, value: float) -> float:
        return value / self.height_px

    def pt(self, size: float) -> float:
        return size * self.scale

    def font(self, size: float, weight: str = "normal") -> FontProperties:
        return FontProperties(family=FONT_FAMILY, size=self.pt(size), weight=weight)

    def text_width(self, text: str, prop: FontProperties) -> float:
        width, _, _ = self.renderer.get_text_width_height_descent(text, prop, ismath=False)
        return float(width)


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
    headlines are flags above the bars (see :func:`~bot.present.chart.layout.place_highlights`);
    the y scale leaves room for them.
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

    card = _new_card(width_px, height_px)
    scale = card.scale
    margin = 32 * scale
    top = _draw_heading(card, title, subtitle, margin)
    colours = _series_colours(data)
    top = _draw_legend(card, data, colours, top, margin)

    # The axes, in pixels from the card's edges.
    note = notes(data)
    tick_positions, tick_labels, separators = _x_ticks(data)
    tick_lines = max((label.count("\n") + 1 for label in tick_labels), default=1)
    bottom = ((42 if note else 14) + 30 + 8 + 26 * tick_lines) * scale  # notes, axis label, tick labels
    totals = data.bin_totals()
    peak = max(max(totals), 1)
    # Ticks only up to the tallest bar: above it is room for the labels, not a scale to read.
    y_ticks = [t for t in MaxNLocator(integer=True, nbins=4).tick_values(0, peak) if 0 <= t <= peak]
    tick_prop = card.font(15)
    widest_tick = max(card.text_width(f"{t:g}", tick_prop) for t in y_ticks)
    left = margin + (20 + 12 + 8) * scale + widest_tick  # the axis label, a gap, the tick labels, a pad
    right = 28 * scale
    ax_w = width_px - left - right
    ax_h = height_px - top - bottom
    if ax_h < 60 * scale:
        raise ValueError(f"{width_px}x{height_px} leaves no room for the bars")
    ax = card.fig.add_axes((card.x(left), card.y(bottom), card.x(ax_w), card.y(ax_h)))
    ax.set_facecolor(CARD)
    # At least MIN_SLOTS bar widths across, so that one or two bars are bars, not walls.
    spare = max(0.0, (MIN_SLOTS - n) / 2)
    x_range = (-0.5 - spare, n - 0.5 + spare)
    ax.set_xlim(*x_range)
    _draw_bars(ax, data, colours, scale)

    rows_used = place_highlights(
        ax, data, totals, x_range, card.glyphs, card.font(14), card.text_width, ax_w, ax_h, scale
    )
    # Bars stay below the lowest row of labels.
    label_zone = (6 + rows_used * ROW_STEP + 10) * scale if rows_used else 0.0
    bar_share = max(0.35, 1 - label_zone / ax_h) if rows_used else 0.93
    ax.set_ylim(0, peak / bar_share)
    _style_axes(ax, card, y_ticks, (tick_positions, tick_labels, separators))
    _label_axes(ax, card, data, margin - left, ax_w, ax_h, bar_share)

    if note:
        card.fig.text(
            card.x(margin),
            card.y(16 * scale),
            fit(note, card.font(13), width_px - 2 * margin, card.text_width),
            fontproperties=card.font(13),
            color=MUTED,
            va="bottom",
            parse_math=False,
        )

    out = io.BytesIO()
    # No "Software" entry: matplotlib would write its version there; the Agg PNG has no timestamp otherwise.
    card.canvas.print_png(out, metadata={"Software": None})  # type: ignore[no-untyped-call]
    return out.getvalue()


def _new_card(width_px: int, height_px: int) -> _Card:
    """An empty card of the size asked for, with its edge drawn (so it stands apart from Discord's white
    light theme)."""
    scale = min(width_px / 1200, height_px / 600)
    dpi = 100.0
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, facecolor=CARD)
    canvas = FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]  # to measure text before drawing
    card = _Card(fig, canvas, renderer, font_charmap(), width_px, height_px, scale, dpi)
    edge = 2 * scale
    fig.patches.append(
        Rectangle(
            (card.x(edge / 2), card.y(edge / 2)),
            1 - card.x(edge),
            1 - card.y(edge),
            transform=fig.transFigure,
            facecolor="none",
            edgecolor=BORDER,
            linewidth=edge * 72 / dpi,
        )
    )
    return card


def _draw_heading(card: _Card, title: str, subtitle: str | None, margin: float) -> float:
    """The title and the subtitle, each fitted to the card's width; returns the y (px) below them."""
    scale = card.scale
    top = margin
    title_prop = card.font(24, "bold")
    card.fig.text(
        card.x(margin),
        1 - card.y(top),
        fit(clean(title, card.glyphs), title_prop, card.width_px - 2 * margin, card.text_width),
        fontproperties=title_prop,
        color=INK,
        va="top",
        parse_math=False,
    )
    top += 36 * scale
    if subtitle:
        sub_prop = card.font(15)
        card.fig.text(
            card.x(margin),
            1 - card.y(top),
            fit(clean(subtitle, card.glyphs), sub_prop, card.width_px - 2 * margin, card.text_width),
            fontproperties=sub_prop,
            color=MUTED,
            va="top",
            parse_math=False,
        )
        top += 26 * scale
    return top


def _series_colours(data: ChartData) -> list[str]:
    """One palette colour an outlet, bottom series first; grey for "other"."""
    last = len(data.outlets) - 1
    return [
        OTHER_COLOUR if i == last and name in (OTHER, OTHER_ALT) else PALETTE[i] for i, name in enumerate(data.outlets)
    ]


def _draw_legend(card: _Card, data: ChartData, colours: list[str], top: float, margin: float) -> float:
    """The legend: one row under the title if it fits, else as many rows as needed; returns the y below it."""
    scale = card.scale
    labels = [clean(shorten_line(name, 28), card.glyphs) for name in data.outlets]
    legend_prop = card.font(15)
    swatch = 14 * scale
    gap = 22 * scale
    widths = [swatch + 8 * scale + card.text_width(label, legend_prop) for label in labels]
    available = card.width_px - 2 * margin
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
        card.fig.patches.append(
            Rectangle(
                (card.x(x), 1 - card.y(y + swatch)),
                card.x(swatch),
                card.y(swatch),
                transform=card.fig.transFigure,
                facecolor=colour,
                edgecolor="none",
            )
        )
        card.fig.text(
            card.x(x + swatch + 8 * scale),
            1 - card.y(y + swatch / 2),
            label,
            fontproperties=legend_prop,
            color=INK,
            va="center_baseline",
            parse_math=False,
        )
    return top + rows * row_height + 10 * scale


def _draw_bars(ax: Axes, data: ChartData, colours: list[str], scale: float) -> None:
    """The stacked bars, as one collection of rectangles: ax.bar makes a patch per bar, about 10x slower."""
    n = len(data.bins)
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


def _style_axes(
    ax: Axes,
    card: _Card,
    y_ticks: list[float],
    x_ticks: tuple[list[float], list[str], list[float]],
) -> None:
    """Ticks, grid and spines: a light scale under the bars, a line between years on a long monthly chart."""
    scale = card.scale
    tick_font = card.pt(15)
    ax.set_yticks(y_ticks)
    ax.tick_params(axis="y", labelsize=tick_font, colors=MUTED, length=0, pad=8 * scale)
    ax.tick_params(axis="x", labelsize=tick_font, colors=MUTED, pad=6 * scale)
    ax.grid(axis="y", color=GRID, linewidth=1 * scale, zorder=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(LEADER)
    ax.spines["bottom"].set_linewidth(1.2 * scale)
    positions, labels, separators = x_ticks
    ax.set_xticks(positions, labels)
    if separators:  # a faint line between years instead of tick marks
        ax.tick_params(axis="x", length=0)
        for x in separators:
            ax.axvline(x, color=GRID, linewidth=1 * scale, zorder=1)
    else:
        ax.tick_params(axis="x", length=5 * scale, width=1 * scale, color=LEADER)


def _label_axes(
    ax: Axes, card: _Card, data: ChartData, margin_x: float, ax_w: float, ax_h: float, bar_share: float
) -> None:
    """ "Articles per month" at the card's margin (``margin_x`` px from the axes), centred on the bars' scale
    rather than on the room for headlines above it, and the period under the x axis."""
    scale = card.scale
    label_font = card.font(14)
    ax.set_ylabel(f"Articles per {data.period}", fontproperties=label_font, color=MUTED, labelpad=10 * scale)
    label_len = card.text_width(f"Articles per {data.period}", label_font)
    ax.yaxis.set_label_coords((margin_x + 20 * scale) / ax_w, max(bar_share / 2, min(0.5, label_len / 2 / ax_h)))
    ax.set_xlabel(
        {"week": "Week (starting Monday)", "month": "Month", "year": "Year"}[data.period],
        fontproperties=label_font,
        color=MUTED,
        labelpad=6 * scale,
    )


def _column_widths(widths: list[float], columns: int) -> list[float]:
    return [max(widths[c::columns]) for c in range(columns)]


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
