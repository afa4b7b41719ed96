"""The inline SVG chart: readable axes, whole numbers for counts."""

from __future__ import annotations

import re

from dashboard import svg_chart


def y_ticks(svg: str) -> list[str]:
    return re.findall(r'text-anchor="end">([^<]+)</text>', svg)


def test_counts_get_whole_number_ticks() -> None:
    for peak in (1, 2, 3, 7, 10, 13, 99, 250, 1001):
        svg = svg_chart.render([str(i) for i in range(5)], svg_chart.Series("visitors", [0, peak, 1, 0, 2]),
                               title="t", integer=True)
        ticks = y_ticks(svg)
        assert all(re.fullmatch(r"\d+(\.\d)?k|\d+", tick) for tick in ticks), (peak, ticks)
        assert all(float(tick.rstrip("k")) * (1000 if tick.endswith("k") else 1) % 1 == 0 for tick in ticks)
        top = svg_chart.integer_top(peak)
        assert top >= peak and top <= max(4, peak * 2.5)


def test_rates_keep_fractional_ticks() -> None:
    svg = svg_chart.render(["a", "b"], svg_chart.Series("views per visit", [1.2, 1.9]), title="t")
    assert "1.5" in y_ticks(svg)


def test_phones_get_a_compact_chart_whose_labels_stay_readable() -> None:
    both = svg_chart.responsive([f"Nov {d}" for d in range(1, 31)], svg_chart.Series("visitors", list(range(30))),
                                title="t", integer=True)
    wide, compact = both.split("</svg>")[:2]
    assert 'class="chart wide" viewBox="0 0 1000 ' in wide and 'class="chart compact" viewBox="0 0 420 ' in compact
    assert len(re.findall(r'text-anchor="(?:start|middle|end)">Nov', compact)) == 4  # fewer x labels, no overlap
    assert 'id="chart-title-compact"' in compact and 'id="chart-title"' in wide  # ids stay unique on the page
