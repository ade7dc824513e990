"""The follow-up questionnaire (``llc-followup`` version 1, ../shared/followup.md).

A runner who sent a screening comes back with the same code and says what has
happened since. Like ``instrument`` and ``scoring`` for the screening, this
module holds the items, their validation, and the result as a pure function of
(the follow-up's answers, the screening's answers and issued result); and the
reviewers' outcome agreement over many follow-ups, also pure.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from screening.instrument import ITEMS as SCREENING_ITEMS
from screening.instrument import (
    LIMIT_ACTIVITIES,
    LIMIT_LEVELS,
    URGENT_ITEM_IDS,
    AnswersInvalid,
    ErrorCode,
    Item,
    ItemError,
    Kind,
    Op,
    Section,
    When,
    check_items,
)
from screening.scoring import Category, Flag, Severity, gettext_noop, urgent_flags

INSTRUMENT = "llc-followup"
INSTRUMENT_VERSION = "1"
SCORING_VERSION = "1.0.0"

# A follow-up can be started this many days after the screening, and each
# next one this many days after the one before.
INTERVAL_DAYS = 28

COURSE = ("gone", "improving", "stable", "fluctuating", "worsening")
OUTCOMES = (
    "dystonia_confirmed",
    "other_neurological",
    "musculoskeletal",
    "vascular",
    "other_cause",
    "no_cause_found",
    "not_yet",
)
# fu_outcome_detail: the codes of each outcome that names a cause.
DETAIL_GROUPS: dict[str, tuple[str, ...]] = {
    "other_neurological": (
        "parkinsons",
        "multiple_sclerosis",
        "nerve_root",
        "peripheral_nerve",
        "other",
    ),
    "musculoskeletal": ("hip_joint", "knee", "tendon_muscle", "other"),
    "vascular": ("compartment", "artery", "other"),
}
DETAIL_CODES = (
    "parkinsons",
    "multiple_sclerosis",
    "nerve_root",
    "peripheral_nerve",
    "hip_joint",
    "knee",
    "tendon_muscle",
    "compartment",
    "artery",
    "other",
)


def _enum(item_id: str, codes: Iterable[str], *, required: bool = False, **kw: Any) -> Item:
    return Item(item_id, Kind.ENUM, tuple(codes), required=required, **kw)


def _multi(item_id: str, codes: str, *, required: bool = False) -> Item:
    return Item(item_id, Kind.MULTI, tuple(codes.split()), required=required)


# The urgent questions first, as in the screening (same items, same rule); then
# four short steps, each a section.
SECTIONS: tuple[Section, ...] = (
    Section("urgent", tuple(SCREENING_ITEMS[item_id] for item_id in URGENT_ITEM_IDS)),
    Section(
        "now",
        (
            _enum("fu_course", COURSE, required=True),
            _enum("fu_walking", ("none", "slight", "significant"), required=True),
            _enum("fu_running", ("as_before", "reduced", "easy_only", "stopped"), required=True),
        ),
    ),
    Section(
        "clinicians",
        (
            _multi(
                "fu_seen",
                "gp physio sports_medicine orthopaedics neurologist movement_specialist none",
                required=True,
            ),
            _enum("fu_outcome", OUTCOMES, required=True),
        ),
    ),
    Section(
        "care",
        (
            # On the step after the outcome, so that a form without script can offer
            # only the causes of the outcome chosen (followup.md).
            _enum(
                "fu_outcome_detail",
                DETAIL_CODES,
                shown_when=tuple(When("fu_outcome", Op.EQUALS, group) for group in DETAIL_GROUPS),
            ),
            _multi(
                "fu_tests",
                "emg gait_analysis mri_brain mri_spine mri_hip nerve_conduction blood_flow "
                "compartment_pressure genetic none",
            ),
            _multi(
                "fu_treatments",
                "retraining_physio strength_program botulinum_toxin medication surgery rest none",
            ),
            _enum("fu_helped", ("yes", "partly", "no", "unsure")),
        ),
    ),
    Section(
        "limits",
        (
            *(_enum(f"typical_{activity}", LIMIT_LEVELS.split()) for activity in LIMIT_ACTIVITIES),
            Item("fu_own_words", Kind.TEXT),
        ),
    ),
)
ITEMS: dict[str, Item] = {item.id: item for section in SECTIONS for item in section.items}
REQUIRED_ITEM_IDS = tuple(item_id for item_id, item in ITEMS.items() if item.required)
LIMIT_ITEM_IDS = tuple(f"typical_{activity}" for activity in LIMIT_ACTIVITIES)


def validate(raw: object) -> dict[str, Any]:
    """Clean follow-up answers, or :class:`AnswersInvalid` naming each bad item.

    >>> try:
    ...     validate({"fu_course": "stable", "fu_walking": "none", "fu_running": "reduced",
    ...               "fu_seen": ["gp"], "fu_outcome": "vascular", "fu_outcome_detail": "knee",
    ...               "bladder_bowel_saddle": "no", "sudden_weakness": "no", "acute_limb": "no"})
    ... except AnswersInvalid as invalid:
    ...     [e.message for e in invalid.errors["fu_outcome_detail"]]
    ["'knee' is not a cause of the outcome 'vascular': compartment, artery, other"]
    """
    unknown = f"is not an item of {INSTRUMENT} v{INSTRUMENT_VERSION}"
    clean, errors = check_items(raw, ITEMS, REQUIRED_ITEM_IDS, unknown=unknown)
    detail, outcome = clean.get("fu_outcome_detail"), clean.get("fu_outcome")
    if detail is not None and outcome is not None:
        group = DETAIL_GROUPS.get(outcome, ())
        if detail not in group:
            message = (
                f"'{detail}' is not a cause of the outcome '{outcome}': {', '.join(group)}"
                if group
                else f"is asked only when fu_outcome is one of: {', '.join(DETAIL_GROUPS)}"
            )
            errors["fu_outcome_detail"] = [ItemError(ErrorCode.UNKNOWN_CODE, message)]
    if errors:
        raise AnswersInvalid(errors)
    return clean


def drop_hidden(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Remove a detail the outcome no longer asks for (the runner changed the outcome).

    >>> drop_hidden({"fu_outcome": "not_yet", "fu_outcome_detail": "knee"})
    {'fu_outcome': 'not_yet'}
    """
    return {k: v for k, v in answers.items() if k not in ITEMS or ITEMS[k].is_shown(answers)}


def first_day_allowed(last: datetime.date) -> datetime.date:
    """The first day a follow-up can be started after the screening or follow-up of ``last``.

    >>> first_day_allowed(datetime.date(2026, 1, 1))
    datetime.date(2026, 1, 29)
    """
    return last + datetime.timedelta(days=INTERVAL_DAYS)


# --- the result --------------------------------------------------------------------


class Change(StrEnum):
    BETTER = "better"
    SAME = "same"
    WORSE = "worse"


WALKING_ORDER = ("none", "slight", "significant")
LIMIT_ORDER = ("no_limit", "limited", "cannot")  # not_tried and unanswered are left out


def _change(before: str, now: str, order: tuple[str, ...]) -> Change:
    """Better when ``now`` comes earlier in ``order`` than ``before``.

    >>> _change("slight", "none", WALKING_ORDER), _change("none", "significant", WALKING_ORDER)
    (<Change.BETTER: 'better'>, <Change.WORSE: 'worse'>)
    """
    step = order.index(now) - order.index(before)
    return Change.SAME if step == 0 else Change.BETTER if step < 0 else Change.WORSE


def change_limits(screening: Mapping[str, Any], followup: Mapping[str, Any]) -> dict[str, Any]:
    """The typical-day grid then and now, activity by activity, and the counts.

    >>> change_limits({"typical_easy_road": "cannot", "typical_race_road": "limited",
    ...                "typical_race_xc": "not_tried"},
    ...               {"typical_easy_road": "limited", "typical_race_road": "limited",
    ...                "typical_race_xc": "cannot"})
    ... # doctest: +NORMALIZE_WHITESPACE
    {'by_activity': {'easy_road': 'better', 'race_road': 'same'},
     'better': 1, 'same': 1, 'worse': 0}
    """
    by_activity: dict[str, str] = {}
    for activity in LIMIT_ACTIVITIES:
        before = screening.get(f"typical_{activity}")
        now = followup.get(f"typical_{activity}")
        if before in LIMIT_ORDER and now in LIMIT_ORDER:
            by_activity[activity] = _change(before, now, LIMIT_ORDER).value
    counts = {change.value: list(by_activity.values()).count(change.value) for change in Change}
    return {"by_activity": by_activity, **counts}


WORSE_SINCE_TESTS = (gettext_noop("neurologist review"),)
WORSE_SINCE_TITLE = gettext_noop("Worse since the screening")


@dataclass(frozen=True)
class FollowUpResult:
    course: str
    change_walking: Change
    change_limits: dict[str, Any]
    flags: tuple[Flag, ...]
    outcome: dict[str, str | None]
    screen_category: str

    @property
    def flag_codes(self) -> list[str]:
        return [flag.code for flag in self.flags]

    def explanations(self) -> dict[str, str]:
        """One plain sentence per key (no probability, no diagnosis)."""
        limits = self.change_limits
        if limits["by_activity"]:
            limits_text = (
                f"Of the {len(limits['by_activity'])} kinds of running you rated both times, "
                f"{limits['better']} are less limited now, {limits['same']} the same and "
                f"{limits['worse']} more limited, on an average day."
            )
        else:
            limits_text = "No kind of running was rated both times, so there is nothing to compare."
        flags_text = (
            "Nothing you said now needs a doctor sooner than planned."
            if not self.flags
            else " ".join(
                f"{flag.title}: {flag.explanation}" if flag.explanation else str(flag.title)
                for flag in self.flags
            )
        )
        outcome = self.outcome
        return {
            "course": COURSE_WORDS[self.course],
            "change_walking": WALKING_CHANGE_WORDS[self.change_walking],
            "change_limits": limits_text,
            "flags": flags_text,
            "outcome": OUTCOME_WORDS[str(outcome["code"])]
            + (f" ({DETAIL_WORDS[str(outcome['detail'])]})" if outcome["detail"] else ""),
            "screen_category": (
                "This is compared with the result your screening gave then, which does not "
                "change: a result once given is never re-scored."
            ),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": INSTRUMENT,
            "instrument_version": INSTRUMENT_VERSION,
            "scoring_version": SCORING_VERSION,
            "course": self.course,
            "change_walking": self.change_walking.value,
            "change_limits": self.change_limits,
            "flags": [flag.to_dict() for flag in self.flags],
            "outcome": dict(self.outcome),
            "screen_category": self.screen_category,
            "explanations": self.explanations(),
        }


def score(
    followup: Mapping[str, Any], screening: Mapping[str, Any], screening_result: Mapping[str, Any]
) -> FollowUpResult:
    """The follow-up's result: clean follow-up answers against the screening as issued.

    ``screening_result`` is the screening's stored result (its ``category`` is read,
    never re-computed).

    >>> result = score(
    ...     {"fu_course": "stable", "fu_walking": "slight", "fu_running": "reduced",
    ...      "fu_seen": ["neurologist"], "fu_outcome": "dystonia_confirmed"},
    ...     {"walking": "none"}, {"category": "llc_consistent"})
    >>> result.change_walking.value, result.flag_codes, result.outcome
    ('worse', ['worse_since'], {'code': 'dystonia_confirmed', 'detail': None})
    """
    flags = list(urgent_flags(followup))
    change_walking = _change(screening["walking"], followup["fu_walking"], WALKING_ORDER)
    if followup["fu_course"] == "worsening" or change_walking is Change.WORSE:
        flags.append(
            Flag(
                "worse_since",
                Severity.PROMPT,
                WORSE_SINCE_TESTS,
                title=WORSE_SINCE_TITLE,
                explanation=(
                    "The problem has worsened since the screening: a neurologist should "
                    "review it rather than wait for the next planned visit."
                ),
            )
        )
    return FollowUpResult(
        course=followup["fu_course"],
        change_walking=change_walking,
        change_limits=change_limits(screening, followup),
        flags=tuple(flags),
        outcome={"code": followup["fu_outcome"], "detail": followup.get("fu_outcome_detail")},
        screen_category=str(screening_result["category"]),
    )


COURSE_WORDS = {
    "gone": "You say the problem has gone since the screening.",
    "improving": "You say the problem has been improving since the screening.",
    "stable": "You say the problem has stayed about the same since the screening.",
    "fluctuating": "You say the problem has come and gone since the screening.",
    "worsening": "You say the problem has been getting worse since the screening.",
}
WALKING_CHANGE_WORDS = {
    Change.BETTER: "It affects your walking less than it did at the screening.",
    Change.SAME: "It affects your walking as much as it did at the screening.",
    Change.WORSE: "It affects your walking more than it did at the screening.",
}
OUTCOME_WORDS = {
    "dystonia_confirmed": "A neurologist has diagnosed a dystonia.",
    "other_neurological": "A clinician has found another neurological cause.",
    "musculoskeletal": "A clinician has found a cause in the joints, muscles or tendons.",
    "vascular": "A clinician has found a cause in the blood vessels or muscle compartments.",
    "other_cause": "A clinician has found another cause.",
    "no_cause_found": "The clinicians who examined you found no cause.",
    "not_yet": "No clinician has named a cause yet.",
}
DETAIL_WORDS = {
    "parkinsons": "Parkinson's disease",
    "multiple_sclerosis": "multiple sclerosis",
    "nerve_root": "a trapped nerve root",
    "peripheral_nerve": "a nerve in the leg",
    "hip_joint": "the hip joint",
    "knee": "the knee",
    "tendon_muscle": "a tendon or muscle",
    "compartment": "a muscle compartment",
    "artery": "an artery",
    "other": "another cause in this group",
}


# --- outcome agreement (reviewers) --------------------------------------------------

# Rows in instrument.md's order of categories.
CATEGORY_ORDER = tuple(category.value for category in Category)
SCREEN_POSITIVE = frozenset({"see_neurologist", "llc_consistent", "partly_consistent"})
SCREEN_NEGATIVE = frozenset({"not_consistent", "other_causes_first"})
OUTCOME_POSITIVE = frozenset({"dystonia_confirmed"})
OUTCOME_NEGATIVE = frozenset({"other_neurological", "musculoskeletal", "vascular", "other_cause"})
TABLE_OUTCOMES = tuple(code for code in OUTCOMES if code != "not_yet")
NOT_A_VALIDATION = (
    "self-reported outcomes from runners who chose to come back; not a validation study"
)
Z95 = 1.959963984540054


def wilson(successes: int, total: int) -> tuple[float, float]:
    """The Wilson score 95% interval of a proportion.

    >>> [round(x, 4) for x in wilson(8, 10)]
    [0.4902, 0.9433]
    """
    if total == 0:
        raise ValueError("no observations")
    p = successes / total
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * total)) / (1 + z2 / total)
    half = Z95 * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / (1 + z2 / total)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Pair:
    """One screening's issued category and prior diagnosis, with its latest outcome."""

    category: str
    prior_dystonia: bool
    outcome: str


@dataclass(frozen=True)
class Agreement:
    table: dict[str, dict[str, int]]  # category -> outcome -> count
    a: int
    b: int
    c: int
    d: int

    @property
    def shown(self) -> bool:
        """Sensitivity and specificity are shown only when every cell is at least 5."""
        return min(self.a, self.b, self.c, self.d) >= 5

    def sensitivity(self) -> tuple[float, float, float]:
        """a/(a+c) with its Wilson interval."""
        return self.a / (self.a + self.c), *wilson(self.a, self.a + self.c)

    def specificity(self) -> tuple[float, float, float]:
        """d/(b+d) with its Wilson interval."""
        return self.d / (self.b + self.d), *wilson(self.d, self.b + self.d)


def agreement(pairs: Iterable[Pair]) -> Agreement:
    """The category x outcome table and the 2x2 counts of followup.md.

    >>> pairs = [Pair("llc_consistent", False, "dystonia_confirmed"),
    ...          Pair("llc_consistent", True, "dystonia_confirmed"),  # diagnosed before: out
    ...          Pair("not_consistent", False, "musculoskeletal"),
    ...          Pair("urgent_care", False, "vascular"),              # in the table only
    ...          Pair("see_neurologist", False, "no_cause_found"),    # in the table only
    ...          Pair("other_causes_first", False, "not_yet")]        # nowhere
    >>> result = agreement(pairs)
    >>> result.a, result.b, result.c, result.d
    (1, 0, 0, 1)
    >>> table = result.table
    >>> table["llc_consistent"]["dystonia_confirmed"], table["urgent_care"]["vascular"]
    (2, 1)
    """
    table = {category: dict.fromkeys(TABLE_OUTCOMES, 0) for category in CATEGORY_ORDER}
    a = b = c = d = 0
    for pair in pairs:
        if pair.outcome == "not_yet":
            continue
        table[pair.category][pair.outcome] += 1
        if pair.prior_dystonia:
            continue
        screen = (
            True
            if pair.category in SCREEN_POSITIVE
            else False
            if pair.category in SCREEN_NEGATIVE
            else None
        )
        found = (
            True
            if pair.outcome in OUTCOME_POSITIVE
            else False
            if pair.outcome in OUTCOME_NEGATIVE
            else None
        )
        if screen is None or found is None:
            continue
        if screen and found:
            a += 1
        elif screen:
            b += 1
        elif found:
            c += 1
        else:
            d += 1
    return Agreement(table, a, b, c, d)
