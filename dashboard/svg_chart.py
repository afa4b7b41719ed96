"""A small server-side renderer for the time-series chart: inline SVG, no JavaScript.

The SVG carries a <title> and <desc> for screen readers, and every point has a
<title> so hovering shows its value in any browser.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 1000, 260
COMPACT_WIDTH = 420  # the phone variant: at ~320 px on screen its 11-unit labels stay about 9 px tall

PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 52, 14, 14, 30


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]


def nice_max(value: float) -> float:
    """A round upper bound for the y axis (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        bound = step * 10**exponent
        if bound >= value:
            return float(bound)
    return float(10 ** (exponent + 1))  # pragma: no cover


def integer_top(value: float) -> float:
    """An upper bound for counts whose four grid steps are whole numbers (no 2.5 visitors)."""
    step = max(1, math.ceil(nice_max(value / 4))) if value > 0 else 1
    return float(step * 4)


def _fmt(value: float) -> str:
    if abs(value) >= 1000:
        text = f"{value / 1000:.1f}".rstrip("0").rstrip(".")
        return text + "k"
    return f"{value:.2f}".rstrip("0").rstrip(".") if not float(value).is_integer() else str(int(value))


def render(
    labels: Sequence[str],
    current: Series,
    previous: Series | None = None,
    *,
    title: str,
    format_value: Callable[[float], str] = _fmt,
    short_label: Callable[[str], str] = lambda text: text,
    integer: bool = False,
    compact: bool = False,
) -> Markup:
    """``integer``: the values are counts, so the y axis has whole-number ticks.  ``compact``: the narrow variant
    shown on phones (see :func:`responsive`)."""
    WIDTH = COMPACT_WIDTH if compact else globals()["WIDTH"]  # noqa: N806 (the module constant's name)
    suffix = "-compact" if compact else ""
    count = len(labels)
    values = [v for v in current.values if v is not None]
    if previous is not None:
        values += [v for v in previous.values if v is not None]
    top = integer_top(max(values, default=0)) if integer else nice_max(max(values, default=0))
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(index: int) -> float:
        return PAD_LEFT + (plot_w * index / (count - 1) if count > 1 else plot_w / 2)

    def y(value: float) -> float:
        return PAD_TOP + plot_h - plot_h * (value / top)

    total = sum(v for v in current.values if v is not None)
    peak_index = max(range(count), key=lambda i: current.values[i] or 0) if count else 0
    desc = (
        f"{current.label} from {labels[0]} to {labels[-1]}: total {format_value(total)}, "
        f"highest {format_value(current.values[peak_index] or 0)} on {labels[peak_index]}."
        if count
        else "No data."
    )
    parts: list[str] = [
        f'<svg class="chart {"compact" if compact else "wide"}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title{suffix} chart-desc{suffix}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title{suffix}">{escape(title)}</title>',
        f'<desc id="chart-desc{suffix}">{escape(desc)}</desc>',
    ]
    for step in range(5):
        value = top * step / 4
        pos = y(value)
        parts.append(f'<line class="grid" x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{pos:.1f}" y2="{pos:.1f}"/>')
        parts.append(f'<text class="axis" x="{PAD_LEFT - 8}" y="{pos + 4:.1f}" text-anchor="end">{escape(format_value(value))}</text>')
    if count:
        ticks = min(count, 4 if compact else 8)
        chosen = sorted({round(i * (count - 1) / max(ticks - 1, 1)) for i in range(ticks)})
        for index in chosen:
            anchor = "start" if index == 0 and count > 1 else ("end" if index == count - 1 and count > 1 else "middle")
            parts.append(
                f'<text class="axis" x="{x(index):.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}">'
                f"{escape(short_label(labels[index]))}</text>"
            )
    if previous is not None and count:
        parts.append(_polyline(previous.values, x, y, "line previous"))
    if count:
        points = [(x(i), y(v)) for i, v in enumerate(current.values) if v is not None]
        if points:
            base = y(0)
            area = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(
                f'<polygon class="area" points="{points[0][0]:.1f},{base:.1f} {area} {points[-1][0]:.1f},{base:.1f}"/>'
            )
        parts.append(_polyline(current.values, x, y, "line"))
        radius = 3 if count <= 40 else 0
        for index, value in enumerate(current.values):
            if value is None:
                continue
            parts.append(
                f'<circle class="dot" cx="{x(index):.1f}" cy="{y(value):.1f}" r="{radius}">'
                f"<title>{escape(labels[index])}: {escape(format_value(value))} {escape(current.label)}</title></circle>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def responsive(labels: Sequence[str], current: Series, previous: Series | None = None, **options: object) -> Markup:
    """The wide chart and its compact phone variant; the stylesheet shows the one that fits the screen."""
    return Markup(render(labels, current, previous, **options) + render(labels, current, previous, compact=True, **options))


def _polyline(values: Sequence[float | None], x: Callable[[int], float], y: Callable[[float], float], css: str) -> str:
    points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values) if v is not None)
    return f'<polyline class="{css}" points="{points}"/>'
