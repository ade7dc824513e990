"""Instrument v2 of the loss-of-leg-coordination screen, as data.

This module is the single source of item ids, answer codes, ranges, sections,
requirements and display conditions. It is the contract of
``../shared/instrument.md`` (beside the checkout) turned into Python, and it imports nothing from
Django so that the scoring engine, the command line and the exports can use it
anywhere.

Question wording lives with the form (``screening/questions.py``); this module
only knows what an answer may be. Version 1 is frozen in ``screening/v1``;
:mod:`screening.versions` says which module defines which version.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

INSTRUMENT_ID = "llc-screen"
INSTRUMENT_VERSION = "2"

TEXT_MAX_LENGTH = 2000

# A multi-choice list holding one of these codes holds nothing else.
EXCLUSIVE_CODES = frozenset({"none", "none_helped", "not_tried"})


class Kind(StrEnum):
    ENUM = "enum"
    MULTI = "multi"
    INT = "int"
    TEXT = "text"


class Op(StrEnum):
    """Comparison used in a display condition (a subset of FHIR enableWhen)."""

    EQUALS = "="
    NOT_EQUALS = "!="
    GREATER = ">"


@dataclass(frozen=True)
class When:
    """One test on an earlier answer. Multi answers match when they contain ``value``."""

    item_id: str
    op: Op
    value: str | int

    def holds(self, answers: Mapping[str, Any]) -> bool:
        answer = answers.get(self.item_id)
        if answer is None:
            return False
        if isinstance(answer, list):
            contained = self.value in answer
            return contained if self.op is Op.EQUALS else not contained
        if self.op is Op.EQUALS:
            return bool(answer == self.value)
        if self.op is Op.NOT_EQUALS:
            return bool(answer != self.value)
        return isinstance(answer, int) and isinstance(self.value, int) and answer > self.value


@dataclass(frozen=True)
class Item:
    id: str
    kind: Kind
    codes: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    required: bool = False
    # The item is asked only when any of these holds; empty means always asked.
    shown_when: tuple[When, ...] = ()

    def is_shown(self, answers: Mapping[str, Any]) -> bool:
        return not self.shown_when or any(w.holds(answers) for w in self.shown_when)


@dataclass(frozen=True)
class Section:
    id: str
    items: tuple[Item, ...] = field(default_factory=tuple)


def _enum(item_id: str, codes: str, *, required: bool = False, **kw: Any) -> Item:
    return Item(item_id, Kind.ENUM, tuple(codes.split()), required=required, **kw)


def _multi(item_id: str, codes: str, *, required: bool = False) -> Item:
    return Item(item_id, Kind.MULTI, tuple(codes.split()), required=required)


def _int(item_id: str, low: int, high: int, *, required: bool = False) -> Item:
    return Item(item_id, Kind.INT, min=low, max=high, required=required)


YES_NO = "yes no"
YES_NO_UNSURE = "yes no unsure"
TEST_RESULT = "not_done normal abnormal unsure"
LIMIT_LEVELS = "no_limit limited cannot not_tried"

# The survey's limitation grid (Appendix C of the review article).
LIMIT_ACTIVITIES = (
    "easy_trails",
    "easy_road",
    "hard30_trails",
    "hard30_road",
    "intervals_trails",
    "intervals_track",
    "race_xc",
    "race_track",
    "race_road",
)
LIMIT_SCALES = ("worst", "typical")

TESTS = (
    "test_mri_spine",
    "test_mri_hip",
    "test_nerve_conduction",
    "test_abi_exercise",
    "test_compartment_pressure",
    "test_blood",
)

# The three urgent questions are asked first, on a step of their own, even
# though the contract files them under "course": an emergency is answered
# before anything else.
URGENT_ITEM_IDS = ("bladder_bowel_saddle", "sudden_weakness", "acute_limb")

SECTIONS: tuple[Section, ...] = (
    Section(
        "about",
        (
            _int("age", 12, 100, required=True),
            _enum("sex", "female male other prefer_not"),
            _int("running_years", 0, 80, required=True),
            _int("weekly_km", 0, 400),
            _enum("level", "recreational club school_college elite"),
            _int("onset_age", 5, 100, required=True),
            _enum("side", "left right both unsure", required=True),
            _enum("onset_activity", "running cycling walking other unsure", required=True),
        ),
    ),
    Section(
        "symptoms",
        (
            _multi("sensations", "aching tightness soreness weakness none", required=True),
            _enum("coordination_loss", "always sometimes never", required=True),
            _enum("context", "only_running mainly_running also_other", required=True),
            _enum("relief_on_stopping", "fast slow no"),
            _multi(
                "regions",
                "glutes hip_front quads hamstrings knee calf shin ankle foot toes",
                required=True,
            ),
            _enum("first_region", "hip_thigh calf_shin foot_ankle_toes unsure", required=True),
            _multi(
                "gait_signs",
                "crossover leg_rotates_out leg_rotates_in foot_splay foot_turns_in "
                "foot_turns_out foot_drop_drag toe_curl knee_control trips "
                "shoe_wear_asymmetry none",
            ),
            _enum("muscles_pull", YES_NO_UNSURE),
        ),
    ),
    Section(
        "exclusions",
        (
            _enum("numbness", YES_NO, required=True),
            _enum("tingling", YES_NO, required=True),
            _enum("burning", YES_NO, required=True),
            _enum("shooting_pain", YES_NO, required=True),
            _enum("localized_pain", YES_NO, required=True),
            _int("pain_level", 0, 10, required=True),
            _enum(
                "pain_before",
                YES_NO_UNSURE,
                shown_when=(
                    When("pain_level", Op.GREATER, 0),
                    When("localized_pain", Op.EQUALS, "yes"),
                ),
            ),
            _enum("weakness_daily", YES_NO, required=True),
            _enum("back_pain_radiating", YES_NO),
            _enum("groin_hip_pain", YES_NO),
            _enum("exertional_calf", YES_NO),
        ),
    ),
    Section(
        "triggers",
        (
            _enum("faster_worse", YES_NO_UNSURE),
            _enum("flat_worse", YES_NO_UNSURE),
            _enum("continuous_worse", YES_NO_UNSURE),
            _multi(
                "other_activity_triggers",
                "cycling elliptical swimming aquajogging walking stairs none",
            ),
            _multi(
                "tricks",
                "backwards sideways barefoot_grass trails run_in_place shoes dual_task "
                "none_helped not_tried",
            ),
            _enum("gym_strength_equal", YES_NO_UNSURE),
            _enum("gait_video", YES_NO),
        ),
    ),
    Section(
        "course",
        (
            _enum("walking", "none slight significant", required=True),
            _enum("spread_other", YES_NO),
            _enum("course", "improving stable fluctuating worsening"),
            _enum("rest_tremor", YES_NO, required=True),
            _enum("parkinsonism", YES_NO),
            _enum("other_neuro", YES_NO),
            _enum("bladder_bowel_saddle", YES_NO, required=True),
            _enum("sudden_weakness", YES_NO, required=True),
            _enum("acute_limb", YES_NO, required=True),
            _multi("family_history", "dystonia parkinsons none unsure"),
        ),
    ),
    Section(
        "care",
        (
            _enum("exam_ortho", "not_examined nothing_found minor_findings clear_cause"),
            _enum("exam_neuro", "not_done normal abnormal"),
            *(_enum(test, TEST_RESULT) for test in TESTS),
            # Asked of a runner who has seen a clinician: an examination or any
            # test done (tests are ordered by clinicians). Without that, d7 stays
            # unknown, as instrument.md says of a runner who has seen no one yet:
            # "none" (no cause named yet) means a clinician looked and named none.
            # It comes after the tests, as in version 1, because it reads them.
            _enum(
                "prior_diagnosis",
                "none dystonia other_full other_partial unsure",
                shown_when=tuple(
                    When(item_id, Op.EQUALS, done)
                    for item_id, done_codes in (
                        ("exam_ortho", "nothing_found minor_findings clear_cause"),
                        ("exam_neuro", "normal abnormal"),
                        *((test, "normal abnormal unsure") for test in TESTS),
                    )
                    for done in done_codes.split()
                ),
            ),
            _multi(
                "procedures",
                "spine_surgery hip_surgery knee_surgery nerve_release compartment_release "
                "other_surgery injections none",
            ),
            _multi(
                "secondary_injuries",
                "stress_fracture plantar_fascia achilles knee hip hamstring calf other none",
            ),
        ),
    ),
    Section(
        "limits",
        tuple(
            _enum(f"{scale}_{activity}", LIMIT_LEVELS)
            for activity in LIMIT_ACTIVITIES
            for scale in LIMIT_SCALES
        ),
    ),
    Section(
        "narrative",
        (
            Item("own_words", Kind.TEXT),
            Item("what_helped", Kind.TEXT),
        ),
    ),
)

ITEMS: dict[str, Item] = {item.id: item for section in SECTIONS for item in section.items}
SECTION_OF: dict[str, str] = {item.id: section.id for section in SECTIONS for item in section.items}
REQUIRED_ITEM_IDS = tuple(item_id for item_id, item in ITEMS.items() if item.required)


def _encodes_as_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class ErrorCode(StrEnum):
    NOT_AN_OBJECT = "not_an_object"
    UNKNOWN_ITEM = "unknown_item"
    WRONG_TYPE = "wrong_type"
    UNKNOWN_CODE = "unknown_code"
    OUT_OF_RANGE = "out_of_range"
    REQUIRED = "required"
    EXCLUSIVE_MIXED = "exclusive_mixed"
    DUPLICATE = "duplicate"
    ONSET_AFTER_AGE = "onset_after_age"
    TOO_LONG = "too_long"
    REPLACED_ITEM = "replaced_item"
    MALFORMED_JSON = "malformed_json"


@dataclass(frozen=True)
class ItemError:
    code: ErrorCode
    message: str


# Items of an earlier version that this version replaced: answers that still use
# one are refused with an error naming its replacement (instrument.md, Result).
REPLACED_ITEMS: dict[str, str] = {"diagnosis_explains": "prior_diagnosis"}

# The key under which a problem with the whole object (not one item) is reported.
WHOLE_OBJECT = "answers"


class AnswersInvalid(ValueError):
    """Raised by :func:`validate`; ``errors`` maps each bad item id to its problems."""

    def __init__(self, errors: dict[str, list[ItemError]]) -> None:
        super().__init__(", ".join(sorted(errors)))
        self.errors = errors

    def messages(self) -> dict[str, list[str]]:
        """The ``{"errors": ...}`` body of the contract: item id -> messages."""
        return {item_id: [e.message for e in errs] for item_id, errs in self.errors.items()}


def _is_int(value: object) -> bool:
    # JSON true/false arrive as Python bools, which are ints; they are not answers.
    return isinstance(value, int) and not isinstance(value, bool)


def check_item(item: Item, value: object) -> tuple[object, list[ItemError]]:
    """Return (clean value or None when unanswered, problems)."""
    if value is None:
        return None, []
    if item.kind is Kind.INT:
        if not _is_int(value):
            return None, [ItemError(ErrorCode.WRONG_TYPE, "must be a whole number")]
        assert isinstance(value, int) and item.min is not None and item.max is not None
        if not item.min <= value <= item.max:
            message = f"must be between {item.min} and {item.max}"
            return None, [ItemError(ErrorCode.OUT_OF_RANGE, message)]
        return value, []
    if item.kind is Kind.TEXT:
        if not isinstance(value, str):
            return None, [ItemError(ErrorCode.WRONG_TYPE, "must be text")]
        if len(value) > TEXT_MAX_LENGTH:
            message = f"must be at most {TEXT_MAX_LENGTH} characters"
            return None, [ItemError(ErrorCode.TOO_LONG, message)]
        if not value.isascii() and not _encodes_as_utf8(value):
            # A lone surrogate ("\ud800" in JSON) is a str in Python but no text:
            # it could not be stored, printed in the PDF or exported.
            return None, [ItemError(ErrorCode.WRONG_TYPE, "must be valid Unicode text")]
        return (value if value.strip() else None), []
    if item.kind is Kind.ENUM:
        if not isinstance(value, str):
            return None, [ItemError(ErrorCode.WRONG_TYPE, "must be one code")]
        if value not in item.codes:
            message = f"'{value}' is not one of: {', '.join(item.codes)}"
            return None, [ItemError(ErrorCode.UNKNOWN_CODE, message)]
        return value, []
    # Kind.MULTI
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None, [ItemError(ErrorCode.WRONG_TYPE, "must be a list of codes")]
    problems: list[ItemError] = []
    unknown = [v for v in value if v not in item.codes]
    if unknown:
        message = f"{', '.join(repr(v) for v in unknown)} not among: {', '.join(item.codes)}"
        problems.append(ItemError(ErrorCode.UNKNOWN_CODE, message))
    if len(set(value)) != len(value):
        problems.append(ItemError(ErrorCode.DUPLICATE, "lists a code more than once"))
    exclusive = EXCLUSIVE_CODES.intersection(value)
    if exclusive and len(set(value)) > 1:
        code = sorted(exclusive)[0]
        message = f"'{code}' cannot be combined with other codes"
        problems.append(ItemError(ErrorCode.EXCLUSIVE_MIXED, message))
    if problems:
        return None, problems
    return (sorted(value, key=item.codes.index) or None), []


def check_items(
    raw: object,
    items: Mapping[str, Item],
    required: Iterable[str],
    *,
    unknown: str,
    replaced: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, list[ItemError]]]:
    """(clean answers, problems by item) of a raw answers object, item by item.

    The checks every questionnaire shares (this one and the follow-up's): a JSON
    object, known items (``replaced`` maps an old item to the message naming its
    replacement), each value of its kind, the required items answered. Rules that
    relate items are the caller's.
    """
    if not isinstance(raw, dict):
        problem = ItemError(ErrorCode.NOT_AN_OBJECT, "answers must be a JSON object")
        raise AnswersInvalid({WHOLE_OBJECT: [problem]})
    replaced = replaced or {}
    errors: dict[str, list[ItemError]] = {}
    clean: dict[str, Any] = {}
    for item_id, value in raw.items():
        item = items.get(item_id) if isinstance(item_id, str) else None
        if item is None and item_id in replaced:
            errors[item_id] = [ItemError(ErrorCode.REPLACED_ITEM, replaced[item_id])]
            continue
        if item is None:
            errors[str(item_id)] = [ItemError(ErrorCode.UNKNOWN_ITEM, unknown)]
            continue
        clean_value, problems = check_item(item, value)
        if problems:
            errors[item_id] = problems
        elif clean_value is not None:
            clean[item_id] = clean_value
    for item_id in required:
        if item_id not in clean and item_id not in errors:
            errors[item_id] = [ItemError(ErrorCode.REQUIRED, "is required")]
    return clean, errors


def validate(raw: object) -> dict[str, Any]:
    """Turn a raw answers object into clean answers, or raise :class:`AnswersInvalid`.

    Clean answers hold only answered items: ``None``, an empty list and blank
    text count as not answered and are dropped; multi answers come back in the
    instrument's code order, so that equal answers compare equal.

    >>> try:
    ...     validate({"age": 30, "onset_age": 31})
    ... except AnswersInvalid as invalid:
    ...     [error.code.value for error in invalid.errors["onset_age"]]
    ['onset_after_age']

    An item that version 2 replaced is named, with the item that replaced it:

    >>> try:
    ...     validate({"diagnosis_explains": "yes"})
    ... except AnswersInvalid as invalid:
    ...     [(e.code.value, e.message) for e in invalid.errors["diagnosis_explains"]]
    [('replaced_item', 'was replaced by prior_diagnosis in version 2')]
    """
    replaced = {
        old: f"was replaced by {new} in version {INSTRUMENT_VERSION}"
        for old, new in REPLACED_ITEMS.items()
    }
    clean, errors = check_items(
        raw,
        ITEMS,
        REQUIRED_ITEM_IDS,
        unknown=f"is not an item of v{INSTRUMENT_VERSION}",
        replaced=replaced,
    )
    age, onset_age = clean.get("age"), clean.get("onset_age")
    if age is not None and onset_age is not None and onset_age > age:
        problem = ItemError(ErrorCode.ONSET_AFTER_AGE, "cannot be later than your age now")
        errors.setdefault("onset_age", []).append(problem)
    if errors:
        raise AnswersInvalid(errors)
    return clean


def parse_json(text: str | bytes) -> dict[str, Any]:
    """Validate answers given as JSON text; malformed JSON is reported like any error."""
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as error:
        problem = ItemError(ErrorCode.MALFORMED_JSON, f"is not valid JSON: {error}")
        raise AnswersInvalid({WHOLE_OBJECT: [problem]}) from None
    return validate(raw)


def shown_item_ids(answers: Mapping[str, Any]) -> list[str]:
    """The items a runner with these answers is asked, in instrument order."""
    return [item_id for item_id, item in ITEMS.items() if item.is_shown(answers)]


def drop_hidden(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Remove answers to questions that the other answers hide.

    Conditions only look at items that are always shown, so one pass suffices.

    >>> drop_hidden({"pain_level": 0, "localized_pain": "no", "pain_before": "yes"})
    {'pain_level': 0, 'localized_pain': 'no'}
    """
    return {k: v for k, v in answers.items() if k not in ITEMS or ITEMS[k].is_shown(answers)}


def codes_of(item_id: str) -> tuple[str, ...]:
    return ITEMS[item_id].codes


def _check_conditions_refer_to_unconditional_items() -> None:
    for item in ITEMS.values():
        for when in item.shown_when:
            target = ITEMS[when.item_id]
            if target.shown_when:  # pragma: no cover - a data error caught at import
                raise AssertionError(f"{item.id} depends on conditional item {target.id}")


_check_conditions_refer_to_unconditional_items()
