"""The case in one paragraph, as a clinician writes it: the top of the PDF's page 1.

A pure function of the closed answers (codes and numbers; never the free text),
so that it can be checked against the answers that produce it::

    41-year-old woman, left leg, for 4 years (since 37); began in the foot while
    running; ... now slight effect on walking; ... trips, foot turns in, toes curl;
    running backwards and barefoot on grass help; nerve conduction normal;
    neurologist's diagnosis: dystonia.

Each fact is a clause read from a fixed set of items (:data:`FACTS`): a builder
only ever sees its own items, so a fact cannot depend on an answer it does not
name. A fact is written only from what was answered; an item left blank, "not
sure", "I do not remember" or "prefer not to say" is left out, never guessed.
Positive findings are named; a negative is named only where the whole group was
answered "no" (no numbness, tingling, burning or shooting pain) or where the
answer is itself the finding (walking unaffected, nothing helps). Lists follow
the instrument's code order, so that the same answers always read the same.

Both instrument versions are read: version 1's ``diagnosis_explains`` stands where
version 2 has ``prior_diagnosis``; codes version 1 lacks simply never occur.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

KM_PER_MILE = 1.609344

Answers = Mapping[str, Any]


@dataclass(frozen=True)
class Fact:
    """One clause of the synopsis and the items it was read from."""

    key: str
    text: str
    sources: tuple[str, ...]


def and_list(words: Sequence[str], conjunction: str | None = None) -> str:
    """Words as a sentence lists them.

    >>> and_list(["trails"]), and_list(["cycling", "stairs"])
    ('trails', 'cycling and stairs')
    >>> and_list(["numbness", "tingling", "burning"], "or")
    'numbness, tingling or burning'
    """
    word = conjunction or _("and")
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} {word} {words[-1]}"


def _codes(answers: Answers, item_id: str, words: Mapping[str, str]) -> list[str]:
    """The words of a multi item's codes that have words, in the table's order."""
    given = set(answers.get(item_id) or ())
    return [_(phrase) for code, phrase in words.items() if code in given]


# --- the clauses --------------------------------------------------------------

PERSON = {
    # code -> (adult, under 18)
    "female": (gettext_noop("woman"), gettext_noop("girl")),
    "male": (gettext_noop("man"), gettext_noop("boy")),
}
SIDES = {
    "left": gettext_noop("left leg"),
    "right": gettext_noop("right leg"),
    "both": gettext_noop("both legs"),
}


def who(a: Answers) -> str | None:
    """Age, sex, side and how long.

    >>> who({"age": 41, "sex": "female", "side": "left", "onset_age": 37})
    '41-year-old woman, left leg, for 4 years (since 37)'
    >>> who({"age": 15, "sex": "male", "side": "both", "onset_age": 15})
    '15-year-old boy, both legs, for under a year (since 15)'
    >>> who({"age": 52, "sex": "prefer_not", "side": "unsure", "onset_age": 51})
    '52-year-old runner, for 1 year (since 51)'
    >>> who({"age": 30, "sex": "other"})
    '30-year-old runner (sex: other)'
    """
    parts = []
    age, sex = a.get("age"), a.get("sex")
    if age is not None:
        noun = _(PERSON[sex][1 if age < 18 else 0]) if sex in PERSON else _("runner")
        person = _("%(age)d-year-old %(noun)s") % {"age": age, "noun": noun}
        if sex == "other":
            person = _("%(person)s (sex: other)") % {"person": person}
        parts.append(person)
    elif sex in PERSON:
        parts.append(_(PERSON[sex][0]))
    if a.get("side") in SIDES:
        parts.append(_(SIDES[a["side"]]))
    onset = a.get("onset_age")
    if onset is not None and age is not None:
        years = age - onset
        if years < 1:
            parts.append(_("for under a year (since %(onset)d)") % {"onset": onset})
        else:
            text = ngettext(
                "for %(years)d year (since %(onset)d)",
                "for %(years)d years (since %(onset)d)",
                years,
            )
            parts.append(text % {"years": years, "onset": onset})
    elif onset is not None:
        parts.append(_("since age %(onset)d") % {"onset": onset})
    return ", ".join(parts) or None


LEVELS = {
    "recreational": gettext_noop("recreational runner"),
    "club": gettext_noop("club runner"),
    "school_college": gettext_noop("school or college runner"),
    "elite": gettext_noop("elite runner"),
}


def running(a: Answers) -> str | None:
    """The running before it began.

    >>> running({"level": "club", "running_years": 18, "weekly_km": 95})
    'club runner, 18 years of running and 95 km (59 mi) a week before onset'
    >>> running({"running_years": 0})
    'no regular running before onset'
    >>> running({"level": "elite"})
    'elite runner'
    """
    parts = []
    if a.get("level") in LEVELS:
        parts.append(_(LEVELS[a["level"]]))
    history = []
    years = a.get("running_years")
    if years == 0:
        history.append(_("no regular running"))
    elif years is not None:
        history.append(
            ngettext("%(n)d year of running", "%(n)d years of running", years) % {"n": years}
        )
    km = a.get("weekly_km")
    if km is not None:
        miles = round(km / KM_PER_MILE)
        history.append(_("%(km)d km (%(mi)d mi) a week") % {"km": km, "mi": miles})
    if history:
        parts.append(_("%(history)s before onset") % {"history": and_list(history)})
    return ", ".join(parts) or None


FIRST_REGIONS = {
    "hip_thigh": gettext_noop("the hip or thigh"),
    "calf_shin": gettext_noop("the calf or shin"),
    "foot_ankle_toes": gettext_noop("the foot"),
}
ONSET_ACTIVITIES = {
    "running": gettext_noop("while running"),
    "cycling": gettext_noop("while cycling"),
    "walking": gettext_noop("while walking"),
    "other": gettext_noop("during another activity"),
}


def onset(a: Answers) -> str | None:
    """Where and doing what it began.

    >>> onset({"first_region": "foot_ankle_toes", "onset_activity": "running"})
    'began in the foot while running'
    >>> onset({"first_region": "unsure", "onset_activity": "cycling"})
    'began while cycling'
    >>> onset({"first_region": "unsure", "onset_activity": "unsure"}) is None
    True
    """
    words = []
    if a.get("first_region") in FIRST_REGIONS:
        words.append(_("in %(where)s") % {"where": _(FIRST_REGIONS[a["first_region"]])})
    if a.get("onset_activity") in ONSET_ACTIVITIES:
        words.append(_(ONSET_ACTIVITIES[a["onset_activity"]]))
    return _("began %(how)s") % {"how": " ".join(words)} if words else None


SENSATIONS = {
    "aching": gettext_noop("aching"),
    "tightness": gettext_noop("tightness"),
    "soreness": gettext_noop("soreness"),
    "weakness": gettext_noop("weakness"),
}
COORDINATION = {
    "always": gettext_noop("loss of coordination every time"),
    "sometimes": gettext_noop("loss of coordination at times"),
    "never": gettext_noop("no loss of coordination"),
}
CONTEXTS = {
    "only_running": gettext_noop("only when running"),
    "mainly_running": gettext_noop("mainly when running"),
    "also_other": gettext_noop("also outside running"),
}


def complaint(a: Answers) -> str | None:
    """What running feels like: the working definition's d1-d3 in a line.

    >>> complaint({"sensations": ["weakness", "tightness"], "coordination_loss": "always",
    ...            "context": "mainly_running"})
    'tightness and weakness, loss of coordination every time, mainly when running'
    >>> complaint({"sensations": ["none"], "coordination_loss": "never"})
    'no aching, tightness, soreness or weakness, no loss of coordination'
    """
    parts = []
    felt = _codes(a, "sensations", SENSATIONS)
    if felt:
        parts.append(and_list(felt))
    elif "none" in (a.get("sensations") or ()):
        every = [_(words) for words in SENSATIONS.values()]
        parts.append(_("no %(felt)s") % {"felt": and_list(every, _("or"))})
    if a.get("coordination_loss") in COORDINATION:
        parts.append(_(COORDINATION[a["coordination_loss"]]))
    if a.get("context") in CONTEXTS:
        parts.append(_(CONTEXTS[a["context"]]))
    return ", ".join(parts) or None


WORSE_WHEN = {
    "faster_worse": gettext_noop("when faster"),
    "flat_worse": gettext_noop("on flat ground"),
    "continuous_worse": gettext_noop("in long continuous efforts"),
}


def worse(a: Answers) -> str | None:
    """What makes it worse (each "yes").

    >>> worse({"faster_worse": "yes", "flat_worse": "yes", "continuous_worse": "unsure"})
    'worse when faster and on flat ground'
    """
    when = [_(words) for item_id, words in WORSE_WHEN.items() if a.get(item_id) == "yes"]
    return _("worse %(when)s") % {"when": and_list(when)} if when else None


OTHER_ACTIVITIES = {
    "cycling": gettext_noop("cycling"),
    "elliptical": gettext_noop("the elliptical"),
    "swimming": gettext_noop("swimming"),
    "aquajogging": gettext_noop("water running"),
    "walking": gettext_noop("walking"),
    "stairs": gettext_noop("stairs"),
}


def elsewhere(a: Answers) -> str | None:
    """Other activities that bring it on, and whether it has spread.

    >>> elsewhere({"other_activity_triggers": ["stairs", "cycling"], "spread_other": "yes"})
    'has spread to other activities; also brought on by cycling and stairs'
    >>> elsewhere({"other_activity_triggers": ["none"], "spread_other": "no"})
    'no other activity brings it on'
    """
    parts = []
    if a.get("spread_other") == "yes":
        parts.append(_("has spread to other activities"))
    activities = _codes(a, "other_activity_triggers", OTHER_ACTIVITIES)
    if activities:
        parts.append(_("also brought on by %(what)s") % {"what": and_list(activities)})
    elif "none" in (a.get("other_activity_triggers") or ()):
        parts.append(_("no other activity brings it on"))
    return "; ".join(parts) or None


def pain(a: Answers) -> str | None:
    """How much pain, whether in one spot, and whether it came first.

    >>> pain({"pain_level": 0, "localized_pain": "no"})
    'no pain'
    >>> pain({"pain_level": 6, "localized_pain": "yes", "pain_before": "yes"})
    'pain 6/10, sharp pain in one spot, pain came before the coordination problem'
    """
    parts = []
    level = a.get("pain_level")
    if level == 0:
        parts.append(_("no pain"))
    elif level is not None:
        parts.append(_("pain %(level)d/10") % {"level": level})
    if a.get("localized_pain") == "yes":
        parts.append(_("sharp pain in one spot"))
    if a.get("pain_before") == "yes":
        parts.append(_("pain came before the coordination problem"))
    return ", ".join(parts) or None


NERVE_SYMPTOMS = {
    "numbness": gettext_noop("numbness"),
    "tingling": gettext_noop("tingling"),
    "burning": gettext_noop("burning"),
    "shooting_pain": gettext_noop("shooting pain"),
}


def nerve(a: Answers) -> str | None:
    """Numbness, tingling, burning, shooting pain: the ones reported, or none of them.

    >>> nerve({"numbness": "yes", "tingling": "no", "burning": "yes", "shooting_pain": "no"})
    'numbness and burning'
    >>> nerve({"numbness": "no", "tingling": "no", "burning": "no", "shooting_pain": "no"})
    'no numbness, tingling, burning or shooting pain'
    >>> nerve({"numbness": "no"}) is None
    True
    """
    felt = [_(words) for item_id, words in NERVE_SYMPTOMS.items() if a.get(item_id) == "yes"]
    if felt:
        return and_list(felt)
    if all(a.get(item_id) == "no" for item_id in NERVE_SYMPTOMS):
        every = [_(words) for words in NERVE_SYMPTOMS.values()]
        return _("no %(what)s") % {"what": and_list(every, _("or"))}
    return None


OTHER_COMPLAINTS = {
    "back_pain_radiating": gettext_noop("low back pain spreading down the leg"),
    "groin_hip_pain": gettext_noop("groin or hip pain"),
    "exertional_calf": gettext_noop("calf tightness with swelling or numbness on exertion"),
    "weakness_daily": gettext_noop("weakness in daily life"),
}


def other_complaints(a: Answers) -> str | None:
    """Other pains and weakness that point elsewhere (each "yes").

    >>> other_complaints({"groin_hip_pain": "yes", "weakness_daily": "yes"})
    'groin or hip pain, weakness in daily life'
    """
    found = [_(words) for item_id, words in OTHER_COMPLAINTS.items() if a.get(item_id) == "yes"]
    return ", ".join(found) or None


WARNING_SIGNS = {
    "bladder_bowel_saddle": gettext_noop(
        "new bladder or bowel trouble or numbness around the groin"
    ),
    "sudden_weakness": gettext_noop("new leg weakness over minutes to days"),
    "acute_limb": gettext_noop("severe pain, a tense calf or a cold, pale foot after exercise"),
    "rest_tremor": gettext_noop("tremor at rest"),
    "parkinsonism": gettext_noop("slowness or stiffness"),
    "other_neuro": gettext_noop("neurological symptoms beyond the legs"),
}


def warning_signs(a: Answers) -> str | None:
    """Urgent and neurological warning signs (each "yes"), named as the runner reported them.

    >>> warning_signs({"rest_tremor": "yes", "bladder_bowel_saddle": "no"})
    'reports tremor at rest'
    """
    found = [_(words) for item_id, words in WARNING_SIGNS.items() if a.get(item_id) == "yes"]
    return _("reports %(signs)s") % {"signs": and_list(found)} if found else None


WALKING = {
    "none": gettext_noop("walking unaffected"),
    "slight": gettext_noop("now slight effect on walking"),
    "significant": gettext_noop("now walking clearly affected"),
}


def walking(a: Answers) -> str | None:
    """
    >>> walking({"walking": "slight"})
    'now slight effect on walking'
    """
    return _(WALKING[a["walking"]]) if a.get("walking") in WALKING else None


COURSES = {
    "improving": gettext_noop("improving"),
    "stable": gettext_noop("stable"),
    "fluctuating": gettext_noop("fluctuating"),
    "worsening": gettext_noop("worsening"),
}


def course(a: Answers) -> str | None:
    """
    >>> course({"course": "worsening"})
    'worsening course'
    """
    if a.get("course") not in COURSES:
        return None
    return _("%(course)s course") % {"course": _(COURSES[a["course"]])}


GAIT_SIGNS = {
    "crossover": gettext_noop("foot crosses the midline"),
    "leg_rotates_out": gettext_noop("leg turns out"),
    "leg_rotates_in": gettext_noop("leg turns in"),
    "foot_splay": gettext_noop("foot lands splayed"),
    "foot_turns_in": gettext_noop("foot turns in"),
    "foot_turns_out": gettext_noop("foot turns out"),
    "foot_drop_drag": gettext_noop("foot drops or drags"),
    "toe_curl": gettext_noop("toes curl"),
    "knee_control": gettext_noop("knee gives way"),
    "trips": gettext_noop("trips"),
    "shoe_wear_asymmetry": gettext_noop("uneven shoe wear"),
}


def gait(a: Answers) -> str | None:
    """What the runner or others see, and muscles that pull.

    >>> gait({"gait_signs": ["toe_curl", "trips", "foot_turns_in"]})
    'foot turns in, toes curl, trips'
    >>> gait({"gait_signs": ["none"], "muscles_pull": "yes"})
    'no visible change in the stride, muscles pull one way'
    """
    parts = _codes(a, "gait_signs", GAIT_SIGNS)
    if not parts and "none" in (a.get("gait_signs") or ()):
        parts.append(_("no visible change in the stride"))
    if a.get("muscles_pull") == "yes":
        parts.append(_("muscles pull one way"))
    return ", ".join(parts) or None


TRICKS = {
    "backwards": gettext_noop("running backwards"),
    "sideways": gettext_noop("running sideways"),
    "barefoot_grass": gettext_noop("barefoot on grass"),
    "trails": gettext_noop("trails"),
    "run_in_place": gettext_noop("jogging on the spot"),
    "shoes": gettext_noop("other shoes"),
    "dual_task": gettext_noop("doing something else at the same time"),
}


def tricks(a: Answers) -> str | None:
    """The tricks that make running coordinated again.

    >>> tricks({"tricks": ["barefoot_grass", "backwards"]})
    'running backwards and barefoot on grass help'
    >>> tricks({"tricks": ["trails"]})
    'trails help'
    >>> tricks({"tricks": ["none_helped"]}), tricks({"tricks": ["not_tried"]})
    ('no trick helps', 'no trick tried')
    """
    helped = _codes(a, "tricks", TRICKS)
    if helped:
        return _("%(tricks)s help") % {"tricks": and_list(helped)}
    given = a.get("tricks") or ()
    if "none_helped" in given:
        return _("no trick helps")
    if "not_tried" in given:
        return _("no trick tried")
    return None


FAMILY = {"dystonia": gettext_noop("dystonia"), "parkinsons": gettext_noop("Parkinson's disease")}


def family(a: Answers) -> str | None:
    """
    >>> family({"family_history": ["parkinsons", "dystonia"]})
    "family history of dystonia and Parkinson's disease"
    >>> family({"family_history": ["none"]})
    "no family history of dystonia or Parkinson's disease"
    >>> family({"family_history": ["unsure"]}) is None
    True
    """
    found = _codes(a, "family_history", FAMILY)
    if found:
        return _("family history of %(what)s") % {"what": and_list(found)}
    if "none" in (a.get("family_history") or ()):
        every = [_(words) for words in FAMILY.values()]
        return _("no family history of %(what)s") % {"what": and_list(every, _("or"))}
    return None


EXAM_ORTHO = {
    "not_examined": gettext_noop("no orthopaedic examination yet"),
    "nothing_found": gettext_noop("orthopaedic examination found nothing"),
    "minor_findings": gettext_noop("orthopaedic examination: minor findings only"),
    "clear_cause": gettext_noop("orthopaedic examination found a clear cause"),
}
EXAM_NEURO = {
    "not_done": gettext_noop("no neurological examination yet"),
    "normal": gettext_noop("neurological examination normal"),
    "abnormal": gettext_noop("neurological examination abnormal"),
}


def examinations(a: Answers) -> str | None:
    """
    >>> examinations({"exam_ortho": "minor_findings", "exam_neuro": "normal"})
    'orthopaedic examination: minor findings only, neurological examination normal'
    """
    parts = []
    if a.get("exam_ortho") in EXAM_ORTHO:
        parts.append(_(EXAM_ORTHO[a["exam_ortho"]]))
    if a.get("exam_neuro") in EXAM_NEURO:
        parts.append(_(EXAM_NEURO[a["exam_neuro"]]))
    return ", ".join(parts) or None


TEST_NAMES = {
    "test_mri_spine": gettext_noop("lumbar spine MRI"),
    "test_mri_hip": gettext_noop("hip MRI"),
    "test_nerve_conduction": gettext_noop("nerve conduction"),
    "test_abi_exercise": gettext_noop("exercise ankle-brachial index"),
    "test_compartment_pressure": gettext_noop("compartment pressures"),
    "test_blood": gettext_noop("blood tests"),
}
TEST_RESULTS = {
    "normal": gettext_noop("%(tests)s normal"),
    "abnormal": gettext_noop("%(tests)s abnormal"),
    "unsure": gettext_noop("%(tests)s done, result not known"),
}


def tests(a: Answers) -> str | None:
    """The tests done, grouped by result; tests not done are left to the report's list.

    >>> tests({"test_mri_spine": "normal", "test_mri_hip": "abnormal",
    ...        "test_nerve_conduction": "normal", "test_blood": "not_done"})
    'lumbar spine MRI and nerve conduction normal, hip MRI abnormal'
    """
    groups = []
    for result, words in TEST_RESULTS.items():
        names = [_(name) for item_id, name in TEST_NAMES.items() if a.get(item_id) == result]
        if names:
            groups.append(_(words) % {"tests": and_list(names)})
    return ", ".join(groups) or None


PROCEDURES = {
    "spine_surgery": gettext_noop("spine surgery"),
    "hip_surgery": gettext_noop("hip surgery"),
    "knee_surgery": gettext_noop("knee surgery"),
    "nerve_release": gettext_noop("a nerve release"),
    "compartment_release": gettext_noop("a compartment release"),
    "other_surgery": gettext_noop("other surgery"),
    "injections": gettext_noop("injections"),
}


def procedures(a: Answers) -> str | None:
    """
    >>> procedures({"procedures": ["injections", "nerve_release"]})
    'had a nerve release and injections for it'
    >>> procedures({"procedures": ["none"]})
    'no operation or injection for it'
    """
    done = _codes(a, "procedures", PROCEDURES)
    if done:
        return _("had %(what)s for it") % {"what": and_list(done)}
    if "none" in (a.get("procedures") or ()):
        return _("no operation or injection for it")
    return None


PRIOR_DIAGNOSIS = {
    "none": gettext_noop("no cause named yet"),
    "dystonia": gettext_noop("neurologist's diagnosis: dystonia"),
    "other_full": gettext_noop("another diagnosis said to explain it fully"),
    "other_partial": gettext_noop("another diagnosis explains only part of it"),
}
# Version 1's question: "a diagnosis that fully explains the problem with control?"
DIAGNOSIS_EXPLAINS_V1 = {
    "no": gettext_noop("no diagnosis explains it"),
    "partly": gettext_noop("a diagnosis explains only part of it"),
    "yes": gettext_noop("a diagnosis said to explain it fully"),
}


def diagnosis(a: Answers) -> str | None:
    """What a clinician has said (version 2), or whether a diagnosis explains it (version 1).

    >>> diagnosis({"prior_diagnosis": "dystonia"})
    "neurologist's diagnosis: dystonia"
    >>> diagnosis({"diagnosis_explains": "partly"})
    'a diagnosis explains only part of it'
    >>> diagnosis({"prior_diagnosis": "unsure"}) is None
    True
    """
    if a.get("prior_diagnosis") in PRIOR_DIAGNOSIS:
        return _(PRIOR_DIAGNOSIS[a["prior_diagnosis"]])
    if a.get("diagnosis_explains") in DIAGNOSIS_EXPLAINS_V1:
        return _(DIAGNOSIS_EXPLAINS_V1[a["diagnosis_explains"]])
    return None


INJURIES = {
    "stress_fracture": gettext_noop("stress fracture"),
    "plantar_fascia": gettext_noop("plantar fascia"),
    "achilles": gettext_noop("Achilles"),
    "knee": gettext_noop("knee"),
    "hip": gettext_noop("hip"),
    "hamstring": gettext_noop("hamstring"),
    "calf": gettext_noop("calf"),
    "other": gettext_noop("other"),
}


def injuries(a: Answers) -> str | None:
    """
    >>> injuries({"secondary_injuries": ["hip", "stress_fracture"]})
    'injuries since onset: stress fracture, hip'
    """
    found = _codes(a, "secondary_injuries", INJURIES)
    return _("injuries since onset: %(what)s") % {"what": ", ".join(found)} if found else None


def video(a: Answers) -> str | None:
    """
    >>> video({"gait_video": "yes"}), video({"gait_video": "no"})
    ('has a video of the gait', None)
    """
    return _("has a video of the gait") if a.get("gait_video") == "yes" else None


TESTS = tuple(TEST_NAMES)

# The clauses in the order a clinician's note runs: who, history, the complaint and
# what changes it, what points elsewhere, how it is now, signs, what was done, what
# was said. Each reads only the items named beside it.
FACTS: tuple[tuple[str, tuple[str, ...], Callable[[Answers], str | None]], ...] = (
    ("who", ("age", "sex", "side", "onset_age"), who),
    ("running", ("level", "running_years", "weekly_km"), running),
    ("onset", ("first_region", "onset_activity"), onset),
    ("complaint", ("sensations", "coordination_loss", "context"), complaint),
    ("worse", tuple(WORSE_WHEN), worse),
    ("elsewhere", ("spread_other", "other_activity_triggers"), elsewhere),
    ("pain", ("pain_level", "localized_pain", "pain_before"), pain),
    ("nerve", tuple(NERVE_SYMPTOMS), nerve),
    ("other_complaints", tuple(OTHER_COMPLAINTS), other_complaints),
    ("warning_signs", tuple(WARNING_SIGNS), warning_signs),
    ("walking", ("walking",), walking),
    ("course", ("course",), course),
    ("gait", ("gait_signs", "muscles_pull"), gait),
    ("tricks", ("tricks",), tricks),
    ("video", ("gait_video",), video),
    ("family", ("family_history",), family),
    ("examinations", ("exam_ortho", "exam_neuro"), examinations),
    ("tests", TESTS, tests),
    ("procedures", ("procedures",), procedures),
    ("injuries", ("secondary_injuries",), injuries),
    ("diagnosis", ("prior_diagnosis", "diagnosis_explains"), diagnosis),
)
SOURCES: frozenset[str] = frozenset(item for _key, items, _build in FACTS for item in items)


def facts(answers: Answers) -> list[Fact]:
    """The synopsis' clauses, each built from its own items only.

    >>> [f.key for f in facts({"age": 34, "walking": "none", "own_words": "anything"})]
    ['who', 'walking']
    """
    found = []
    for key, items, build in FACTS:
        text = build({item: answers[item] for item in items if item in answers})
        if text:
            found.append(Fact(key, text, items))
    return found


def synopsis(answers: Answers) -> str:
    """The case in one sentence-paragraph, from the closed answers alone.

    >>> synopsis({
    ...     "age": 41, "sex": "female", "side": "left", "onset_age": 37,
    ...     "first_region": "foot_ankle_toes", "onset_activity": "running",
    ...     "walking": "slight", "gait_signs": ["trips", "foot_turns_in", "toe_curl"],
    ...     "tricks": ["backwards", "barefoot_grass"], "test_nerve_conduction": "normal",
    ...     "test_mri_spine": "not_done", "prior_diagnosis": "dystonia",
    ...     "own_words": "Free text is never read here.",
    ... })
    "41-year-old woman, left leg, for 4 years (since 37); began in the foot while running; \
now slight effect on walking; foot turns in, toes curl, trips; running backwards and barefoot \
on grass help; nerve conduction normal; neurologist's diagnosis: dystonia."
    >>> synopsis({"sex": "prefer_not", "side": "unsure"})
    ''
    """
    text = "; ".join(fact.text for fact in facts(answers))
    if not text:
        return ""
    return f"{text[0].upper()}{text[1:]}."
