"""The runner's way through the questionnaire: steps, resume codes, drafts, submit.

No HTTP here: views call these functions with plain values, so the rules of
the journey (which step comes next, what a code opens, when a draft expires)
are tested without a browser.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from screening import versions
from screening.access import hash_code, live_draft
from screening.instrument import (
    ITEMS,
    SECTIONS,
    URGENT_ITEM_IDS,
    AnswersInvalid,
    drop_hidden,
    validate,
)
from screening.models import Draft, Submission, today

CONSENT_VERSION = "1"


@dataclass(frozen=True)
class Step:
    id: str
    item_ids: tuple[str, ...]
    # A step whose every item is optional may be skipped as a whole.
    skippable: bool = False


# The optional steps at the end of the journey (the limitation grid, the runner's
# own words): one "Skip" at the top of the first skips the rest too, so that a
# runner who wants to finish goes straight to the check page.
OPTIONAL_STEP_IDS = ("limits", "narrative")


# Items asked on another step than their section's, so that no step is more than
# three phone screens tall (issue 17): the care step was the longest by far, so
# what has been done and what has happened since the problem began (operations
# and injections, later injuries) is asked with how it has changed; the care
# step keeps the examinations, the tests and what clinicians said.
ASKED_ON: dict[str, str] = {"procedures": "course", "secondary_injuries": "course"}


def _steps() -> tuple[Step, ...]:
    steps = [Step("safety", URGENT_ITEM_IDS)]
    for section in SECTIONS:
        item_ids = tuple(
            i.id
            for i in section.items
            if i.id not in URGENT_ITEM_IDS and ASKED_ON.get(i.id, section.id) == section.id
        )
        item_ids += tuple(
            i.id for s in SECTIONS for i in s.items if ASKED_ON.get(i.id) == section.id
        )
        skippable = section.id in OPTIONAL_STEP_IDS
        assert not skippable or not any(i.required for i in section.items)
        steps.append(Step(section.id, item_ids, skippable=skippable))
    return tuple(steps)


STEPS: tuple[Step, ...] = _steps()
STEP_BY_ID: dict[str, Step] = {step.id: step for step in STEPS}
STEP_IDS: tuple[str, ...] = tuple(STEP_BY_ID)
STEP_OF_ITEM: dict[str, str] = {item_id: step.id for step in STEPS for item_id in step.item_ids}
assert set(STEP_OF_ITEM) == set(ITEMS), "every item is asked on exactly one step"


def step_number(step_id: str) -> int:
    return STEP_IDS.index(step_id) + 1


def previous_step(step_id: str) -> str | None:
    index = STEP_IDS.index(step_id)
    return STEP_IDS[index - 1] if index else None


def following_step(step_id: str) -> str | None:
    index = STEP_IDS.index(step_id) + 1
    return STEP_IDS[index] if index < len(STEP_IDS) else None


def skipped_with(step_id: str, completed: list[str]) -> tuple[str, ...]:
    """The steps a "Skip" on ``step_id`` skips: it, and the skippable steps right
    after it that are not saved yet.

    >>> skipped_with("limits", ["safety", "about"])
    ('limits', 'narrative')
    >>> skipped_with("limits", ["narrative"])
    ('limits',)
    >>> skipped_with("narrative", [])
    ('narrative',)
    """
    skipped = [step_id]
    for following in STEP_IDS[STEP_IDS.index(step_id) + 1 :]:
        if not STEP_BY_ID[following].skippable or following in completed:
            break
        skipped.append(following)
    return tuple(skipped)


def first_open_step(completed: list[str]) -> str | None:
    """The first step not saved yet, in order, or None when every step is saved."""
    return next((step_id for step_id in STEP_IDS if step_id not in completed), None)


def may_open(step_id: str, completed: list[str]) -> bool:
    """A step can be opened once every step before it is saved (no skipping ahead)."""
    open_step = first_open_step(completed)
    return open_step is None or STEP_IDS.index(step_id) <= STEP_IDS.index(open_step)


# --- resume codes -----------------------------------------------------------------

# Crockford's base32: digits and capitals without I, L, O, U, so a code read
# aloud or typed from paper survives; 13 symbols carry 65 random bits.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 13
_CONFUSABLE = str.maketrans({"I": "1", "L": "1", "O": "0"})


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """ABCDEFGHJKMNP -> ABCD-EFGH-JKMN-P, easier to read and copy."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _is_separator(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) == "Pd" or ch == "\u2212"


def normalize_code(text: str) -> str | None:
    """What the runner typed as a canonical code, or None if it cannot be one.

    >>> normalize_code(" abcd-efgh jkmn-p ")
    'ABCDEFGHJKMNP'
    >>> normalize_code("ILO0-0000-0000-0")
    '1100000000000'
    >>> normalize_code("ABCD") is None
    True

    Any space or dash a phone or a copied message may put in counts as a
    separator (no-break space, en dash, non-breaking hyphen, minus sign, a line
    break), and full-width letters as their plain forms:

    >>> normalize_code("abcd\u00a0efgh\u2013jkmn\u2011p") == normalize_code("ＡＢＣＤ－EFGH JKMN-P")
    True
    """
    wide = unicodedata.normalize("NFKC", text).upper()
    cleaned = "".join(ch for ch in wide if not _is_separator(ch)).translate(_CONFUSABLE)
    if len(cleaned) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in cleaned):
        return None
    return cleaned


# --- drafts -------------------------------------------------------------------------


def start_draft() -> tuple[Draft, str]:
    """A new empty draft and its code (the code is returned once and never stored)."""
    code = new_code()
    return Draft.objects.create(code_hash=hash_code(code)), code


def code_for_first_page(mark: str) -> str:
    """The code of the screening that a first page, shown before any screening, starts.

    Derived from the page's random mark (128 bits, in that page only) with the
    secret key, so that every post of that one page, however many arrive at once,
    names the same code: the draft's unique code hash then lets one of them start
    the draft and gives the others the same draft and code.
    """
    digest = hmac.new(
        settings.SECRET_KEY.encode(), b"first-page:" + mark.encode(), hashlib.sha256
    ).digest()
    number = int.from_bytes(digest, "big")
    symbols = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, len(CODE_ALPHABET))
        symbols.append(CODE_ALPHABET[index])
    return "".join(symbols)


def claim_first_page(mark: str) -> tuple[Draft, str, bool] | None:
    """The draft a first page starts, its code, and whether this call created it.

    Of many posts of one page at once, one creates the draft (the unique code
    hash decides, in the database); the others wait for it and get that draft.
    None when the page's code cannot be used (its draft has expired but is not
    purged yet, or it was sent): the caller starts a draft with a random code.
    """
    code = code_for_first_page(mark)
    code_hash = hash_code(code)
    if Submission.objects.filter(code_hash=code_hash).exists():
        return None
    try:
        with transaction.atomic():
            return Draft.objects.create(code_hash=code_hash), code, True
    except IntegrityError:
        draft = live_draft(code_hash)
    return (draft, code, False) if draft is not None else None


def carry_over(draft: Draft) -> tuple[str, ...]:
    """Bring a draft started under an earlier instrument version to the current one.

    Returns the items that are new to its runner (empty when the draft is
    current), so that the page saved next can say so, once: the draft is
    current from this save on.
    """
    if draft.instrument_version == versions.CURRENT_VERSION:
        return ()
    draft.answers = versions.carry_over_v1_answers(draft.answers)
    draft.instrument_version = versions.CURRENT_VERSION
    return versions.NEW_SINCE_V1


def save_step(draft: Draft, step_id: str, step_answers: Mapping[str, Any]) -> Draft | None:
    """Replace the answers of one step, clear what became hidden, and mark it saved.

    ``step_answers`` maps the step's item ids to clean values; ``None`` means
    not answered. Answers that the new ones hide are removed here, on the
    server, so they never reach scoring, the review page or the summary.
    Returns None when the draft is gone: submitted or deleted in another tab
    since it was read.
    """
    step = STEP_BY_ID[step_id]
    answers = {k: v for k, v in draft.answers.items() if k not in step.item_ids}
    answers.update({k: v for k, v in step_answers.items() if k in step.item_ids and v is not None})
    draft.answers = drop_hidden(answers)
    if step_id not in draft.completed_steps:
        draft.completed_steps = [*draft.completed_steps, step_id]
    draft.updated_on = today()
    fields = ("answers", "completed_steps", "updated_on", "instrument_version")
    saved = Draft.objects.filter(pk=draft.pk).update(**{f: getattr(draft, f) for f in fields})
    return draft if saved else None


def check(answers: Mapping[str, Any]) -> dict[str, list[str]]:
    """Problems that stop a submit, as step id -> item ids (empty when all is well)."""
    try:
        validate(drop_hidden(answers))
    except AnswersInvalid as error:
        problems: dict[str, list[str]] = {}
        for item_id in error.errors:
            problems.setdefault(STEP_OF_ITEM.get(item_id, STEP_IDS[0]), []).append(item_id)
        return {step_id: problems[step_id] for step_id in STEP_IDS if step_id in problems}
    return {}


@transaction.atomic
def submit(draft: Draft, *, share_for_research: bool) -> Submission:
    """Turn a complete draft into one submission and delete the draft.

    Submitting again with the same code (double click, reload, back and
    submit) returns the submission made the first time: the code hash is
    unique on submissions, so a race ends in one row too.

    :raises AnswersInvalid: when the answers are not complete and valid.
    """
    existing = Submission.objects.filter(code_hash=draft.code_hash).first()
    if existing is not None:
        return existing
    answers = validate(drop_hidden(draft.answers))
    fields = Submission.fields_from(answers)
    try:
        with transaction.atomic():
            submission = Submission.objects.create(
                **fields,
                code_hash=draft.code_hash,
                share_for_research=share_for_research,
                consent_version=CONSENT_VERSION,
                consent_on=today(),
            )
    except IntegrityError:
        return Submission.objects.get(code_hash=draft.code_hash)
    Draft.objects.filter(pk=draft.pk).delete()
    return submission


def delete_everything(code_hash: str) -> int:
    """Delete the draft and the submission a code opens, at once. Returns rows deleted."""
    with transaction.atomic():
        _, drafts = Draft.objects.filter(code_hash=code_hash).delete()
        _, submissions = Submission.objects.filter(code_hash=code_hash).delete()
    return drafts.get("screening.Draft", 0) + submissions.get("screening.Submission", 0)
