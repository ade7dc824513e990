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


# Widths of text in px, generous (a capital or a "m" is wider than the mean) so that no
# label is clipped at the chart's edge.
LABEL_PX = 7.5
SMALL_PX = 7
HIDDEN_TEXT = "suppressed"


def text_width(text: str, px: float = LABEL_PX) -> int:
    """Room for ``text`` at 13 px, rounded up.

    >>> text_width("Hip or thigh")
    90
    """
    return int(len(text) * px + 0.999)


def _value_text(count: int | None, total: int | None) -> str:
    """The words after a bar: the count and its share of n, or that it is hidden.

    >>> [_value_text(c, t) for c, t in ((25, 100), (None, 100), (0, None))]
    ['25 (25%)', 'suppressed', '0']
    """
    if count is None:
        return HIDDEN_TEXT
    share = f" ({percent(count / total)})" if total else ""
    return f"{count:,}{share}"


def _bar_length(count: int | None, total: int | None, full: int) -> int:
    """A bar's length: its count as a share of n (not of the largest bar).

    >>> [_bar_length(c, t, 300) for c, t in ((50, 100), (None, 100), (3, None), (100, 100))]
    [150, 0, 0, 300]
    """
    if count is None or not total:
        return 0
    return round(full * count / total)


def bar_rows(
    items: Sequence[tuple[str, int | None, int | None]], label_width: int, bar_width: int, top: int
) -> tuple[str, int]:
    """One horizontal bar per (label, count, n) from ``top`` down; returns (svg, bottom)."""
    row_height = 26
    rows = []
    for i, (label, count, total) in enumerate(items):
        y = top + i * row_height
        rows.append(
            format_html(
                '<g class="bar"><text x="{lx}" y="{ty}" text-anchor="end" font-size="13" '
                'fill="{tf}">{label}</text>'
                '<rect x="{bx}" y="{y}" width="{bw}" height="18" fill="{ef}"></rect>'
                '<rect x="{bx}" y="{y}" width="{len}" height="18" fill="{bf}"></rect>'
                '<text x="{vx}" y="{ty}" font-size="13" fill="{tf}">{value}</text></g>',
                lx=label_width - 8,
                ty=y + 14,
                label=label,
                bx=label_width,
                y=y,
                bw=bar_width,
                len=_bar_length(count, total, bar_width),
                vx=label_width + bar_width + 6,
                value=_value_text(count, total),
                tf=TEXT_FILL,
                ef=EMPTY_FILL,
                bf=BAR_FILL,
            )
        )
    return "".join(rows), top + row_height * len(items)


def bar_chart(
    chart_id: str, title: str, items: Sequence[tuple[str, int | None]], total: int | None = None
) -> SafeString:
    """Horizontal bars, one per (label, count), each as long as its share of ``total`` (n).

    The bars are scaled to n, so a bar at half the width is half the runners,
    whatever the other bars; a suppressed count (None) has no bar and says so.
    """
    label_width = 16 + max((text_width(label) for label, _ in items), default=80)
    value_width = 16 + max(
        (text_width(_value_text(count, total)) for _, count in items), default=40
    )
    bar_width = 300
    body, bottom = bar_rows(
        [(label, count, total) for label, count in items], label_width, bar_width, 5
    )
    desc = "; ".join(f"{label}: {_value_text(count, total)}" for label, count in items)
    if total:
        desc += f". Bars are drawn as a share of all {total:,} submissions."
    return _frame(chart_id, title, desc, label_width + bar_width + value_width, bottom + 10, body)


def grouped_bar_chart(
    chart_id: str,
    title: str,
    groups: Sequence[tuple[str, Sequence[tuple[str, int | None, int | None]]]],
) -> SafeString:
    """Bars in labelled groups (a cross-tab's rows, a comparison's values), each bar scaled
    to its own n: a row total, or the size of group A or B."""
    every = [bar for _, bars in groups for bar in bars]
    label_width = 16 + max((text_width(label) for label, _, _ in every), default=80)
    heading_width = max((text_width(name, 8) for name, _ in groups), default=0)
    value_width = 16 + max(
        (text_width(_value_text(count, total)) for _, count, total in every), default=40
    )
    bar_width = 260
    width = max(label_width + bar_width + value_width, heading_width + 16)
    parts = []
    y = 5
    descriptions = []
    for name, bars in groups:
        parts.append(
            format_html(
                '<text x="4" y="{y}" font-size="13" font-weight="bold" fill="{tf}">{name}</text>',
                y=y + 14,
                name=name,
                tf=TEXT_FILL,
            )
        )
        body, y = bar_rows(bars, label_width, bar_width, y + 22)
        parts.append(body)
        y += 8
        descriptions.append(
            f"{name}: "
            + ", ".join(f"{label} {_value_text(count, total)}" for label, count, total in bars)
        )
    return _frame(chart_id, title, "; ".join(descriptions), width, y + 5, "".join(parts))


def histogram(
    chart_id: str,
    title: str,
    bins: Sequence[tuple[str, int | None]],
    axis: str,
    total: int | None = None,
) -> SafeString:
    """Vertical bars for consecutive bins, labelled under each bar, count above it.

    With ``total`` (n), a bar's height is its share of n, not of the tallest bar.
    """
    bar_step = max(56, 8 + max((text_width(label, SMALL_PX) for label, _ in bins), default=0))
    left, top, plot_height = 10, 20, 160
    axis_width = text_width(axis, SMALL_PX) + 20
    width = max(left * 2 + bar_step * max(len(bins), 1), axis_width)
    height = top + plot_height + 50
    scale = total or max((count or 0 for _, count in bins), default=0) or 1
    bars = []
    for i, (label, count) in enumerate(bins):
        x = left + i * bar_step
        bar_height = round(plot_height * (count or 0) / scale)
        bars.append(
            format_html(
                '<g class="bar"><rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{bf}">'
                "</rect>"
                '<text x="{cx}" y="{vy}" text-anchor="middle" font-size="11" fill="{tf}">'
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
                count=HIDDEN_TEXT if count is None else f"{count:,}",
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
    desc = "; ".join(f"{label}: {_value_text(count, None)}" for label, count in bins)
    return _frame(chart_id, title, desc, width, height, "".join(bars) + axis_label)


def standalone(svg: str) -> str:
    r"""A chart as a file of its own (an SVG download): the XML declaration added.

    >>> standalone("<svg></svg>")
    '<?xml version="1.0" encoding="UTF-8"?>\n<svg></svg>\n'
    """
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{svg}\n'


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
