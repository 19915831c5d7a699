"""Bar charts as plain geometry for server-side SVG (templates/reports/_charts.html draws them).

No chart framework and no script: the page stays small, works in the LMS frame under a strict
Content-Security-Policy, and every chart comes with a data table for screen readers.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 260
LEFT = 48  # room for the value axis labels
RIGHT = 8
TOP = 12
BOTTOM = 44  # room for the category labels


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    value_label: str
    x: float
    y: float
    width: float
    height: float

    @property
    def center(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: int
    baseline: float  # y of the value 0
    plot_right: float
    bars: list[Bar]
    ticks: list[Tick]


def nice_step(maximum: float, max_ticks: int = 5) -> float:
    """A round step (1, 2 or 5 × 10ⁿ) so that 0..maximum needs at most `max_ticks` steps."""
    if maximum <= 0:
        return 1.0
    raw = maximum / max_ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def bar_chart(items: Sequence[tuple[str, float, str]], axis_max: float | None = None, *,
              tick_label=lambda value: f"{value:g}", whole_ticks: bool = False) -> BarChart:
    """Bars for (label, value, value label) items; the value axis runs from 0 to `axis_max`
    (default: a round number at or above the largest value)."""
    largest = max((value for _, value, _ in items), default=0.0)
    if axis_max is None:
        step = max(1.0, nice_step(largest)) if whole_ticks else nice_step(largest)
        axis_max = step * max(1, math.ceil(largest / step)) if largest > 0 else step
    else:
        step = axis_max / 4
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_height
    slot = plot_width / max(1, len(items))
    gap = min(12.0, slot * 0.2)
    bars = []
    for index, (label, value, value_label) in enumerate(items):
        height = plot_height * (min(max(value, 0.0), axis_max) / axis_max) if axis_max else 0.0
        bars.append(Bar(label, value, value_label, round(LEFT + index * slot + gap / 2, 2), round(baseline - height, 2),
                        round(slot - gap, 2), round(height, 2)))
    ticks = []
    count = int(round(axis_max / step)) if step else 0
    for i in range(count + 1):
        value = i * step
        ticks.append(Tick(round(baseline - plot_height * value / axis_max, 2), tick_label(value)))
    return BarChart(WIDTH, HEIGHT, LEFT, baseline, WIDTH - RIGHT, bars, ticks)
