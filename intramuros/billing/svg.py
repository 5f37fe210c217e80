"""Charts drawn on the server as SVG markup: no JavaScript library, nothing fetched, CSP-friendly.

Every label is escaped; colours are SVG presentation attributes (not style="" which the CSP forbids).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#1f4e79", "#e07b39", "#3a9d5d", "#b42318", "#7a5cb8", "#c2a013", "#2b8a9e", "#8a5a44"]
W, H = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 16, 46


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _fmt(value: float, unit: str) -> str:
    text = f"{value:,.0f}".replace(",", "\u202f") if abs(value) >= 10 or value == int(value) else f"{value:.1f}"
    return f"{text}{unit}"


def _frame(parts: list[str], title: str, labels: list[str], vmax: float, unit: str) -> None:
    plot_h = H - TOP - BOTTOM
    for i in range(5):
        value = vmax * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" stroke="#d5dbe3"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
                     f'fill="#5a6578">{escape(_fmt(value, unit))}</text>')
    slot = (W - LEFT - RIGHT) / max(len(labels), 1)
    every = max(1, len(labels) // 12)
    for i, label in enumerate(labels):
        if i % every == 0:
            x = LEFT + slot * (i + 0.5)
            parts.append(f'<text x="{x:.1f}" y="{H - BOTTOM + 16}" text-anchor="middle" font-size="11" '
                         f'fill="#1a202c">{escape(label)}</text>')


def _open(title: str, description: str) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" class="chart" role="img" '
            f'aria-label="{escape(title)}"><title>{escape(title)}</title><desc>{escape(description)}</desc>']


def _legend(parts: list[str], names: list[str]) -> None:
    x = LEFT
    for i, name in enumerate(names):
        colour = PALETTE[i % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="{H - 18}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="{H - 9}" font-size="11" fill="#1a202c">{escape(name)}</text>')
        x += 24 + 7 * len(name)


def bar_chart(*, title: str, labels: list[str], series: list[tuple[str, list]], unit: str = "",
              stacked: bool = True) -> SafeString:
    """Bars per label; several series are stacked (or side by side). Values: int, float or Decimal."""
    values = [[float(v or 0) for v in vals] for _name, vals in series]
    if stacked:
        peak = max((sum(col) for col in zip(*values, strict=True)), default=0) if values else 0
    else:
        peak = max((max(v) for v in values if v), default=0)
    vmax = _nice_max(peak)
    description = "; ".join(
        f"{label}: " + ", ".join(f"{name} {_fmt(float(vals[i] or 0), unit)}" for name, vals in series)
        for i, label in enumerate(labels))
    parts = _open(title, description)
    _frame(parts, title, labels, vmax, unit)
    plot_h = H - TOP - BOTTOM
    slot = (W - LEFT - RIGHT) / max(len(labels), 1)
    width = slot * 0.7
    for i in range(len(labels)):
        base = 0.0
        for s, vals in enumerate(values):
            value = vals[i]
            if value <= 0:
                continue
            h = plot_h * value / vmax
            if stacked:
                x, bar_w, y = LEFT + slot * i + (slot - width) / 2, width, TOP + plot_h - plot_h * base / vmax - h
                base += value
            else:
                bar_w = width / len(values)
                x, y = LEFT + slot * i + (slot - width) / 2 + s * bar_w, TOP + plot_h - h
            label = f"{labels[i]} · {series[s][0]}: {_fmt(value, unit)}"
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                         f'fill="{PALETTE[s % len(PALETTE)]}"><title>{escape(label)}</title></rect>')
    if len(series) > 1:
        _legend(parts, [name for name, _v in series])
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above went through escape()


def line_chart(*, title: str, labels: list[str], values: list[float | Decimal | None], unit: str = "",
               vmax: float | None = None) -> SafeString:
    """One line (e.g. a rate in %); None leaves a gap (no data that month)."""
    floats = [None if v is None else float(v) for v in values]
    top = vmax if vmax is not None else _nice_max(max((v for v in floats if v is not None), default=0))
    description = "; ".join(f"{label}: {'-' if v is None else _fmt(v, unit)}" for label, v in zip(labels, floats,
                                                                                                 strict=True))
    parts = _open(title, description)
    _frame(parts, title, labels, top, unit)
    plot_h = H - TOP - BOTTOM
    slot = (W - LEFT - RIGHT) / max(len(labels), 1)
    points = []
    for i, v in enumerate(floats):
        if v is None:
            continue
        x, y = LEFT + slot * (i + 0.5), TOP + plot_h - plot_h * min(v, top) / top
        points.append((x, y))
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{PALETTE[3]}">'
                     f'<title>{escape(labels[i])}: {escape(_fmt(v, unit))}</title></circle>')
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.insert(-len(points), f'<polyline points="{path}" fill="none" stroke="{PALETTE[3]}" '
                                   f'stroke-width="2"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above went through escape()
