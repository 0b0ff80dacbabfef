"""Charts as SVG written on the server: the dashboard and the PDF embed the same markup.

No JavaScript and no chart library: a chart is a function of its numbers, drawn with a
title, axis labels and ticks, readable in black-and-white print (the second series is
hatched or dashed, not only another colour). Every chart on a page has its numbers in a
table beside it for screen readers (the templates put it there).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 28, 44
INK, GRID, MUTED = "#1f2937", "#d1d5db", "#6b7280"
FILLS = ("#1d4ed8", "", "#9ca3af")  # the second series is hatched (see _fill)
DASHES = ("", "6 4", "2 3")
_ids = itertools.count(1)

Series = tuple[str, Sequence[float | None]]


def bar_chart(
    title: str, categories: Sequence[str], series: Sequence[Series], *, y_label: str
) -> Markup:
    """Grouped bars, one group per category."""
    top = _nice_max(max((v or 0 for _, values in series for v in values), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group_w = plot_w / max(len(categories), 1)
    bar_w = max(group_w * 0.8 / max(len(series), 1), 1.0)
    ident = f"chart-{next(_ids)}"
    parts = _frame(ident, title, top, y_label, categories, group_w)
    for s, (name, values) in enumerate(series):
        for i, value in enumerate(values):
            if not value:
                continue
            h = plot_h * value / top
            x = LEFT + i * group_w + group_w * 0.1 + s * bar_w
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" fill="{_fill(s, ident)}" stroke="{INK}" stroke-width="0.5">'
                f"<title>{escape(name)} · {escape(categories[i])}: {value:g}</title></rect>"
            )
    parts.append(_legend(ident, [name for name, _ in series], bars=True))
    return _svg(ident, title, parts)


def line_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    y_label: str,
    y_max: float | None = None,
) -> Markup:
    """Lines with a marker at each known value; a gap where a value is None."""
    top = y_max or _nice_max(max((v or 0 for _, values in series for v in values), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(categories), 1)
    ident = f"chart-{next(_ids)}"
    parts = _frame(ident, title, top, y_label, categories, step)
    for s, (_name, values) in enumerate(series):
        points = [
            (LEFT + (i + 0.5) * step, TOP + plot_h - plot_h * v / top)
            for i, v in enumerate(values)
            if v is not None
        ]
        if not points:
            continue
        dash = f' stroke-dasharray="{DASHES[s % 3]}"' if DASHES[s % 3] else ""
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{INK}" stroke-width="1.6"{dash}/>'
        )
        marker = "circle" if s % 2 == 0 else "rect"
        for x, y in points:
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.4" fill="{INK}"/>'
                if marker == "circle"
                else f'<rect x="{x - 2.2:.1f}" y="{y - 2.2:.1f}" width="4.4" height="4.4" '
                f'fill="white" stroke="{INK}"/>'
            )
    parts.append(_legend(ident, [name for name, _ in series], bars=False))
    return _svg(ident, title, parts)


def sparkline(values: Sequence[float], *, label: str) -> Markup:
    """A small line of daily counts for a table cell."""
    width, height = 96, 20
    top = max(values, default=0) or 1
    step = width / max(len(values) - 1, 1)
    points = " ".join(
        f"{i * step:.1f},{height - 2 - (height - 4) * v / top:.1f}" for i, v in enumerate(values)
    )
    return Markup(  # noqa: S704  (numbers and an escaped label only)
        f'<svg class="sparkline" role="img" aria-label="{escape(label)}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}"><polyline points="{points}" '
        f'fill="none" stroke="{INK}" stroke-width="1.2"/></svg>'
    )


def _frame(
    ident: str, title: str, top: float, y_label: str, categories: Sequence[str], slot: float
) -> list[str]:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [
        f'<defs><pattern id="{ident}-hatch" width="5" height="5" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="5" height="5" fill="white"/>'
        f'<line x1="0" y1="0" x2="0" y2="5" stroke="{INK}" stroke-width="2"/></pattern></defs>',
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="600" fill="{INK}">'
        f"{escape(title)}</text>",
    ]
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="0.6"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end" '
            f'fill="{MUTED}">{value:g}</text>'
        )
    parts.append(
        f'<text transform="translate(12 {TOP + plot_h / 2:.0f}) rotate(-90)" font-size="10" '
        f'text-anchor="middle" fill="{MUTED}">{escape(y_label)}</text>'
    )
    every = max(1, math.ceil(len(categories) * 46 / plot_w))  # room for each label
    for i, name in enumerate(categories):
        if i % every == 0:
            x = LEFT + (i + 0.5) * slot
            parts.append(
                f'<text x="{x:.1f}" y="{TOP + plot_h + 14}" font-size="10" '
                f'text-anchor="middle" fill="{MUTED}">{escape(name)}</text>'
            )
    parts.append(
        f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" '
        f'stroke="{INK}" stroke-width="0.8"/>'
    )
    return parts


def _fill(series: int, ident: str) -> str:
    return f"url(#{ident}-hatch)" if series % 3 == 1 else FILLS[series % 3]


def _legend(ident: str, names: Sequence[str], *, bars: bool) -> str:
    parts, x = [], LEFT
    y = HEIGHT - 10
    for s, name in enumerate(names):
        if bars:
            key = (
                f'<rect x="{x}" y="{y - 9}" width="12" height="10" fill="{_fill(s, ident)}" '
                f'stroke="{INK}" stroke-width="0.5"/>'
            )
        else:
            dash = f' stroke-dasharray="{DASHES[s % 3]}"' if DASHES[s % 3] else ""
            key = (
                f'<line x1="{x}" x2="{x + 16}" y1="{y - 4}" y2="{y - 4}" stroke="{INK}" '
                f'stroke-width="1.6"{dash}/>'
            )
        parts.append(
            f'{key}<text x="{x + 20}" y="{y}" font-size="11" fill="{INK}">{escape(name)}</text>'
        )
        x += 28 + 7 * len(name)
    return "".join(parts)


def _svg(ident: str, title: str, parts: list[str]) -> Markup:
    return Markup(  # noqa: S704  (every text in it went through escape())
        f'<svg class="chart" role="img" aria-labelledby="{ident}" viewBox="0 0 {WIDTH} '
        f'{HEIGHT}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="DejaVu Sans, Arial, sans-serif">'
        f'<title id="{ident}">{escape(title)}</title>{"".join(parts)}</svg>'
    )


def _nice_max(value: float) -> float:
    """A top for the axis whose four steps are round numbers (1, 2 or 5 times a power of
    ten; 2.5 only from 25 up, so counts never get a tick of 1.25)."""
    if value <= 4:
        return 4.0
    wanted = value / 4
    power = 10 ** math.floor(math.log10(wanted))
    factors = (1, 2, 2.5, 5, 10) if power >= 10 else (1, 2, 5, 10)
    step = next(f * power for f in factors if f * power >= wanted)
    return float(step * 4)
