"""What the runner reads: question wording, answer labels and help texts.

``instrument.py`` says what an answer may be; this module says how each item
and code is put to a runner, in plain words (reading age about 12). The web
form, the PDF and the admin all read it through four small functions:

>>> str(label("side"))
'Which leg is affected?'
>>> str(code_label("side", "both"))
'Both legs'
>>> str(help_text("age"))
'In whole years.'
>>> str(STEP_TITLES["safety"])
'Safety first'

Every string is lazy and marked for translation, so a second language needs
no change here. Sources for the wording: the working definition and the survey
form (Appendix C) of Davis, "Searching for answers on loss of leg coordination
while running", and McClinton & Heiderscheit, JOSPT 2012;42(8):688-697.

This is the wording of instrument version 2; what version 1 runners read is
frozen in ``screening/v1/questions.py`` (ask :func:`screening.versions.questions_for`).
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from screening.instrument import ITEMS, LIMIT_ACTIVITIES, TESTS, Kind

KM_PER_MILE = 1.609344

StrLike = str | Promise

STEP_TITLES: dict[str, StrLike] = {
    "safety": _("Safety first"),
    "about": _("About you and your running"),
    "symptoms": _("What running feels like"),
    "exclusions": _("Other feelings and pain"),
    "triggers": _("What makes it better or worse"),
    "course": _("How it has changed"),
    "care": _("Examinations and tests"),
    "limits": _("How much it limits your running"),
    "narrative": _("In your own words"),
}

STEP_INTROS: dict[str, StrLike] = {
    "safety": _(
        "Three quick questions about warning signs that need a doctor today. "
        "We ask them before anything else."
    ),
    "about": _("A few facts about you and your running. We never ask your name."),
    "symptoms": _("Think about what happens in the leg when the problem comes on during a run."),
    "exclusions": _(
        "Some feelings point to a cause other than a loss of coordination, such as a "
        "squeezed nerve or an injury. Please answer honestly: it helps your doctor."
    ),
    "triggers": _("Many runners notice that some kinds of running are worse than others."),
    "course": _("How the problem has behaved over the last few months."),
    "care": _(
        "Tell us what clinicians have checked so far. If you have not seen anyone yet, "
        "that is fine: answer “No, not yet” and “Not done”."
    ),
    "limits": _(
        "This grid helps a clinician see how much running you can still do. "
        "It is optional: you can skip the whole step."
    ),
    "narrative": _(
        "Optional. Anything else your doctor should know, in your own words. "
        "Please do not write names, places or contact details."
    ),
}

YES_NO = {"yes": _("Yes"), "no": _("No")}
YES_NO_UNSURE = {**YES_NO, "unsure": _("Not sure")}
TEST_RESULTS = {
    "not_done": _("Not done"),
    "normal": _("Done: normal"),
    "abnormal": _("Done: something was found"),
    # Counted as done (prior_diagnosis is then asked), so said so.
    "unsure": _("Done: result not known"),
}
LIMIT_LEVELS = {
    "no_limit": _("No limit"),
    "limited": _("Limited"),
    "cannot": _("Cannot do it"),
    "not_tried": _("Not tried"),
}

ACTIVITY_TITLES: dict[str, StrLike] = {
    "easy_trails": _("Easy running on trails or grass"),
    "easy_road": _("Easy running on roads"),
    "hard30_trails": _("A hard 30-minute run on trails"),
    "hard30_road": _("A hard 30-minute run on roads"),
    "intervals_trails": _("Intervals on trails or grass"),
    "intervals_track": _("Intervals on a track"),
    "race_xc": _("A cross-country race"),
    "race_track": _("A track race"),
    "race_road": _("A road race"),
}
SCALE_TITLES: dict[str, StrLike] = {
    "worst": _("When it was at its worst"),
    "typical": _("On an average day"),
}
# The grid's column heads on a phone, where both scales sit side by side.
SCALE_SHORT_TITLES: dict[str, StrLike] = {
    "typical": _("Average day"),
    "worst": _("At its worst"),
}

TEST_TITLES: dict[str, StrLike] = {
    "test_mri_spine": _("MRI scan of the lower back"),
    "test_mri_hip": _("MRI scan of the hip"),
    "test_nerve_conduction": _("Nerve test (nerve conduction study or EMG)"),
    "test_abi_exercise": _("Blood-flow test of the legs after exercise"),
    "test_compartment_pressure": _("Pressure test of the leg muscles (compartment test)"),
    "test_blood": _("Blood tests"),
}

# The care step asks the tests as one block, a row each.
TESTS_LEGEND = _("Which tests have you had for this problem?")
TESTS_HINT = _("For each test, choose whether it was done and what it showed.")

LABELS: dict[str, StrLike] = {
    # safety
    "bladder_bowel_saddle": _(
        "Have you had new trouble controlling your bladder or bowel, or numbness around "
        "your groin, bottom or inner thighs?"
    ),
    # Version 1 gave a dropping or dragging foot as the example: that is what most
    # runners with this problem feel on every run, and it sent them to emergency
    # care. The question is about NEW weakness that is there off the run too.
    "sudden_weakness": _(
        "Has a leg become weak in a new way, coming on suddenly or over a few hours or "
        "days, so that it is weak even when you rest or walk, not only when you run?"
    ),
    "acute_limb": _(
        "After exercise, have you had severe leg pain that does not settle with rest, "
        "a hard swollen calf, or a foot that is cold and pale?"
    ),
    # about
    "age": _("How old are you?"),
    "sex": _("What is your sex?"),
    "running_years": _("How many years had you been running regularly before the problem began?"),
    "weekly_km": _("How far did you usually run in a week before the problem began?"),
    "level": _("What level did you run at?"),
    "onset_age": _("How old were you when the problem began?"),
    "side": _("Which leg is affected?"),
    "onset_activity": _("What were you doing when you first noticed it?"),
    # symptoms
    "sensations": _("What do you feel in the leg when the problem comes on while running?"),
    "coordination_loss": _(
        "When you feel that, does the leg also stop doing what you want? "
        "For example, the stride feels “off” or the leg flops."
    ),
    "context": _("When does it happen?"),
    "relief_on_stopping": _("When you stop running and walk or stand, does it fade?"),
    "regions": _("Where in the leg do you feel it?"),
    "first_region": _("Where did it start?"),
    "gait_signs": _("What do you, or people watching you run, notice?"),
    "muscles_pull": _(
        "Do muscles pull or cramp the leg or foot in one direction that you cannot control?"
    ),
    # exclusions
    "numbness": _("Do you have numbness in the affected leg or foot?"),
    "tingling": _("Do you have tingling or pins and needles?"),
    "burning": _("Do you have a burning feeling?"),
    "shooting_pain": _("Do you have shooting pain, like an electric shock?"),
    "localized_pain": _("Do you have a sharp pain in one spot you can point to?"),
    "pain_level": _("How much pain do you usually have while running?"),
    "pain_before": _("Did the pain start before the problem with control?"),
    "weakness_daily": _("Is the leg clearly weak in daily life or in the gym?"),
    "back_pain_radiating": _("Do you have low back pain that spreads down the leg?"),
    "groin_hip_pain": _("Do you have pain in the groin or at the front of the hip?"),
    "exertional_calf": _(
        "During exercise, does your calf or shin get tight with swelling or a full feeling, "
        "or does your foot go numb, and does it ease when you rest?"
    ),
    # triggers
    "faster_worse": _("Does running faster make it worse?"),
    "flat_worse": _(
        "Is it worse on flat, even ground (track, road, treadmill) than on trails or grass?"
    ),
    "continuous_worse": _("Are long steady efforts worse than short intervals?"),
    "other_activity_triggers": _("Which other activities bring it on?"),
    "tricks": _("Has anything made your running work normally again, even for a short time?"),
    "gym_strength_equal": _("In the gym, can the affected leg lift as much as the other one?"),
    "gait_video": _("Do you have a video of yourself running that shows the problem?"),
    # course
    "walking": _("Does it affect your walking?"),
    "spread_other": _(
        "Has it spread to other activities, such as cycling or swimming, that used to be fine?"
    ),
    "course": _("Over the last few months, how has it changed?"),
    "rest_tremor": _("Does an arm or leg shake when it is resting?"),
    "parkinsonism": _(
        "Have you noticed general slowness, stiffness, less arm swing when you walk, "
        "or smaller handwriting?"
    ),
    "other_neuro": _(
        "Have you had blurred or double vision, numbness somewhere else, balance problems "
        "in daily life, or slurred speech?"
    ),
    "family_history": _(
        "Does one of your parents, brothers, sisters or children have dystonia or "
        "Parkinson's disease?"
    ),
    # care
    "exam_ortho": _("Has a physio or orthopaedic doctor examined your leg?"),
    "exam_neuro": _(
        "Has a doctor done a basic check of your nerves (reflexes, strength and feeling)?"
    ),
    "prior_diagnosis": _("What has a doctor or physio told you is causing the problem?"),
    "procedures": _("Have you had an operation or an injection to treat this problem?"),
    **{test: TEST_TITLES[test] for test in TESTS},
    "secondary_injuries": _("Which injuries have you had since the problem began?"),
    # limits
    **{
        f"{scale}_{activity}": format_lazy(
            _("{activity}: {scale}"), activity=ACTIVITY_TITLES[activity], scale=SCALE_TITLES[scale]
        )
        for activity in LIMIT_ACTIVITIES
        for scale in SCALE_TITLES
    },
    # narrative
    "own_words": _("Describe the problem in your own words"),
    "what_helped": _("What has helped, and what has not?"),
}

# The question as a key of the check page's summary list (GOV.UK: short keys, so
# that key, answer and "Change" share a line on a phone). The full question is
# asked on the step and printed in the PDF.
SHORT_LABELS: dict[str, StrLike] = {
    "bladder_bowel_saddle": _("New bladder or bowel trouble, or numbness around the groin"),
    "sudden_weakness": _("New weakness that came on suddenly"),
    "acute_limb": _("Severe leg pain after exercise, swollen calf or cold foot"),
    "age": _("Age"),
    "sex": _("Sex"),
    "running_years": _("Years of running before it began"),
    "weekly_km": _("Weekly distance before it began"),
    "level": _("Level"),
    "onset_age": _("Age when it began"),
    "side": _("Leg affected"),
    "onset_activity": _("Doing when first noticed"),
    "sensations": _("What you feel"),
    "coordination_loss": _("The leg stops doing what you want"),
    "context": _("When it happens"),
    "relief_on_stopping": _("Fades when you stop"),
    "regions": _("Where you feel it"),
    "first_region": _("Where it started"),
    "gait_signs": _("What you or others notice"),
    "muscles_pull": _("Muscles pull or cramp"),
    "numbness": _("Numbness"),
    "tingling": _("Tingling"),
    "burning": _("Burning"),
    "shooting_pain": _("Shooting pain"),
    "localized_pain": _("Sharp pain in one spot"),
    "pain_level": _("Pain while running (0 to 10)"),
    "pain_before": _("Pain began before the problem"),
    "weakness_daily": _("Weak in daily life or the gym"),
    "back_pain_radiating": _("Low back pain down the leg"),
    "groin_hip_pain": _("Groin or front-of-hip pain"),
    "exertional_calf": _("Calf or shin tight and swollen in exercise"),
    "faster_worse": _("Worse when faster"),
    "flat_worse": _("Worse on flat, even ground"),
    "continuous_worse": _("Worse in long steady efforts"),
    "other_activity_triggers": _("Other activities that bring it on"),
    "tricks": _("What made running normal again"),
    "gym_strength_equal": _("Leg as strong as the other in the gym"),
    "gait_video": _("Video of the problem"),
    "walking": _("Affects walking"),
    "spread_other": _("Spread to other activities"),
    "course": _("Change over the last months"),
    "rest_tremor": _("Shaking at rest"),
    "parkinsonism": _("General slowness or stiffness"),
    "other_neuro": _("Other nervous-system symptoms"),
    "family_history": _("Dystonia or Parkinson's in the family"),
    "procedures": _("Operations or injections for it"),
    "secondary_injuries": _("Injuries since it began"),
    "exam_ortho": _("Examined by a physio or orthopaedic doctor"),
    "exam_neuro": _("Basic check of the nerves"),
    "prior_diagnosis": _("What you were told causes it"),
    "own_words": _("In your own words"),
    "what_helped": _("What helped, and what did not"),
}


def short_label(item_id: str) -> StrLike:
    """The question as a key of the check page: short, else the question itself."""
    return SHORT_LABELS.get(item_id) or label(item_id)


HELP_TEXTS: dict[str, StrLike] = {
    "bladder_bowel_saddle": _("Only count changes that are new for you."),
    "sudden_weakness": _(
        "Answer “yes” only if this weakness is new: it came on within minutes, hours or a "
        "few days, and you notice it when you stand, walk or climb stairs. If the leg "
        "only goes wrong when you run, answer “no”, however long that has been going on. "
        "That is what the rest of this questionnaire is about."
    ),
    "acute_limb": _("Answer “yes” if this is happening now or keeps happening after runs."),
    "age": _("In whole years."),
    "running_years": _("Count the years before the problem began. Use 0 if under one year."),
    "weekly_km": _("Optional. A rough figure is fine."),
    "onset_age": _("A rough guess is fine. It cannot be more than your age now."),
    "onset_activity": _("The very first time you noticed it."),
    "sensations": _("Choose all that apply."),
    "regions": _("Choose all that apply."),
    "gait_signs": _(
        "Choose all that apply. Photos or videos of your running can help you and your "
        "doctor see this."
    ),
    "pain_level": _("0 means no pain at all, 10 means the worst pain you can imagine."),
    "exertional_calf": _(
        "This can be a sign of too much pressure in the muscles or of an artery problem."
    ),
    "other_activity_triggers": _("Choose all that apply."),
    "tricks": _(
        "Doctors call this a “sensory trick”: a small change that lets the brain run "
        "the leg properly for a while. Runners mention running backwards or sideways, "
        "running barefoot on grass, running on rough trails, jogging on the spot, "
        "changing shoes, or doing something else at the same time, like pushing a "
        "buggy or bouncing a ball. Choose all that apply."
    ),
    "gym_strength_equal": _("For example, on a leg press or doing single-leg squats."),
    "gait_video": _(
        "A video helps a doctor see what happens, because the problem often does not show "
        "in a clinic room. The summary at the end says how to film a useful one."
    ),
    "family_history": _(
        "Some kinds of dystonia and of Parkinson's disease run in families. Choose all that apply."
    ),
    "exam_ortho": _(
        "“Small findings” means some weakness or tightness was found, but treating it "
        "did not fix the coordination."
    ),
    "prior_diagnosis": _(
        "Dystonia is a problem with how the brain controls a movement; runner’s, "
        "task-specific and focal dystonia are all dystonia. A nerve, muscle, tendon or "
        "joint problem is something else."
    ),
    "procedures": _(
        "Only count treatments for this problem with control, not for other injuries. "
        "Choose all that apply."
    ),
    "secondary_injuries": _("Choose all that apply."),
    "own_words": _("Optional, up to 2000 characters. No names, places or contact details."),
    "what_helped": _("Optional, up to 2000 characters. No names, places or contact details."),
}

# Said next to a conditional question when the page cannot hide it (no JavaScript).
CONDITION_HINTS: dict[str, StrLike] = {
    "pain_before": _(
        "Only answer this if you have some pain while running or a sharp pain in one spot."
    ),
    "prior_diagnosis": _("Only answer this if someone has examined you or sent you for a test."),
}

CODE_LABELS: dict[str, dict[str, StrLike]] = {
    "sex": {
        "female": _("Female"),
        "male": _("Male"),
        "other": _("Other"),
        "prefer_not": _("I prefer not to say"),
    },
    "level": {
        "recreational": _("Recreational"),
        "club": _("Club runner"),
        "school_college": _("School or college team"),
        "elite": _("Elite or professional"),
    },
    "side": {
        "left": _("Left leg"),
        "right": _("Right leg"),
        "both": _("Both legs"),
        "unsure": _("Not sure"),
    },
    "onset_activity": {
        "running": _("Running"),
        "cycling": _("Cycling (riding a bike or an exercise bike)"),
        "walking": _("Walking"),
        "other": _("Something else"),
        "unsure": _("I do not remember"),
    },
    "sensations": {
        "aching": _("Aching"),
        "tightness": _("Tightness"),
        "soreness": _("Soreness"),
        "weakness": _("Weakness"),
        "none": _("None of these"),
    },
    "coordination_loss": {
        "always": _("Yes, every time"),
        "sometimes": _("Sometimes"),
        "never": _("No, never"),
    },
    "context": {
        "only_running": _("Only when running"),
        "mainly_running": _("Mainly when running"),
        "also_other": _("Just as much in other activities"),
    },
    "relief_on_stopping": {
        "fast": _("Yes, within a minute or two"),
        "slow": _("Yes, but slowly, over hours or days"),
        "no": _("No, not at all"),
    },
    "regions": {
        "glutes": _("Buttock"),
        "hip_front": _("Front of the hip"),
        "quads": _("Front of the thigh"),
        "hamstrings": _("Back of the thigh"),
        "knee": _("Knee"),
        "calf": _("Calf"),
        "shin": _("Shin"),
        "ankle": _("Ankle"),
        "foot": _("Foot"),
        "toes": _("Toes"),
    },
    "first_region": {
        "hip_thigh": _("Hip or thigh"),
        "calf_shin": _("Calf or shin"),
        "foot_ankle_toes": _("Foot, ankle or toes"),
        "unsure": _("Not sure"),
    },
    "gait_signs": {
        "crossover": _("The foot crosses over the middle line"),
        "leg_rotates_out": _("The leg turns outwards"),
        "leg_rotates_in": _("The leg turns inwards"),
        "foot_splay": _("The foot lands splayed out"),
        "foot_turns_in": _("The foot rolls or turns in"),
        "foot_turns_out": _("The foot rolls or turns out"),
        "foot_drop_drag": _("The foot drops, drags or slaps"),
        "toe_curl": _("The toes curl"),
        "knee_control": _("The knee wobbles or gives way"),
        "trips": _("I trip or stumble"),
        "shoe_wear_asymmetry": _("My shoes wear down unevenly"),
        "none": _("Nothing that I or others have seen"),
    },
    "walking": {
        "none": _("No"),
        "slight": _("A little"),
        "significant": _("Yes, clearly"),
    },
    "course": {
        "improving": _("Getting better"),
        "stable": _("About the same"),
        "fluctuating": _("Up and down"),
        "worsening": _("Getting worse"),
    },
    "other_activity_triggers": {
        "cycling": _("Cycling"),
        "elliptical": _("Elliptical trainer"),
        "swimming": _("Swimming"),
        "aquajogging": _("Running in water (aqua jogging)"),
        "walking": _("Walking"),
        "stairs": _("Climbing stairs"),
        "none": _("None of these"),
    },
    "tricks": {
        "backwards": _("Running backwards"),
        "sideways": _("Running sideways"),
        "barefoot_grass": _("Running barefoot on grass"),
        "trails": _("Running on rough trails"),
        "run_in_place": _("Jogging on the spot"),
        "shoes": _("Different shoes"),
        "dual_task": _("Doing something else at the same time"),
        "none_helped": _("I tried some of these and nothing helped"),
        "not_tried": _("I have not tried any"),
    },
    "exam_ortho": {
        "not_examined": _("No, not yet"),
        "nothing_found": _("Yes, and nothing was found"),
        "minor_findings": _("Yes, and small findings that did not explain it"),
        "clear_cause": _("Yes, and they found a clear cause"),
    },
    "exam_neuro": {
        "not_done": _("No, not yet"),
        "normal": _("Yes, and it was normal"),
        "abnormal": _("Yes, and something was not normal"),
    },
    # The first two answers meet the working definition's d7; the difference
    # between "it is dystonia" and "something else explains it" must be plain.
    "prior_diagnosis": {
        "none": _("Nothing yet: no one has found a cause"),
        "dystonia": _("A neurologist said it is dystonia (runner’s dystonia)"),
        "other_full": _("Something else, not dystonia, and it explains all of the problem"),
        "other_partial": _(
            "Something else, not dystonia, but it explains only part of the problem, "
            "or treating it did not fix the control"
        ),
        "unsure": _("I am not sure what they said"),
    },
    "procedures": {
        "spine_surgery": _("An operation on the back"),
        "hip_surgery": _("An operation on the hip"),
        "knee_surgery": _("An operation on the knee"),
        "nerve_release": _("An operation to free a nerve (nerve release)"),
        "compartment_release": _("An operation to release the leg muscles (fasciotomy)"),
        "other_surgery": _("Another operation"),
        "injections": _("Injections, for example Botox or a steroid injection"),
        "none": _("None"),
    },
    "family_history": {
        "dystonia": _("Yes, dystonia"),
        "parkinsons": _("Yes, Parkinson's disease"),
        "none": _("No, neither"),
        "unsure": _("I do not know"),
    },
    "secondary_injuries": {
        "stress_fracture": _("Stress fracture"),
        "plantar_fascia": _("Plantar fascia (sole of the foot)"),
        "achilles": _("Achilles tendon"),
        "knee": _("Knee"),
        "hip": _("Hip"),
        "hamstring": _("Hamstring"),
        "calf": _("Calf"),
        "other": _("Another injury"),
        "none": _("None"),
    },
    **{test: TEST_RESULTS for test in TESTS},
    **{
        f"{scale}_{activity}": LIMIT_LEVELS
        for activity in LIMIT_ACTIVITIES
        for scale in SCALE_TITLES
    },
}

# Shown on the result page to a runner who has no video yet (gait_video = no or
# not answered): the neurologist rarely sees the problem in the clinic room.
GAIT_VIDEO_ADVICE: StrLike = _(
    "How to film a useful video: ask someone to film you running at the pace and on the "
    "surface that bring the problem on, for example a fast run on the road or on a "
    "treadmill. Run long enough for it to start. Film from behind and from the side, "
    "with your whole body and your feet in the picture. Then add a few seconds of "
    "whatever makes it better for you, such as running backwards, sideways or barefoot "
    "on grass. Bring the video to your doctor."
)

# Every yes/no(/not sure) item shares the same words.
for _item_id, _item in ITEMS.items():
    if _item_id not in CODE_LABELS and set(_item.codes) <= set(YES_NO_UNSURE):
        CODE_LABELS[_item_id] = {code: YES_NO_UNSURE[code] for code in _item.codes}

# Messages for a required question left empty, specific as GOV.UK asks.
REQUIRED_MESSAGES: dict[str, StrLike] = {
    "bladder_bowel_saddle": _("Answer yes or no about bladder, bowel or groin numbness"),
    "sudden_weakness": _("Answer yes or no about sudden weakness"),
    "acute_limb": _("Answer yes or no about severe leg pain after exercise"),
    "age": _("Enter your age"),
    "running_years": _("Enter how many years you ran before the problem began"),
    "onset_age": _("Enter how old you were when the problem began"),
    "side": _("Choose which leg is affected"),
    "onset_activity": _("Choose what you were doing when you first noticed it"),
    "sensations": _("Choose what you feel in the leg, or “None of these”"),
    "coordination_loss": _("Choose whether the leg stops doing what you want"),
    "context": _("Choose when it happens"),
    "regions": _("Choose where in the leg you feel it"),
    "first_region": _("Choose where it started"),
    "numbness": _("Answer yes or no about numbness"),
    "tingling": _("Answer yes or no about tingling"),
    "burning": _("Answer yes or no about burning"),
    "shooting_pain": _("Answer yes or no about shooting pain"),
    "localized_pain": _("Answer yes or no about sharp pain in one spot"),
    "pain_level": _("Enter your usual pain while running, from 0 to 10"),
    "weakness_daily": _("Answer yes or no about weakness in daily life"),
    "walking": _("Choose whether it affects your walking"),
    "rest_tremor": _("Answer yes or no about shaking at rest"),
}

# Status words for the result table and the summary.
SUPPORT_LABELS: dict[str, StrLike] = {
    "supported": _("Supported by your answers"),
    "not_supported": _("Not supported by your answers"),
    "unclear": _("Unclear"),
    "clinician_only": _("Needs a clinician"),
}
STATUS_LABELS: dict[str, StrLike] = {
    "met": _("Fits"),
    "partly": _("Partly fits"),
    "not_met": _("Does not fit"),
    "unknown": _("Not known yet"),
}


def new_questions_notice(item_ids: tuple[str, ...]) -> str:
    """What a runner who started under an earlier version is told, once, on their next save."""
    asked = "; ".join(f"\u201c{label(item_id)}\u201d" for item_id in item_ids)
    return gettext(
        "We improved the questionnaire since you started. Your answers are kept. "
        "These questions are new, so please answer them when you reach them: %(questions)s. "
        "The question about an earlier diagnosis now asks whether a neurologist "
        "said it is dystonia."
    ) % {"questions": asked}


def label(item_id: str) -> StrLike:
    """The question as the runner reads it."""
    return LABELS[item_id]


def code_label(item_id: str, code: str) -> StrLike:
    """The words for one answer code of an item."""
    return CODE_LABELS[item_id][code]


def help_text(item_id: str) -> StrLike:
    """A hint under the question, or an empty string."""
    return HELP_TEXTS.get(item_id, "")


def answer_text(item_id: str, value: Any) -> str:
    """An answer in words: codes by their label, lists joined, distance with its unit."""
    item = ITEMS[item_id]
    if value is None:
        return str(_("Not answered"))
    if item.kind is Kind.ENUM:
        return str(code_label(item_id, value))
    if item.kind is Kind.MULTI:
        return ", ".join(str(code_label(item_id, code)) for code in value)
    if item_id == "weekly_km":
        # Stored in km (instrument.md); the miles are there for a runner who typed
        # miles and for a reader who thinks in them (the form converts, rounded).
        miles = round(value / KM_PER_MILE)
        if miles == 0:
            return str(_("%(km)d km a week") % {"km": value})
        text = ngettext(
            "%(km)d km (about %(miles)d mile) a week",
            "%(km)d km (about %(miles)d miles) a week",
            miles,
        )
        return text % {"km": value, "miles": miles}
    return str(value)


def choices(item_id: str) -> list[tuple[str, StrLike]]:
    """(code, words) in the instrument's order, for a form field."""
    return [(code, code_label(item_id, code)) for code in ITEMS[item_id].codes]


def _check_every_item_and_code_has_words() -> None:
    for item_id, item in ITEMS.items():
        if item_id not in LABELS:  # pragma: no cover - a data error caught at import
            raise AssertionError(f"no label for {item_id}")
        missing = set(item.codes) - set(CODE_LABELS.get(item_id, {}))
        if missing:  # pragma: no cover
            raise AssertionError(f"no words for {item_id}: {sorted(missing)}")


_check_every_item_and_code_has_words()
