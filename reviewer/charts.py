"""Server-rendered SVG charts for the statistics page: no JavaScript, no inline style.

The content security policy forbids ``style`` attributes and ``<style>``
elements, so the charts use SVG presentation attributes (``fill``,
``font-size``) and classes styled in ``static/css/admin-stats.css``. Each
chart is an ``<svg role="img">`` named by its ``<title>`` and described by its
``<desc>`` through ``aria-labelledby``; the page shows the same numbers in a
table next to it, and every bar and cell carries its number as text, so no
value is given by colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

BAR_FILL = "#205493"
EMPTY_FILL = "#f1f1f1"
TEXT_FILL = "#1b1b1b"
# Light to dark blue; text switches to white on the two darkest steps.
HEAT_STEPS = ("#f1f5fb", "#c6dbef", "#9ecae1", "#4292c6", "#2171b5", "#08306b")


def _frame(chart_id: str, title: str, desc: str, width: int, height: int, body: str) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="stats-chart" role="img" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" preserveAspectRatio="xMinYMin meet" '
        'aria-labelledby="{id}-title {id}-desc" id="{id}">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>',
        w=width,
        h=height,
        id=chart_id,
        title=title,
        desc=desc,
        body=mark_safe(body),  # noqa: S308 - built below with format_html only
    )


def percent(share: float) -> str:
    """A share as a whole percentage that never rounds a few to none or most to all.

    >>> [percent(x) for x in (0, 0.004, 0.25, 0.996, 1)]
    ['0%', '<1%', '25%', '>99%', '100%']
    """
    if 0 < share < 0.005:
        return "<1%"
    if 0.995 <= share < 1:
        return ">99%"
    return f"{share:.0%}"


def bar_chart(
    chart_id: str, title: str, items: Sequence[tuple[str, int]], total: int | None = None
) -> SafeString:
    """Horizontal bars, one per (label, count); the count is written after each bar."""
    # About 7 px per character at 13 px: the longest label decides the left margin.
    label_width = 16 + 7 * max((len(label) for label, _ in items), default=10)
    bar_width, row_height = 300, 26
    height = row_height * max(len(items), 1) + 10
    largest = max((count for _, count in items), default=0) or 1
    rows = []
    for i, (label, count) in enumerate(items):
        y = 5 + i * row_height
        length = round(bar_width * count / largest)
        share = f" ({percent(count / total)})" if total else ""
        rows.append(
            format_html(
                '<g class="bar"><text x="{lx}" y="{ty}" text-anchor="end" font-size="13" '
                'fill="{tf}">{label}</text>'
                '<rect x="{bx}" y="{y}" width="{bw}" height="18" fill="{ef}"></rect>'
                '<rect x="{bx}" y="{y}" width="{len}" height="18" fill="{bf}"></rect>'
                '<text x="{vx}" y="{ty}" font-size="13" fill="{tf}">{count}{share}</text></g>',
                lx=label_width - 8,
                ty=y + 14,
                label=label,
                bx=label_width,
                y=y,
                bw=bar_width,
                len=length,
                vx=label_width + bar_width + 6,
                count=f"{count:,}",
                share=share,
                tf=TEXT_FILL,
                ef=EMPTY_FILL,
                bf=BAR_FILL,
            )
        )
    desc = "; ".join(f"{label}: {count:,}" for label, count in items)
    return _frame(chart_id, title, desc, label_width + bar_width + 90, height, "".join(rows))


def histogram(chart_id: str, title: str, bins: Sequence[tuple[str, int]], axis: str) -> SafeString:
    """Vertical bars for consecutive bins, labelled under each bar, count above it."""
    left, top, plot_height, bar_step = 10, 20, 160, 46
    width = left * 2 + bar_step * max(len(bins), 1)
    height = top + plot_height + 50
    largest = max((count for _, count in bins), default=0) or 1
    bars = []
    for i, (label, count) in enumerate(bins):
        x = left + i * bar_step
        bar_height = round(plot_height * count / largest)
        bars.append(
            format_html(
                '<g class="bar"><rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{bf}">'
                "</rect>"
                '<text x="{cx}" y="{vy}" text-anchor="middle" font-size="12" fill="{tf}">'
                "{count}</text>"
                '<text x="{cx}" y="{ly}" text-anchor="middle" font-size="11" fill="{tf}">'
                "{label}</text></g>",
                x=x + 3,
                y=top + plot_height - bar_height,
                w=bar_step - 6,
                h=bar_height,
                cx=x + bar_step / 2,
                vy=top + plot_height - bar_height - 4,
                ly=top + plot_height + 16,
                count=f"{count:,}",
                label=label,
                bf=BAR_FILL,
                tf=TEXT_FILL,
            )
        )
    axis_label = format_html(
        '<text x="{x}" y="{y}" text-anchor="middle" font-size="12" fill="{tf}">{axis}</text>',
        x=width / 2,
        y=height - 8,
        axis=axis,
        tf=TEXT_FILL,
    )
    desc = "; ".join(f"{label}: {count:,}" for label, count in bins)
    return _frame(chart_id, title, desc, width, height, "".join(bars) + axis_label)


def heat_step(share: float | None) -> int:
    """Index into HEAT_STEPS for a share between 0 and 1 (None: not asked).

    >>> [heat_step(s) for s in (None, 0.0, 0.19, 0.2, 0.99, 1.0)]
    [0, 1, 1, 2, 5, 5]
    """
    if share is None:
        return 0
    return min(1 + int(share * 5), len(HEAT_STEPS) - 1)


def heat_map(
    chart_id: str,
    title: str,
    rows: Sequence[tuple[str, Sequence[float | None]]],
    columns: Sequence[str],
) -> SafeString:
    """A grid of shares: one row per activity, one column per scale, the share written in."""
    label_width = 16 + 7 * max((len(label) for label, _ in rows), default=10)
    cell_width, cell_height, top = 120, 30, 30
    width = label_width + cell_width * len(columns) + 10
    height = top + cell_height * len(rows) + 10
    header = format_html_join(
        "",
        '<text x="{}" y="20" text-anchor="middle" font-size="13" fill="'
        + TEXT_FILL
        + '">{}</text>',
        ((label_width + cell_width * j + cell_width / 2, name) for j, name in enumerate(columns)),
    )
    cells = []
    descriptions = []
    for i, (label, shares) in enumerate(rows):
        y = top + i * cell_height
        cells.append(
            format_html(
                '<text x="{x}" y="{y}" text-anchor="end" font-size="13" fill="{tf}">{label}</text>',
                x=label_width - 8,
                y=y + 20,
                label=label,
                tf=TEXT_FILL,
            )
        )
        parts = []
        for j, share in enumerate(shares):
            step = heat_step(share)
            text = "not asked" if share is None else percent(share)
            parts.append(f"{columns[j]} {text}")
            cells.append(
                format_html(
                    '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}" '
                    'stroke="#ffffff"></rect>'
                    '<text x="{cx}" y="{ty}" text-anchor="middle" font-size="13" '
                    'fill="{tf}">{text}</text>',
                    x=label_width + j * cell_width,
                    y=y,
                    w=cell_width,
                    h=cell_height,
                    fill=HEAT_STEPS[step],
                    cx=label_width + j * cell_width + cell_width / 2,
                    ty=y + 20,
                    tf="#ffffff" if step >= 4 else TEXT_FILL,
                    text=text,
                )
            )
        descriptions.append(f"{label}: {', '.join(parts)}")
    return _frame(chart_id, title, "; ".join(descriptions), width, height, header + "".join(cells))
