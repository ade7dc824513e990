"""Blank step forms are laid out once per worker; forms holding answers never are."""

import pytest
from crispy_forms.utils import render_crispy_form

from screening import views
from screening.forms import FORMS


@pytest.mark.parametrize("step_id", ["limits", "symptoms", "care"])
def test_a_remembered_blank_form_is_exactly_crispys_layout(step_id):
    views._blank_forms.clear()
    first = views.form_html(FORMS[step_id]())
    again = views.form_html(FORMS[step_id]())
    assert first == again == render_crispy_form(FORMS[step_id]())
    assert len(views._blank_forms) == 1


def test_a_form_with_answers_is_never_remembered():
    views._blank_forms.clear()
    html = views.form_html(FORMS["limits"](saved={"worst_easy_road": "cannot"}))
    assert "checked" in html
    assert views._blank_forms == {}


def test_the_remembered_form_holds_no_answer_of_an_earlier_runner():
    views._blank_forms.clear()
    views.form_html(FORMS["triggers"](saved={"faster_worse": "yes"}))
    blank = views.form_html(FORMS["triggers"]())
    assert "checked" not in blank
