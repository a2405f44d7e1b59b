"""Server-side charts for the desk dashboard: inline SVG built in Python (no script, no CDN).

Every chart carries a <title>/<desc> for screen readers and a <title> per bar for hover; the
dashboard also prints each chart's figures as a table.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import count

from markupsafe import Markup, escape

_ids = count(1)


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float]
    css: str  # colour class of the series (c1 … c8 in staff.css)


def nice_max(value: float) -> tuple[float, float]:
    """A round axis maximum at or above the value, and its tick step (about 4 ticks)."""
    if value <= 0:
        return 4.0, 1.0
    raw = value / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    step = max(step, 1.0) if value >= 1 else step
    return step * math.ceil(value / step), step


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _open(kind: str, width: int, height: int, title: str, desc: str) -> tuple[str, list[str]]:
    ident = f"chart{next(_ids)}"
    return ident, [
        f'<svg class="chart {kind}" viewBox="0 0 {width} {height}" role="img" '
        f'preserveAspectRatio="xMidYMid meet" aria-labelledby="{ident}-t {ident}-d">',
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>']


def _empty(parts: list[str], width: int, height: int) -> Markup:
    parts.append(f'<text class="empty-chart" x="{width / 2:.0f}" y="{height / 2:.0f}" '
                 'text-anchor="middle">No data in this period</text></svg>')
    return Markup("".join(parts))


def _y_axis(parts: list[str], top: float, left: float, right: float, plot_h: float,
            ymax: float, step: float) -> None:
    ticks = int(round(ymax / step))
    for n in range(ticks + 1):
        y = top + plot_h - plot_h * n / ticks
        parts.append(f'<line class="grid" x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{_fmt(step * n)}</text>')


def stacked_columns(labels: list[str], series: list[Series], *, title: str, desc: str,
                    width: int = 640, height: int = 240) -> Markup:
    """Vertical stacked columns, one per label (e.g. per day)."""
    ident, parts = _open("columns", width, height, title, desc)
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    if not labels or not any(totals):
        return _empty(parts, width, height)
    left, right, top, bottom = 44, width - 8, 10, height - 34
    plot_h, slot = bottom - top, (right - left) / len(labels)
    ymax, step = nice_max(max(totals))
    _y_axis(parts, top, left, right, plot_h, ymax, step)
    every = max(1, math.ceil(len(labels) / 10))
    for i, label in enumerate(labels):
        x, y = left + slot * i + slot * 0.15, float(bottom)
        for s in series:
            value = s.values[i]
            if value <= 0:
                continue
            h = plot_h * value / ymax
            y -= h
            parts.append(f'<rect class="{s.css}" x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}"'
                         f' height="{h:.1f}"><title>{escape(label)} · {escape(s.name)}: '
                         f'{_fmt(value)}</title></rect>')
        if i % every == 0:
            parts.append(f'<text class="tick" x="{left + slot * (i + 0.5):.1f}" y="{bottom + 16}"'
                         f' text-anchor="middle">{escape(label)}</text>')
    parts.append(f'<line class="axis" x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_bars(labels: list[str], series: list[Series], *, title: str, desc: str,
                 width: int = 640, row: int = 26) -> Markup:
    """Horizontal stacked bars, one row per label (e.g. per partner), with the row total."""
    height = max(row * len(labels), row) + 28
    ident, parts = _open("bars", width, height, title, desc)
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    if not labels or not any(totals):
        return _empty(parts, width, height)
    left, right, top = 64, width - 48, 6
    xmax, step = nice_max(max(totals))
    plot_w = right - left
    for n in range(int(round(xmax / step)) + 1):
        x = left + plot_w * n / round(xmax / step)
        parts.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" '
                     f'y2="{top + row * len(labels)}"/><text class="tick" x="{x:.1f}" '
                     f'y="{top + row * len(labels) + 16}" text-anchor="middle">'
                     f'{_fmt(step * n)}</text>')
    for i, label in enumerate(labels):
        y, x = top + row * i + row * 0.15, float(left)
        parts.append(f'<text class="label" x="{left - 8}" y="{y + row * 0.5:.1f}" '
                     f'text-anchor="end">{escape(label)}</text>')
        for s in series:
            value = s.values[i]
            if value <= 0:
                continue
            w = plot_w * value / xmax
            parts.append(f'<rect class="{s.css}" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" '
                         f'height="{row * 0.7:.1f}"><title>{escape(label)} · {escape(s.name)}: '
                         f'{_fmt(value)}</title></rect>')
            x += w
        parts.append(f'<text class="value" x="{x + 6:.1f}" y="{y + row * 0.5:.1f}">'
                     f'{_fmt(totals[i])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def legend(series: list[Series]) -> Markup:
    """The series names with their colours, as an HTML list that wraps on small screens."""
    items = "".join(f'<li><span class="swatch {s.css}" aria-hidden="true"></span>'
                    f'{escape(s.name)}</li>' for s in series)
    return Markup(f'<ul class="legend">{items}</ul>')
