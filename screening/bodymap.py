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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# (height, half-width) of one leg; heights run from the top of the hip (30) to the sole.
FRONT_PROFILE = (
    (30, 31),
    (85, 27),
    (150, 22),
    (200, 17),
    (216, 16),
    (232, 15),
    (262, 15),
    (335, 9),
    (358, 9),
    (376, 13),
    (400, 15),
)
BACK_PROFILE = (
    (30, 34),
    (70, 33),
    (95, 27),
    (150, 22),
    (200, 17),
    (216, 16),
    (232, 17),
    (262, 19),
    (300, 13),
    (335, 8),
    (358, 9),
    (385, 12),
    (400, 11),
)
# (height, distance of the leg's centre line from the middle of the view)
CENTRE_LINE = ((30, 33), (200, 24), (400, 22))

# region code -> (view, top, bottom)
REGION_SLICES: dict[str, tuple[tuple[str, float, float], ...]] = {
    "hip_front": (("front", 30, 85),),
    "quads": (("front", 85, 200),),
    "shin": (("front", 232, 335),),
    "toes": (("front", 385, 400),),
    "glutes": (("back", 30, 95),),
    "hamstrings": (("back", 95, 200),),
    "calf": (("back", 232, 335),),
    "ankle": (("front", 335, 358), ("back", 335, 358)),
    "foot": (("front", 358, 385), ("back", 358, 400)),
}
# Unmarked parts of the silhouette, so the legs are always drawn whole.
PLAIN_SLICES = (
    ("front", 200, 232),
    ("back", 200, 232),
)
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
TOP = 40  # room for the view titles
HEIGHT = TOP + 400 + 58  # legs, then the leg labels


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


def _interpolate(knots: Sequence[tuple[float, float]], y: float) -> float:
    for (y0, v0), (y1, v1) in zip(knots, knots[1:], strict=False):
        if y0 <= y <= y1:
            return v0 + (v1 - v0) * (y - y0) / (y1 - y0)
    return knots[-1][1] if y > knots[-1][0] else knots[0][1]


def _heights(top: float, bottom: float, profile: Sequence[tuple[float, float]]) -> list[float]:
    inner = [y for y, _w in profile if top < y < bottom]
    steps = [top + (bottom - top) * i / 8 for i in range(9)]
    return sorted(set(inner + steps))


def _slice_path(leg: Leg, top: float, bottom: float) -> str:
    profile = FRONT_PROFILE if leg.view == "front" else BACK_PROFILE
    heights = _heights(top, bottom, profile)
    left = [(leg.centre(y) - _interpolate(profile, y), y) for y in heights]
    right = [(leg.centre(y) + _interpolate(profile, y), y) for y in reversed(heights)]
    points = left + right
    head = f"M{points[0][0]:.1f},{points[0][1] + TOP:.1f}"
    rest = " ".join(f"L{x:.1f},{y + TOP:.1f}" for x, y in points[1:])
    return f"{head} {rest} Z"


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
    marked = set(regions)
    affected = _legs_for(side)
    width = 2 * VIEW_WIDTH + VIEW_GAP
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {HEIGHT}" '
        f'class="bodymap" role="img" aria-label="{escape(_("Body map of both legs"))}">',
        "<defs>"
        '<pattern id="hatch" width="7" height="7" patternUnits="userSpaceOnUse">'
        '<rect width="7" height="7" fill="#d0d0d0"/>'
        '<path d="M-1,1 L1,-1 M0,7 L7,0 M6,8 L8,6" stroke="#000" stroke-width="1.6"/>'
        "</pattern></defs>",
    ]
    for view, title in (("front", _("Front")), ("back", _("Back"))):
        left = 0 if view == "front" else VIEW_WIDTH + VIEW_GAP
        parts.append(_text(left + VIEW_WIDTH / 2, 16, title, "bm-title"))
        seen_from = _("facing the runner") if view == "front" else _("from behind")
        parts.append(_text(left + VIEW_WIDTH / 2, 30, seen_from, "bm-sub"))
        for leg_side in ("right", "left"):
            leg = Leg(leg_side, view)
            is_affected = leg_side in affected
            for region, slices in REGION_SLICES.items():
                for region_view, top, bottom in slices:
                    if region_view != view:
                        continue
                    shaded = is_affected and region in marked
                    css = "bm-marked" if shaded else "bm-plain"
                    fill = "url(#hatch)" if shaded else "#ffffff"
                    parts.append(
                        f'<path d="{_slice_path(leg, top, bottom)}" class="{css}" fill="{fill}" '
                        f'stroke="#333" stroke-width="{1.1 if shaded else 0.7}"/>'
                    )
            for plain_view, top, bottom in PLAIN_SLICES:
                if plain_view == view:
                    parts.append(
                        f'<path d="{_slice_path(leg, top, bottom)}" fill="#ffffff" '
                        'stroke="#333" stroke-width="0.7"/>'
                    )
            if is_affected and first_region in FIRST_REGION_SPANS:
                top, bottom = FIRST_REGION_SPANS[first_region]
                parts.append(
                    f'<path d="{_slice_path(leg, top, bottom)}" fill="none" stroke="#000" '
                    'stroke-width="3.6" stroke-linejoin="round" class="bm-first"/>'
                )
            label_x = leg.centre(400)
            label = _("Right") if leg_side == "right" else _("Left")
            parts.append(_text(label_x, TOP + 400 + 20, label, "bm-leg"))
            if is_affected and side in ("left", "right", "both"):
                parts.append(_text(label_x, TOP + 400 + 36, _("affected"), "bm-affected"))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - numbers, constants and escaped labels only


def legend_first_region(first_region: str | None) -> str:
    if first_region in FIRST_REGION_WORDS:
        return _(FIRST_REGION_WORDS[first_region])
    return _("not known")
