"""Charts drawn by the server as SVG markup: no JavaScript library, no outside resource, printable.

Colours are SVG presentation attributes (not style="" attributes, which the Content-Security-Policy forbids).
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from intramuros.clinical import growth

PALETTE = ["#2b6cb0", "#c53030", "#2f855a", "#b7791f", "#6b46c1"]


@dataclass
class Series:
    label: str
    points: list[tuple[float, float]]
    color: str = PALETTE[0]
    dashed: bool = False
    markers: bool = True
    width: float = 2.0


@dataclass
class Chart:
    title: str
    unit: str
    series: list[Series] = field(default_factory=list)
    x_kind: str = "date"  # "date": x is a date ordinal; "age": x is an age in days
    svg: SafeString | str = ""


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks, value = [], start
    while value <= high + step * 0.5:
        ticks.append(round(value, 6))
        value += step
    return ticks


def _x_label(x: float, kind: str) -> str:
    if kind == "date":
        return datetime.date.fromordinal(int(x)).strftime("%m/%y")
    months = x / (365.25 / 12)
    if months < 24:
        return _("%(n)d mo") % {"n": round(months)}
    return _("%(n)d y") % {"n": round(months / 12)}


def _x_ticks(low: float, high: float, kind: str) -> list[float]:
    if kind == "age":
        span_months = (high - low) / (365.25 / 12)
        step_months = 1 if span_months <= 12 else 3 if span_months <= 36 else 12
        step = step_months * 365.25 / 12
        first = math.ceil(low / step) * step
        return [first + i * step for i in range(int((high - first) / step) + 1)]
    return _nice_ticks(low, high, 6)


def render(chart: Chart, *, width: int = 640, height: int = 260) -> SafeString:
    """The SVG of a line chart: axes with ticks, one polyline per series, a legend."""
    points = [p for s in chart.series for p in s.points]
    if not points:
        return mark_safe("")  # noqa: S308 - empty string
    left, right, top, bottom = 52, 12, 28, 40
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1 = min(xs), max(xs)
    if x1 == x0:
        x0, x1 = x0 - 15, x1 + 15
    y_ticks = _nice_ticks(min(ys), max(ys))
    y0, y1 = y_ticks[0], y_ticks[-1]
    plot_w, plot_h = width - left - right, height - top - bottom

    def sx(x):
        return left + (x - x0) / (x1 - x0) * plot_w

    def sy(y):
        return top + plot_h - (y - y0) / (y1 - y0 or 1) * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(chart.title)}">',
             f"<title>{escape(chart.title)}</title>",
             f'<text x="{left}" y="16" font-size="13" font-weight="bold" fill="#1a202c">'
             f"{escape(chart.title)} ({escape(chart.unit)})</text>"]
    for y in y_ticks:
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{sy(y):.1f}" y2="{sy(y):.1f}" '
                     f'stroke="#e2e8f0" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{sy(y) + 4:.1f}" font-size="11" text-anchor="end" '
                     f'fill="#4a5568">{y:g}</text>')
    for x in _x_ticks(x0, x1, chart.x_kind):
        if x0 <= x <= x1:
            parts.append(f'<line x1="{sx(x):.1f}" x2="{sx(x):.1f}" y1="{top}" y2="{top + plot_h}" '
                         f'stroke="#edf2f7" stroke-width="1"/>')
            parts.append(f'<text x="{sx(x):.1f}" y="{top + plot_h + 16}" font-size="11" text-anchor="middle" '
                         f'fill="#4a5568">{escape(_x_label(x, chart.x_kind))}</text>')
    parts.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#a0aec0"/>')
    legend_x = left
    for s in chart.series:
        if not s.points:
            continue
        coords = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in s.points)
        dash = ' stroke-dasharray="5 4"' if s.dashed else ""
        parts.append(f'<polyline class="series" fill="none" stroke="{s.color}" stroke-width="{s.width}"{dash} '
                     f'points="{coords}"><title>{escape(s.label)}</title></polyline>')
        if s.markers:
            for x, y in s.points:
                parts.append(f'<circle class="point" cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3.5" fill="{s.color}">'
                             f"<title>{y:g} {escape(chart.unit)}</title></circle>")
        if not s.label:
            continue
        parts.append(f'<line x1="{legend_x}" x2="{legend_x + 16}" y1="{height - 8}" y2="{height - 8}" '
                     f'stroke="{s.color}" stroke-width="3"{dash}/>')
        parts.append(f'<text x="{legend_x + 20}" y="{height - 4}" font-size="11" fill="#1a202c">'
                     f"{escape(s.label)}</text>")
        legend_x += 28 + 7 * len(s.label)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


VITAL_CHARTS = [
    # title, unit, [(field, label)]
    (_("Weight"), "kg", [("weight_kg", _("weight"))]),
    (_("Blood pressure"), "mmHg", [("systolic_mmhg", _("systolic")), ("diastolic_mmhg", _("diastolic"))]),
    (_("Heart rate"), "bpm", [("heart_rate_bpm", _("heart rate"))]),
    (_("Temperature"), "°C", [("temperature_c", _("temperature"))]),
    (_("SpO2"), "%", [("spo2_pct", _("SpO2"))]),
    (_("Glycaemia"), "g/L", [("glycaemia_g_l", _("glycaemia"))]),
]


def vitals_charts(series: dict) -> list[Chart]:
    """One chart per vital that has at least one measure; `series` from selectors.vitals_series."""
    charts = []
    for title, unit, fields in VITAL_CHARTS:
        lines = [Series(label=str(label), color=PALETTE[i],
                        points=[(when.date().toordinal(), value) for when, value in series.get(name, [])])
                 for i, (name, label) in enumerate(fields)]
        if any(s.points for s in lines):
            chart = Chart(title=str(title), unit=unit, series=lines)
            chart.svg = render(chart)
            charts.append(chart)
    return charts


GROWTH_CHARTS = [
    ("wfa", _("Weight-for-age"), "kg"),
    ("lhfa", _("Length/height-for-age"), "cm"),
    ("hcfa", _("Head circumference-for-age"), "cm"),
]


def growth_charts(*, sex: str, points: dict[str, list[tuple[int, float]]]) -> list[Chart]:
    """The child's measures (indicator -> [(age in days, value)]) over the WHO median, ±2 SD and ±3 SD."""
    charts = []
    for indicator, title, unit in GROWTH_CHARTS:
        measures = points.get(indicator) or []
        if not measures:
            continue
        oldest = max(age for age, _v in measures)
        horizon = max(365, int(oldest * 1.15))
        reference = growth.curves(indicator, sex, horizon)
        if not reference:
            continue
        lines = [
            Series(_("WHO −3/+3 SD"), [(r["age"], r["sd-3"]) for r in reference], "#cbd5e0", True, False, 1),
            Series(_("WHO −2/+2 SD"), [(r["age"], r["sd-2"]) for r in reference], "#e53e3e", True, False, 1.2),
            Series(_("WHO median"), [(r["age"], r["sd+0"]) for r in reference], "#2f855a", False, False, 1.5),
            Series("", [(r["age"], r["sd+2"]) for r in reference], "#e53e3e", True, False, 1.2),
            Series("", [(r["age"], r["sd+3"]) for r in reference], "#cbd5e0", True, False, 1),
            Series(_("child"), sorted(measures), "#2b6cb0", False, True, 2),
        ]
        chart = Chart(title=str(title), unit=unit, series=lines, x_kind="age")
        chart.svg = render(chart)
        charts.append(chart)
    return charts


def vital_fields() -> list[str]:
    return [name for _t, _u, fields in VITAL_CHARTS for name, _l in fields]
