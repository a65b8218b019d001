"""Inline SVG bar charts that work from an e-mail attachment, with no script and no network.

Each chart is an ``<svg role="img">`` named by its ``<title>`` and ``<desc>``; every bar carries its label and
its value as text, so colour is never the only way to read it, and the templates put the same figures in a
table next to the chart for screen-reader and print users.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

# Bar fills chosen from the GOV.UK palette (darkened where needed) for at least 3:1 contrast with white.
STATUS_FILL = {
    "overdue": "#d4351c", "late": "#b45309", "due_soon": "#806800", "insufficient_data": "#505a5f",
    "pending": "#1d70b8", "excepted": "#4c2c92", "compliant": "#00703c",
}
DEFAULT_FILL = "#1d70b8"

WIDTH = 640
LABEL_WIDTH = 200
VALUE_WIDTH = 90
ROW = 26
BAR = 18


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    display: str = ""  # text shown beside the bar; defaults to the value
    fill: str = DEFAULT_FILL


def bar_chart(chart_id: str, title: str, description: str, bars: list[Bar], *,
              max_value: float | None = None) -> Markup:
    """A horizontal bar chart; ``chart_id`` must be unique in the page (it names the title and desc)."""
    chart_id = "".join(c if c.isalnum() or c in "-_" else "-" for c in chart_id)
    top = max([max_value or 0] + [b.value for b in bars]) or 1
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = max(1, len(bars)) * ROW + 8
    parts = [
        f'<svg class="app-chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    if not bars:
        parts.append('<text x="0" y="18" font-size="16" fill="#0b0c0c">Nothing to show</text>')
    for i, bar in enumerate(bars):
        y = 4 + i * ROW
        length = 0 if bar.value <= 0 else max(2.0, plot * bar.value / top)
        text = bar.display or f"{bar.value:,.0f}"
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR - 4}" text-anchor="end" font-size="15" fill="#0b0c0c">'
            f'{escape(bar.label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR}" fill="{escape(bar.fill)}"/>'
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + BAR - 4}" font-size="15" fill="#0b0c0c">'
            f'{escape(text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
