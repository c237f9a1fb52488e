"""Charts as inline SVG, drawn on the server: no chart library, no script, and they print.

SVG presentation attributes (``fill``, ``stroke``) are not inline styles, so the strict
Content-Security-Policy holds; colours come from classes in ``console.css``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT, PAD = 640, 180, 28


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    css: str  # a class in console.css: "s-requests", "s-errors", "s-cost"
    values: Sequence[float]


def bars(labels: Sequence[str], series: Sequence[Series], title: str, unit: str = "") -> str:
    """Grouped vertical bars, one group per label; ``title`` is the accessible name."""
    count = max(1, len(labels))
    top = max((v for s in series for v in s.values), default=0.0) or 1.0
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    group_w = inner_w / count
    bar_w = max(1.0, group_w * 0.8 / max(1, len(series)))
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line class="axis" x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" '
        f'y2="{HEIGHT - PAD}"/>',
        f'<text class="tick" x="{PAD}" y="{PAD - 8}">{escape(_fmt(top))}{escape(unit)}</text>',
    ]
    for index, label in enumerate(labels):
        x0 = PAD + index * group_w + group_w * 0.1
        for offset, one in enumerate(series):
            value = one.values[index] if index < len(one.values) else 0.0
            height = inner_h * value / top
            x = x0 + offset * bar_w
            parts.append(
                f'<rect class="{one.css}" x="{x:.1f}" y="{HEIGHT - PAD - height:.1f}" '
                f'width="{bar_w:.1f}" height="{height:.1f}"><title>{escape(label)} '
                f"{escape(one.name)}: {escape(_fmt(value))}{escape(unit)}</title></rect>"
            )
        if count <= 16 or index % max(1, count // 8) == 0:
            parts.append(
                f'<text class="tick" x="{x0:.1f}" y="{HEIGHT - PAD + 14}">'
                f"{escape(label[:14])}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def _fmt(value: float) -> str:
    if value == int(value):
        return f"{int(value)}"
    return f"{value:.4g}"
