"""Pages for the runner.

The journey's rules live in ``journey.py``; these views only move between
HTTP and it. The resume code reaches the server in a POST body or in the
runner's own signed cookie, never in a URL, so it stays out of access logs.
"""

from __future__ import annotations

import functools
import itertools
import logging
import secrets
from collections.abc import Callable
from typing import Any

from crispy_forms.utils import render_crispy_form
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from config.logging import route_of
from report.tasks import render_when_first_shown
from runner import followup_views, journey
from runner.forms import FORMS, ConsentForm, OptionalCodeForm, ResumeForm, StepForm
from screening import access, questions, versions
from screening.instrument import (
    INSTRUMENT_VERSION,
    ITEMS,
    LIMIT_ACTIVITIES,
    URGENT_ITEM_IDS,
    Kind,
)
from screening.models import Draft, Submission
from screening.scoring import (
    COMPONENT_TITLES,
    CRITERION_TITLES,
    SCORING_VERSION,
    Result,
    score,
    urgent_flags,
)
from web.middleware import RETRY_AFTER_SECONDS, is_outage, machine_refusal, wants_json
from web.ratelimit import ratelimit, refusal
from web.runner_cookies import (
    CODE_COOKIE,
    link,
    linked_code,
    set_runner_cookie,
    unlink,
)

logger = logging.getLogger("screening.requests")

BAD_INPUT = 400
CONFLICT = 409  # a page posted for a screening that is no longer the one it was shown for


def shows_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page that only shows: GET and HEAD, anything else 405.

    Exempt from the CSRF check, which runs first and would answer a POST with
    the "page expired" refusal meant for forms; the view acts on no other method.
    """
    return csrf_exempt(require_safe(view))


# A page with a form: shown by GET (and HEAD), sent back by POST; anything else 405.
form_page = require_http_methods(["GET", "HEAD", "POST"])


def linked_hash(request: HttpRequest) -> str | None:
    """The hash of the code this browser holds: what it may open."""
    code = linked_code(request)
    return access.hash_code(code) if code else None


def _draft_carried_over(request: HttpRequest) -> tuple[Draft | None, tuple[str, ...]]:
    """The draft this browser opens, at the current instrument version, and the
    items new to its runner if it was started under an earlier one (carried over
    in memory here; the next save stores it)."""
    code_hash = linked_hash(request)
    draft = access.live_draft(code_hash) if code_hash else None
    return draft, journey.carry_over(draft) if draft is not None else ()


def _draft(request: HttpRequest) -> Draft | None:
    return _draft_carried_over(request)[0]


def _submission(request: HttpRequest) -> Submission | None:
    code_hash = linked_hash(request)
    return access.live_submission(code_hash) if code_hash else None


# The mark of a page shown while this browser held no screening: "new-" and a
# random part, so that the screening its first post starts can recognise it.
NO_SCREENING_YET = "new-"
# Which first page started the screening this browser holds (see _old_tab_mark).
FIRST_PAGE_COOKIE = "first_page"
FIRST_PAGE_COOKIE_SALT = "screening.first-page"


def _screening_mark(request: HttpRequest) -> str:
    """Which screening a page was shown for, posted back with the page.

    A short prefix of the linked code's hash: it tells an old tab's page from
    the screening this browser holds now, and says nothing the page's own
    code box does not. A page shown before any screening was linked says so.
    """
    code_hash = linked_hash(request)
    return code_hash[:12] if code_hash else NO_SCREENING_YET + secrets.token_hex(16)


def _remember_first_page(response: HttpResponse, request: HttpRequest, code: str) -> None:
    """The page that started a new screening, as the browser posted it: a second press
    of that same page (a double tap, Back) then saves into the screening it started,
    not refused. Usually a "new-" page; also one shown for a code that had since
    stopped opening anything (deleted, expired)."""
    posted = request.POST.get("screening", "")
    if posted:
        value = f"{posted}:{access.hash_code(code)[:12]}"
        set_runner_cookie(response, FIRST_PAGE_COOKIE, value, FIRST_PAGE_COOKIE_SALT)


def _old_tab_mark(request: HttpRequest) -> str | None:
    """The mark a page was posted with when it belongs to another screening than the
    one this browser holds now (an old tab), else None. The refused page keeps that
    mark, so that posting it again is refused again.

    A page shown before any screening, posted once another is linked, is such a
    page too: saving it would write into the screening resumed meanwhile. A page
    whose screening the browser no longer holds at all is not: the views say why
    (closed, deleted, expired).
    """
    if request.method != "POST":
        return None
    posted = request.POST.get("screening", "")
    code_hash = linked_hash(request)
    if not posted or code_hash is None or posted == code_hash[:12]:
        return None
    started = request.get_signed_cookie(
        FIRST_PAGE_COOKIE, default=None, salt=FIRST_PAGE_COOKIE_SALT
    )
    return None if started == f"{posted}:{code_hash[:12]}" else posted


def _shown_code(request: HttpRequest) -> str:
    code = linked_code(request)
    return journey.format_code(code) if code else ""


def _step_url(step_id: str, *, to_review: bool = False) -> str:
    url = reverse("journey-step", kwargs={"step_id": step_id})
    return f"{url}?return=review" if to_review else url


def _where_to_continue(draft: Draft) -> str:
    open_step = journey.first_open_step(draft.completed_steps)
    return _step_url(open_step) if open_step else reverse("journey-review")


@shows_only
def home(request: HttpRequest) -> HttpResponse:
    return _home(request, ResumeForm())


def _home(request: HttpRequest, resume_form: ResumeForm, status: int = 200) -> HttpResponse:
    draft = _draft(request)
    has_submission = _submission(request) is not None
    context = {
        "resume_form": resume_form,
        "continue_url": _where_to_continue(draft) if draft else "",
        "has_submission": has_submission,
        "keep_days": access.KEEP_DAYS,
        "step_count": len(journey.STEPS),
        # Shown beside "Start a new screening", which unlinks this browser: the
        # code is then the only way back to the earlier answers.
        "code": _shown_code(request) if draft or has_submission else "",
    }
    return render(request, "runner/home.html", context, status=status)


@shows_only
def about(request: HttpRequest) -> HttpResponse:
    context = {"instrument_version": INSTRUMENT_VERSION, "scoring_version": SCORING_VERSION}
    return render(request, "runner/about.html", context)


@form_page
def start(request: HttpRequest) -> HttpResponse:
    """A fresh start: forget any earlier draft in this browser (it stays reachable by code)."""
    if request.method != "POST":  # a bookmarked or reloaded address: the start page
        return redirect("home")
    return unlink(redirect("journey-step", step_id=journey.STEP_IDS[0]))


@form_page
@ratelimit("resume")  # against guessing codes
def resume(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":  # a bookmarked or reloaded address: the start page
        return redirect("home")
    form = ResumeForm(request.POST)
    if not form.is_valid():
        return _home(request, form, status=BAD_INPUT)
    code = form.cleaned_data["code"]
    code_hash = access.hash_code(code)
    draft = access.live_draft(code_hash)
    submission = None if draft else access.live_submission(code_hash)
    if draft is None and submission is None:
        form.add_error(
            "code",
            _(
                "No answers were found for this code. Check it and try again. "
                "Answers are deleted %(days)d days after they were last saved."
            )
            % {"days": access.KEEP_DAYS},
        )
        return _home(request, form, status=BAD_INPUT)
    where = _where_to_continue(draft) if draft is not None else reverse("journey-result")
    return link(HttpResponseRedirect(where), code)


# A blank step form is the same HTML for every runner: it holds no answer, and
# the CSRF token and resume code sit outside it. Each worker lays it out once
# per language and set of asked fields; laying out and even building the form
# were most of a step's server time. Forms holding answers are never kept, so a
# deletion leaves nothing behind.
_blank_forms: dict[tuple[str, str, tuple[str, ...]], str] = {}


def _blank_key(
    form_class: type[StepForm], saved: dict[str, Any]
) -> tuple[str, str, tuple[str, ...]] | None:
    # Blank means nothing of this step saved yet (initial_from may add defaults).
    if settings.DEBUG or any(k in saved for k in journey.STEP_BY_ID[form_class.step_id].item_ids):
        return None
    return (form_class.step_id, get_language(), form_class.asked_fields(saved))


def form_html(form: StepForm, saved: dict[str, Any]) -> str:
    key = None if form.is_bound else _blank_key(type(form), saved)
    if key is None:
        return render_crispy_form(form)
    if key not in _blank_forms:
        _blank_forms[key] = render_crispy_form(form)
    return _blank_forms[key]


def warm_blank_forms() -> None:
    """Fill the blank-form memo for a runner with nothing saved yet, in every language.

    Called before gunicorn forks its workers (config/wsgi.py), so that each
    new or recycled worker starts with the memo and crispy's compiled
    templates instead of spending its first request on them.
    """
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for form_class in FORMS.values():
                form_html(form_class(saved={}), {})


def _render_step(
    request: HttpRequest,
    step_id: str,
    form: StepForm | None,
    html: str,
    *,
    saved: dict[str, Any],
    to_review: bool,
    status: int = 200,
    mark: str | None = None,
) -> HttpResponse:
    """The step page; ``form`` is None when a remembered blank form is shown.

    ``mark`` overrides the screening mark the page posts back (see _screening_mark).
    """
    step = journey.STEP_BY_ID[step_id]
    previous = journey.previous_step(step_id)
    context = {
        "step": step,
        "title": questions.STEP_TITLES[step_id],
        "intro": questions.STEP_INTROS[step_id],
        "number": journey.step_number(step_id),
        "count": len(journey.STEPS),
        "form": form,
        "form_html": html,  # laid out by crispy: StepForm.helper
        "back_url": reverse("journey-review")
        if to_review
        else (_step_url(previous) if previous else reverse("home")),
        "to_review": to_review,
        "may_skip": _may_skip(step_id, saved),
        # The skip skips the optional steps after this one too, unless the runner
        # came from the check page (they are saved then, and stay as they are).
        "skips_the_rest": not to_review
        and len(_skipped_with(step_id, [], saved)) > 1
        and _may_skip(step_id, saved),
        "code": _shown_code(request),
        "screening_mark": _screening_mark(request) if mark is None else mark,
    }
    return render(request, "runner/step.html", context, status=status)


def _may_skip(step_id: str, saved: dict[str, Any]) -> bool:
    """Skipping clears a step: offered only while nothing of it is saved."""
    step = journey.STEP_BY_ID[step_id]
    return step.skippable and not any(item_id in saved for item_id in step.item_ids)


def _skipped_with(step_id: str, completed: list[str], saved: dict[str, Any]) -> tuple[str, ...]:
    """The steps a skip on ``step_id`` saves empty: it, and the optional steps after
    it that are neither saved nor hold answers (journey.skipped_with)."""
    following = journey.skipped_with(step_id, completed)[1:]
    return (step_id, *itertools.takewhile(lambda s: _may_skip(s, saved), following))


def urgent_first_when_down(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """A step posted with an urgent "yes" while the database cannot be reached gets
    the help page (docs/clinical-safety.md H1), not the generic 503 page.

    The answer needs nothing but the posted form and the template: the urgent
    answers are read off the post as the CSRF refusal reads them, and the page
    is rendered without a query or a cache call. Nothing was saved, so it says
    so, and the status stays 503 with Retry-After.
    """

    @functools.wraps(view)
    def wrapped(request: HttpRequest, step_id: str) -> HttpResponse:
        try:
            return view(request, step_id)
        except Exception as error:
            said = _urgent_said(request) if is_outage(error) else {}
            if not urgent_flags(said):
                raise
            logger.error(
                "database unavailable, urgent answer given the help page",
                exc_info=(type(error), error, error.__traceback__),
                extra={"event": "database_unavailable", "route": route_of(request)},
            )
            response = _help_page(request, said, _step_url(step_id), saved=False)
            response.status_code = 503
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response

    return wrapped


@form_page
@urgent_first_when_down
def step(request: HttpRequest, step_id: str) -> HttpResponse:
    if step_id not in journey.STEP_BY_ID:
        raise Http404
    to_review = (request.GET.get("return") or request.POST.get("return")) == "review"
    posted = request.method == "POST"
    old_tab = _old_tab_mark(request)
    if old_tab is not None:
        # Saving would mix two runs' answers.
        return _not_saved(request, step_id, OTHER_SCREENING, to_review=to_review, mark=old_tab)
    draft, new_items = _draft_carried_over(request)
    if draft is None:
        # A finished screening stays linked; a new one begins with "Start" (/start/).
        if _submission(request) is not None:
            if posted:
                return _not_saved(request, step_id, ALREADY_SENT, to_review=to_review)
            return redirect("journey-result")
        if step_id != journey.STEP_IDS[0]:
            if not posted:
                return redirect("journey-step", step_id=journey.STEP_IDS[0])
            if linked_hash(request) is None:
                return _not_saved(request, step_id, NO_DRAFT_HERE, status=BAD_INPUT)
            return _draft_gone(request, step_id, to_review=to_review)
    completed = draft.completed_steps if draft else []
    saved = draft.answers if draft else {}
    form_class = FORMS[step_id]
    if not journey.may_open(step_id, completed):
        if posted and draft is not None:
            return _not_saved(request, step_id, NOT_OPEN_YET, saved=saved, to_review=to_review)
        return HttpResponseRedirect(_where_to_continue(draft)) if draft else redirect("home")
    if not posted:
        key = _blank_key(form_class, saved)
        if key in _blank_forms:
            html = _blank_forms[key]
            return _render_step(request, step_id, None, html, saved=saved, to_review=to_review)
        form = form_class(saved=saved)
        html = form_html(form, saved)
        return _render_step(request, step_id, form, html, saved=saved, to_review=to_review)

    # A skip from a page that offered it; a tab opened before answers were saved
    # here saves what it shows instead of clearing them.
    skipping = request.POST.get("action") == "skip" and _may_skip(step_id, saved)
    if skipping:
        step_answers: dict[str, Any] = {}
    else:
        form = form_class(request.POST, saved=saved)
        if not form.is_valid():
            # A "yes" to a warning sign is answered at once, even if another
            # question on the step is still blank; the step waits, unsaved.
            urgent = _help_if_urgent(request, step_id, form, to_review=to_review)
            if urgent is not None:
                return urgent
            html = form_html(form, saved)
            return _render_step(
                request, step_id, form, html, saved=saved, to_review=to_review, status=BAD_INPUT
            )
        step_answers = form.answers()
    new_code = None
    if draft is None:
        draft, new_code, refused = _start_draft(request)
        if refused is not None:
            # Nothing is saved yet: the step comes back with what the runner chose.
            why = _not_saved_yet(refused)
            response = _not_saved(request, step_id, why, status=429, to_review=to_review)
            if response.status_code == 429:  # not the urgent advice
                response["Retry-After"] = refused["Retry-After"]
            return response
        assert draft is not None and new_code is not None
    # A skip also skips the optional steps right after it that hold nothing yet.
    skipped = _skipped_with(step_id, completed, saved) if skipping else (step_id,)
    for saved_step in skipped:
        if journey.save_step(draft, saved_step, step_answers if saved_step == step_id else {}):
            continue
        # Submitted or deleted in another tab since this request read it.
        if _submission(request) is not None:
            return _not_saved(request, step_id, ALREADY_SENT, to_review=to_review)
        return _draft_gone(request, step_id, to_review=to_review)
    if new_items:
        # Said once: the draft is stored at the current version from this save on.
        messages.info(request, questions.new_questions_notice(new_items))
    response = HttpResponseRedirect(_after_step(draft, skipped[-1], to_review=to_review))
    if new_code:
        _remember_first_page(response, request, new_code)
        return link(response, new_code)
    return response


def _start_draft(request: HttpRequest) -> tuple[Draft | None, str | None, HttpResponse | None]:
    """The draft a posted first page starts, and its code; or the rate limit's refusal.

    Starting a draft is rate limited; saving the later steps of one's own is not.
    A page shown before any screening claims its draft by its mark
    (journey.claim_first_page): posted many times at once (a double tap, a
    flaky connection resending), it starts one draft, charged to the budget
    once, and every answer links the browser to that draft's code.
    """
    mark = request.POST.get("screening", "")
    if not (mark.startswith(NO_SCREENING_YET) and len(mark) > len(NO_SCREENING_YET)):
        refused = refusal("draft", request)
        if refused is not None:
            return None, None, refused
        return (*journey.start_draft(), None)
    with transaction.atomic():
        claimed = journey.claim_first_page(mark)
        if claimed is None:
            draft, code = journey.start_draft()
            started = True
        else:
            draft, code, started = claimed
        # Charged inside the claim: a post waiting on it learns the outcome first.
        refused = refusal("draft", request) if started else None
        if refused is not None:
            transaction.set_rollback(True)
            return None, None, refused
    return draft, code, None


def _help_if_urgent(
    request: HttpRequest, step_id: str, form: StepForm, *, to_review: bool
) -> HttpResponse | None:
    """The urgent advice for a cleaned form that will not be saved, if it holds an urgent
    "yes": emergencies are answered first, whatever else (docs/clinical-safety.md H1)."""
    readable = {k: v for k, v in form.answers().items() if v is not None}
    if urgent_flags(readable):
        return _help_page(request, readable, _step_url(step_id, to_review=to_review), saved=False)
    return None


def _not_saved(
    request: HttpRequest,
    step_id: str,
    why: str | Promise,
    *,
    status: int = CONFLICT,
    saved: dict[str, Any] | None = None,
    to_review: bool = False,
    mark: str | None = None,
) -> HttpResponse:
    """A posted step that cannot be saved where it was meant to go.

    An urgent "yes" on it is answered first, saved or not (docs/clinical-safety.md
    H1); otherwise the page comes back with what was posted, and why.
    """
    saved = saved or {}
    form = FORMS[step_id](request.POST, saved=saved)
    form.is_valid()  # a form must be cleaned before its answers are read or an error added
    urgent = _help_if_urgent(request, step_id, form, to_review=to_review)
    if urgent is not None:
        return urgent
    form.add_error(None, why)
    html = form_html(form, saved)
    return _render_step(
        request, step_id, form, html, saved=saved, to_review=to_review, status=status, mark=mark
    )


def _draft_gone(request: HttpRequest, step_id: str, *, to_review: bool) -> HttpResponse:
    """The code in this browser opens nothing any more: deleted (perhaps on another
    device) or expired. It is no use to show it or ask for it again."""
    request.COOKIES.pop(CODE_COOKIE, None)  # so that this page shows no code box
    why = DRAFT_GONE % {"days": access.KEEP_DAYS}
    return unlink(_not_saved(request, step_id, why, to_review=to_review))


def _not_saved_yet(refused: HttpResponse) -> str:
    minutes = max(1, round(int(refused["Retry-After"]) / 60))
    return ngettext(
        "Too many questionnaires were started from your network lately, so this page "
        "was not saved yet. Your answers are still here: wait %(minutes)d minute, then "
        "press the button again.",
        "Too many questionnaires were started from your network lately, so this page "
        "was not saved yet. Your answers are still here: wait %(minutes)d minutes, then "
        "press the button again.",
        minutes,
    ) % {"minutes": minutes}


# A later step posted by a browser that no longer holds its code (closed since):
# nothing can be saved, but what the runner typed is shown again.
NO_DRAFT_HERE = gettext_lazy(
    "We could not find your saved answers in this browser, so this page was not "
    "saved. It may have been closed since you started, or the answers deleted from "
    "another tab. Copy anything long you typed here. If your answers were not "
    "deleted, enter your resume code on the start page to carry on."
)
# A page from an earlier screening, posted after this browser started or resumed another.
OTHER_SCREENING = gettext_lazy(
    "Since this page was opened, another screening was started or resumed in this "
    "browser, so this page was not saved: it does not belong to the screening open now. "
    "Copy anything long you typed here, then go to the start page."
)
# The consent page of an old tab, after another screening was started or resumed.
CONSENT_FOR_ANOTHER_SCREENING = gettext_lazy(
    "Since this page was opened, another screening was started or resumed in this "
    "browser, so nothing was sent. Check the answers of the screening open now, then "
    "send them from there."
)
DELETE_FOR_ANOTHER_SCREENING = gettext_lazy(
    "Since this page was opened, another screening was started or resumed in this "
    "browser, so nothing was deleted. This page now belongs to the screening open in "
    "this browser: press the button again only if you want that one deleted."
)
# A step posted after the screening it belongs to was sent (an old tab, or Back).
ALREADY_SENT = gettext_lazy(
    "Your answers were already sent, so this page was not saved. Your result is on the "
    "result page. Copy anything you still want to say and tell your doctor when you "
    "hand over the summary."
)
# A later step posted while the earlier ones of this screening are not saved yet.
NOT_OPEN_YET = gettext_lazy(
    "This page was not saved: an earlier step of this screening is not answered yet, "
    "perhaps because it was started again in another tab. Your answers are still here."
)
# The same, when the browser's code opens nothing any more (deleted or expired).
DRAFT_GONE = gettext_lazy(
    "The answers saved under your resume code are no longer here: they were deleted, "
    "or not saved for %(days)d days. This page was not saved. Copy anything long you "
    "typed here, then start a new screening from the start page."
)


def _after_step(draft: Draft, step_id: str, *, to_review: bool) -> str:
    if step_id == journey.STEP_IDS[0] and urgent_flags(draft.answers):
        return reverse("journey-help")
    if to_review and journey.first_open_step(draft.completed_steps) is None:
        return reverse("journey-review")
    following = journey.following_step(step_id)
    return _step_url(following) if following else reverse("journey-review")


@shows_only
def help_now(request: HttpRequest) -> HttpResponse:
    draft = _draft(request)
    if draft is None or not urgent_flags(draft.answers):
        return redirect("home")
    return _help_page(request, draft.answers, _where_to_continue(draft), saved=True)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A post refused by the CSRF check (cookies blocked, a page left open too long).

    Nothing is saved, but an urgent "yes" on it is still answered first
    (docs/clinical-safety.md H1): the runner may be the one whose browser refuses
    our cookies. A program under /api/ or /fhir/ gets its own kind of refusal.
    """
    if wants_json(request):
        return machine_refusal(request, 403, "The CSRF check failed; send the request again.")
    said = _urgent_said(request)
    if urgent_flags(said):
        response = _help_page(request, said, reverse("home"), saved=False)
        response.status_code = 403
        return response
    return render(request, "403_csrf.html", status=403)


def _urgent_said(request: HttpRequest) -> dict[str, str]:
    """The urgent questions answered "yes" in a posted step page, read off the raw post
    (no form, no saved answers): for a post that cannot be handled as usual."""
    if request.method != "POST":
        return {}
    try:
        # Only a step page asks the urgent questions; a forged post elsewhere gets no help page.
        posted = request.POST if request.path.startswith("/step/") else {}
    except (RequestDataTooBig, TooManyFieldsSent):
        posted = {}
    return {item: "yes" for item in URGENT_ITEM_IDS if posted.get(item) == "yes"}


def _help_page(
    request: HttpRequest, answers: dict[str, Any], continue_url: str, *, saved: bool
) -> HttpResponse:
    """Urgent advice first; ``saved`` says whether the page that led here was saved."""
    result = score(answers)
    flags = [{"title": _(f.rule.title), "reason": _(f.rule.reason)} for f in urgent_flags(answers)]
    context = {
        "headline": _(result.headline),
        "next_step": _(result.next_step),
        "flags": flags,
        "continue_url": continue_url,
        "code": _shown_code(request),
        "saved": saved,
    }
    return render(request, "runner/help_now.html", context)


def _change_url(step_id: str, item_id: str) -> str:
    """The step, back to the review, scrolled to the question that asks the item."""
    anchor = FORMS[step_id].asked_by.get(item_id, (item_id,))[0]
    return f"{_step_url(step_id, to_review=True)}#field-{anchor}"


def review_sections(answers: dict[str, Any], *, with_links: bool) -> list[dict[str, Any]]:
    """Every step's answers, for the check page: the answered questions one row
    each, the unanswered ones of a step counted in one line with a Change link to
    the first of them, and the limits grid as a small table (an activity a row).
    """
    sections = []
    for step_ in journey.STEPS:
        rows, unanswered = [], []
        for item_id in step_.item_ids:
            if not ITEMS[item_id].is_shown(answers):
                continue
            if item_id not in answers:
                unanswered.append(item_id)
                continue
            rows.append(
                {
                    "id": item_id,
                    "label": questions.short_label(item_id),
                    "answer": questions.answer_text(item_id, answers.get(item_id)),
                    "text": ITEMS[item_id].kind is Kind.TEXT,
                    "change_url": _change_url(step_.id, item_id) if with_links else "",
                }
            )
        section: dict[str, Any] = {
            "id": step_.id,
            "title": questions.STEP_TITLES[step_.id],
            "rows": rows,
            "skipped": step_.skippable and not rows,
            "unanswered": len(unanswered),
            "unanswered_url": _change_url(step_.id, unanswered[0])
            if with_links and unanswered
            else "",
            "change_url": _step_url(step_.id, to_review=True) if with_links else "",
        }
        if step_.id == "limits":
            section.update(_grid_summary(answers, with_links=with_links))
        sections.append(section)
    return sections


def _grid_summary(answers: dict[str, Any], *, with_links: bool) -> dict[str, Any]:
    """The limits grid on the check page: one row per activity answered, and the
    activities left blank counted (rows then holds nothing: the table shows them)."""
    scales = tuple(questions.SCALE_SHORT_TITLES)
    grid, blank = [], []
    for activity in LIMIT_ACTIVITIES:
        ids = [f"{scale}_{activity}" for scale in scales]
        if not any(item_id in answers for item_id in ids):
            blank.append(ids[0])
            continue
        grid.append(
            {
                "title": questions.ACTIVITY_TITLES[activity],
                "cells": [
                    {
                        "answer": questions.code_label(i, answers[i]) if i in answers else "",
                        "answered": i in answers,
                    }
                    for i in ids
                ],
            }
        )
    return {
        "rows": [],
        "skipped": not grid,
        "grid": grid,
        "scales": [questions.SCALE_SHORT_TITLES[s] for s in scales],
        "unanswered_activities": len(blank),
        "unanswered_url": _change_url("limits", blank[0]) if with_links and blank else "",
    }


@shows_only
def review(request: HttpRequest) -> HttpResponse:
    draft = _draft(request)
    if draft is None:
        return redirect("journey-result") if _submission(request) else redirect("home")
    if journey.first_open_step(draft.completed_steps) is not None:
        return HttpResponseRedirect(_where_to_continue(draft))
    problems = journey.check(draft.answers)
    context = {
        "sections": review_sections(draft.answers, with_links=True),
        # One link per question, straight to it, as the Change links go.
        "problems": [
            {
                "label": questions.label(item_id),
                "url": _change_url(step_id, item_id),
                "step": questions.STEP_TITLES[step_id],
            }
            for step_id, item_ids in problems.items()
            for item_id in item_ids
        ],
        "code": _shown_code(request),
        # GOV.UK's "Now send your answers": the consent is asked at the foot of
        # this page (posted to the consent page, which shows itself only when
        # something is wrong), so sending takes no extra page.
        "form": ConsentForm(keep_years=_keep_years()),
        "keep_days": access.KEEP_DAYS,
        "consent_version": journey.CONSENT_VERSION,
        "screening_mark": _screening_mark(request),
    }
    return render(request, "runner/review.html", context)


def _keep_years() -> int:
    return max(1, settings.RETENTION_DAYS // 365)


@form_page
def consent(request: HttpRequest) -> HttpResponse:
    draft = _draft(request)
    if draft is None:
        # Already submitted (a double click, a reload, back and submit): show that one.
        return redirect("journey-result") if _submission(request) else redirect("home")
    if journey.first_open_step(draft.completed_steps) is not None or journey.check(draft.answers):
        return redirect("journey-review")
    data = request.POST if request.method == "POST" else None
    form = ConsentForm(data, keep_years=_keep_years())
    old_tab = _old_tab_mark(request)
    if old_tab is not None:
        # The screening it would send is not the one that tab showed.
        form.is_valid()
        form.add_error(None, CONSENT_FOR_ANOTHER_SCREENING)
    elif request.method == "POST" and form.is_valid():
        journey.submit(draft, share_for_research=form.cleaned_data["share_for_research"])
        return redirect("journey-result")
    context = {
        "form": form,
        "keep_days": access.KEEP_DAYS,
        "consent_version": journey.CONSENT_VERSION,
        "code": _shown_code(request),
        "screening_mark": _screening_mark(request) if old_tab is None else old_tab,
    }
    status = 200 if old_tab is None else CONFLICT
    return render(request, "runner/consent.html", context, status=status)


# Words that make what a flag asks for a test (or an examination) rather than a
# next step (a referral, an opinion, something to tell): the result page lists
# the two apart, so that "movement neurologist" is never called a test.
TEST_WORDS = (
    "test",
    "mri",
    "study",
    "emg",
    "index",
    "duplex",
    "arthrogram",
    "injection",
    "examination",
)


def is_test(asked: str) -> bool:
    """Whether a flag's request is a test rather than a next step.

    >>> is_test("lumbar spine MRI"), is_test("movement neurologist")
    (True, False)
    """
    words = asked.lower()
    return any(word in words for word in TEST_WORDS)


def asked_once(flags: list[Any]) -> dict[str, list[str]]:
    """What the flags ask for, each once, as {"next_steps": [...], "tests": [...]}.

    Requests that differ only by a note in brackets are one request, named
    without the note (the flags' reasons say why each asks for it):

    >>> class F:
    ...     def __init__(self, *tests): self.tests = tests
    >>> asked_once([F("movement neurologist (classic)", "lumbar spine MRI"),
    ...             F("movement neurologist"), F("lumbar spine MRI (disc herniation)")])
    {'next_steps': ['movement neurologist'], 'tests': ['lumbar spine MRI']}
    """
    variants: dict[str, list[str]] = {}
    for flag in flags:
        for asked in flag.tests:
            text = _(asked)
            base = text.split(" (")[0].strip()
            variants.setdefault(base.casefold(), [])
            if text not in variants[base.casefold()]:
                variants[base.casefold()].append(text)
    listed: dict[str, list[str]] = {"next_steps": [], "tests": []}
    for texts in variants.values():
        shown = texts[0] if len(texts) == 1 else texts[0].split(" (")[0].strip()
        listed["tests" if is_test(shown) else "next_steps"].append(shown)
    return listed


def result_context(result: Result) -> dict[str, Any]:
    """What the result page shows, every text read off the Result and translated."""
    explanations = result.explanations()
    return {
        "headline": _(result.headline),
        "meaning": _(explanations["category"]),
        "next_step": _(result.next_step),
        "urgent": result.category.value == "urgent_care",
        "core_part_missing": result.category.value == "not_consistent",
        "flag_groups": [
            {
                "severity": severity.value,
                "flags": [
                    {
                        # The texts the flag was issued with, whatever the rules are now.
                        "title": _(flag.title),
                        "reason": _(flag.explanation),
                        "tests": [_(test) for test in flag.tests],
                    }
                    for flag in flags
                ],
            }
            for severity, flags in result.flags_by_severity()
        ],
        # Each test or next step once, whichever flags ask for it.
        "asked": asked_once(list(result.flags)),
        "criteria": [
            {
                "id": cid,
                "title": _(CRITERION_TITLES[cid]),
                "status": status.value,
                "status_label": questions.SUPPORT_LABELS[status.value],
                "reason": _(explanations[cid]),
            }
            for cid, status in result.criteria
        ],
        "components": [
            {
                "title": _(COMPONENT_TITLES[cid]),
                "status": status.value,
                "status_label": questions.STATUS_LABELS[status.value],
                "reason": _(explanations[cid]),
            }
            for cid, status in result.components
        ],
        "criteria_supported": result.criteria_supported,
    }


@shows_only
def result(request: HttpRequest) -> HttpResponse:
    submission = _submission(request)
    if submission is None:
        return redirect("home")
    context = {
        **result_context(submission.result()),
        "submission": submission,
        "severity_titles": {
            "urgent": _("Get help today"),
            "prompt": _("See a neurologist soon"),
            "exclusion": _("Other causes to check first"),
            "discuss": _("Worth discussing"),
        },
        "code": _shown_code(request),
        "keep_days": access.KEEP_DAYS,
        # Asked from version 2 on: a video shows the doctor what the clinic cannot.
        "gait_video_asked": "gait_video"
        in versions.instrument_for(submission.instrument_version).ITEMS,
        "gait_video": submission.answers.get("gait_video"),
        "gait_video_advice": questions.GAIT_VIDEO_ADVICE,
        **followup_views.offer(submission),
    }
    # So that the download a moment later is served from the stored PDF (report.tasks).
    render_when_first_shown(submission)
    return render(request, "runner/result.html", context)


@form_page
def delete(request: HttpRequest) -> HttpResponse:
    """Delete the screening whose code the runner types, or else the one this page showed.

    A typed code is what the runner named, so it is the one deleted, whatever
    this browser holds. Without one, the page deletes the screening it was shown
    for: if another tab has started or resumed a different one since, nothing is
    deleted (409).
    """
    linked = linked_hash(request)
    has_linked = linked is not None and (
        access.live_draft(linked) is not None or access.live_submission(linked) is not None
    )
    old_tab = _old_tab_mark(request)
    data = request.POST if request.method == "POST" else None
    typed = data is not None and bool(data.get("code", "").strip())
    form = OptionalCodeForm(data, code_needed=not has_linked)
    status = 200
    if data is not None:
        status = BAD_INPUT
        # Only a typed code is looked up, so only it counts against guessing; a
        # runner deleting the screening this browser holds is never refused.
        refused = refusal("resume", request) if typed else None
        if refused is not None:
            return refused
        if form.is_valid() and not typed and old_tab is not None:
            status = CONFLICT
            form.add_error(None, DELETE_FOR_ANOTHER_SCREENING)
        elif form.is_valid():
            code = form.cleaned_data["code"]
            code_hash = access.hash_code(code) if code else linked
            assert code_hash is not None
            if journey.delete_everything(code_hash) or not code:
                response = render(request, "runner/deleted.html", {})
                return unlink(response) if code_hash == linked else response
            form.add_error(
                "code", _("No answers were found for this code. Check it and try again.")
            )
    context = {
        "form": form,
        # A code the runner typed comes back with its error, in its box, even if
        # another tab has linked a screening since.
        "ask_code": not has_linked or typed,
        "code": _shown_code(request),
        # A page refused for being an old tab's takes the current mark: what it
        # meant to delete is not this browser's to delete any more, so the next
        # press deletes what this browser holds. A typed code that failed keeps
        # the page's own mark, so that pressing again without one is still refused.
        "screening_mark": (
            data.get("screening", "") if data is not None and typed else _screening_mark(request)
        ),
    }
    return render(request, "runner/delete.html", context, status=status)
