"""The body map of the PDF: both legs from the front and from behind, in SVG.

Drawn from numbers, not from an image: each leg is a silhouette given by its
half-width and centre line at a few heights, and each region of the
``regions`` item is the slice of that silhouette between two heights. Marked
regions are hatched (black lines on light grey) so that they survive a
black-and-white printer; the group where the problem started
(``first_region``) gets a heavy outline. "Left" and "Right" always mean the
runner's own sides, which the caption states, because in the front view the
runner's right leg is on the reader's left.

Only constants and numbers reach the markup, apart from translated labels,
which are escaped.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# (height, outer half-width, inner half-width) of one leg; heights run from the top
# of the hip (30) to the sole (400). Curves pass smoothly through these knots.
FRONT_PROFILE = (
    (30, 34, 22),
    (60, 33, 24),
    (110, 28, 21),
    (160, 23, 18),
    (200, 17, 15),
    (216, 16, 15),
    (240, 15, 14),
    (265, 17, 14),
    (300, 13, 11),
    (335, 10, 9),
    (352, 10, 9),
    (368, 13, 11),
    (385, 19, 14),
    (400, 20, 15),
)
BACK_PROFILE = (
    (30, 36, 22),
    (62, 37, 25),
    (95, 30, 22),
    (150, 24, 19),
    (200, 17, 15),
    (216, 16, 15),
    (240, 19, 16),
    (265, 20, 17),
    (300, 14, 12),
    (335, 9, 8),
    (352, 10, 9),
    (372, 12, 11),
    (392, 13, 11),
    (400, 12, 10),
)
SOLE = 400
SOLE_BULGE = 14  # how far the rounded end of the toes and of the heel reaches below SOLE
# (height, distance of the leg's centre line from the middle of the view)
CENTRE_LINE = ((30, 26), (200, 22), (400, 25))

# region code -> (view, top, bottom). Together the slices of each view cover the
# leg from hip to sole; ``knee`` (instrument version 2) is the band between thigh
# and shin, in both views, which version 1 drew unmarked.
REGION_SLICES: dict[str, tuple[tuple[str, float, float], ...]] = {
    "hip_front": (("front", 30, 85),),
    "quads": (("front", 85, 200),),
    "knee": (("front", 200, 232), ("back", 200, 232)),
    "shin": (("front", 232, 335),),
    "toes": (("front", 385, 400),),
    "glutes": (("back", 30, 95),),
    "hamstrings": (("back", 95, 200),),
    "calf": (("back", 232, 335),),
    "ankle": (("front", 335, 358), ("back", 335, 358)),
    "foot": (("front", 358, 385), ("back", 358, 400)),
}
# Unmarked parts of the silhouette that no region names, so the legs are always
# drawn whole (none since ``knee`` took the band between thigh and shin).
PLAIN_SLICES: tuple[tuple[str, float, float], ...] = ()
# first_region code -> the heights its heavy outline spans
FIRST_REGION_SPANS = {
    "hip_thigh": (30, 200),
    "calf_shin": (232, 335),
    "foot_ankle_toes": (335, 400),
}
FIRST_REGION_WORDS = {
    "hip_thigh": gettext_noop("hip and thigh"),
    "calf_shin": gettext_noop("calf and shin"),
    "foot_ankle_toes": gettext_noop("foot, ankle and toes"),
}

VIEW_WIDTH = 170
VIEW_GAP = 30
TOP = 42  # room for the view titles
HEIGHT = TOP + 400 + 42  # legs, then the leg labels


@dataclass(frozen=True)
class Leg:
    side: str  # the runner's own side: "left" or "right"
    view: str  # "front" or "back"

    @property
    def view_left(self) -> float:
        return 0 if self.view == "front" else VIEW_WIDTH + VIEW_GAP

    @property
    def on_viewers_left(self) -> bool:
        # Facing the runner, their right leg is on the reader's left; from behind, their left.
        return (self.side == "right") == (self.view == "front")

    def centre(self, y: float) -> float:
        offset = _interpolate(CENTRE_LINE, y)
        middle = self.view_left + VIEW_WIDTH / 2
        return middle - offset if self.on_viewers_left else middle + offset


def _interpolate(knots: Sequence[tuple[float, ...]], y: float, column: int = 1) -> float:
    """A smooth (Catmull-Rom) curve through the knots' ``column`` at height ``y``."""
    if y <= knots[0][0]:
        return knots[0][column]
    if y >= knots[-1][0]:
        return knots[-1][column]
    i = next(i for i in range(len(knots) - 1) if knots[i][0] <= y <= knots[i + 1][0])
    p0 = knots[max(i - 1, 0)][column]
    p1, p2 = knots[i][column], knots[i + 1][column]
    p3 = knots[min(i + 2, len(knots) - 1)][column]
    t = (y - knots[i][0]) / (knots[i + 1][0] - knots[i][0])
    return 0.5 * (
        2 * p1
        + (p2 - p0) * t
        + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t * t
        + (3 * p1 - p0 - 3 * p2 + p3) * t * t * t
    )


def _breaks(profile: Sequence[tuple[float, ...]], top: float, bottom: float) -> list[float]:
    """The heights where the outline's piecewise cubic changes: both ends and every knot
    of the profile and of the centre line in between."""
    knots = {y for y, *_ in profile} | {y for y, _ in CENTRE_LINE}
    return [top, *sorted(y for y in knots if top < y < bottom), bottom]


def _curve(x_at, heights: Sequence[float]) -> list[str]:
    """Cubic Bezier segments (``C``) following ``x_at(y)`` from ``heights[0]`` on.

    Between two breaks ``x_at`` is one cubic in ``y``, so the Bezier through its
    values at 0, 1/3, 2/3 and 1 of the way is the same curve, drawn with one
    segment instead of a dense polyline (fewer path commands for WeasyPrint to
    parse and paint).
    """
    commands = []
    for y0, y3 in zip(heights, heights[1:], strict=False):
        y1, y2 = y0 + (y3 - y0) / 3, y0 + 2 * (y3 - y0) / 3
        x0, x1, x2, x3 = (x_at(y) for y in (y0, y1, y2, y3))
        c1 = (-5 * x0 + 18 * x1 - 9 * x2 + 2 * x3) / 6
        c2 = (2 * x0 - 9 * x1 + 18 * x2 - 5 * x3) / 6
        commands.append(f"C{c1:.1f},{y1 + TOP:.1f} {c2:.1f},{y2 + TOP:.1f} {x3:.1f},{y3 + TOP:.1f}")
    return commands


@functools.cache
def _slice_path(leg: Leg, top: float, bottom: float) -> str:
    """The outline of the leg between two heights, as a closed SVG subpath.

    Pure geometry over a few dozen (leg, top, bottom) combinations, so each is
    computed once per process."""
    profile = FRONT_PROFILE if leg.view == "front" else BACK_PROFILE
    heights = _breaks(profile, top, bottom)
    # The outer edge is on the viewer's left for a leg drawn on the viewer's left.
    sign = -1 if leg.on_viewers_left else 1

    def outer(y: float) -> float:
        return leg.centre(y) + sign * _interpolate(profile, y, 1)

    def inner(y: float) -> float:
        return leg.centre(y) - sign * _interpolate(profile, y, 2)

    if bottom < SOLE:
        across = f"L{inner(bottom):.1f},{bottom + TOP:.1f}"
    else:
        # The toes (front) and the heel (back) end in a curve, not a cut.
        mid, reach = (outer(bottom) + inner(bottom)) / 2, bottom + TOP + SOLE_BULGE
        across = f"Q{mid:.1f},{reach:.1f} {inner(bottom):.1f},{bottom + TOP:.1f}"
    return " ".join(
        [
            f"M{outer(top):.1f},{top + TOP:.1f}",
            *_curve(outer, heights),
            across,
            *_curve(inner, heights[::-1]),
            "Z",
        ]
    )


def _trunk_path(view_left: float) -> str:
    """The lower trunk above both legs, ending in the crotch between them."""
    middle = view_left + VIEW_WIDTH / 2
    left, right = middle - 62, middle + 62
    return (
        f"M{left + 4:.1f},{TOP + 10:.1f} L{right - 4:.1f},{TOP + 10:.1f} "
        f"Q{right + 1:.1f},{TOP + 22:.1f} {right:.1f},{TOP + 36:.1f} "
        f"L{middle + 6:.1f},{TOP + 62:.1f} Q{middle:.1f},{TOP + 66:.1f} {middle - 6:.1f},"
        f"{TOP + 62:.1f} L{left:.1f},{TOP + 36:.1f} Q{left - 1:.1f},{TOP + 22:.1f} "
        f"{left + 4:.1f},{TOP + 10:.1f} Z"
    )


def _legs_for(side: str | None) -> tuple[str, ...]:
    if side in ("left", "right"):
        return (side,)
    return ("left", "right")


def _text(x: float, y: float, text: str, css: str, anchor: str = "middle") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="{css}">{escape(text)}</text>'
    )


def svg(regions: Iterable[str], first_region: str | None, side: str | None) -> SafeString:
    """The body map as inline SVG markup for the report template."""
    marked_regions = set(regions)
    affected = _legs_for(side)
    width = 2 * VIEW_WIDTH + VIEW_GAP
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {HEIGHT}" '
        f'class="bodymap" role="img" aria-label="{escape(_("Body map of both legs"))}">',
        # The PDF's Figure takes its alternate text from the SVG's <title>.
        f"<title>{escape(_('Body map of both legs'))}</title>",
        "<defs>"
        '<pattern id="hatch" width="7" height="7" patternUnits="userSpaceOnUse">'
        '<rect width="7" height="7" fill="#d0d0d0"/>'
        '<path d="M-1,1 L1,-1 M0,7 L7,0 M6,8 L8,6" stroke="#000" stroke-width="1.6"/>'
        "</pattern></defs>",
    ]
    # Each kind of outline is one compound path: WeasyPrint paints the hatch
    # pattern once per path that uses it, not once per region.
    trunks, plain, marked, first, labels = [], [], [], [], []
    for view, title in (("front", _("Front")), ("back", _("Back"))):
        left = 0 if view == "front" else VIEW_WIDTH + VIEW_GAP
        labels.append(_text(left + VIEW_WIDTH / 2, 15, title, "bm-title"))
        seen_from = _("facing the runner") if view == "front" else _("from behind")
        labels.append(_text(left + VIEW_WIDTH / 2, 32, seen_from, "bm-sub"))
        trunks.append(_trunk_path(left))
        for leg_side in ("right", "left"):
            leg = Leg(leg_side, view)
            is_affected = leg_side in affected
            for region, slices in REGION_SLICES.items():
                for region_view, top, bottom in slices:
                    if region_view == view:
                        shaded = is_affected and region in marked_regions
                        (marked if shaded else plain).append(_slice_path(leg, top, bottom))
            for plain_view, top, bottom in PLAIN_SLICES:
                if plain_view == view:
                    plain.append(_slice_path(leg, top, bottom))
            if is_affected and first_region in FIRST_REGION_SPANS:
                first.append(_slice_path(leg, *FIRST_REGION_SPANS[first_region]))
            label_x = leg.centre(400) + (-5 if leg.on_viewers_left else 5)
            label = _("Right") if leg_side == "right" else _("Left")
            labels.append(_text(label_x, TOP + 400 + 21, label, "bm-leg"))
            if is_affected and side in ("left", "right"):
                labels.append(_text(label_x, TOP + 400 + 38, _("affected"), "bm-affected"))
        if side == "both":
            # One line under the pair: a word under each leg would run into the other.
            centre = left + VIEW_WIDTH / 2
            labels.append(_text(centre, TOP + 400 + 38, _("both affected"), "bm-affected"))
    parts.append(f'<path d="{" ".join(trunks)}" fill="#ffffff" stroke="#333" stroke-width="0.7"/>')
    if plain:
        parts.append(
            f'<path d="{" ".join(plain)}" class="bm-plain" fill="#ffffff" stroke="#333" '
            'stroke-width="0.7"/>'
        )
    if marked:
        parts.append(
            f'<path d="{" ".join(marked)}" class="bm-marked" fill="url(#hatch)" stroke="#333" '
            'stroke-width="1.1"/>'
        )
    if first:
        parts.append(
            f'<path d="{" ".join(first)}" fill="none" stroke="#000" stroke-width="3.6" '
            'stroke-linejoin="round" class="bm-first"/>'
        )
    parts.extend(labels)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - numbers, constants and escaped labels only


def legend_first_region(first_region: str | None) -> str:
    if first_region in FIRST_REGION_WORDS:
        return _(FIRST_REGION_WORDS[first_region])
    return _("not known")
