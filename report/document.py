"""The PDF summary for clinicians: Result + answers -> HTML -> PDF (WeasyPrint).

Three entry points produce the same document for the same answers: the
runner's result page (``report_views.submission_pdf``, a stored submission),
``POST /api/v1/report`` and ``manage.py screen FILE --pdf OUT.pdf`` (both
unsaved). The document depends only on ``(answers, result, instrument version,
reference, on, paper)``:

* the result and the instrument version: a stored submission prints its result
  as it was issued (``Submission.result()``) with its own version's wording of
  questions, answers and rule titles (``screening.versions``), never a new
  scoring of its answers; an unsaved render scores the answers under the current
  version (:func:`result_for`), the one place the report calls ``score()``.

* ``on`` is the day printed in the header and written as the PDF's creation
  and modification date. A stored submission uses its ``created_on``; the API
  and the command line use today's date unless a caller passes one.
* ``reference`` is the submission's reference. Unsaved renders have no
  submission, so they print :func:`unsaved_reference` (a hash of the answers,
  marked "unsaved"): the API and the command line give byte-identical PDFs for
  the same answers and day, and a stored submission differs only in its
  reference and date, never in content. Tests compare the extracted text with
  the reference and date masked, and the embedded ``screening.json``.

Nothing here recomputes a rule: every status, flag and text comes from the
result (its flags carry the title, explanation and tests they were issued with).

Security: WeasyPrint only ever fetches through :class:`StaticOnlyFetcher`,
which serves files under ``static/report/`` (resolved, so neither ``..`` nor a
symbolic link escapes) and ``data:`` URIs, and refuses everything else.
User text reaches the template as plain strings and is escaped by Django's
autoescape; ``presentational_hints`` stays off.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import hashlib
import json
import mimetypes
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote, urlsplit

import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from report import bodymap, since, synopsis
from screening import fhir, scoring, versions
from screening.models import RenderedPdf
from screening.versions import CURRENT_VERSION

# Bump when the document's content or layout changes: a cached PDF of another
# version is rendered again. 1.1: "not asked" for a question its conditions hid;
# axis I rows kept whole across a page break. 1.2: tests already done beside the
# flags; the standing advice names planned procedures and yields to emergencies;
# one "both affected" under a pair of legs; c8's ceiling on the count said; the
# at-a-glance written for the clinician (CLINICIAN_TEXTS), not the runner.
# 1.3: the body map's legs end in feet (toes in front, heel behind); urgent flags
# titled for emergency or same-day care; axis I "isolated" names symptoms beyond the
# legs and counts blank answers; "not answered"/"not asked" set apart and keyed;
# tests not answered told from tests not done; the definition table, axis I and the
# sources each kept on one page; seeds/003 cited. 1.4: the standing advice about
# planned procedures gives the sources' finding as it is (the coordination changed
# after surgery for some runners and not for others); llc_consistent's and
# other_causes_first's texts say only what their rules say. 1.5: the weekly
# distance in miles as well as km. 1.6: a stored submission printed from its result
# as issued, in its own instrument version's wording; category known_dystonia; the
# knee on the body map. 1.7 (issue 17): page 1 stands alone (a synopsis of the case
# from the closed answers, every flag named with its tests, the body map beside the
# facts); criteria detail and axis I only when the category is not not_consistent;
# the appendix only answers no table shows; no whole-table page breaks.
# 1.8: the attached files named in the header; the appendix two short answers a row;
# no CSS columns or flex row (they doubled the render time).
# 1.9 (issue 17, render time): the rules (d1-d7, c1-c8) and axis I one block a row,
# the answers under the title instead of in a narrow column; the appendix's pairs as
# inline blocks. Same text.
REPORT_VERSION = "1.9"

# Tagged PDF/UA-1 (see ``render_pdf`` for why not PDF/A-3).
PDF_VARIANT = "pdf/ua-1"

STATIC_DIR = Path(settings.BASE_DIR) / "static" / "report"
STYLESHEET = STATIC_DIR / "report.css"
PAPER_SIZES = {"a4": "A4", "letter": "letter"}
DEFAULT_PAPER = "a4"

JSON_ATTACHMENT_NAME = "screening.json"
FHIR_ATTACHMENT_NAME = "screening.fhir.json"


# --- fetching: our static files and data: URIs, nothing else ---------------------


class URLRefused(ValueError):
    """A URL the report may not fetch. WeasyPrint logs it and leaves the resource out."""


class StaticOnlyFetcher(URLFetcher):
    """Serves ``file:`` URLs under ``root`` and ``data:`` URIs; refuses everything else.

    No network handler is ever reached: http, https, ftp and any other scheme
    are refused before ``urllib`` sees them, so there is nothing to redirect.
    """

    def __init__(self, root: Path = STATIC_DIR) -> None:
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False, timeout=1)
        self.root = root.resolve()

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise URLRefused(f"the report fetches no {scheme or 'relative'} URL: {url}")
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise URLRefused(f"the report fetches no remote file: {url}")
        try:
            path = Path(unquote(parts.path)).resolve(strict=True)
        except (OSError, RuntimeError):
            raise URLRefused(f"no such file: {url}") from None
        if not path.is_relative_to(self.root) or not path.is_file():
            raise URLRefused(f"the report fetches only its own static files: {url}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})


# --- question wording -----------------------------------------------------------
# The report words questions and answers exactly as the form did when the runner
# answered: in the wording of the submission's instrument version.


@dataclass(frozen=True)
class Edition:
    """One instrument version as the report reads it (``screening.versions``): its
    items (``instrument``), their wording (``questions``) and its rule titles and
    inputs (``scoring``: COMPONENT_TITLES, CRITERION_TITLES, RULE_INPUTS)."""

    version: str
    instrument: ModuleType
    questions: ModuleType
    scoring: ModuleType

    def item_label(self, item_id: str) -> str:
        return str(self.questions.label(item_id))

    def code_label(self, item_id: str, code: str) -> str:
        return str(self.questions.code_label(item_id, code))

    def section_title(self, section_id: str) -> str:
        return str(self.questions.STEP_TITLES[section_id])

    def answer_text(self, item_id: str, value: Any) -> str:
        return str(self.questions.answer_text(item_id, value))


@functools.cache
def edition_of(version: str) -> Edition:
    """:raises versions.UnknownVersion: for a version this code base does not define."""
    return Edition(
        version,
        versions.instrument_for(version),
        versions.questions_for(version),
        versions.scoring_for(version),
    )


def item_label(item_id: str, version: str = CURRENT_VERSION) -> str:
    return edition_of(version).item_label(item_id)


def code_label(item_id: str, code: str, version: str = CURRENT_VERSION) -> str:
    return edition_of(version).code_label(item_id, code)


def section_title(section_id: str, version: str = CURRENT_VERSION) -> str:
    return edition_of(version).section_title(section_id)


def answer_text(item_id: str, value: Any, version: str = CURRENT_VERSION) -> str:
    return edition_of(version).answer_text(item_id, value)


# --- the view model ---------------------------------------------------------------

SUPPORT_SYMBOLS = {
    scoring.Support.SUPPORTED: "✔",
    scoring.Support.NOT_SUPPORTED: "✘",
    scoring.Support.UNCLEAR: "?",
    scoring.Support.CLINICIAN_ONLY: "◇",
}
# Clinician-facing words, marked for makemessages and translated where they are shown.
SUPPORT_WORDS = {
    scoring.Support.SUPPORTED: gettext_noop("Supported"),
    scoring.Support.NOT_SUPPORTED: gettext_noop("Not supported"),
    scoring.Support.UNCLEAR: gettext_noop("Unclear"),
    scoring.Support.CLINICIAN_ONLY: gettext_noop("Needs a clinician"),
}
STATUS_SYMBOLS = {
    scoring.Status.MET: "✔",
    scoring.Status.PARTLY: "◐",
    scoring.Status.NOT_MET: "✘",
    scoring.Status.UNKNOWN: "?",
}
STATUS_WORDS = {
    scoring.Status.MET: gettext_noop("Met"),
    scoring.Status.PARTLY: gettext_noop("Partly met"),
    scoring.Status.NOT_MET: gettext_noop("Not met"),
    scoring.Status.UNKNOWN: gettext_noop("Open"),
}
VERDICT_WORDS = {
    scoring.Verdict.MET: gettext_noop("all seven parts met"),
    scoring.Verdict.PARTLY_MET: gettext_noop("partly met"),
    scoring.Verdict.NOT_MET: gettext_noop("not met"),
}
SEVERITY_TITLES = {
    scoring.Severity.URGENT: gettext_noop("Urgent: emergency or same-day assessment"),
    scoring.Severity.PROMPT: gettext_noop("Prompt: neurological opinion soon"),
    scoring.Severity.EXCLUSION: gettext_noop("Other causes to rule out first"),
    scoring.Severity.DISCUSS: gettext_noop("Worth discussing"),
}
SEVERITY_SYMBOLS = {
    scoring.Severity.URGENT: "‼",
    scoring.Severity.PROMPT: "!",
    scoring.Severity.EXCLUSION: "▲",
    scoring.Severity.DISCUSS: "•",
}
PATTERN_WORDS = {
    scoring.Pattern.HIP_THIGH: gettext_noop("Hip and thigh"),
    scoring.Pattern.CALF_SHIN: gettext_noop("Calf and shin"),
    scoring.Pattern.FOOT_ANKLE: gettext_noop("Foot and ankle"),
    scoring.Pattern.UNKNOWN: gettext_noop("Not known (runner unsure where it started)"),
}
AXIS1_TITLES = {
    "age_at_onset": "Age at onset",
    "body_distribution": "Body distribution",
    "course": "Temporal pattern: course",
    "variability": "Temporal pattern: variability",
    "associated_features": "Associated features",
}
AXIS1_WORDS = {
    "infancy": "Infancy (0-2 years)",
    "childhood": "Childhood (3-12 years)",
    "adolescence": "Adolescence (13-20 years)",
    "early_adulthood": "Early adulthood (21-40 years)",
    "late_adulthood": "Late adulthood (over 40 years)",
    "focal": "Focal (one leg)",
    "multifocal": "Multifocal (both legs)",
    "progressive": "Progressive (worsening)",
    "static": "Static (stable, improving or fluctuating)",
    "action_specific": "Action-specific (running; task specificity supported)",
    # other_neuro asks about symptoms beyond the legs (vision, speech, numbness
    # elsewhere), so "isolated" never contradicts a numb or tingling leg (d4).
    "isolated": "Isolated (no rest tremor, parkinsonism or neurological symptom beyond the legs "
    "reported)",
    "combined": "Combined (rest tremor, parkinsonism or a neurological symptom beyond the legs "
    "reported)",
    "unknown": "Not determined from the answers",
}
# axis I key -> the items it is read from; None: c1's inputs (RULE_INPUTS of the
# submission's version), since variability is read as c1 reads it.
AXIS1_SOURCES: dict[str, tuple[str, ...] | None] = {
    "age_at_onset": ("onset_age",),
    "body_distribution": ("side",),
    "course": ("course",),
    "variability": None,
    "associated_features": ("rest_tremor", "parkinsonism", "other_neuro"),
}


def axis1_sources(key: str, version: str = CURRENT_VERSION) -> tuple[str, ...]:
    return AXIS1_SOURCES[key] or tuple(edition_of(version).scoring.RULE_INPUTS["c1"])


ACTIVITY_LABELS = {
    "easy_trails": "Easy run, trails",
    "easy_road": "Easy run, road",
    "hard30_trails": "Hard 30 minutes, trails",
    "hard30_road": "Hard 30 minutes, road",
    "intervals_trails": "Intervals, trails",
    "intervals_track": "Intervals, track",
    "race_xc": "Race, cross-country",
    "race_track": "Race, track",
    "race_road": "Race, road",
}
LIMIT_LEVELS = {
    # code -> (css class, symbol, words)
    "no_limit": ("lvl-none", "○", "No limit"),
    "limited": ("lvl-limited", "◐", "Limited"),
    "cannot": ("lvl-cannot", "●", "Cannot"),
    "not_tried": ("lvl-untried", "–", "Not tried"),
}
SCALE_TITLES = {"worst": "At its worst", "typical": "On a typical day"}
NARRATIVE_ITEMS = ("own_words", "what_helped")


# The category as the clinician reading the PDF needs it: (headline, what it means,
# next step). Each restates instrument.md's rule for the category; the runner's
# own wording (scoring.CATEGORY_TEXTS) stays on the result page and in the JSON.
CLINICIAN_TEXTS: dict[scoring.Category, tuple[str, str, str]] = {
    scoring.Category.URGENT_CARE: (
        gettext_noop("Urgent: a warning sign for same-day or emergency assessment"),
        gettext_noop(
            "The runner reported at least one urgent warning sign (boxed below). It comes "
            "before everything else in this summary."
        ),
        gettext_noop(
            "Assess each urgent flag the same day, or at once where it says emergency; the "
            "rest of this summary can wait."
        ),
    ),
    scoring.Category.SEE_NEUROLOGIST: (
        gettext_noop("A sign for a neurologist's review soon"),
        gettext_noop(
            "The runner reported at least one sign (boxed below) that calls for a "
            "neurologist's review, ideally by a movement-disorders specialist."
        ),
        gettext_noop("Neurological review soon, ideally movement disorders."),
    ),
    # Version 2 only: prior_diagnosis = dystonia, and no urgent flag nor any of the
    # prompt flags that would be new for that diagnosis (instrument.md, Category).
    scoring.Category.KNOWN_DYSTONIA: (
        gettext_noop("Runner's dystonia already diagnosed by a neurologist; no new warning sign"),
        gettext_noop(
            "The runner reports that a neurologist diagnosed runner's dystonia (task-specific "
            "or focal dystonia). No urgent flag was raised, and none of the signs that would "
            "be new for that diagnosis: rest tremor or parkinsonism, a worsening course, or "
            "neurological symptoms beyond the legs. Foot onset and spread, where listed below, "
            "are features of the condition already diagnosed."
        ),
        gettext_noop(
            "Follow-up with the treating neurologist; this summary shows how the problem "
            "presents now."
        ),
    ),
    scoring.Category.NOT_CONSISTENT: (
        gettext_noop("The answers do not match the working definition"),
        gettext_noop(
            "At least one core part is not met: d1 (sensations), d2 (coordination loss) or "
            "d3 (link to running). This rules nothing out; the symptoms still need explaining."
        ),
        gettext_noop("Look for another cause of the symptoms."),
    ),
    scoring.Category.OTHER_CAUSES_FIRST: (
        gettext_noop("Other causes to check first"),
        gettext_noop(
            "At least one exclusion flag (below) points to another cause (nerve, muscle, "
            "bone or blood flow) or to an existing diagnosis. The working definition applies "
            "only once such causes are ruled out."
        ),
        gettext_noop("Work through the tests listed with each exclusion flag."),
    ),
    scoring.Category.LLC_CONSISTENT: (
        gettext_noop(
            "The answers fit the working definition of loss of leg coordination while running"
        ),
        gettext_noop(
            "All seven parts (d1-d7) are met by self-report. This is a screening result, "
            "not a diagnosis."
        ),
        gettext_noop(
            "A neurologist's review, ideally movement disorders, of criteria c1-c8 (c8 needs "
            "lab testing)."
        ),
    ),
    scoring.Category.PARTLY_CONSISTENT: (
        gettext_noop("The answers partly fit the working definition"),
        gettext_noop(
            "Some parts of the working definition are met and others are open or only partly "
            "met; the list of parts d1-d7 shows which, and the answers behind each."
        ),
        gettext_noop(
            "A clinician's review of the open and partly met parts: some wait for an "
            "examination or tests, others on how the runner describes the problem."
        ),
    ),
}


# not_consistent's next step when the flags below do list tests (one whole
# sentence, so that a translation need not glue two together).
NOT_CONSISTENT_NEXT_WITH_FLAGS = gettext_noop(
    "Look for another cause of the symptoms, starting with the tests named beside each flag above."
)
# Said in place of the criteria detail and axis I for not_consistent: both describe
# dystonia, which answers that do not describe the problem at all cannot point to.
DETAIL_LEFT_OUT = gettext_noop(
    "Criteria c1-c8 in detail and the dystonia classification (axis I) are left out: the "
    "answers do not point towards dystonia or a loss of coordination while running (d1, d2 or "
    "d3 is not met, table above). Their answers are in the appendix."
)


def and_join(words: Sequence[str]) -> str:
    """ "c3", "c3 and c4", "c3, c4 and c6": a list as a sentence writes it.

    >>> [and_join(ids) for ids in (["c3"], ["c3", "c4"], ["c3", "c4", "c6"])]
    ['c3', 'c3 and c4', 'c3, c4 and c6']
    """
    if len(words) < 2:
        return "".join(words)
    return _("%(most)s and %(last)s") % {"most": ", ".join(words[:-1]), "last": words[-1]}


@dataclass(frozen=True)
class AnswerLine:
    item_id: str
    question: str
    answer: str
    given: bool = True
    shown: bool = True  # whether the form asks it, given the other answers

    @property
    def left_blank(self) -> bool:
        return self.shown and not self.given

    @property
    def answer_class(self) -> str:
        # "not answered" and "not asked" are no answer: set in a lighter type.
        return "a" if self.given else "a a-none"

    @property
    def question_then(self) -> str:
        """The question ready to be followed by its answer on the same line."""
        if self.question.endswith(("?", ":")):
            return self.question
        # "… or the leg flops." becomes "… or the leg flops:", not "flops.:".
        return f"{self.question.removesuffix('.')}:"


def _answer_text_or_why_not(
    edition: Edition, item_id: str, answers: Mapping[str, Any], shown: bool
) -> str:
    if item_id in answers:
        text = edition.answer_text(item_id, answers[item_id])
        # Only answers sent to the API or the command line can do this: scored as
        # given (instrument.md), but the clinician should know no runner saw it
        # asked (for prior_diagnosis: no examination or test was reported).
        return text if shown else f"{text} {_('(given, though the form would not have asked it)')}"
    # A question its conditions kept from the runner was never skipped by them.
    return _("not answered") if shown else _("not asked")


def _answer_lines(
    edition: Edition, answers: Mapping[str, Any], item_ids: Sequence[str]
) -> list[AnswerLine]:
    lines = []
    for item_id in item_ids:
        shown = edition.instrument.ITEMS[item_id].is_shown(answers)
        text = _answer_text_or_why_not(edition, item_id, answers, shown)
        lines.append(
            AnswerLine(
                item_id, edition.item_label(item_id), text, given=item_id in answers, shown=shown
            )
        )
    return lines


def _shown_answers(
    edition: Edition, answers: Mapping[str, Any], printed: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """The appendix: answered, shown items in the form's steps and order, less the
    ``printed`` ones, which a table above already shows with their answer.

    The form asks the urgent questions first, on a step of their own, so the
    appendix does too; every other item stays in its instrument section.
    """
    instrument = edition.instrument
    steps = [("safety", instrument.URGENT_ITEM_IDS)] + [
        (section.id, tuple(i.id for i in section.items if i.id not in instrument.URGENT_ITEM_IDS))
        for section in instrument.SECTIONS
    ]
    groups = []
    for step_id, item_ids in steps:
        lines = []
        for item_id in item_ids:
            if item_id not in answers or not instrument.ITEMS[item_id].is_shown(answers):
                continue
            if item_id in printed:
                continue
            text = edition.answer_text(item_id, answers[item_id])
            lines.append(AnswerLine(item_id, edition.item_label(item_id), text))
        if lines:
            groups.append(
                {"title": edition.section_title(step_id), "lines": lines, "rows": _pairs(lines)}
            )
    return groups


# An answer longer than this takes a row of its own in the appendix.
LONG_ANSWER = 28


def _pairs(lines: Sequence[AnswerLine]) -> list[list[AnswerLine]]:
    """The appendix's rows: two short answers a row, read left to right (half the
    rows, at no layout cost: CSS columns doubled the render time), a long answer
    alone on its row with the width of both.

    >>> def line(answer): return AnswerLine("x", "Q?", answer)
    >>> rows = _pairs([line("No"), line("Yes"), line("x" * 40), line("No"), line("Yes")])
    >>> [[len(line.answer) for line in row] for row in rows]
    [[2, 3], [40], [2, 3]]
    >>> [[line.answer for line in row] for row in _pairs([line("No"), line("x" * 40)])]
    [['No'], ['xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx']]
    """
    rows: list[list[AnswerLine]] = []
    pending: AnswerLine | None = None
    for line in lines:
        if len(line.answer) > LONG_ANSWER:
            if pending:
                rows.append([pending])
                pending = None
            rows.append([line])
        elif pending:
            rows.append([pending, line])
            pending = None
        else:
            pending = line
    if pending:
        rows.append([pending])
    return rows


def _limit_grid(edition: Edition, answers: Mapping[str, Any]) -> dict[str, Any]:
    instrument = edition.instrument
    rows = []
    for activity in instrument.LIMIT_ACTIVITIES:
        cells = []
        for scale in instrument.LIMIT_SCALES:
            code = answers.get(f"{scale}_{activity}")
            if code is None:
                cells.append({"css": "lvl-blank", "symbol": "", "words": _("not answered")})
            else:
                css, symbol, words = LIMIT_LEVELS[code]
                cells.append({"css": css, "symbol": symbol, "words": _(words)})
        rows.append({"label": _(ACTIVITY_LABELS[activity]), "cells": cells})
    answered = any(
        f"{scale}_{activity}" in answers
        for activity in instrument.LIMIT_ACTIVITIES
        for scale in instrument.LIMIT_SCALES
    )
    legend = [
        {"css": css, "symbol": symbol, "words": _(words)}
        for css, symbol, words in LIMIT_LEVELS.values()
    ]
    return {
        "scales": [_(SCALE_TITLES[s]) for s in instrument.LIMIT_SCALES],
        "rows": rows,
        "answered": answered,
        "legend": legend,
    }


def unsaved_reference(answers: Mapping[str, Any]) -> str:
    """A short reference for a render with no stored submission, derived from the answers.

    The same answers always give the same reference, so the API and the
    command line produce identical documents; it is 8 characters of the
    submission alphabet taken from a SHA-256 of the canonical JSON.
    """
    canonical = json.dumps(answers, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    number = int.from_bytes(digest[:5], "big")
    return "".join(alphabet[(number >> shift) & 31] for shift in range(35, -1, -5))


def screening_json(
    answers: Mapping[str, Any],
    result: scoring.Result,
    reference: str,
    on: dt.date,
    followups: Sequence[Any] = (),
) -> dict[str, Any]:
    """The machine-readable twin of the document, attached as ``screening.json``.

    ``result`` is the one the document prints: for a stored submission the result
    as issued, with the texts it was issued with; each follow-up printed comes
    with its answers and its result as issued."""
    data = {
        "instrument": edition_of(result.instrument_version).instrument.INSTRUMENT_ID,
        "report_version": REPORT_VERSION,
        "reference": reference,
        "date": on.isoformat(),
        "answers": dict(answers),
        "result": result.to_dict(),
    }
    if followups:
        data["followups"] = since.followups_json(followups)
    return data


def result_for(
    answers: Mapping[str, Any],
    result: scoring.Result | None = None,
    instrument_version: str = CURRENT_VERSION,
) -> scoring.Result:
    """The result the document prints: ``result`` as given (a stored submission's,
    as issued), else the answers scored under ``instrument_version``, which for an
    unsaved render (the API, ``manage.py screen``) is the current version. The one
    place the report scores answers.

    :raises ValueError: when ``result`` was issued under another instrument version
        than the wording asked for: its rows would be titled in the wrong words.
    """
    if result is None:
        result = versions.scoring_for(instrument_version).score(answers)
    if not isinstance(result, scoring.Result):
        # A result of a frozen version's module: the same JSON, read back as issued.
        result = scoring.Result.from_dict(result.to_dict())
    if result.instrument_version != instrument_version:
        raise ValueError(
            f"a result of instrument version {result.instrument_version} cannot be printed "
            f"with the wording of version {instrument_version}"
        )
    return result


def context_for(
    answers: Mapping[str, Any],
    *,
    reference: str,
    on: dt.date,
    saved: bool,
    paper: str = DEFAULT_PAPER,
    result: scoring.Result | None = None,
    instrument_version: str = CURRENT_VERSION,
) -> dict[str, Any]:
    """Everything the template shows, already translated and in words.

    Rows are titled and answers worded in ``instrument_version``'s words; every
    status, flag and explanation comes from ``result`` (see :func:`result_for`).
    """
    result = result_for(answers, result, instrument_version)
    version = edition_of(instrument_version)
    rules = version.scoring
    explanations = result.explanations()
    components = [
        {
            "id": cid,
            "title": _(rules.COMPONENT_TITLES[cid]),
            "status": status.value,
            "symbol": STATUS_SYMBOLS[status],
            "words": _(STATUS_WORDS[status]),
            "answers": _answer_lines(version, answers, rules.RULE_INPUTS[cid]),
        }
        for cid, status in result.components
    ]
    criteria = [
        {
            "id": cid,
            "title": _(rules.CRITERION_TITLES[cid]),
            "status": status.value,
            "symbol": SUPPORT_SYMBOLS[status],
            "words": _(SUPPORT_WORDS[status]),
            "answers": _answer_lines(version, answers, rules.RULE_INPUTS[cid]),
            "explanation": _(explanations[cid]),
        }
        for cid, status in result.criteria
    ]
    flag_groups = [
        {
            "severity": severity.value,
            "title": _(SEVERITY_TITLES[severity]),
            "symbol": SEVERITY_SYMBOLS[severity],
            "flags": [
                {
                    "code": flag.code,
                    # As issued: the texts the flag was raised with, in its version.
                    "title": _(flag.title),
                    "reason": _(flag.explanation),
                    "tests": [_(test) for test in flag.tests],
                }
                for flag in flags
            ],
        }
        for severity, flags in result.flags_by_severity()
    ]
    pressing = [g for g in flag_groups if g["severity"] in ("urgent", "prompt")]
    headline, meaning, next_step = CLINICIAN_TEXTS[result.category]
    if result.category is scoring.Category.NOT_CONSISTENT and result.flags:
        next_step = NOT_CONSISTENT_NEXT_WITH_FLAGS
    # Beside the tests the flags suggest, so that none is ordered again unseen.
    tests = version.instrument.TESTS
    tests_done = _answer_lines(
        version, answers, tuple(t for t in tests if answers.get(t) not in (None, "not_done"))
    )
    tests_unanswered = sum(1 for t in tests if t not in answers)
    axis1 = []
    for key, value in result.axis1.to_dict().items():
        lines = _answer_lines(version, answers, axis1_sources(key, instrument_version))
        # Said beside the value: "isolated" from one answer of three is weaker.
        blank = sum(1 for line in lines if line.left_blank)
        axis1.append(
            {
                "title": _(AXIS1_TITLES[key]),
                "value": _(AXIS1_WORDS[value]),
                "unanswered": blank if len(lines) > 1 else 0,
                "questions": len(lines),
                "answers": lines,
                # Variability is read from c1's answers: the c1 row above shows them.
                "as_c1": AXIS1_SOURCES[key] is None,
            }
        )
    narrative = [
        {"title": version.item_label(item_id), "text": answers[item_id]}
        for item_id in NARRATIVE_ITEMS
        if item_id in answers
    ]
    # The criteria in detail and axis I describe dystonia: printed when the answers
    # point towards it or towards a loss of coordination at all (issue 17).
    detail_shown = result.category is not scoring.Category.NOT_CONSISTENT
    # Every item a table or list of the document prints with its answer; the
    # appendix gives the rest. The facts table on page 1 shows side, the marked
    # regions and (as the pattern, or "runner unsure") where it started.
    printed = {
        "side",
        "regions",
        "first_region",
        *NARRATIVE_ITEMS,
        *(line.item_id for line in tests_done),
        *(
            f"{scale}_{activity}"
            for scale in version.instrument.LIMIT_SCALES
            for activity in version.instrument.LIMIT_ACTIVITIES
        ),
        *(item for row in components for item in rules.RULE_INPUTS[row["id"]]),
    }
    if detail_shown:
        printed.update(item for row in criteria for item in rules.RULE_INPUTS[row["id"]])
        printed.update(line.item_id for row in axis1 for line in row["answers"])
    # c8 is judged by lab testing (always clinician_only); others may wait for an examination.
    examined = [
        cid for cid, status in result.criteria if status.value == "clinician_only" and cid != "c8"
    ]
    side = answers.get("side")
    return {
        "lang": translation.get_language() or settings.LANGUAGE_CODE,
        "paper": paper,
        "reference": reference,
        "saved": saved,
        "date": on,
        "created": f"{on.isoformat()}T00:00:00Z",
        "instrument_version": result.instrument_version,
        "scoring_version": result.scoring_version,
        "report_version": REPORT_VERSION,
        "category": result.category.value,
        "headline": _(headline),
        "category_text": _(meaning),
        "next_step": _(next_step),
        "verdict": _(VERDICT_WORDS[result.verdict]),
        "unmet_parts": [row["id"][:2] for row in components if row["status"] == "not_met"],
        "pressing_groups": pressing,
        "criteria_supported": result.criteria_supported,
        "criteria_count": len(result.criteria),
        "examined": and_join(examined),
        "examined_count": len(examined),
        "pattern": _(PATTERN_WORDS[result.pattern]),
        "side": version.code_label("side", side) if side else _("not answered"),
        "regions": [version.code_label("regions", r) for r in answers.get("regions", [])],
        "bodymap": bodymap.svg(
            regions=answers.get("regions", []),
            first_region=answers.get("first_region"),
            side=side,
        ),
        "first_region_words": bodymap.legend_first_region(answers.get("first_region")),
        "side_unsure": side not in ("left", "right", "both"),
        "json_name": JSON_ATTACHMENT_NAME,
        "components": components,
        "criteria": criteria,
        "flag_groups": flag_groups,
        "tests_done": tests_done,
        "tests_unanswered": tests_unanswered,
        "tests_count": len(tests),
        "marked_on": _("the affected leg") if side in ("left", "right") else _("both legs"),
        "axis1": axis1,
        "limits": _limit_grid(version, answers),
        "narrative": narrative,
        "all_answers": _shown_answers(version, answers, frozenset(printed)),
        "synopsis": synopsis.synopsis(answers),
        "detail_shown": detail_shown,
        "detail_left_out": _(DETAIL_LEFT_OUT),
        "fhir_name": FHIR_ATTACHMENT_NAME,
    }


# --- rendering ------------------------------------------------------------------

# Rules of WeasyPrint's HTML user-agent stylesheet that cannot match anything in
# templates/report/: bidi ``dir`` attributes, links, footnotes and notes, form
# fields, table ``rules``/``frame`` attributes and hidden table parts. Most of
# them have no element name on their right-hand side, so cssselect2 tries them on
# every element. Each is one whole line of WeasyPrint's html5_ua.css; the
# @counter-style rules are dropped too because the counter styles WeasyPrint
# registered when it loaded its own sheet stay in use.
# test_report.py renders every vignette both ways and asserts identical bytes.
UA_RULES_NOT_USED = (
    "[dir",
    ":is(dir, menu, ol, ul)[dir",
    "dd[dir",
    ":link",
    "::footnote",
    "::note",
    "table:is([rules]",
    ":is(colgroup",
    ":is(input",
    "button",
    "fieldset",
    "input",
    "select",
    "textarea",
    "@counter-style",
)


def _report_ua_stylesheet() -> weasyprint.CSS:
    from weasyprint.css.counters import CounterStyle
    from weasyprint.html import UA

    kept = (line for line in UA.splitlines() if not line.startswith(UA_RULES_NOT_USED))
    return weasyprint.CSS(string="\n".join(kept), counter_style=CounterStyle())


REPORT_UA_STYLESHEET = _report_ua_stylesheet()


class ReportHTML(weasyprint.HTML):
    """WeasyPrint's HTML with the user-agent rules our template can never match left out.

    About 6% of a full report went into matching them against every element.
    """

    def _ua_stylesheets(self, forms: bool = False) -> list[weasyprint.CSS]:
        return [REPORT_UA_STYLESHEET]


_collector_lock = threading.Lock()
_collector_renders = 0  # renders in progress in this process
_collector_was_enabled = False


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a report is laid out and written.

    A render allocates hundreds of thousands of short-lived objects, so the
    collector ran about 90 times per report, once over the whole process heap
    (Django included): some 60 ms of a ~550 ms render. Paused, the render's
    cyclic garbage waits until the end, when one collection of the two young
    generations frees it, so memory stays flat. Renders in several threads
    share the pause; the collector is only switched back on if it was on.
    """
    global _collector_renders, _collector_was_enabled
    with _collector_lock:
        if _collector_renders == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _collector_renders += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_renders -= 1
            resume = _collector_renders == 0 and _collector_was_enabled
            if resume:
                gc.enable()
        if resume:
            gc.collect(1)


_lock = threading.Lock()
_stylesheets: dict[str, list[weasyprint.CSS]] = {}


def _stylesheets_for(paper: str) -> list[weasyprint.CSS]:
    """Parsed once per process and paper size: parsing the print CSS is not free."""
    with _lock:
        if paper not in _stylesheets:
            fetcher = StaticOnlyFetcher()
            _stylesheets[paper] = [
                weasyprint.CSS(filename=str(STYLESHEET), url_fetcher=fetcher),
                weasyprint.CSS(
                    string=f"@page {{ size: {PAPER_SIZES[paper]}; }}", url_fetcher=fetcher
                ),
            ]
        return _stylesheets[paper]


_fonts = threading.local()


def _font_config() -> FontConfiguration:
    """One Fontconfig/Pango font configuration per thread, reused by every render.

    WeasyPrint otherwise builds a new one per document: it reloads the
    Fontconfig configuration and starts a Pango font map with empty caches, about
    a tenth of the full report's render time. The report has no ``@font-face``
    rule, so the configuration only ever holds the system fonts and does not grow
    with the documents rendered. Pango font maps are not thread-safe, hence one
    per thread.
    """
    config = getattr(_fonts, "config", None)
    if config is None:
        config = _fonts.config = FontConfiguration()
    return config


def render_html(context: Mapping[str, Any]) -> str:
    return render_to_string("report/summary.html", dict(context))


def attachments_for(
    answers: Mapping[str, Any],
    result: scoring.Result,
    reference: str,
    on: dt.date,
    followups: Sequence[Any] = (),
) -> list[weasyprint.Attachment]:
    """Every file embedded in the PDF. Add further machine-readable twins here
    (for example a FHIR QuestionnaireResponse) so that all entry points get them."""
    stamp = dt.datetime.combine(on, dt.time(), tzinfo=dt.UTC)
    data = json.dumps(
        screening_json(answers, result, reference, on, followups), ensure_ascii=False, indent=2
    ).encode("utf-8")
    bundle = fhir.score_bundle(answers, result, response_id=reference, authored=on)
    for item in sorted(followups, key=lambda item: item.number):
        # Each follow-up as a response of the follow-up Questionnaire, linked to this one.
        response = fhir.followup_response(
            item.answers,
            item.created_on,
            resource_id=f"{reference}-followup-{item.number}",
            screening_response_id=reference,
        )
        bundle.setdefault("entry", []).append({"resource": response})
    fhir_data = json.dumps(bundle, ensure_ascii=False, indent=2).encode("utf-8")
    return [
        weasyprint.Attachment(
            string=content,
            name=name,
            description=description,
            created=stamp,
            modified=stamp,
            relationship="Data",
            url_fetcher=StaticOnlyFetcher(),
        )
        for content, name, description in (
            (data, JSON_ATTACHMENT_NAME, _("Answers and result as JSON (Stride Screen)")),
            (
                fhir_data,
                FHIR_ATTACHMENT_NAME,
                _("FHIR R4 QuestionnaireResponse and result Observations (Bundle)"),
            ),
        )
    ]


def render_pdf(
    answers: Mapping[str, Any],
    *,
    reference: str | None = None,
    on: dt.date | None = None,
    paper: str = DEFAULT_PAPER,
    result: scoring.Result | None = None,
    instrument_version: str = CURRENT_VERSION,
    followups: Sequence[Any] = (),
) -> bytes:
    """The PDF for clean answers. ``reference=None`` means an unsaved render.

    ``followups`` (a stored submission's, ``screening.models.FollowUp``) add the
    section "Since the first screening" (the latest) and go into the attachments.

    ``result`` is the stored result of a submission (as issued) and
    ``instrument_version`` its version; without a result the answers are scored
    under ``instrument_version`` (the current one for the API and ``screen``).

    PDF/UA-1 rather than PDF/A-3u with tags: the reader is a clinician, often
    with a screen reader or a phone, so the structure tree, language and title
    that PDF/UA requires matter more than archival conformance; WeasyPrint 70
    writes PDF/UA-1 as PDF 1.7 with tags, which also carries the embedded JSON.
    """
    if paper not in PAPER_SIZES:
        raise ValueError(f"paper must be one of {', '.join(PAPER_SIZES)}")
    on = on or dt.date.today()
    saved = reference is not None
    reference = reference or unsaved_reference(answers)
    result = result_for(answers, result, instrument_version)
    context = context_for(
        answers,
        reference=reference,
        on=on,
        saved=saved,
        paper=paper,
        result=result,
        instrument_version=instrument_version,
    )
    context = {**context, "since": since.since_context(answers, followups)}
    with _collector_paused():
        # A function of its own so that the parsed document and its boxes are
        # unreachable by the time the paused collector runs.
        return _render(context, paper, answers, result, reference, on, followups)


def _render(
    context: Mapping[str, Any],
    paper: str,
    answers: Mapping[str, Any],
    result: scoring.Result,
    reference: str,
    on: dt.date,
    followups: Sequence[Any] = (),
) -> bytes:
    html = ReportHTML(
        string=render_html(context),
        base_url=STATIC_DIR.as_uri() + "/",
        url_fetcher=StaticOnlyFetcher(),
    )
    return html.write_pdf(
        stylesheets=_stylesheets_for(paper),
        font_config=_font_config(),
        attachments=attachments_for(answers, result, reference, on, followups),
        pdf_variant=PDF_VARIANT,
        # No pdf_identifier: given one, pydyf serializes and recompresses (zlib
        # level 9) every object a second time only to hash them for the trailer's
        # /ID, about a tenth of the render. PDF/UA-1 (like PDF 1.7 without
        # encryption) does not require /ID; the document stays deterministic.
        presentational_hints=False,
        uncompressed_pdf=False,
    )


def filename_for(reference: str) -> str:
    return f"stride-screen-summary-{reference}.pdf"


def followups_of(submission: Any, *, shared_only: bool = False) -> list[Any]:
    """The follow-ups a submission's PDF prints: all of them for the runner, the shared
    ones for a reviewer."""
    rows = submission.followups.order_by("number")
    return list(rows.filter(share_for_research=True) if shared_only else rows)


def _variant(submission: Any, paper: str, followups: Sequence[Any] = ()) -> str:
    """Everything that can change a stored submission's PDF without the submission changing.

    The PDF prints the result as issued, so the scoring version is the one it was
    issued under (the current rules do not change it), beside the instrument
    version whose wording it is printed in. The versions come first, so that
    ``_versions_prefix`` names every variant of one report layout."""
    return "|".join(
        (
            _versions_prefix(submission),
            paper,
            translation.get_language() or "",
            # Which follow-ups it prints (a new one, or a reviewer's shared-only copy).
            ",".join(str(item.number) for item in followups),
        )
    )


def _versions_prefix(submission: Any) -> str:
    return "|".join(
        (
            REPORT_VERSION,
            str(submission.issued_result.get("scoring_version", "")),
            submission.instrument_version,
        )
    )


def cached_submission_pdf(
    submission: Any, paper: str = DEFAULT_PAPER, followups: Sequence[Any] | None = None
) -> bytes | None:
    """The stored submission's PDF as rendered before, or None when it must be rendered.

    The bytes live in the database beside their submission (screening.models.RenderedPdf),
    one row per variant (paper and language, under the current versions), so that
    asking for A4 and Letter in turn does not render each time, and deleting the
    submission deletes them with it. An expired row is ignored (purge_expired deletes it).
    """
    pdf = (
        RenderedPdf.objects.live()
        .filter(
            submission_id=submission.pk,
            variant=_variant(
                submission, paper, followups_of(submission) if followups is None else followups
            ),
        )
        .values_list("pdf", flat=True)
        .first()
    )
    return bytes(pdf) if pdf is not None else None


def render_submission_pdf(
    submission: Any, paper: str = DEFAULT_PAPER, followups: Sequence[Any] | None = None
) -> bytes:
    """Render a stored submission's PDF and keep it beside its other variants.

    Variants of other versions are dropped: they can never be asked for again. A
    submission deleted during the render keeps nothing (RenderedPdf.keep), and the
    request that asked still gets its PDF.
    """
    if followups is None:
        followups = followups_of(submission)
    pdf = render_pdf(
        submission.answers,
        reference=submission.reference,
        on=submission.created_on,
        paper=paper,
        result=submission.result(),
        instrument_version=submission.instrument_version,
        followups=followups,
    )
    RenderedPdf.keep(
        submission.pk,
        _variant(submission, paper, followups),
        pdf,
        drop_unlike=_versions_prefix(submission) + "|",
    )
    return pdf
