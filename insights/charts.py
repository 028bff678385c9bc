"""Bar charts as inline SVG strings: no JavaScript, no CDN, readable offline and in any browser.

Why hand-written SVG: the report must be one self-contained file a clinic can
open or e-mail; a charting library would add a script or an image pipeline
for a few rectangles.
"""

from __future__ import annotations

from html import escape

PALETTE = ("#0f766e", "#7c3aed", "#d97706", "#2563eb", "#db2777", "#65a30d", "#64748b")
FONT = "font-family='system-ui, sans-serif' font-size='12'"


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 5 x 10^n)."""
    if value <= 0:
        return 1.0
    scale = 1.0
    while scale * 10 <= value:
        scale *= 10
    for step in (1, 2, 5, 10):
        if step * scale >= value:
            return step * scale
    return 10 * scale


def stacked_columns(title: str, labels: list[str], series: dict[str, list[int]], height: int = 220) -> str:
    """One column per label (a day), stacked by series (a channel), with a legend and a y axis."""
    left, top, bottom, column = 44, 28, 46, max(14, min(48, 640 // max(1, len(labels))))
    width = left + column * len(labels) + 16
    plot = height - top - bottom
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    top_value = _nice_max(max(totals, default=0))
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' role='img' class='chart' width='{max(width, 360)}' "
        f"height='{height}' viewBox='0 0 {max(width, 360)} {height}' {FONT}>",
        f"<title>{escape(title)}</title>",
    ]
    for fraction in (0, 0.5, 1):
        y = top + plot * (1 - fraction)
        parts.append(f"<line x1='{left}' x2='{width - 8}' y1='{y:.1f}' y2='{y:.1f}' stroke='#e2e8f0'/>")
        parts.append(f"<text x='{left - 6}' y='{y + 4:.1f}' text-anchor='end'>{top_value * fraction:g}</text>")
    for index, label in enumerate(labels):
        x, base = left + index * column + 2, float(top + plot)
        for colour, (name, values) in zip(PALETTE * 4, series.items(), strict=False):
            value = values[index]
            if not value:
                continue
            bar = plot * value / top_value
            base -= bar
            parts.append(
                f"<rect class='bar' x='{x}' y='{base:.1f}' width='{column - 4}' height='{bar:.1f}' fill='{colour}'>"
                f"<title>{escape(label)}, {escape(name)}: {value}</title></rect>"
            )
        if len(labels) <= 16 or index % max(1, len(labels) // 8) == 0:
            centre = x + (column - 4) / 2
            parts.append(
                f"<text x='{centre:.1f}' y='{top + plot + 14}' text-anchor='middle'>{escape(label[5:])}</text>"
            )
    for index, (colour, name) in enumerate(zip(PALETTE * 4, series, strict=False)):
        x = left + index * 110
        parts.append(f"<rect x='{x}' y='{height - 16}' width='10' height='10' fill='{colour}'/>")
        parts.append(f"<text x='{x + 14}' y='{height - 7}'>{escape(name)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def horizontal_bars(title: str, rows: list[tuple[str, float, str]], width: int = 640) -> str:
    """One bar per row: ``(label, value, text shown after the bar)``, scaled to the largest value."""
    label_width, row_height, top = 230, 22, 8
    height = top + row_height * max(1, len(rows)) + 8
    largest = max((value for _, value, _ in rows), default=0) or 1
    room = width - label_width - 90
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' role='img' class='chart' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' {FONT}>",
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value, shown) in enumerate(rows):
        y = top + index * row_height
        bar = max(1.0, room * value / largest) if value else 0.0
        short = label if len(label) <= 34 else label[:33] + "…"
        parts.append(f"<text x='{label_width - 8}' y='{y + 15}' text-anchor='end'>{escape(short)}</text>")
        colour = PALETTE[0]
        parts.append(
            f"<rect class='bar' x='{label_width}' y='{y + 4}' width='{bar:.1f}' height='{row_height - 8}' "
            f"fill='{colour}'><title>{escape(label)}: {escape(shown)}</title></rect>"
        )
        parts.append(f"<text x='{label_width + bar + 6:.1f}' y='{y + 15}'>{escape(shown)}</text>")
    parts.append("</svg>")
    return "".join(parts)
