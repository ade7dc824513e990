"""One plain form per step of the questionnaire.

Fields are built from ``instrument.py`` (codes, ranges, requirements) and
``questions.py`` (words). ``clean_<field>`` converts, ``clean()`` relates
fields with stable error codes, and every step's answers are finally run
through ``instrument.validate`` so that the form can never accept what the
contract refuses.

crispy-forms only lays the steps out (``StepForm.helper``): the order of the
questions, the wrapper of each (its anchor, its display condition for
``static/js/journey.js``), the fieldsets of the limits grid.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cached_property
from typing import Any, ClassVar

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, LayoutObject
from crispy_forms.utils import TEMPLATE_PACK, render_field
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.template import Context
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from runner.journey import STEP_BY_ID, normalize_code
from screening import questions
from screening.instrument import (
    EXCLUSIVE_CODES,
    ITEMS,
    LIMIT_ACTIVITIES,
    TESTS,
    TEXT_MAX_LENGTH,
    AnswersInvalid,
    ErrorCode,
    Item,
    Kind,
    validate,
)

# A list of at least COLUMN_MIN answers, none longer than COLUMN_LABEL characters,
# is laid out in two columns on a phone (a column holds about 17 a line).
COLUMN_LABEL = 52
COLUMN_MIN = 3

# Our own field templates for a question (why: ``Question``).
CHOICES_TEMPLATE = "runner/crispy/choices.html"
INPUT_TEMPLATE = "runner/crispy/input.html"


def _required_message(item_id: str, kind: Kind) -> Any:
    if item_id in questions.REQUIRED_MESSAGES:
        return questions.REQUIRED_MESSAGES[item_id]
    if kind is Kind.MULTI:
        return _("Choose at least one answer")
    return _("Choose an answer") if kind is Kind.ENUM else _("Enter a whole number")


def numeric_input() -> forms.TextInput:
    """A text box with the numeric keypad (GOV.UK's advice for whole numbers).

    type="number" would change the answer under a mouse wheel or an arrow key and
    send nothing for "12a"; the field's own checks give the message instead.
    """
    return forms.TextInput(
        attrs={"inputmode": "numeric", "pattern": "[0-9]*", "class": "input-short"}
    )


def field_for(item: Item) -> forms.Field:
    """The form field asking one item of the instrument."""
    common: dict[str, Any] = {
        "label": questions.label(item.id),
        "help_text": questions.help_text(item.id),
        "required": item.required,
        "error_messages": {"required": _required_message(item.id, item.kind)},
    }
    if item.kind is Kind.ENUM:
        return forms.ChoiceField(
            choices=questions.choices(item.id), widget=forms.RadioSelect, **common
        )
    if item.kind is Kind.MULTI:
        return forms.MultipleChoiceField(
            choices=questions.choices(item.id), widget=forms.CheckboxSelectMultiple, **common
        )
    if item.kind is Kind.INT:
        assert item.min is not None and item.max is not None
        range_message = _("Enter a whole number from %(low)d to %(high)d") % {
            "low": item.min,
            "high": item.max,
        }
        common["error_messages"].update(
            {"invalid": range_message, "min_value": range_message, "max_value": range_message}
        )
        return forms.IntegerField(
            min_value=item.min, max_value=item.max, widget=numeric_input(), **common
        )
    common["error_messages"]["max_length"] = _("Enter %(limit_value)d characters or fewer")
    return TextField(
        max_length=TEXT_MAX_LENGTH, strip=False, widget=forms.Textarea(attrs={"rows": 5}), **common
    )


NULL_CHARACTER = _(
    "This text holds an invisible character that cannot be saved (a null character, "
    "which some copied text brings along). Delete the last thing you pasted and type "
    "it instead."
)


class TextField(forms.CharField):
    """Free text, with line breaks counted as the browser counts them.

    A browser sends each line break as CR LF but counts it as one character
    (so does journey.js's count); so does the server, by keeping LF only.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Django's own message ("Null characters are not allowed.") means nothing to a runner.
        self.validators = [
            ProhibitNullCharactersValidator(message=NULL_CHARACTER)
            if isinstance(v, ProhibitNullCharactersValidator)
            else v
            for v in self.validators
        ]

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        # No maxlength: a browser cuts a long paste to it without a word. The
        # server refuses too long a text and shows all of it again; journey.js
        # counts what is left as the runner types (GOV.UK's character count).
        limit = attrs.pop("maxlength", None)
        if limit is not None:
            attrs["data-maxlength"] = limit
            # One and other forms, as English needs; journey.js picks by the number.
            attrs["data-count-left-one"] = _("You have 1 character left")
            attrs["data-count-left"] = _("You have %(n)s characters left")
            attrs["data-count-over-one"] = _("You have 1 character too many")
            attrs["data-count-over"] = _("You have %(n)s characters too many")
        return attrs

    def to_python(self, value: Any) -> str | None:
        text = super().to_python(value)
        if not text.strip():
            # Only spaces and line breaks: not an answer (as instrument.validate has it).
            return self.empty_value
        return text.replace("\r\n", "\n")


# Per form class, field, language and state (required, invalid): each option's
# HTML before and after its " checked". Choices and labels only, never an answer,
# so nothing a runner chose is kept; a few hundred entries at most.
_option_parts: dict[tuple[Any, ...], tuple[tuple[str, str, str], ...]] = {}


def _options_html(bound: forms.BoundField, *, required: bool) -> SafeString:
    """A radio or checkbox group's options, as crispy's ``optgroups`` filter lists them.

    Written here rather than by a loop in the template, and from remembered
    parts: 18 groups of 4 options laid out afresh were most of the limits
    step's render time.
    """
    widget = bound.field.widget
    invalid = bool(bound.errors)
    key = (type(bound.form), bound.html_name, bound.auto_id, get_language(), required, invalid)
    parts = _option_parts.get(key)
    if parts is None:
        id_ = widget.attrs.get("id") or bound.auto_id
        attrs = bound.build_widget_attrs({"id": id_} if id_ else {})
        flags = (" required" if required else "") + (' aria-invalid="true"' if invalid else "")
        parts = tuple(
            (
                str(option["value"]),
                format_html(
                    '<div class="form-check"><input type="{}" class="form-check-input" '
                    'name="{}" value="{}" id="{}"',
                    option["type"],
                    bound.html_name,
                    option["value"],
                    option["attrs"]["id"],
                ),
                format_html(
                    '{}><label class="form-check-label" for="{}">{}</label></div>',
                    mark_safe(flags),  # noqa: S308 - fixed attribute names only
                    option["attrs"]["id"],
                    option["label"],
                ),
            )
            for _group, options, _index in widget.optgroups(bound.html_name, [], attrs)
            for option in options
        )
        _option_parts[key] = parts
    chosen = set(widget.format_value(bound.value()))
    return mark_safe(  # noqa: S308 - the parts were escaped by format_html
        "\n".join(
            f"{head}{' checked' if value in chosen else ''}{tail}" for value, head, tail in parts
        )
    )


def _classes(*names: str) -> str:
    """CSS class names once each, in order (a widget may be rendered more than once)."""
    return " ".join(dict.fromkeys(" ".join(names).split()))


class Question(Field):
    """One question, in our field template (``CHOICES_TEMPLATE`` or ``INPUT_TEMPLATE``).

    crispy-bootstrap5's ``field.html`` puts the hint and the error after the
    control (a group's error inside its last option), marks a required answer
    with a bare "*", has no "(optional)" and no place for a condition's hint. Ours
    keep GOV.UK's order (label or legend, hints, error, control), with
    aria-describedby naming each of them. A text box is rendered by Django with
    the attributes set here, as crispy's ``Field`` does; a group's options are
    written by ``_options_html`` from the widget's optgroups, as crispy's filter
    gives them to its templates.
    """

    def __init__(
        self,
        name: str,
        *,
        template: str,
        legend: Any = "",
        inline: bool = False,
        columns: bool = False,
        condition_hint: Any = "",
    ):
        super().__init__(name, template=template)
        self.name = name
        self.legend = legend
        self.inline = inline
        self.columns = columns
        self.condition_hint = condition_hint

    def render(
        self,
        form: forms.BaseForm,
        context: Context,
        template_pack: str = TEMPLATE_PACK,
        extra_context: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> SafeString:
        bound = form[self.name]
        parts = [
            ("condition", self.condition_hint),
            ("hint", bound.help_text),
            ("error", bound.errors),
        ]
        described = " ".join(f"{self.name}-{part}" for part, shown in parts if shown)
        attrs = None  # a group: the template writes each option; the fieldset is described
        if not bound.use_fieldset:
            invalid = "is-invalid" if bound.errors else ""
            widget_class = bound.field.widget.attrs.get("class", "")
            attrs = {"class": _classes(widget_class, "form-control", invalid)}
            if described:
                attrs["aria-describedby"] = described
        # As Django decides it: radios of a required question, never checkboxes.
        required = "required" in bound.build_widget_attrs({})
        extra = {
            **(extra_context or {}),
            "required": required,
            "options_html": _options_html(bound, required=required) if attrs is None else "",
            "legend": self.legend or bound.label,
            "inline": self.inline,
            "columns": self.columns,
            "condition_hint": self.condition_hint,
            "describedby": described,
        }
        return render_field(
            self.name,
            form,
            context,
            template=self.template,
            attrs=attrs,
            template_pack=template_pack,
            extra_context=extra,
            **kwargs,
        )


class StepForm(forms.Form):
    """A step's questions; ``answers()`` gives item id -> clean value (None: unanswered)."""

    step_id: ClassVar[str]
    # Items asked through other fields than their own (item id -> field names).
    asked_by: ClassVar[dict[str, tuple[str, ...]]] = {}

    def __init__(self, *args: Any, saved: Mapping[str, Any] | None = None, **kwargs: Any):
        saved = saved or {}
        kwargs.setdefault("initial", self.initial_from(saved))
        super().__init__(*args, **kwargs)
        asked = self.asked_fields(saved)
        for field_name in list(self.fields):
            if field_name not in asked:
                del self.fields[field_name]

    @classmethod
    def asked_fields(cls, saved: Mapping[str, Any]) -> tuple[str, ...]:
        """The fields this step asks given the answers saved so far. A condition on
        answers of other steps is decided here, on the server; one on this step's
        own answers is left to the page (and to drop_hidden when saving)."""
        asked = []
        for field_name in cls.base_fields:
            item = ITEMS.get(field_name)
            off_step = item and item.shown_when and not cls._condition_on_this_step(item)
            if not (off_step and not item.is_shown(saved)):
                asked.append(field_name)
        return tuple(asked)

    @property
    def item_ids(self) -> tuple[str, ...]:
        return STEP_BY_ID[self.step_id].item_ids

    @classmethod
    def _condition_on_this_step(cls, item: Item) -> bool:
        step_items = STEP_BY_ID[cls.step_id].item_ids
        return any(when.item_id in step_items for when in item.shown_when)

    @classmethod
    def initial_from(cls, saved: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in saved.items() if k in STEP_BY_ID[cls.step_id].item_ids}

    def shown_when(self, field_name: str) -> str:
        """The display condition as JSON for the page's script, from instrument.py."""
        item = ITEMS.get(field_name)
        if not item or not item.shown_when or not self._condition_on_this_step(item):
            return ""
        return json.dumps(
            [{"item": w.item_id, "op": str(w.op), "value": w.value} for w in item.shown_when]
        )

    @cached_property
    def helper(self) -> FormHelper:
        """crispy's layout of the step; read when the page is rendered, after validation."""
        helper = FormHelper()
        # step.html holds the <form>, its CSRF token, the hidden "return" and the buttons.
        helper.form_tag = False
        helper.disable_csrf = True
        # A problem with the whole step is listed in step.html's problem box; crispy
        # would print it a second time above the questions. Each question shows its
        # own errors (runner/crispy/), whatever this says.
        helper.form_show_errors = False
        helper.layout = Layout(*self.layout_objects())
        return helper

    def layout_objects(self) -> list[LayoutObject]:
        return [self.question(name) for name in self.fields]

    def question(self, name: str, *, legend: Any = "", inline: bool | None = None) -> Div:
        """A question in its wrapper: the anchor of Change links, the display condition."""
        field = self.fields[name]
        group = field.widget.use_fieldset
        if inline is None:
            inline = group and field.widget.input_type == "radio" and len(field.choices) <= 3
        # Short answers go in two columns where two fit; long ones one a line.
        labels = [str(label) for _code, label in field.choices] if group else []
        columns = (
            not inline
            and len(labels) >= COLUMN_MIN
            and all(len(label) <= COLUMN_LABEL for label in labels)
        )
        shown_when = self.shown_when(name)
        return Div(
            Question(
                name,
                template=CHOICES_TEMPLATE if group else INPUT_TEMPLATE,
                legend=legend,
                inline=inline,
                columns=columns,
                condition_hint=questions.CONDITION_HINTS.get(name, ""),
            ),
            css_id=f"field-{name}",
            css_class=_classes("question mb-4", "has-error" if self[name].errors else ""),
            **({"data_shown_when": shown_when} if shown_when else {}),
        )

    def _value(self, item_id: str) -> Any:
        value = self.cleaned_data.get(item_id)
        return None if value in ("", [], None) else value

    def answers(self) -> dict[str, Any]:
        return {item_id: self._value(item_id) for item_id in self.item_ids}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, field in self.fields.items():
            if not isinstance(field, forms.MultipleChoiceField):
                continue
            chosen = cleaned.get(name) or []
            exclusive = EXCLUSIVE_CODES.intersection(chosen)
            if exclusive and len(chosen) > 1:
                only = questions.code_label(name, sorted(exclusive)[0])
                message = _("“%(only)s” cannot be chosen with other answers") % {"only": only}
                self.add_error(name, ValidationError(message, code=ErrorCode.EXCLUSIVE_MIXED))
        self.relate(cleaned)
        self._agree_with_instrument()
        return cleaned

    def relate(self, cleaned: dict[str, Any]) -> None:
        """Checks between fields of the step; add_error with a stable code."""

    def _agree_with_instrument(self) -> None:
        """Whatever the contract refuses, the form refuses too (a backstop)."""
        if self.errors:
            return
        step_answers = {k: v for k, v in self.answers().items() if v is not None}
        try:
            validate(step_answers)
        except AnswersInvalid as error:
            for item_id, problems in error.errors.items():
                if item_id not in self.item_ids:
                    continue  # a required item of another step
                field_name = self.asked_by.get(item_id, (item_id,))[0]
                for problem in problems:
                    self.add_error(field_name, ValidationError(problem.message, problem.code))


class AboutForm(StepForm):
    step_id = "about"
    asked_by: ClassVar[dict[str, tuple[str, ...]]] = {
        "weekly_km": ("weekly_distance", "distance_unit")
    }

    age = field_for(ITEMS["age"])
    sex = field_for(ITEMS["sex"])
    running_years = field_for(ITEMS["running_years"])
    weekly_distance = forms.IntegerField(
        label=questions.label("weekly_km"),
        help_text=questions.help_text("weekly_km"),
        required=False,
        min_value=0,
        widget=numeric_input(),
        error_messages={
            "invalid": _("Enter the distance as a whole number"),
            "min_value": _("Enter a distance of 0 or more"),
        },
    )
    distance_unit = forms.ChoiceField(
        label=_("Unit of the weekly distance"),
        choices=[("km", _("Kilometres")), ("miles", _("Miles"))],
        widget=forms.RadioSelect,
        initial="km",
        required=False,
    )
    level = field_for(ITEMS["level"])
    onset_age = field_for(ITEMS["onset_age"])
    side = field_for(ITEMS["side"])
    onset_activity = field_for(ITEMS["onset_activity"])

    @classmethod
    def initial_from(cls, saved: Mapping[str, Any]) -> dict[str, Any]:
        initial = super().initial_from(saved)
        if "weekly_km" in initial:
            initial["weekly_distance"] = initial.pop("weekly_km")
        initial["distance_unit"] = "km"
        return initial

    def clean_distance_unit(self) -> str:
        # A crafted request may leave the unit out: kilometres, as the page preselects.
        return str(self.cleaned_data.get("distance_unit") or "km")

    def relate(self, cleaned: dict[str, Any]) -> None:
        distance, unit = cleaned.get("weekly_distance"), cleaned.get("distance_unit")
        high = ITEMS["weekly_km"].max
        assert high is not None
        if distance is not None:
            # Compared in the runner's own unit: a number too big for a float
            # could not even be converted.
            limit = high / questions.KM_PER_MILE if unit == "miles" else high
            if distance > limit:
                message = _("Enter %(km)d km (%(miles)d miles) a week or less") % {
                    "km": high,
                    "miles": int(high / questions.KM_PER_MILE),
                }
                self.add_error(
                    "weekly_distance", ValidationError(message, code=ErrorCode.OUT_OF_RANGE)
                )
            else:
                miles = unit == "miles"
                cleaned["weekly_km"] = (
                    round(distance * questions.KM_PER_MILE) if miles else distance
                )
        age, onset_age = cleaned.get("age"), cleaned.get("onset_age")
        if age is not None and onset_age is not None and onset_age > age:
            self.add_error(
                "onset_age",
                ValidationError(
                    _("The age when it began cannot be more than your age now"),
                    code=ErrorCode.ONSET_AFTER_AGE,
                ),
            )
        # Not in the contract (the API accepts it), but a slip here would make c2
        # ("long running history") look supported: the form asks again.
        years = cleaned.get("running_years")
        if years is not None and onset_age is not None and years > onset_age:
            self.add_error(
                "running_years",
                ValidationError(
                    _("Years of running before it began cannot be more than your age then"),
                    code="running_before_birth",
                ),
            )


class LimitRow(LayoutObject):
    """One activity of the limits grid: both scales side by side, a drop-down each.

    Two groups of four radios per activity made the grid 18 questions and about
    3,600 px on a phone; a fieldset per activity with two labelled selects keeps
    it to nine short rows, as a plain form that needs no script.
    """

    template = "runner/crispy/limit_row.html"

    def __init__(self, activity: str):
        self.activity = activity
        self.fields = [f"{scale}_{activity}" for scale in questions.SCALE_SHORT_TITLES]

    def render(
        self,
        form: forms.BaseForm,
        context: Context,
        template_pack: str = TEMPLATE_PACK,
        **kwargs: Any,
    ) -> SafeString:
        cells = []
        for scale in questions.SCALE_SHORT_TITLES:
            bound = form[f"{scale}_{self.activity}"]
            described = f"{bound.name}-error" if bound.errors else ""
            attrs = {"class": _classes("form-select", "is-invalid" if bound.errors else "")}
            if described:
                attrs["aria-describedby"] = described
            cells.append(
                {
                    "field": bound,
                    "short": questions.SCALE_SHORT_TITLES[scale],
                    "scale": questions.SCALE_TITLES[scale],
                    "widget": bound.as_widget(attrs=attrs),
                }
            )
        return render_to_string(
            self.template,
            {
                "title": questions.ACTIVITY_TITLES[self.activity],
                "activity": self.activity,
                "cells": cells,
                "has_error": any(cell["field"].errors for cell in cells),
            },
        )


def grid_field(item: Item) -> forms.ChoiceField:
    """A drop-down for an optional item asked in a grid (the limits, the tests done),
    whose first entry leaves it unanswered."""
    assert not item.required and item.kind is Kind.ENUM
    return forms.ChoiceField(
        label=questions.label(item.id),
        choices=[("", _("Not answered")), *questions.choices(item.id)],
        required=False,
        widget=forms.Select,
    )


class SelectRows(LayoutObject):
    """Several optional questions with the same answers, one short row each: a
    label and a drop-down (the tests done so far: six groups of four radios were
    over 1,100 px of a phone screen)."""

    template = "runner/crispy/select_rows.html"

    def __init__(self, *fields: str, legend: Any, hint: Any = ""):
        self.fields = list(fields)
        self.legend = legend
        self.hint = hint

    def render(
        self,
        form: forms.BaseForm,
        context: Context,
        template_pack: str = TEMPLATE_PACK,
        **kwargs: Any,
    ) -> SafeString:
        rows = []
        for name in self.fields:
            bound = form[name]
            attrs = {"class": _classes("form-select", "is-invalid" if bound.errors else "")}
            if bound.errors:
                attrs["aria-describedby"] = f"{name}-error"
            rows.append({"field": bound, "widget": bound.as_widget(attrs=attrs)})
        return render_to_string(
            self.template, {"legend": self.legend, "hint": self.hint, "rows": rows}
        )


class LimitGridForm(StepForm):
    """The limits step laid out as a grid: one row per activity, both scales side by side."""

    def layout_objects(self) -> list[LayoutObject]:
        return [LimitRow(activity) for activity in LIMIT_ACTIVITIES]


class CareForm(StepForm):
    """The care step, with the tests done so far as one block of short rows."""

    def layout_objects(self) -> list[LayoutObject]:
        objects: list[LayoutObject] = []
        for name in self.fields:
            if name not in TESTS:
                objects.append(self.question(name))
            elif name == TESTS[0]:
                objects.append(
                    SelectRows(*TESTS, legend=questions.TESTS_LEGEND, hint=questions.TESTS_HINT)
                )
        return objects


# The steps whose items are asked with a drop-down each (see grid_field).
SELECT_ITEMS = {"limits": frozenset(STEP_BY_ID["limits"].item_ids), "care": frozenset(TESTS)}


def _step_form(step_id: str, base: type[StepForm] = StepForm) -> type[StepForm]:
    """A form asking each item of a step with its own field, in instrument order."""
    selects = SELECT_ITEMS.get(step_id, frozenset())
    fields = {
        item_id: (grid_field if item_id in selects else field_for)(ITEMS[item_id])
        for item_id in STEP_BY_ID[step_id].item_ids
    }
    name = f"{step_id.title()}Form"
    return type(name, (base,), {"step_id": step_id, **fields})


FORMS: dict[str, type[StepForm]] = {
    step_id: AboutForm
    if step_id == "about"
    else _step_form(step_id, {"limits": LimitGridForm, "care": CareForm}.get(step_id, StepForm))
    for step_id in STEP_BY_ID
}


class ResumeForm(forms.Form):
    code = forms.CharField(
        label=_("Your resume code"),
        help_text=_("For example ABCD-EFGH-JKMN-P. Capitals, spaces and dashes do not matter."),
        max_length=40,
        error_messages={"required": _("Enter your resume code")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        code = normalize_code(self.cleaned_data["code"])
        if code is None:
            raise ValidationError(
                _("Enter the code as it was shown to you: 13 letters and numbers"),
                code="malformed_code",
            )
        return code


class OptionalCodeForm(ResumeForm):
    """On the delete page: the code is needed only when this browser holds none."""

    def __init__(self, *args: Any, code_needed: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["code"].required = code_needed

    def clean_code(self) -> str:
        if not self.cleaned_data.get("code"):
            return ""
        return super().clean_code()


class TickedOnlyCheckbox(forms.CheckboxInput):
    """Ticked only when the browser sends what a ticked box sends ("on").

    Django's checkbox reads any other non-empty value, "0" or "no" among them,
    as ticked; for consent, anything but a tick must mean no.
    """

    def value_from_datadict(self, data: Any, files: Any, name: str) -> bool:
        return data.get(name) == "on"


class ConsentForm(forms.Form):
    share_for_research = forms.BooleanField(
        required=False,
        label=_("Let reviewers study my anonymized answers"),
        widget=TickedOnlyCheckbox,
    )

    def __init__(self, *args: Any, keep_years: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["share_for_research"].help_text = _(
            "Optional, and not ticked unless you tick it. Reviewers then see your answers, "
            "never your code, and count them in statistics. They are kept for up to "
            "%(years)d years."
        ) % {"years": keep_years}
