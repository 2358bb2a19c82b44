"""A small line chart as inline SVG for the reports (pure): a KPI's values per period with its target as a
dashed line. Numbers only reach the markup (labels are drawn by the table under the chart), so it needs no
escaping; the same SVG works in WeasyPrint's PDF and in e-mail clients that show SVG."""

from __future__ import annotations

from collections.abc import Sequence

WIDTH = 220
HEIGHT = 56
PAD = 4
LINE = "#0f766e"
TARGET = "#c2410c"


def _y(value: float, low: float, high: float) -> float:
    span = high - low or 1.0
    return round(HEIGHT - PAD - (value - low) / span * (HEIGHT - 2 * PAD), 1)


def sparkline(values: Sequence[float | None], target: float | None = None) -> str:
    """An SVG of ``values`` (None: a gap, no point) left to right, and ``target`` as a dashed line."""
    known = [v for v in values if v is not None]
    if target is not None:
        known.append(target)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img">',
             f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#f8fafc"/>']  # fmt: skip
    if known:
        low, high = min([*known, 0.0]), max(known)
        step = (WIDTH - 2 * PAD) / max(1, len(values) - 1)
        runs: list[list[str]] = [[]]
        for i, value in enumerate(values):
            if value is None:
                runs.append([])
                continue
            runs[-1].append(f"{round(PAD + i * step, 1)},{_y(value, low, high)}")
        for run in runs:
            if len(run) > 1:
                parts.append(
                    f'<polyline fill="none" stroke="{LINE}" stroke-width="2" points="{" ".join(run)}"/>'
                )
            for point in run:
                x, y = point.split(",")
                parts.append(f'<circle cx="{x}" cy="{y}" r="2.5" fill="{LINE}"/>')
        if target is not None:
            level = _y(target, low, high)
            parts.append(f'<line x1="{PAD}" y1="{level}" x2="{WIDTH - PAD}" y2="{level}" stroke="{TARGET}" '
                         'stroke-width="1.5" stroke-dasharray="4 3"/>')  # fmt: skip
    parts.append("</svg>")
    return "".join(parts)
