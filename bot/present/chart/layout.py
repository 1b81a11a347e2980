"""The chart's text: the highlighted headlines as flags above the bars, and every text fitted to its room.

:func:`stack_flags` is pure geometry over widths measured by the caller (a :data:`Measure`), so the label layout
can be tested without drawing; :func:`place_highlights` measures, lays out and draws the flags. Text is drawn only
in glyphs the chart's font has (:func:`clean`), and shortened to a width in pixels (:func:`fit`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from functools import lru_cache

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.font_manager import FontProperties
from matplotlib.ft2font import FT2Font

from bot.core.shorten import ELLIPSIS
from bot.present.chart.bins import ChartData, shorten_line

__all__ = [
    "FONT_FAMILY",
    "INK",
    "LEADER",
    "ROW_STEP",
    "Measure",
    "Placed",
    "clean",
    "fit",
    "font_charmap",
    "label_text",
    "place_highlights",
    "stack_flags",
]

FONT_FAMILY = "DejaVu Sans"  # ships with matplotlib, so every machine draws the same pixels
INK = "#1F2328"  # titles, headlines
LEADER = "#8A939C"  # the flags' poles
ROW_STEP = 30  # pixels (at 1200x600) from one row of headline labels to the next

Placed = tuple[int, float, float, float, str]  # a headline label: row, text's left and right edge, pole x, side
Measure = Callable[[str, FontProperties], float]  # the width in pixels of a text drawn in a font


def label_text(headline: str, source: str, prop: FontProperties, width: float, measure: Measure) -> str:
    """``headline — source``, the headline shortened word by word (with "…") until it fits ``width`` pixels."""
    text = f"{headline} — {source}"
    words = headline.split()
    while measure(text, prop) > width and len(words) > 1:
        words.pop()
        text = f"{' '.join(words).rstrip(' ,;:.-–—' + ELLIPSIS)}{ELLIPSIS} — {source}"
    return text if measure(text, prop) <= width else fit(text, prop, width, measure)


def stack_flags(
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


def fit(text: str, prop: FontProperties, width: float, measure: Measure) -> str:
    """``text`` shortened with "…" until it fits ``width`` pixels."""
    if measure(text, prop) <= width:
        return text
    low, high = 1, len(text)
    while low < high:  # the longest prefix that fits
        mid = (low + high + 1) // 2
        if measure(text[:mid].rstrip() + ELLIPSIS, prop) <= width:
            low = mid
        else:
            high = mid - 1
    return text[:low].rstrip() + ELLIPSIS


def place_highlights(
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
            label_text(clean(headline, glyphs), clean(shorten_line(source, 22), glyphs), prop, max_width, measure)
            for _, headline, source in ordered
        ]
        widths = [measure(text, prop) for text in texts]
        layout, clashes = stack_flags(poles, widths, ax_w, gap, pad)
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


@lru_cache(maxsize=1)
def font_charmap() -> frozenset[int]:
    """The characters the chart font can draw; others would be drawn as boxes with a warning."""
    path = font_manager.findfont(FontProperties(family=FONT_FAMILY), fallback_to_default=True)
    return frozenset(FT2Font(path).get_charmap())


def clean(text: str, glyphs: frozenset[int]) -> str:
    """One line of drawable text: whitespace collapsed, characters the font lacks (emoji, CJK) as "?"."""
    return "".join(c if ord(c) in glyphs else "?" for c in " ".join(text.split()))
