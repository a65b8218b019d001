"""What the trend page shows, and its line chart, kept apart from the arithmetic in ``trend``.

The chart is inline SVG with a title and description, a value label at every point and a dashed second line,
so it reads without colour, from an e-mail attachment, with no script; the template repeats every figure in
a table for screen-reader and print users.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from markupsafe import Markup, escape

from ..reports.fmt import long_date
from ..reports.svg import Bar, bar_chart
from .trend import ALL_TEAMS, as_month, missing_months, month_label

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 24, 16, 56
LINES = (("timely_excl_pct", "Excluding exceptions", "#1d70b8", ""),
         ("timely_incl_pct", "Including exceptions", "#0b0c0c", "6 4"))


def line_chart(chart_id: str, title: str, description: str, months: list[str], series: list[tuple]) -> Markup:
    """Percentages (0 to 100) by month; ``series`` is [(label, values, colour, dash)], None where no value."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(months) - 1) if len(months) > 1 else 0

    def x(i: int) -> float:
        return LEFT + (i * step if len(months) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / 100.0)

    parts = [f'<svg class="app-chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" preserveAspectRatio="xMinYMin meet" '
             f'xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{chart_id}-title">{escape(title)}</title>',
             f'<desc id="{chart_id}-desc">{escape(description)}</desc>']
    for tick in (0, 25, 50, 75, 100):
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                     f'stroke="#b1b4b6" stroke-width="1"/>'
                     f'<text x="{LEFT - 6}" y="{y(tick) + 5:.1f}" text-anchor="end" font-size="13" '
                     f'fill="#0b0c0c">{tick}%</text>')
    for i, month in enumerate(months):
        parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 20}" text-anchor="middle" font-size="13" '
                     f'fill="#0b0c0c">{escape(month_label(month))}</text>')
    for n, (label, values, colour, dash) in enumerate(series):
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        points = [(x(i), y(v), v) for i, v in enumerate(values) if v is not None]
        segment: list[str] = []
        for i, v in enumerate(values + [None]):
            if v is None:
                if len(segment) > 1:
                    parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="3"{dash_attr} '
                                 f'points="{" ".join(segment)}"/>')
                segment = []
            else:
                segment.append(f"{x(i):.1f},{y(v):.1f}")
        for px, py, v in points:
            offset = -8 if n == 0 else 18
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{colour}"/>'
                         f'<text x="{px:.1f}" y="{py + offset:.1f}" text-anchor="middle" font-size="12" '
                         f'fill="{colour}">{v:.1f}%</text>')
        key_x = LEFT + n * 230
        parts.append(f'<line x1="{key_x}" x2="{key_x + 30}" y1="{HEIGHT - 14}" y2="{HEIGHT - 14}" stroke="{colour}" '
                     f'stroke-width="3"{dash_attr}/><text x="{key_x + 36}" y="{HEIGHT - 9}" font-size="13" '
                     f'fill="#0b0c0c">{escape(label)}</text>')
    if not months:
        parts.append(f'<text x="{LEFT}" y="{TOP + 20}" font-size="16" fill="#0b0c0c">Nothing to show</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _describe(months: list[str], values: list, what: str) -> str:
    shown = [f"{month_label(m)} {v:.1f}%" for m, v in zip(months, values) if v is not None]
    return f"{what} by month: " + ("; ".join(shown) if shown else "no plans issued in these months") + "."


def page_context(store, series: pd.DataFrame, date_from, date_to, generated_at: dt.datetime, *, csv_name: str
                 ) -> dict:
    total = series[series["team"].eq(ALL_TEAMS)].reset_index(drop=True)
    months = total["month"].tolist()
    excl, incl = total["timely_excl_pct"].tolist(), total["timely_incl_pct"].tolist()
    timeliness_chart = line_chart(
        "trend-20w", "20-week timeliness of EHC plans issued each month",
        _describe(months, excl, "Excluding exceptions") + " " + _describe(months, incl, "Including exceptions"),
        months, [(label, total[col].tolist(), colour, dash) for col, label, colour, dash in LINES])
    reviews_chart = bar_chart(
        "trend-reviews", "Annual reviews overdue at the end of each month",
        "Reviews overdue by month: " + "; ".join(f"{month_label(m)} {n:,}" for m, n in
                                                 zip(months, total["reviews_overdue"])) + ".",
        [Bar(month_label(m), float(n), f"{n:,}", "#d4351c") for m, n in zip(months, total["reviews_overdue"])])
    teams = sorted(set(series["team"]) - {ALL_TEAMS}, key=lambda t: (t == "Team not recorded", t))
    by_team = []
    for team in teams:
        rows = series[series["team"].eq(team)].set_index("month")
        by_team.append({"team": team, "cells": [rows.loc[m].to_dict() if m in rows.index else None for m in months]})
    runs = [r for r in store.runs() if r["month"] in set(months)]
    first = as_month(date_from, "--from")
    last = as_month(date_to, "--to")
    if months:
        period = f"{month_label(months[0])} to {month_label(months[-1])}"
    else:
        period = (f"{month_label(first) if first else 'the first run'} to "
                  f"{month_label(last) if last else 'the last run'}")
    return {
        "title": "SEND compliance month by month", "caption": "Trend report",
        "as_at_text": long_date(runs[-1]["as_at"]) if runs else "no run recorded in this period",
        "period_text": period, "inputs": [],
        "generated_line": f"Generated by sendcheck on {generated_at:%d/%m/%Y at %H:%M}.",
        "months": months, "month_labels": [month_label(m) for m in months], "total": total.to_dict("records"),
        "timeliness_chart": timeliness_chart, "reviews_chart": reviews_chart, "by_team": by_team,
        "missing": [month_label(m) for m in missing_months(months)], "runs": runs, "csv_name": csv_name,
    }
