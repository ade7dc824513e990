"""Scoring of instrument v2: clean answers -> Result.

Every rule of ``shared/instrument.md`` lives here and nowhere else: the web
pages, the PDF, the API, the admin and the exports read a :class:`Result` and
never recompute a rule. The module is pure (no database, no clock, no I/O) so
that a stored submission can be re-scored years later and give the same
answer for the same ``SCORING_VERSION``. Version 1's rules are frozen in
``screening/v1/scoring.py``; a result issued under either version is rebuilt
from its stored JSON with :meth:`Result.from_dict`, texts and all, so that it
is shown as it was issued.

Texts are written for a runner (reading age about 12). They are marked with
``gettext_noop`` so that ``makemessages`` collects them; the pages translate
them when they show them. No text gives a probability or says "you have".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from screening.instrument import INSTRUMENT_ID, INSTRUMENT_VERSION
from screening.versions import scoring_for

SCORING_VERSION = "2.0.0"

Answers = Mapping[str, Any]


def gettext_noop(text: str) -> str:
    """Marks a string for translation without translating it (Django's convention)."""
    return text


class Status(StrEnum):
    """Status of one component of the working definition."""

    MET = "met"
    PARTLY = "partly"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"


class Verdict(StrEnum):
    MET = "met"
    PARTLY_MET = "partly_met"
    NOT_MET = "not_met"


class Support(StrEnum):
    """Status of one McClinton & Heiderscheit criterion."""

    SUPPORTED = "supported"
    NOT_SUPPORTED = "not_supported"
    UNCLEAR = "unclear"
    CLINICIAN_ONLY = "clinician_only"


class Severity(StrEnum):
    URGENT = "urgent"
    PROMPT = "prompt"
    EXCLUSION = "exclusion"
    DISCUSS = "discuss"


class Category(StrEnum):
    """In order of precedence: the first that applies is the result."""

    URGENT_CARE = "urgent_care"
    SEE_NEUROLOGIST = "see_neurologist"
    KNOWN_DYSTONIA = "known_dystonia"
    NOT_CONSISTENT = "not_consistent"
    OTHER_CAUSES_FIRST = "other_causes_first"
    LLC_CONSISTENT = "llc_consistent"
    PARTLY_CONSISTENT = "partly_consistent"


class Pattern(StrEnum):
    HIP_THIGH = "hip_thigh"
    CALF_SHIN = "calf_shin"
    FOOT_ANKLE = "foot_ankle"
    UNKNOWN = "unknown"


# --- the working definition (d1-d7) -----------------------------------------

SENSATIONS = frozenset({"aching", "tightness", "soreness", "weakness"})
NERVE_ITEMS = ("numbness", "tingling", "burning", "shooting_pain")


def _d1(a: Answers) -> Status:
    sensations = a.get("sensations") or []
    if SENSATIONS.intersection(sensations):
        return Status.MET
    return Status.NOT_MET if sensations == ["none"] else Status.UNKNOWN


def _d2(a: Answers) -> Status:
    return {"always": Status.MET, "sometimes": Status.PARTLY, "never": Status.NOT_MET}.get(
        a.get("coordination_loss", ""), Status.UNKNOWN
    )


def _d3(a: Answers) -> Status:
    context = a.get("context")
    if context in ("only_running", "mainly_running"):
        return Status.MET
    return Status.NOT_MET if context == "also_other" else Status.UNKNOWN


def _d4(a: Answers) -> Status:
    values = [a.get(item) for item in NERVE_ITEMS]
    if "yes" in values:
        return Status.NOT_MET
    return Status.MET if all(v == "no" for v in values) else Status.UNKNOWN


def _yes_no(item_id: str, met_when: str) -> Callable[[Answers], Status]:
    def rule(a: Answers) -> Status:
        value = a.get(item_id)
        if value is None:
            return Status.UNKNOWN
        return Status.MET if value == met_when else Status.NOT_MET

    return rule


# A diagnosed dystonia is not a conventional cause that "explains it away": it
# is what the working definition points to, so it meets d7 like "none".
NOT_EXPLAINED_DIAGNOSES = frozenset({"none", "dystonia"})


def _d7(a: Answers) -> Status:
    # The definition needs conventional causes ruled out: without a clinician
    # naming none (or dystonia), this stays unknown (other_partial, unsure or
    # no answer alike).
    prior_diagnosis = a.get("prior_diagnosis")
    if prior_diagnosis in NOT_EXPLAINED_DIAGNOSES:
        return Status.MET
    return Status.NOT_MET if prior_diagnosis == "other_full" else Status.UNKNOWN


COMPONENT_RULES: dict[str, Callable[[Answers], Status]] = {
    "d1_sensation": _d1,
    "d2_coordination": _d2,
    "d3_running_specific": _d3,
    "d4_no_nerve_symptoms": _d4,
    "d5_no_localized_pain": _yes_no("localized_pain", met_when="no"),
    "d6_no_daily_weakness": _yes_no("weakness_daily", met_when="no"),
    "d7_not_explained": _d7,
}

# The answers each rule reads, so that a report can show what led to a status.
RULE_INPUTS: dict[str, tuple[str, ...]] = {
    "d1_sensation": ("sensations",),
    "d2_coordination": ("coordination_loss",),
    "d3_running_specific": ("context",),
    "d4_no_nerve_symptoms": NERVE_ITEMS,
    "d5_no_localized_pain": ("localized_pain",),
    "d6_no_daily_weakness": ("weakness_daily",),
    "d7_not_explained": ("prior_diagnosis",),
    "c1": ("context", "other_activity_triggers", "walking"),
    "c2": ("running_years", "onset_activity"),
    "c3": ("exam_ortho",),
    "c4": ("exam_neuro",),
    "c5": ("pain_level", "localized_pain"),
    "c6": ("muscles_pull", "gait_signs"),
    "c7": ("tricks",),
    "c8": (),
}


def definition_verdict(components: Mapping[str, Status]) -> Verdict:
    """``not_met`` if any component is not met, ``met`` if all are, else ``partly_met``.

    >>> definition_verdict({"d1": Status.MET, "d2": Status.PARTLY})
    <Verdict.PARTLY_MET: 'partly_met'>
    """
    statuses = set(components.values())
    if Status.NOT_MET in statuses:
        return Verdict.NOT_MET
    return Verdict.MET if statuses == {Status.MET} else Verdict.PARTLY_MET


# --- McClinton & Heiderscheit criteria (c1-c8) --------------------------------

WALKING_OR_NONE = frozenset({"walking", "none"})
ALTERED_GAIT_SIGNS = frozenset(
    {
        "crossover",
        "leg_rotates_out",
        "leg_rotates_in",
        "foot_turns_in",
        "foot_turns_out",
        "foot_drop_drag",
        "toe_curl",
        "knee_control",
    }
)
TRICKS_THAT_HELP = frozenset(
    {"backwards", "sideways", "barefoot_grass", "trails", "run_in_place", "shoes", "dual_task"}
)


def _c1(a: Answers, d3: Status) -> Support:
    triggers = a.get("other_activity_triggers") or []
    other_than_walking = not WALKING_OR_NONE.issuperset(triggers)
    if a.get("context") == "also_other" or other_than_walking:
        return Support.NOT_SUPPORTED
    if d3 is Status.MET and a.get("walking") != "significant":
        return Support.SUPPORTED
    return Support.UNCLEAR


# A first onset in another activity speaks against c2 ("first onset while running").
ONSET_NOT_RUNNING = frozenset({"cycling", "walking", "other"})


def _c2(a: Answers) -> Support:
    onset_activity = a.get("onset_activity")
    if a.get("running_years", -1) >= 5 and onset_activity == "running":
        return Support.SUPPORTED
    if onset_activity in ONSET_NOT_RUNNING:
        return Support.NOT_SUPPORTED
    return Support.UNCLEAR


def _c3(a: Answers) -> Support:
    exam = a.get("exam_ortho")
    if exam in ("nothing_found", "minor_findings"):
        return Support.SUPPORTED
    return Support.NOT_SUPPORTED if exam == "clear_cause" else Support.CLINICIAN_ONLY


def _c4(a: Answers) -> Support:
    exam = a.get("exam_neuro")
    if exam == "normal":
        return Support.SUPPORTED
    return Support.NOT_SUPPORTED if exam == "abnormal" else Support.CLINICIAN_ONLY


def _c5(a: Answers) -> Support:
    pain = a.get("pain_level")
    if pain is None:
        return Support.UNCLEAR
    if pain <= 2 and a.get("localized_pain") == "no":
        return Support.SUPPORTED
    return Support.NOT_SUPPORTED if pain >= 5 else Support.UNCLEAR


def _c6(a: Answers) -> Support:
    gait_signs = a.get("gait_signs") or []
    muscles_pull = a.get("muscles_pull")
    if muscles_pull == "yes" or ALTERED_GAIT_SIGNS.intersection(gait_signs):
        return Support.SUPPORTED
    if muscles_pull == "no" and gait_signs == ["none"]:
        return Support.NOT_SUPPORTED
    return Support.UNCLEAR


def _c7(a: Answers) -> Support:
    tricks = a.get("tricks") or []
    if TRICKS_THAT_HELP.intersection(tricks):
        return Support.SUPPORTED
    return Support.NOT_SUPPORTED if tricks == ["none_helped"] else Support.UNCLEAR


CRITERIA_IDS = ("c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8")

CRITERION_TITLES: dict[str, str] = {
    "c1": gettext_noop("Task specificity"),
    "c2": gettext_noop("Long running history, first onset while running"),
    "c3": gettext_noop("Inconsistent orthopaedic examination"),
    "c4": gettext_noop("Negative basic neurological examination"),
    "c5": gettext_noop("Absent or minimal pain"),
    "c6": gettext_noop("Sustained or excessive muscle activation with altered gait"),
    "c7": gettext_noop("Sensory or motor tricks"),
    "c8": gettext_noop("Sensorimotor impairments (lab testing)"),
}

COMPONENT_TITLES: dict[str, str] = {
    "d1_sensation": gettext_noop("Aching, tightness, soreness or weakness while running"),
    "d2_coordination": gettext_noop("Always with a loss of coordination"),
    "d3_running_specific": gettext_noop("Only or mainly when running"),
    "d4_no_nerve_symptoms": gettext_noop("No numbness, tingling, burning or shooting pain"),
    "d5_no_localized_pain": gettext_noop("No sharp pain in one spot"),
    "d6_no_daily_weakness": gettext_noop("No obvious weakness in daily life"),
    "d7_not_explained": gettext_noop("Not explained by a conventional diagnosis"),
}


# --- flags ----------------------------------------------------------------------

SPREAD_ACTIVITIES = frozenset({"cycling", "elliptical", "swimming", "aquajogging"})
# Injections are not among them: the flag is about operations.
INVASIVE_PROCEDURES = frozenset(
    {
        "spine_surgery",
        "hip_surgery",
        "knee_surgery",
        "nerve_release",
        "compartment_release",
        "other_surgery",
    }
)
FAMILY_MOVEMENT_DISORDERS = frozenset({"dystonia", "parkinsons"})
# For a runner whose neurologist diagnosed dystonia, only these prompt flags are
# new signs that send them back soon; foot onset and spread describe the
# condition already diagnosed (instrument.md, Category).
NEW_SIGN_FLAGS = frozenset({"rest_tremor_parkinsonism", "worsening_course", "other_neuro_symptoms"})

# The explanation of spread_other_activities says which answer raised it: a
# runner whose cycling was affected from the start and who said it has not
# spread must not read "it has spread" (instrument.md, Flags).
SPREAD_TEXTS: dict[str, str] = {
    "spread": gettext_noop(
        "You said the problem has spread to other activities that used to be fine."
    ),
    "triggers": gettext_noop(
        "The problem also comes on in another activity you named: cycling, the "
        "elliptical trainer, swimming or running in water. That is not the same as "
        "spreading: it may have been there from the start."
    ),
    "both": gettext_noop(
        "You said the problem has spread to other activities that used to be fine, and "
        "it also comes on in cycling, the elliptical trainer, swimming or running in water."
    ),
}


def _said_spread(a: Answers) -> bool:
    return a.get("spread_other") == "yes"


def _triggered_elsewhere(a: Answers) -> bool:
    return bool(SPREAD_ACTIVITIES.intersection(a.get("other_activity_triggers") or []))


def spread_explanation(a: Answers) -> str:
    """Why ``spread_other_activities`` was raised, naming the answer that raised it.

    >>> spread_explanation({"spread_other": "no", "other_activity_triggers": ["cycling"]})
    'The problem also comes on in another activity you named: ...'
    """
    said, triggered = _said_spread(a), _triggered_elsewhere(a)
    if said and triggered:
        return SPREAD_TEXTS["both"]
    return SPREAD_TEXTS["spread"] if said else SPREAD_TEXTS["triggers"]


@dataclass(frozen=True)
class FlagRule:
    code: str
    severity: Severity
    raised: Callable[[Answers], bool]
    tests: tuple[str, ...]
    title: str
    reason: str
    # For a flag that more than one answer can raise and whose explanation
    # must say which did; None means ``reason`` always.
    explain: Callable[[Answers], str] | None = None

    def explanation(self, answers: Answers) -> str:
        return self.explain(answers) if self.explain else self.reason


def _is_yes(item_id: str) -> Callable[[Answers], bool]:
    return lambda a: a.get(item_id) == "yes"


FLAG_RULES: tuple[FlagRule, ...] = (
    FlagRule(
        "cauda_equina_signs",
        Severity.URGENT,
        _is_yes("bladder_bowel_saddle"),
        (gettext_noop("same-day emergency assessment"),),
        gettext_noop("Bladder or bowel changes, or numbness around the groin"),
        gettext_noop(
            "New trouble controlling the bladder or bowel, or numbness around the groin "
            "and buttocks, can mean the nerves at the bottom of the spine are squeezed."
        ),
    ),
    FlagRule(
        "sudden_weakness",
        Severity.URGENT,
        _is_yes("sudden_weakness"),
        (
            gettext_noop(
                "same-day medical assessment (stroke, rapidly progressive nerve "
                "or spinal cord problem)"
            ),
        ),
        gettext_noop("New weakness of a leg that came on suddenly"),
        gettext_noop(
            "A leg that has become weak in the last minutes, hours or days, and is weak "
            "at rest or when walking too, needs a doctor the same day."
        ),
    ),
    FlagRule(
        "acute_limb",
        Severity.URGENT,
        _is_yes("acute_limb"),
        (gettext_noop("emergency assessment (acute compartment syndrome, blocked artery)"),),
        gettext_noop("Severe leg pain, a tense swollen calf or a cold, pale foot"),
        gettext_noop(
            "After exercise, pain that does not settle with rest, a tight swollen calf, "
            "or a cold, pale foot can mean pressure or blood flow trouble in the leg."
        ),
    ),
    FlagRule(
        "rest_tremor_parkinsonism",
        Severity.PROMPT,
        lambda a: a.get("rest_tremor") == "yes" or a.get("parkinsonism") == "yes",
        (
            gettext_noop(
                "movement neurologist (young-onset Parkinson's can first show as "
                "exercise-induced dystonia)"
            ),
        ),
        gettext_noop("Shaking at rest, or general slowness and stiffness"),
        gettext_noop(
            "Shaking of a limb at rest, or slowness, stiffness, less arm swing or smaller "
            "handwriting, should be checked by a movement specialist."
        ),
    ),
    FlagRule(
        "foot_centric_onset",
        Severity.PROMPT,
        lambda a: (
            a.get("first_region") == "foot_ankle_toes" or "toe_curl" in (a.get("gait_signs") or [])
        ),
        (gettext_noop("movement neurologist (the classic runner's dystonia presentation)"),),
        gettext_noop("Started in the foot, ankle or toes, or the toes curl"),
        gettext_noop(
            "Problems that begin in the foot, ankle or toes, or toes that curl while "
            "running, are the form most often described in runners by neurologists."
        ),
    ),
    FlagRule(
        "spread_to_walking",
        Severity.PROMPT,
        lambda a: a.get("walking") == "significant",
        (gettext_noop("movement neurologist"),),
        gettext_noop("Walking is clearly affected"),
        gettext_noop("The problem now clearly affects walking, not just running."),
    ),
    FlagRule(
        "spread_other_activities",
        Severity.PROMPT,
        lambda a: _said_spread(a) or _triggered_elsewhere(a),
        (gettext_noop("movement neurologist"),),
        gettext_noop("Other activities are affected too"),
        SPREAD_TEXTS["both"],
        explain=lambda a: spread_explanation(a),
    ),
    FlagRule(
        "worsening_course",
        Severity.PROMPT,
        lambda a: a.get("course") == "worsening",
        (gettext_noop("neurologist review"),),
        gettext_noop("Getting worse"),
        gettext_noop("The problem has been getting worse over the last months."),
    ),
    FlagRule(
        "other_neuro_symptoms",
        Severity.PROMPT,
        _is_yes("other_neuro"),
        (gettext_noop("neurologist (e.g. to rule out multiple sclerosis)"),),
        gettext_noop("Other nervous-system symptoms"),
        gettext_noop(
            "Blurred or double vision, numbness elsewhere, balance trouble in daily life "
            "or slurred speech need a neurologist's view."
        ),
    ),
    FlagRule(
        "nerve_symptoms",
        Severity.EXCLUSION,
        lambda a: any(a.get(item) == "yes" for item in NERVE_ITEMS),
        (
            gettext_noop("straight-leg-raise test"),
            gettext_noop("lumbar spine MRI"),
            gettext_noop("nerve conduction study / EMG"),
        ),
        gettext_noop("Numbness, tingling, burning or shooting pain"),
        gettext_noop(
            "These feelings can come from an irritated or squeezed nerve, for example "
            "in the lower back."
        ),
    ),
    FlagRule(
        "localized_pain",
        Severity.EXCLUSION,
        _is_yes("localized_pain"),
        (gettext_noop("sports-medicine or orthopaedic assessment for a musculoskeletal injury"),),
        gettext_noop("Sharp pain in one spot"),
        gettext_noop(
            "A sharp pain you can point to can come from an injured muscle, tendon, joint or bone."
        ),
    ),
    FlagRule(
        "daily_life_weakness",
        Severity.EXCLUSION,
        _is_yes("weakness_daily"),
        (gettext_noop("neurological examination"),),
        gettext_noop("Weakness in daily life"),
        gettext_noop(
            "Clear weakness outside running, in daily life or in the gym, is not part of "
            "the running-only pattern."
        ),
    ),
    FlagRule(
        "back_pain_radiating",
        Severity.EXCLUSION,
        _is_yes("back_pain_radiating"),
        (gettext_noop("lumbar spine MRI (disc herniation, nerve root)"),),
        gettext_noop("Low back pain spreading down the leg"),
        gettext_noop("Back pain that runs down the leg can come from a disc pressing on a nerve."),
    ),
    FlagRule(
        "exertional_calf",
        Severity.EXCLUSION,
        _is_yes("exertional_calf"),
        (
            gettext_noop("compartment pressure testing"),
            gettext_noop("ankle-brachial index after provoking exercise"),
            gettext_noop(
                "arterial duplex (compartment syndrome, popliteal or iliac artery problems)"
            ),
        ),
        gettext_noop("Calf or shin tightness with swelling or numbness during exercise"),
        gettext_noop(
            "Tightness with swelling, fullness or a numb foot during exercise that eases "
            "with rest can come from pressure in the muscle compartments or from an artery."
        ),
    ),
    FlagRule(
        "explained_by_diagnosis",
        Severity.EXCLUSION,
        lambda a: a.get("prior_diagnosis") == "other_full",
        (
            gettext_noop("follow the existing diagnosis"),
            gettext_noop(
                "if the coordination problem persists despite its treatment, a "
                "movement-disorders opinion"
            ),
        ),
        gettext_noop("Another diagnosis already explains it"),
        gettext_noop(
            "A clinician has given a diagnosis other than dystonia that fully explains the "
            "coordination problem. If the problem stays after that diagnosis has been "
            "treated, ask for the opinion of a movement-disorders specialist."
        ),
    ),
    FlagRule(
        "hip_groin_pain",
        Severity.DISCUSS,
        _is_yes("groin_hip_pain"),
        (gettext_noop("hip MR-arthrogram, diagnostic hip injection (labral tear, FAI)"),),
        gettext_noop("Pain in the groin or the front of the hip"),
        gettext_noop(
            "Groin or front-of-hip pain can come from a hip joint problem such as a torn "
            "labrum or a hip impingement."
        ),
    ),
    # New flags go last: the database keeps one bit per flag in this order.
    FlagRule(
        "invasive_procedures",
        Severity.DISCUSS,
        lambda a: bool(INVASIVE_PROCEDURES.intersection(a.get("procedures") or [])),
        (
            gettext_noop(
                "a movement-disorders opinion before any further operation for this problem"
            ),
        ),
        gettext_noop("Operations for this problem"),
        gettext_noop(
            "An operation was done for this problem. Many runners with this kind of "
            "problem had operations that did not fix it before the cause was found, so a "
            "movement-disorders specialist should see you before any further operation."
        ),
    ),
    FlagRule(
        "family_movement_disorder",
        Severity.DISCUSS,
        lambda a: bool(FAMILY_MOVEMENT_DISORDERS.intersection(a.get("family_history") or [])),
        (
            gettext_noop(
                "tell the neurologist: inherited forms of dystonia and of Parkinson's disease exist"
            ),
        ),
        gettext_noop("Dystonia or Parkinson's disease in the family"),
        gettext_noop(
            "A parent, brother, sister or child has dystonia or Parkinson's disease. Some "
            "forms run in families, so the neurologist will want to know."
        ),
    ),
)

FLAG_RULE_BY_CODE = {rule.code: rule for rule in FLAG_RULES}
SEVERITY_ORDER = tuple(Severity)


# --- explanations ---------------------------------------------------------------

EXPLANATIONS: dict[tuple[str, str], str] = {
    ("d1_sensation", "met"): gettext_noop(
        "You feel aching, tightness, soreness or weakness in the leg when you run. "
        "This is where the working definition starts."
    ),
    ("d1_sensation", "not_met"): gettext_noop(
        "You feel no aching, tightness, soreness or weakness in the leg when you run. "
        "The working definition starts with one of these feelings."
    ),
    ("d1_sensation", "unknown"): gettext_noop("We do not know what the leg feels like."),
    ("d2_coordination", "met"): gettext_noop(
        "Every time, the leg stops doing what you ask: the stride feels off or the leg "
        "flops. This matches the definition."
    ),
    ("d2_coordination", "partly"): gettext_noop(
        "The loss of control comes only some of the time. The definition expects it "
        "every time the feelings come on."
    ),
    ("d2_coordination", "not_met"): gettext_noop(
        "The leg keeps its coordination. The definition needs a loss of control."
    ),
    ("d2_coordination", "unknown"): gettext_noop("We do not know whether control is lost."),
    ("d3_running_specific", "met"): gettext_noop(
        "It happens only or mainly while running, as the definition says."
    ),
    ("d3_running_specific", "not_met"): gettext_noop(
        "It happens in other activities as much as in running. The definition describes "
        "a running problem."
    ),
    ("d3_running_specific", "unknown"): gettext_noop("We do not know when it happens."),
    ("d4_no_nerve_symptoms", "met"): gettext_noop(
        "No numbness, tingling, burning or shooting pain. Those would point to a nerve problem."
    ),
    ("d4_no_nerve_symptoms", "not_met"): gettext_noop(
        "You feel numbness, tingling, burning or shooting pain. These point to a nerve "
        "problem, which should be checked first."
    ),
    ("d4_no_nerve_symptoms", "unknown"): gettext_noop(
        "We do not know about numbness, tingling, burning or shooting pain."
    ),
    ("d5_no_localized_pain", "met"): gettext_noop("No sharp pain in one spot you can point to."),
    ("d5_no_localized_pain", "not_met"): gettext_noop(
        "There is a sharp pain in one spot. That can mean an injury of a muscle, tendon "
        "or bone, which should be checked first."
    ),
    ("d5_no_localized_pain", "unknown"): gettext_noop("We do not know about sharp pain."),
    ("d6_no_daily_weakness", "met"): gettext_noop(
        "The leg is not obviously weak in daily life or in the gym."
    ),
    ("d6_no_daily_weakness", "not_met"): gettext_noop(
        "The leg is clearly weak in daily life or in the gym. Weakness outside running "
        "needs a neurological examination."
    ),
    ("d6_no_daily_weakness", "unknown"): gettext_noop("We do not know about daily weakness."),
    ("d7_not_explained", "met"): gettext_noop(
        "No ordinary injury or illness explains the coordination problem: a clinician "
        "has looked and named none, or a neurologist has said it is dystonia, which is "
        "what this definition describes."
    ),
    ("d7_not_explained", "not_met"): gettext_noop(
        "A clinician has given another diagnosis that fully explains the problem. The "
        "definition only applies when no ordinary diagnosis does."
    ),
    ("d7_not_explained", "unknown"): gettext_noop(
        "It is not yet known whether an ordinary diagnosis explains it: either no clinician "
        "has said yet, or a diagnosis explains it only in part, or you are not sure what "
        "was said. The definition needs a clinician to rule out common causes first, so "
        "this part stays open."
    ),
    ("c1", "supported"): gettext_noop(
        "It comes on mainly when running, your answers name no activity other than "
        "walking that brings it on, and walking is not badly affected."
    ),
    ("c1", "not_supported"): gettext_noop(
        "It also comes on in activities other than running and walking, so it is not "
        "specific to running."
    ),
    ("c1", "unclear"): gettext_noop(
        "Your answers do not show clearly that it is limited to running (for example, "
        "walking is badly affected)."
    ),
    ("c2", "supported"): gettext_noop(
        "You ran regularly for five years or more before it began, and first noticed it "
        "while running."
    ),
    ("c2", "not_supported"): gettext_noop(
        "It first began while cycling, walking or doing something else, not while running."
    ),
    ("c2", "unclear"): gettext_noop(
        "Fewer than five years of running before it began, or it is not known what you "
        "were doing when you first noticed it."
    ),
    ("c3", "supported"): gettext_noop(
        "An orthopaedic or physio examination found nothing, or only weakness or tightness "
        "whose treatment did not fix the coordination."
    ),
    ("c3", "not_supported"): gettext_noop(
        "An orthopaedic or physio examination found a clear cause."
    ),
    ("c3", "clinician_only"): gettext_noop(
        "This needs an orthopaedic or physio examination, which is not reported yet."
    ),
    ("c4", "supported"): gettext_noop(
        "A basic neurological examination (reflexes, strength, feeling) was normal."
    ),
    ("c4", "not_supported"): gettext_noop(
        "A basic neurological examination found something abnormal."
    ),
    ("c4", "clinician_only"): gettext_noop(
        "This needs a basic neurological examination, which is not reported yet."
    ),
    ("c5", "supported"): gettext_noop(
        "Little or no pain when running (2 or less out of 10) and no sharp pain in one spot."
    ),
    ("c5", "not_supported"): gettext_noop(
        "Pain when running is 5 or more out of 10; this criterion expects little or none."
    ),
    ("c5", "unclear"): gettext_noop(
        "Pain is in between, or there is a sharp pain in one spot, so this is unclear."
    ),
    ("c6", "supported"): gettext_noop(
        "Muscles pull in a way you cannot control, or you or others see the leg or foot "
        "move differently."
    ),
    ("c6", "not_supported"): gettext_noop(
        "No muscles pulling and no visible change in how the leg moves."
    ),
    ("c6", "unclear"): gettext_noop(
        "Your answers do not show whether muscles pull or the leg moves differently."
    ),
    ("c7", "supported"): gettext_noop(
        "Something makes the movement better for a while, such as running backwards or "
        "on grass, or other shoes. Doctors call this a sensory or motor trick."
    ),
    ("c7", "not_supported"): gettext_noop("You tried such tricks and none helped."),
    ("c7", "unclear"): gettext_noop("No trick tried yet, or no answer, so this is unclear."),
    ("c8", "clinician_only"): gettext_noop(
        "This needs lab tests of fine control and reaction time. A questionnaire cannot check it."
    ),
}

CATEGORY_TEXTS: dict[Category, tuple[str, str, str]] = {
    # (headline, what it means, what to do next)
    Category.URGENT_CARE: (
        gettext_noop("Get medical help today"),
        gettext_noop(
            "At least one answer describes a warning sign that needs a doctor today, "
            "whatever else is going on."
        ),
        gettext_noop(
            "Go to an emergency department or call your local emergency number now. Do not "
            "wait for a routine appointment. You can come back to this summary later."
        ),
    ),
    Category.SEE_NEUROLOGIST: (
        gettext_noop("See a neurologist soon"),
        gettext_noop(
            "Some answers describe signs that a neurologist, ideally one who specialises in "
            "movement disorders, should look at soon."
        ),
        gettext_noop(
            "Ask your family doctor for a referral to a neurologist and bring the PDF "
            "summary to the visit."
        ),
    ),
    Category.KNOWN_DYSTONIA: (
        gettext_noop("Your answers fit the dystonia your neurologist diagnosed"),
        gettext_noop(
            "A neurologist has already said this is dystonia. Your answers raise no new "
            "warning sign, such as shaking at rest, getting worse, or other nervous-system "
            "symptoms. The summary shows how the problem looks now."
        ),
        gettext_noop(
            "Bring the summary to your next visit with your neurologist, and go back sooner "
            "if something new starts, such as shaking at rest or the problem getting worse."
        ),
    ),
    Category.NOT_CONSISTENT: (
        gettext_noop("Your answers do not match the working definition"),
        gettext_noop(
            "A core part of the pattern is missing: the feelings in the leg, the loss of "
            "coordination, or its link to running. That does not rule anything out: a doctor "
            "can look for what is behind your symptoms."
        ),
        gettext_noop("See a doctor or physiotherapist about your symptoms and bring the summary."),
    ),
    Category.OTHER_CAUSES_FIRST: (
        gettext_noop("Other causes should be checked first"),
        gettext_noop(
            "Some answers point to another cause, such as a nerve, muscle, bone or "
            "blood-flow problem, or to a diagnosis a clinician has already made. These "
            "come first."
        ),
        gettext_noop(
            "Talk to your doctor about the tests listed with each flag and bring the summary."
        ),
    ),
    Category.LLC_CONSISTENT: (
        gettext_noop("Your answers fit the pattern of loss of leg coordination while running"),
        gettext_noop(
            "Every part of the working definition fits your answers. This is not a "
            "diagnosis: only a clinician can find out what is going on."
        ),
        gettext_noop(
            "Bring the summary to a neurologist, ideally one who knows movement disorders: "
            "it shows which parts fit and what a clinician still has to check."
        ),
    ),
    Category.PARTLY_CONSISTENT: (
        gettext_noop("Your answers partly fit the pattern"),
        gettext_noop(
            "Some parts of the working definition fit your answers and others are still open "
            "or fit only partly. The summary shows which, and why."
        ),
        gettext_noop(
            "Bring the summary to your doctor, who can look at the parts that are still open."
        ),
    ),
}


# --- the result -------------------------------------------------------------------


@dataclass(frozen=True)
class Flag:
    """A raised flag, with the texts it was issued with (kept when stored)."""

    code: str
    severity: Severity
    tests: tuple[str, ...]
    title: str = ""
    explanation: str = ""

    @property
    def rule(self) -> FlagRule:
        """The current version's rule for this code. To show an issued flag, read
        ``title`` and ``explanation``, which are the texts it was issued with."""
        return FLAG_RULE_BY_CODE[self.code]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "tests": list(self.tests),
            "title": self.title,
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class Axis1:
    age_at_onset: str
    body_distribution: str
    course: str
    variability: str
    associated_features: str

    def to_dict(self) -> dict[str, str]:
        return {
            "age_at_onset": self.age_at_onset,
            "body_distribution": self.body_distribution,
            "course": self.course,
            "variability": self.variability,
            "associated_features": self.associated_features,
        }


@dataclass(frozen=True)
class Result:
    category: Category
    pattern: Pattern
    verdict: Verdict
    components: tuple[tuple[str, Status], ...]
    criteria: tuple[tuple[str, Support], ...]
    flags: tuple[Flag, ...]
    axis1: Axis1
    # (component, criterion or "category", text) as issued, in to_dict order.
    explanation_texts: tuple[tuple[str, str], ...]
    instrument_version: str = INSTRUMENT_VERSION
    scoring_version: str = SCORING_VERSION

    @property
    def criteria_supported(self) -> int:
        return sum(1 for _, status in self.criteria if status is Support.SUPPORTED)

    @property
    def flag_codes(self) -> list[str]:
        return [flag.code for flag in self.flags]

    @property
    def headline(self) -> str:
        return _category_text(self.instrument_version, self.category, 0)

    @property
    def next_step(self) -> str:
        return _category_text(self.instrument_version, self.category, 2)

    def explanations(self) -> dict[str, str]:
        """Why each component, criterion and the category came out as they did."""
        return dict(self.explanation_texts)

    def flags_by_severity(self) -> list[tuple[Severity, list[Flag]]]:
        return [
            (severity, [f for f in self.flags if f.severity is severity])
            for severity in SEVERITY_ORDER
            if any(f.severity is severity for f in self.flags)
        ]

    def to_dict(self) -> dict[str, Any]:
        """The result object of the contract (``instrument.md``, section Result)."""
        return {
            "instrument": INSTRUMENT_ID,
            "instrument_version": self.instrument_version,
            "scoring_version": self.scoring_version,
            "category": self.category.value,
            "pattern": self.pattern.value,
            "definition": {
                "verdict": self.verdict.value,
                "components": {cid: status.value for cid, status in self.components},
            },
            "criteria": {cid: status.value for cid, status in self.criteria},
            "criteria_supported": self.criteria_supported,
            "axis1": self.axis1.to_dict(),
            "flags": [flag.to_dict() for flag in self.flags],
            "explanations": self.explanations(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Result:
        """Rebuild a result from its stored JSON (:meth:`to_dict`), of either version.

        The texts come from the JSON, so a result is shown as it was issued. A
        version 1 result stored before flags carried their texts gets the title
        and explanation of its own version's rule (``screening/v1``), never the
        current one. ``Result.from_dict(r.to_dict()) == r`` for a result of this
        module; for a version 1 result the JSON round-trips:
        ``Result.from_dict(d).to_dict() == d`` (with the flag texts added).

        :raises ValueError: for JSON that is not a result (a missing key or an
            unknown code).
        """
        try:
            instrument_version = str(data["instrument_version"])
            definition = data["definition"]
            flags = tuple(_flag_from_dict(flag, instrument_version) for flag in data["flags"])
            return cls(
                category=Category(data["category"]),
                pattern=Pattern(data["pattern"]),
                verdict=Verdict(definition["verdict"]),
                components=tuple(
                    (cid, Status(status))
                    for cid, status in _in_rule_order(definition["components"])
                ),
                criteria=tuple(
                    (cid, Support(status)) for cid, status in _in_rule_order(data["criteria"])
                ),
                flags=flags,
                axis1=Axis1(**data["axis1"]),
                explanation_texts=tuple(
                    (key, str(text)) for key, text in _in_rule_order(data["explanations"])
                ),
                instrument_version=instrument_version,
                scoring_version=str(data["scoring_version"]),
            )
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"not a stored result: {error!r}") from error


# The order results list their parts in: PostgreSQL's jsonb keeps an object's
# keys in an order of its own (shorter first), so a stored result is put back in
# rule order when it is read.
RULE_ORDER = {key: i for i, key in enumerate((*COMPONENT_RULES, *CRITERIA_IDS, "category"))}


def _in_rule_order(parts: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """``parts.items()`` in rule order, any key this version does not know last.

    >>> _in_rule_order({"category": "x", "c10": "y", "d7_not_explained": "z", "c2": "w"})
    [('d7_not_explained', 'z'), ('c2', 'w'), ('category', 'x'), ('c10', 'y')]
    """
    return sorted(parts.items(), key=lambda part: RULE_ORDER.get(part[0], len(RULE_ORDER)))


def _category_text(instrument_version: str, category: Category, index: int) -> str:
    """One of the (headline, meaning, next step) a result of that version was issued with."""
    if instrument_version == INSTRUMENT_VERSION:
        return CATEGORY_TEXTS[category][index]
    # Enum members of either version are equal to their codes, so the code finds them.
    text: str = scoring_for(instrument_version).CATEGORY_TEXTS[category.value][index]
    return text


def _flag_from_dict(data: Mapping[str, Any], instrument_version: str) -> Flag:
    code = str(data["code"])
    title, explanation = data.get("title"), data.get("explanation")
    if title is None or explanation is None:
        rule = (
            FLAG_RULE_BY_CODE[code]
            if instrument_version == INSTRUMENT_VERSION
            else scoring_for(instrument_version).FLAG_RULE_BY_CODE[code]
        )
        title = rule.title if title is None else title
        explanation = rule.reason if explanation is None else explanation
    return Flag(
        code=code,
        severity=Severity(data["severity"]),
        tests=tuple(str(test) for test in data["tests"]),
        title=str(title),
        explanation=str(explanation),
    )


PATTERN_OF_FIRST_REGION = {
    "hip_thigh": Pattern.HIP_THIGH,
    "calf_shin": Pattern.CALF_SHIN,
    "foot_ankle_toes": Pattern.FOOT_ANKLE,
}


def onset_age_band(onset_age: int | None) -> str:
    """The age-at-onset band of Albanese et al. 2013.

    >>> [onset_age_band(age) for age in (2, 12, 20, 40, 41, None)]
    ['infancy', 'childhood', 'adolescence', 'early_adulthood', 'late_adulthood', 'unknown']
    """
    if onset_age is None:
        return "unknown"
    for limit, band in ((2, "infancy"), (12, "childhood"), (20, "adolescence")):
        if onset_age <= limit:
            return band
    return "early_adulthood" if onset_age <= 40 else "late_adulthood"


def _axis1(a: Answers, c1: Support) -> Axis1:
    course = a.get("course")
    if course == "worsening":
        axis_course = "progressive"
    elif course in ("stable", "improving", "fluctuating"):
        axis_course = "static"
    else:
        axis_course = "unknown"
    combined = any(a.get(item) == "yes" for item in ("rest_tremor", "parkinsonism", "other_neuro"))
    return Axis1(
        age_at_onset=onset_age_band(a.get("onset_age")),
        body_distribution={"left": "focal", "right": "focal", "both": "multifocal"}.get(
            a.get("side", ""), "unknown"
        ),
        course=axis_course,
        variability="action_specific" if c1 is Support.SUPPORTED else "unknown",
        associated_features="combined" if combined else "isolated",
    )


def category_for(
    components: Mapping[str, Status],
    flags: tuple[Flag, ...],
    prior_diagnosis: str | None = None,
) -> Category:
    """The first category whose rule applies (``instrument.md``, Category).

    For a runner whose neurologist diagnosed dystonia, a prompt flag that
    describes that condition (foot onset, spread) does not send them to a
    neurologist soon; only a new sign does:

    >>> foot = Flag("foot_centric_onset", Severity.PROMPT, ())
    >>> met = dict.fromkeys(COMPONENT_RULES, Status.MET)
    >>> category_for(met, (foot,), "none").value, category_for(met, (foot,), "dystonia").value
    ('see_neurologist', 'known_dystonia')
    """
    severities = {flag.severity for flag in flags}
    if Severity.URGENT in severities:
        return Category.URGENT_CARE
    known_dystonia = prior_diagnosis == "dystonia"
    prompt = [flag.code for flag in flags if flag.severity is Severity.PROMPT]
    if known_dystonia:
        prompt = [code for code in prompt if code in NEW_SIGN_FLAGS]
    if prompt:
        return Category.SEE_NEUROLOGIST
    if known_dystonia:
        return Category.KNOWN_DYSTONIA
    core = ("d1_sensation", "d2_coordination", "d3_running_specific")
    if any(components[cid] is Status.NOT_MET for cid in core):
        return Category.NOT_CONSISTENT
    if Severity.EXCLUSION in severities:
        return Category.OTHER_CAUSES_FIRST
    if definition_verdict(components) is Verdict.MET:
        return Category.LLC_CONSISTENT
    return Category.PARTLY_CONSISTENT


def _raised(rules: tuple[FlagRule, ...], answers: Answers) -> tuple[Flag, ...]:
    return tuple(
        Flag(rule.code, rule.severity, rule.tests, rule.title, rule.explanation(answers))
        for rule in rules
        if rule.raised(answers)
    )


URGENT_RULES = tuple(rule for rule in FLAG_RULES if rule.severity is Severity.URGENT)


def urgent_flags(answers: Answers) -> tuple[Flag, ...]:
    """The urgent flags alone, for the safety step, which must answer before the
    rest of the questionnaire exists: the same rules :func:`score` applies.

    >>> [f.code for f in urgent_flags({"acute_limb": "yes", "sudden_weakness": "no"})]
    ['acute_limb']
    """
    return _raised(URGENT_RULES, answers)


def score(answers: Answers) -> Result:
    """Score clean answers (the output of ``instrument.validate``).

    Worked example: a runner with aching and coordination loss every time, only
    when running, no nerve symptoms, no localized pain, no daily weakness, and
    a clinician who has named no cause (``prior_diagnosis: none``) meets d1-d7,
    so the verdict is ``met``; with no flag raised the category is
    ``llc_consistent``. Add ``walking: significant`` and the prompt flag
    ``spread_to_walking`` makes it ``see_neurologist`` instead, because flags
    come first. Had a neurologist diagnosed dystonia (``prior_diagnosis:
    dystonia``), walking would be part of the known condition: ``known_dystonia``.
    """
    components = {cid: rule(answers) for cid, rule in COMPONENT_RULES.items()}
    c1 = _c1(answers, components["d3_running_specific"])
    criteria = (
        ("c1", c1),
        ("c2", _c2(answers)),
        ("c3", _c3(answers)),
        ("c4", _c4(answers)),
        ("c5", _c5(answers)),
        ("c6", _c6(answers)),
        ("c7", _c7(answers)),
        ("c8", Support.CLINICIAN_ONLY),
    )
    flags = _raised(FLAG_RULES, answers)
    category = category_for(components, flags, answers.get("prior_diagnosis"))
    explanation_texts = (
        *((cid, EXPLANATIONS[(cid, status)]) for cid, status in components.items()),
        *((cid, EXPLANATIONS[(cid, status)]) for cid, status in criteria),
        ("category", CATEGORY_TEXTS[category][1]),
    )
    return Result(
        category=category,
        pattern=PATTERN_OF_FIRST_REGION.get(answers.get("first_region", ""), Pattern.UNKNOWN),
        verdict=definition_verdict(components),
        components=tuple(components.items()),
        criteria=criteria,
        flags=flags,
        axis1=_axis1(answers, c1),
        explanation_texts=explanation_texts,
    )
