"""The body map's labels and shapes, read back from its SVG."""

import re
import xml.etree.ElementTree as ET

import pytest

from report import bodymap

SVG = "{http://www.w3.org/2000/svg}"


def labels(side: str | None) -> list[tuple[str, float, str]]:
    """(class, x, text) of every label, in drawing order."""
    root = ET.fromstring(str(bodymap.svg(["calf"], "calf_shin", side)))
    return [(t.get("class"), float(t.get("x")), t.text) for t in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("side", ["left", "right"])
def test_one_affected_leg_is_labelled_under_that_leg_in_each_view(side):
    texts = labels(side)
    affected = [x for css, x, text in texts if css == "bm-affected"]
    leg_name = "Left" if side == "left" else "Right"
    under = [x for css, x, text in texts if css == "bm-leg" and text == leg_name]
    assert [text for css, _, text in texts if css == "bm-affected"] == ["affected", "affected"]
    assert affected == under


def test_both_legs_get_one_label_under_the_pair_not_two_that_collide():
    texts = labels("both")
    assert [text for css, _, text in texts if css == "bm-affected"] == ["both affected"] * 2
    centres = [bodymap.VIEW_WIDTH / 2, bodymap.VIEW_WIDTH * 1.5 + bodymap.VIEW_GAP]
    assert [x for css, x, _ in texts if css == "bm-affected"] == centres


@pytest.mark.parametrize("side", ["unsure", None])
def test_no_leg_is_called_affected_when_the_side_is_not_known(side):
    assert not [text for css, _, text in labels(side) if css == "bm-affected"]


def points(path: str) -> list[tuple[float, float]]:
    """Every coordinate pair in an SVG path, control points included."""
    return [(float(x), float(y)) for x, y in re.findall(r"(-?[\d.]+),(-?[\d.]+)", path)]


@pytest.mark.parametrize("view", ["front", "back"])
def test_each_leg_ends_in_a_foot_with_a_rounded_end_not_a_cut(view):
    # A clinician reads "foot" and "toes" off the drawing, so the leg must show them.
    leg = bodymap.Leg("left", view)
    ankle = points(bodymap._slice_path(leg, 335, 358))
    foot = points(bodymap._slice_path(leg, 358, bodymap.SOLE))

    def width(pts):
        xs = [x for x, _ in pts]
        return max(xs) - min(xs)

    assert width(foot) > width(ankle) * (1.5 if view == "front" else 1.1)
    sole_y = bodymap.TOP + bodymap.SOLE
    assert max(y for _, y in foot) > sole_y  # the end bulges below the last cut
    assert max(y for _, y in ankle) <= sole_y
