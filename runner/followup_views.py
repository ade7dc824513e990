"""The runner's follow-up (followup.md): "Tell us what has happened since".

Reached with the code of a sent screening (the same cookie or the resume
page), from 28 days after the screening or the last follow-up. The urgent
questions come first, then four short steps, a check page that asks the
research consent again, and a result that compares now with then. Answers in
progress are saved at every step (``FollowUpDraft``); nothing is scored until
the runner sends them, and what is sent is never re-scored.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from runner import journey
from screening import access, followup, followup_questions, questions
from screening.instrument import TEXT_MAX_LENGTH, AnswersInvalid, Item, Kind, check_item
from screening.models import FollowUp, FollowUpDraft, Submission, today
from screening.scoring import urgent_flags
from web.runner_cookies import linked_code

STEPS = tuple(section.id for section in followup.SECTIONS)
ITEMS_OF = {section.id: section.items for section in followup.SECTIONS}
STEP_OF = {item.id: section.id for section in followup.SECTIONS for item in section.items}
CONSENT_VERSION = journey.CONSENT_VERSION

form_page = require_http_methods(["GET", "HEAD", "POST"])


# --- which screening, and may it be followed up today ---------------------------------


def opened(request: HttpRequest) -> Submission | None:
    """The sent screening this browser's code opens."""
    code = linked_code(request)
    return access.live_submission(access.hash_code(code)) if code else None


def latest(submission: Submission) -> FollowUp | None:
    return submission.followups.order_by("-number").first()


def allowed_from(submission: Submission) -> datetime.date:
    """The first day of the next follow-up: 28 days after the screening or the last one."""
    last = latest(submission)
    return followup.first_day_allowed(last.created_on if last else submission.created_on)


def offer(submission: Submission) -> dict[str, Any]:
    """What the screening's result page says about follow-ups (context entries)."""
    start = allowed_from(submission)
    return {
        "followup_open": today() >= start,
        "followup_from": start,
        "followup_count": submission.followups.count(),
        "followup_kept_until": submission.keep_until,
        "followup_keep_days": access.FOLLOW_UP_KEEP_DAYS,
    }


# --- forms ---------------------------------------------------------------------------


def _field(item: Item, answers: dict[str, Any]) -> forms.Field:
    label = followup_questions.label(item.id)
    common: dict[str, Any] = {
        "label": label,
        "required": item.required,
        "error_messages": {
            "required": _("Choose at least one answer")
            if item.kind is Kind.MULTI
            else _("Choose an answer")
        },
    }
    if item.id in followup.LIMIT_ITEM_IDS:
        # One compact line per kind of running: a list, not four radio buttons.
        choices = [("", _("Not answered")), *followup_questions.choices(item.id)]
        return forms.ChoiceField(choices=choices, widget=forms.Select, **common)
    if item.id == "fu_outcome_detail":
        choices = followup_questions.detail_choices(answers["fu_outcome"])
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if item.kind is Kind.ENUM:
        return forms.ChoiceField(
            choices=followup_questions.choices(item.id), widget=forms.RadioSelect, **common
        )
    if item.kind is Kind.MULTI:
        return forms.MultipleChoiceField(
            choices=followup_questions.choices(item.id),
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    return forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": _("Enter %(limit_value)d characters or fewer")},
        label=label,
        required=False,
    )


class FollowUpStepForm(forms.Form):
    """One step's questions; the same checks as followup.validate for each answer."""

    def __init__(self, step_id: str, answers: dict[str, Any], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.step_id = step_id
        for item in ITEMS_OF[step_id]:
            if item.is_shown(answers):
                self.fields[item.id] = _field(item, answers)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        answers = {k: v for k, v in cleaned.items() if v not in (None, "", [])}
        for item_id, value in answers.items():
            _, problems = check_item(followup.ITEMS[item_id], value)
            for problem in problems:
                self.add_error(item_id, problem.message)
        return cleaned

    def answers(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", [])}


class SendForm(forms.Form):
    share_for_research = forms.BooleanField(
        required=False,
        label=gettext_lazy(
            "Share this follow-up, without anything that identifies you, with the researchers "
            "who study how the screen's results compare with what clinicians later found"
        ),
    )


# --- pages -----------------------------------------------------------------------------


def _step_url(step_id: str, *, to_check: bool = False) -> str:
    url = reverse("followup-step", kwargs={"step_id": step_id})
    return f"{url}?return=check" if to_check else url


def _draft_for(submission: Submission) -> FollowUpDraft:
    draft, _created = FollowUpDraft.objects.get_or_create(submission=submission)
    return draft


def _guard(request: HttpRequest) -> tuple[Submission | None, HttpResponse | None]:
    """The screening to follow up, or the page to show instead."""
    submission = opened(request)
    if submission is None:
        return None, redirect("journey-resume")
    if today() < allowed_from(submission):
        return None, redirect("followup-start")
    return submission, None


@require_safe
def start(request: HttpRequest) -> HttpResponse:
    submission = opened(request)
    if submission is None:
        return redirect("journey-resume")
    context = {
        **offer(submission),
        "submission": submission,
        "first_step_url": _step_url(STEPS[0]),
        "step_count": len(STEPS),
    }
    return render(request, "runner/followup_start.html", context)


@form_page
def step(request: HttpRequest, step_id: str) -> HttpResponse:
    if step_id not in STEPS:
        raise Http404("No such step.")
    submission, refused = _guard(request)
    if refused is not None:
        return refused
    assert submission is not None
    draft = _draft_for(submission)
    to_check = request.GET.get("return") == "check" or request.POST.get("return") == "check"
    index = STEPS.index(step_id)
    missing = [s for s in STEPS[:index] if s not in draft.completed_steps]
    if missing:
        return redirect(_step_url(missing[0]))
    data = request.POST if request.method == "POST" else None
    form = FollowUpStepForm(step_id, draft.answers, data, initial=draft.answers)
    status = 200
    if data is not None:
        if form.is_valid():
            answers = {
                k: v
                for k, v in draft.answers.items()
                if STEP_OF.get(k) != step_id  # what this step now says replaces what it said
            }
            answers.update(form.answers())
            draft.answers = followup.drop_hidden(answers)
            if step_id not in draft.completed_steps:
                draft.completed_steps = [*draft.completed_steps, step_id]
            draft.updated_on = today()
            draft.save()
            following = (
                reverse("followup-check")
                if to_check or index + 1 == len(STEPS)
                else _step_url(STEPS[index + 1])
            )
            if step_id == "urgent" and urgent_flags(draft.answers):
                return _help_now(request, draft.answers, following)
            return redirect(following)
        status = 400
    back = (
        reverse("followup-check")
        if to_check
        else (_step_url(STEPS[index - 1]) if index else reverse("followup-start"))
    )
    context = {
        "form": form,
        "title": followup_questions.STEP_TITLES[step_id],
        "number": index + 1,
        "count": len(STEPS),
        "back_url": back,
        "to_check": to_check,
        "urgent": step_id == "urgent",
    }
    return render(request, "runner/followup_step.html", context, status=status)


def _help_now(request: HttpRequest, answers: dict[str, Any], continue_url: str) -> HttpResponse:
    """A yes to an urgent question: what to do today comes before anything else."""
    flags = [{"title": _(f.rule.title), "reason": _(f.rule.reason)} for f in urgent_flags(answers)]
    context = {
        "headline": _("Get medical help today"),
        "next_step": _(
            "Something you said needs a doctor today, before you finish telling us what "
            "happened since your screening."
        ),
        "flags": flags,
        "continue_url": continue_url,
        "code": "",
        "saved": True,
    }
    return render(request, "runner/help_now.html", context)


def _sections(answers: dict[str, Any]) -> list[dict[str, Any]]:
    sections = []
    for step_id in STEPS:
        rows = []
        unanswered = 0
        for item in ITEMS_OF[step_id]:
            if not item.is_shown(answers):
                continue
            value = answers.get(item.id)
            if value is None:
                unanswered += 1
                continue
            rows.append(
                {
                    "label": followup_questions.label(item.id),
                    "answer": followup_questions.answer_text(item.id, value),
                    "text": item.kind is Kind.TEXT,
                }
            )
        sections.append(
            {
                "id": step_id,
                "title": followup_questions.STEP_TITLES[step_id],
                "rows": rows,
                "unanswered": unanswered,
                "change_url": _step_url(step_id, to_check=True),
            }
        )
    return sections


def _previous_choice(submission: Submission) -> bool:
    """The research choice to pre-fill: the first follow-up's, else none (never ticked
    by default when the runner did not tick it)."""
    first = submission.followups.order_by("number").first()
    return bool(first.share_for_research) if first else False


@form_page
def check(request: HttpRequest) -> HttpResponse:
    submission, refused = _guard(request)
    if refused is not None:
        return refused
    assert submission is not None
    draft = _draft_for(submission)
    missing = [s for s in STEPS if s not in draft.completed_steps]
    if missing:
        return redirect(_step_url(missing[0]))
    data = request.POST if request.method == "POST" else None
    form = SendForm(data, initial={"share_for_research": _previous_choice(submission)})
    problems: list[dict[str, str]] = []
    status = 200
    if data is not None and form.is_valid():
        try:
            answers = followup.validate(followup.drop_hidden(draft.answers))
        except AnswersInvalid as invalid:
            status = 400
            problems = [
                {
                    "label": str(followup_questions.label(item_id))
                    if item_id in followup.ITEMS
                    else item_id,
                    "message": "; ".join(e.message for e in errors),
                    "url": _step_url(STEP_OF.get(item_id, STEPS[0]), to_check=True),
                }
                for item_id, errors in invalid.errors.items()
            ]
        else:
            send(submission, answers, share=form.cleaned_data["share_for_research"])
            return redirect("followup-result")
    context = {
        "form": form,
        "sections": _sections(draft.answers),
        "problems": problems,
        "number": submission.followups.count() + 1,
    }
    return render(request, "runner/followup_check.html", context, status=status)


def send(submission: Submission, answers: dict[str, Any], *, share: bool) -> FollowUp:
    """Store a follow-up with its result, scored once against the screening as issued;
    keep the screening (and its code) for follow-ups from today."""
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        numbers = locked.followups.order_by("-number").values_list("number", flat=True)
        number = (numbers.first() or 0) + 1
        created = FollowUp.objects.create(
            submission=locked,
            number=number,
            share_for_research=share,
            consent_version=CONSENT_VERSION if share else "",
            consent_on=today() if share else None,
            **FollowUp.fields_from(answers, locked),
        )
        FollowUpDraft.objects.filter(submission=locked).delete()
        access.keep_for_follow_ups(locked)
    return created


LEVEL_WORDS = {
    "better": gettext_lazy("better"),
    "same": gettext_lazy("same"),
    "worse": gettext_lazy("worse"),
}


def comparison(submission: Submission, latest_followup: FollowUp) -> dict[str, Any]:
    """Then and now, in words, read off the stored follow-up result (never re-scored)."""
    result = latest_followup.issued_result
    grid = []
    for activity, change in result["change_limits"]["by_activity"].items():
        item_id = f"typical_{activity}"
        grid.append(
            {
                "activity": questions.label(item_id),
                "then": questions.code_label(item_id, submission.answers[item_id]),
                "now": questions.code_label(item_id, latest_followup.answers[item_id]),
                "change": change,
                "change_words": LEVEL_WORDS[change],
            }
        )
    return {
        "walking_then": questions.answer_text("walking", submission.answers.get("walking")),
        "walking_now": followup_questions.answer_text(
            "fu_walking", latest_followup.answers.get("fu_walking")
        ),
        "grid": grid,
    }


@require_safe
def result(request: HttpRequest) -> HttpResponse:
    submission = opened(request)
    if submission is None:
        return redirect("journey-resume")
    shown = latest(submission)
    if shown is None:
        return redirect("followup-start")
    issued = shown.issued_result
    context = {
        "submission": submission,
        "followup": shown,
        "result": issued,
        "explanations": issued["explanations"],
        "urgent_flags": [f for f in issued["flags"] if f["severity"] == "urgent"],
        "other_flags": [f for f in issued["flags"] if f["severity"] != "urgent"],
        **comparison(submission, shown),
        **offer(submission),
        "pdf_url": reverse("submission-pdf", kwargs={"public_id": submission.public_id}),
    }
    return render(request, "runner/followup_result.html", context)


@require_POST
def keep(request: HttpRequest) -> HttpResponse:
    """The runner asks to keep the screening (and its code) to come back with follow-ups."""
    submission = opened(request)
    if submission is None:
        return redirect("journey-resume")
    access.keep_for_follow_ups(submission)
    return redirect(reverse("journey-result") + "#follow-up")
