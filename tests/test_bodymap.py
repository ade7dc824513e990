"""The body map's labels, read back from its SVG."""

import xml.etree.ElementTree as ET

import pytest

from screening import bodymap

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
