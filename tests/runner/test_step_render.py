"""Blank step forms are laid out once per worker; forms holding answers never are."""

import re

import pytest
from crispy_forms.utils import render_crispy_form

from runner import views
from runner.forms import FORMS


@pytest.mark.parametrize("step_id", ["limits", "symptoms", "care"])
def test_a_remembered_blank_form_is_exactly_crispys_layout(step_id):
    views._blank_forms.clear()
    first = views.form_html(FORMS[step_id](), {})
    again = views.form_html(FORMS[step_id](), {})
    assert first == again == render_crispy_form(FORMS[step_id]())
    assert len(views._blank_forms) == 1


def test_a_form_with_answers_is_never_remembered():
    views._blank_forms.clear()
    saved = {"worst_easy_road": "cannot"}
    html = views.form_html(FORMS["limits"](saved=saved), saved)
    assert '<option value="cannot" selected>' in html  # the grid's drop-downs
    assert views._blank_forms == {}


def test_the_remembered_form_holds_no_answer_of_an_earlier_runner():
    views._blank_forms.clear()
    saved = {"faster_worse": "yes"}
    views.form_html(FORMS["triggers"](saved=saved), saved)
    blank = views.form_html(FORMS["triggers"](), {})
    assert "checked" not in blank


def test_the_asked_fields_follow_answers_of_other_steps():
    """prior_diagnosis (care) depends on the care step's own answers, so it is
    always sent; pain_before depends on its own step too. A form built from saved
    answers asks exactly StepForm.asked_fields(saved), the key of the memo."""
    for step_id, form_class in FORMS.items():
        for saved in ({}, {"pain_level": 0, "exam_ortho": "not_examined"}):
            assert tuple(form_class(saved=saved).fields) == form_class.asked_fields(saved), step_id


@pytest.mark.django_db
def test_a_step_served_from_the_memo_is_the_same_page(client):
    """The second GET of a blank step comes from the memo and gives the same HTML."""
    from django.test import override_settings

    from tests.journey_helpers import STEP_POSTS

    views._blank_forms.clear()
    for step_id in ("safety", "about", "symptoms", "exclusions", "triggers", "course", "care"):
        client.post(f"/step/{step_id}/", STEP_POSTS[step_id])
    with override_settings(DEBUG=False):
        first = client.get("/step/limits/").content.decode()
        assert views._blank_forms
        second = client.get("/step/limits/").content.decode()
    token = 'name="csrfmiddlewaretoken" value="'

    def without_token(page: str) -> str:
        head, _, tail = page.partition(token)
        return head + tail.partition('"')[2]

    assert without_token(first) == without_token(second)
    assert "worst_easy_trails" in second


def test_the_remembered_option_parts_hold_no_answer_and_show_each_runners_own():
    from runner import forms

    forms._option_parts.clear()
    first = {"faster_worse": "yes", "sensations": ["aching", "weakness"]}
    second = {"faster_worse": "unsure"}
    for saved in (first, second):
        html = render_crispy_form(FORMS["triggers"](saved=saved))
        checked = re.findall(r'name="faster_worse" value="(\w+)" id="[^"]+" checked', html)
        assert checked == [saved["faster_worse"]]
    html = render_crispy_form(FORMS["symptoms"](saved=first))
    assert re.findall(r'name="sensations" value="(\w+)" id="[^"]+" checked', html) == [
        "aching",
        "weakness",
    ]
    remembered = repr(forms._option_parts)
    assert forms._option_parts and "checked" not in remembered
