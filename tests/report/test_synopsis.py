"""The synopsis at the top of the PDF's page 1 (report/synopsis.py), checked fact by fact.

One row per fact: from a full answer set, changing one answer changes or removes
exactly the fact it produces. The expected words are the rule's, written here from
instrument.md's codes, not copied from an output. Invariants over random answers
(Hypothesis) check what no row can: free text never reaches the synopsis, each
fact reads only its own items, every answered code of a listed item is named, and
an unknown answer is never turned into a fact.
"""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from report import synopsis as syn
from screening import versions
from screening.instrument import EXCLUSIVE_CODES, Kind
from tests.strategies import valid_answers

V1 = versions.instrument_for("1")
V2 = versions.instrument_for("2")
VIGNETTES = json.loads((Path(__file__).resolve().parents[1] / "vignettes.json").read_text())

# A runner like the issue's example, with every item the synopsis reads answered.
FULL = {
    "age": 41,
    "sex": "female",
    "side": "left",
    "onset_age": 37,
    "level": "club",
    "running_years": 18,
    "weekly_km": 95,
    "first_region": "foot_ankle_toes",
    "onset_activity": "running",
    "sensations": ["tightness", "weakness"],
    "coordination_loss": "always",
    "context": "mainly_running",
    "faster_worse": "yes",
    "flat_worse": "no",
    "continuous_worse": "unsure",
    "spread_other": "no",
    "other_activity_triggers": ["walking"],
    "pain_level": 1,
    "localized_pain": "no",
    "pain_before": "no",
    "numbness": "no",
    "tingling": "no",
    "burning": "no",
    "shooting_pain": "no",
    "back_pain_radiating": "no",
    "groin_hip_pain": "no",
    "exertional_calf": "no",
    "weakness_daily": "no",
    "bladder_bowel_saddle": "no",
    "sudden_weakness": "no",
    "acute_limb": "no",
    "rest_tremor": "no",
    "parkinsonism": "no",
    "other_neuro": "no",
    "walking": "slight",
    "course": "stable",
    "gait_signs": ["trips", "foot_turns_in", "toe_curl"],
    "muscles_pull": "no",
    "tricks": ["backwards", "barefoot_grass"],
    "gait_video": "no",
    "family_history": ["none"],
    "exam_ortho": "nothing_found",
    "exam_neuro": "normal",
    "test_nerve_conduction": "normal",
    "test_mri_spine": "not_done",
    "procedures": ["none"],
    "secondary_injuries": ["none"],
    "prior_diagnosis": "dystonia",
    "own_words": "My physio in Leeds said ...",
    "what_helped": "Running backwards",
}
DROP = object()

# (item, new answer or DROP, words in the synopsis before, words after or None: gone)
ROWS = [
    ("age", 15, "41-year-old woman", "15-year-old girl"),
    (
        "age",
        DROP,
        "41-year-old woman, left leg, for 4 years (since 37)",
        "Woman, left leg, since age 37;",
    ),
    ("sex", "male", "41-year-old woman", "41-year-old man"),
    ("sex", "prefer_not", "41-year-old woman", "41-year-old runner,"),
    ("sex", "other", "41-year-old woman", "41-year-old runner (sex: other)"),
    ("sex", DROP, "41-year-old woman", "41-year-old runner,"),
    ("side", "both", "left leg", "both legs"),
    ("side", "unsure", "woman, left leg, for", "woman, for"),
    ("onset_age", 41, "for 4 years (since 37)", "for under a year (since 41)"),
    ("onset_age", 40, "for 4 years (since 37)", "for 1 year (since 40)"),
    ("onset_age", DROP, "for 4 years (since 37)", None),
    ("level", "elite", "club runner,", "elite runner,"),
    ("level", DROP, "club runner, 18 years", "; 18 years"),
    ("running_years", 0, "18 years of running and 95 km", "no regular running and 95 km"),
    ("running_years", DROP, "18 years of running and 95 km", "club runner, 95 km"),
    ("weekly_km", 40, "95 km (59 mi) a week", "40 km (25 mi) a week"),
    (
        "weekly_km",
        DROP,
        "18 years of running and 95 km (59 mi) a week before onset",
        "18 years of running before onset",
    ),
    (
        "first_region",
        "hip_thigh",
        "began in the foot while running",
        "began in the hip or thigh while running",
    ),
    ("first_region", "unsure", "began in the foot while running", "began while running"),
    (
        "onset_activity",
        "cycling",
        "began in the foot while running",
        "began in the foot while cycling",
    ),
    ("onset_activity", "other", "in the foot while running", "in the foot during another activity"),
    ("onset_activity", "unsure", "began in the foot while running;", "began in the foot;"),
    (
        "sensations",
        ["none"],
        "tightness and weakness,",
        "no aching, tightness, soreness or weakness,",
    ),
    ("sensations", ["aching"], "tightness and weakness,", "; aching, loss"),
    (
        "coordination_loss",
        "sometimes",
        "loss of coordination every time",
        "loss of coordination at times",
    ),
    ("coordination_loss", "never", "loss of coordination every time", "no loss of coordination"),
    ("context", "also_other", "mainly when running", "also outside running"),
    ("context", "only_running", "mainly when running", "only when running"),
    ("faster_worse", "no", "worse when faster", None),
    ("flat_worse", "yes", "worse when faster;", "worse when faster and on flat ground"),
    (
        "continuous_worse",
        "yes",
        "worse when faster;",
        "worse when faster and in long continuous efforts",
    ),
    (
        "spread_other",
        "yes",
        "when faster; also brought on by walking",
        "when faster; has spread to other activities; also brought on by walking",
    ),
    (
        "other_activity_triggers",
        ["cycling", "stairs"],
        "also brought on by walking",
        "also brought on by cycling and stairs",
    ),
    (
        "other_activity_triggers",
        ["none"],
        "also brought on by walking",
        "no other activity brings it on",
    ),
    ("pain_level", 0, "pain 1/10", "no pain"),
    ("pain_level", 7, "pain 1/10", "pain 7/10"),
    ("localized_pain", "yes", "pain 1/10;", "pain 1/10, sharp pain in one spot"),
    ("pain_before", "yes", "pain 1/10;", "pain 1/10, pain came before the coordination problem"),
    ("numbness", "yes", "no numbness, tingling, burning or shooting pain", "; numbness;"),
    ("burning", "yes", "no numbness, tingling, burning or shooting pain", "; burning;"),
    ("shooting_pain", "yes", "no numbness, tingling, burning or shooting pain", "; shooting pain;"),
    ("tingling", DROP, "no numbness, tingling, burning or shooting pain", None),
    (
        "back_pain_radiating",
        "yes",
        "shooting pain; now",
        "shooting pain; low back pain spreading down the leg; now",
    ),
    ("groin_hip_pain", "yes", "shooting pain; now", "shooting pain; groin or hip pain; now"),
    (
        "exertional_calf",
        "yes",
        "shooting pain; now",
        "calf tightness with swelling or numbness on exertion",
    ),
    ("weakness_daily", "yes", "shooting pain; now", "shooting pain; weakness in daily life; now"),
    (
        "bladder_bowel_saddle",
        "yes",
        "shooting pain; now",
        "reports new bladder or bowel trouble or numbness around the groin",
    ),
    (
        "sudden_weakness",
        "yes",
        "shooting pain; now",
        "reports new leg weakness over minutes to days",
    ),
    (
        "acute_limb",
        "yes",
        "shooting pain; now",
        "reports severe pain, a tense calf or a cold, pale foot after exercise",
    ),
    ("rest_tremor", "yes", "shooting pain; now", "reports tremor at rest; now"),
    ("parkinsonism", "yes", "shooting pain; now", "reports slowness or stiffness; now"),
    (
        "other_neuro",
        "yes",
        "shooting pain; now",
        "reports neurological symptoms beyond the legs; now",
    ),
    ("walking", "none", "now slight effect on walking", "walking unaffected"),
    ("walking", "significant", "now slight effect on walking", "now walking clearly affected"),
    ("course", "worsening", "stable course", "worsening course"),
    ("course", DROP, "stable course", None),
    ("gait_signs", ["foot_drop_drag"], "foot turns in, toes curl, trips", "foot drops or drags"),
    ("gait_signs", ["none"], "foot turns in, toes curl, trips", "no visible change in the stride"),
    ("muscles_pull", "yes", "toes curl, trips;", "toes curl, trips, muscles pull one way"),
    ("tricks", ["none_helped"], "running backwards and barefoot on grass help", "no trick helps"),
    ("tricks", ["not_tried"], "running backwards and barefoot on grass help", "no trick tried"),
    (
        "tricks",
        ["trails", "shoes", "dual_task"],
        "running backwards and barefoot on grass help",
        "trails, other shoes and doing something else at the same time help",
    ),
    ("gait_video", "yes", "help; no family", "help; has a video of the gait; no family"),
    (
        "family_history",
        ["dystonia"],
        "no family history of dystonia or Parkinson's disease",
        "family history of dystonia;",
    ),
    ("family_history", ["unsure"], "no family history of dystonia or Parkinson's disease", None),
    (
        "exam_ortho",
        "clear_cause",
        "orthopaedic examination found nothing",
        "orthopaedic examination found a clear cause",
    ),
    (
        "exam_ortho",
        "not_examined",
        "orthopaedic examination found nothing",
        "no orthopaedic examination yet",
    ),
    (
        "exam_neuro",
        "abnormal",
        "neurological examination normal",
        "neurological examination abnormal",
    ),
    ("exam_neuro", DROP, "nothing, neurological examination normal", "found nothing;"),
    ("test_nerve_conduction", "abnormal", "nerve conduction normal", "nerve conduction abnormal"),
    (
        "test_nerve_conduction",
        "unsure",
        "nerve conduction normal",
        "nerve conduction done, result not known",
    ),
    ("test_nerve_conduction", "not_done", "nerve conduction normal", None),
    (
        "test_mri_spine",
        "normal",
        "; nerve conduction normal",
        "lumbar spine MRI and nerve conduction normal",
    ),
    (
        "test_mri_hip",
        "abnormal",
        "nerve conduction normal;",
        "nerve conduction normal, hip MRI abnormal;",
    ),
    (
        "test_abi_exercise",
        "normal",
        "; nerve conduction normal",
        "nerve conduction and exercise ankle-brachial index normal",
    ),
    (
        "test_compartment_pressure",
        "unsure",
        "nerve conduction normal;",
        "nerve conduction normal, compartment pressures done, result not known;",
    ),
    (
        "test_blood",
        "normal",
        "; nerve conduction normal",
        "nerve conduction and blood tests normal",
    ),
    (
        "procedures",
        ["nerve_release", "injections"],
        "no operation or injection for it",
        "had a nerve release and injections for it",
    ),
    (
        "secondary_injuries",
        ["stress_fracture", "achilles"],
        "for it; neurologist's",
        "injuries since onset: stress fracture, Achilles",
    ),
    (
        "prior_diagnosis",
        "other_full",
        "neurologist's diagnosis: dystonia",
        "another diagnosis said to explain it fully",
    ),
    (
        "prior_diagnosis",
        "other_partial",
        "neurologist's diagnosis: dystonia",
        "another diagnosis explains only part of it",
    ),
    ("prior_diagnosis", "none", "neurologist's diagnosis: dystonia", "no cause named yet"),
    ("prior_diagnosis", "unsure", "neurologist's diagnosis: dystonia", None),
]


def changed(item_id: str, value: object) -> dict:
    answers = {**FULL}
    if value is DROP:
        del answers[item_id]
    else:
        answers[item_id] = value
    return answers


def test_the_docstring_examples_hold():
    failures, tried = doctest.testmod(syn, optionflags=doctest.ELLIPSIS)
    assert tried > 20
    assert failures == 0


def test_the_full_example_reads_like_the_issues():
    """The issue's sentence, from the same answers (plus what this runner also said)."""
    text = syn.synopsis(FULL)
    assert text.startswith("41-year-old woman, left leg, for 4 years (since 37); ")
    assert text.endswith("; neurologist's diagnosis: dystonia.")
    for words in (
        "; began in the foot while running; ",
        "; now slight effect on walking; ",
        "; foot turns in, toes curl, trips; ",
        "; running backwards and barefoot on grass help; ",
        "; nerve conduction normal; ",
    ):
        assert words in text
    assert text.count(".") == 1  # one sentence-paragraph


@pytest.mark.parametrize(
    ("item_id", "value", "before", "after"),
    ROWS,
    ids=[f"{row[0]}={'dropped' if row[1] is DROP else row[1]}" for row in ROWS],
)
def test_each_fact_follows_the_answer_that_produces_it(item_id, value, before, after):
    original = syn.synopsis(FULL)
    assert before in original
    new = syn.synopsis(changed(item_id, value))
    assert new != original
    assert before not in new
    if after is not None:
        assert after in new


def test_every_item_the_synopsis_reads_has_a_row():
    """The rows above exercise every source the synopsis declares (version 1's
    diagnosis_explains has its own test)."""
    assert {row[0] for row in ROWS} == syn.SOURCES - {"diagnosis_explains"}


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ("no", "no diagnosis explains it"),
        ("partly", "a diagnosis explains only part of it"),
        ("yes", "a diagnosis said to explain it fully"),
    ],
)
def test_a_version_1_answer_about_the_diagnosis_is_read_in_its_own_terms(answer, words):
    v1 = {k: v for k, v in FULL.items() if k not in ("prior_diagnosis",)}
    text = syn.synopsis({**v1, "diagnosis_explains": answer})
    assert text.endswith(f"; {words}.")


@pytest.mark.parametrize(
    ("item_id", "table"),
    [
        ("sex", syn.PERSON),
        ("side", syn.SIDES),
        ("level", syn.LEVELS),
        ("first_region", syn.FIRST_REGIONS),
        ("onset_activity", syn.ONSET_ACTIVITIES),
        ("sensations", syn.SENSATIONS),
        ("coordination_loss", syn.COORDINATION),
        ("context", syn.CONTEXTS),
        ("other_activity_triggers", syn.OTHER_ACTIVITIES),
        ("walking", syn.WALKING),
        ("course", syn.COURSES),
        ("gait_signs", syn.GAIT_SIGNS),
        ("tricks", syn.TRICKS),
        ("family_history", syn.FAMILY),
        ("exam_ortho", syn.EXAM_ORTHO),
        ("exam_neuro", syn.EXAM_NEURO),
        ("procedures", syn.PROCEDURES),
        ("secondary_injuries", syn.INJURIES),
        ("prior_diagnosis", syn.PRIOR_DIAGNOSIS),
    ],
)
def test_every_code_that_is_a_finding_has_words(item_id, table):
    """Codes left without words are the ones that say nothing to write: "none" (said
    separately), "unsure", "prefer not to say" and the like."""
    unknown = {"unsure", "prefer_not", "other"} if item_id in ("sex",) else {"unsure"}
    for instrument in (V1, V2):
        if item_id not in instrument.ITEMS:
            continue
        codes = set(instrument.ITEMS[item_id].codes) - EXCLUSIVE_CODES - unknown
        assert codes <= set(table), item_id
        assert set(table) <= set(V2.ITEMS[item_id].codes)


def test_the_synopsis_reads_only_closed_items_of_the_instruments():
    items = {**V1.ITEMS, **V2.ITEMS}
    assert set(items) >= syn.SOURCES
    assert all(items[item_id].kind != Kind.TEXT for item_id in syn.SOURCES)


@settings(max_examples=150, deadline=None)
@given(answers=valid_answers(), text=st.text(min_size=1, max_size=60))
def test_free_text_never_reaches_the_synopsis(answers, text):
    closed = {k: v for k, v in answers.items() if k not in ("own_words", "what_helped")}
    assert syn.synopsis({**closed, "own_words": text, "what_helped": text}) == syn.synopsis(closed)


@settings(max_examples=150, deadline=None)
@given(answers=valid_answers())
def test_each_fact_depends_on_its_own_items_only(answers):
    for fact in syn.facts(answers):
        own = {item: answers[item] for item in fact.sources if item in answers}
        assert [f.text for f in syn.facts(own) if f.key == fact.key] == [fact.text]


@settings(max_examples=150, deadline=None)
@given(answers=valid_answers() | valid_answers(V1.ITEMS))
def test_every_listed_finding_is_named_and_no_unknown_is_guessed(answers):
    text = syn.synopsis(answers)
    for item_id, table in (
        ("gait_signs", syn.GAIT_SIGNS),
        ("tricks", syn.TRICKS),
        ("procedures", syn.PROCEDURES),
        ("secondary_injuries", syn.INJURIES),
        ("other_activity_triggers", syn.OTHER_ACTIVITIES),
        ("sensations", syn.SENSATIONS),
    ):
        for code in answers.get(item_id) or ():
            if code in table:
                assert table[code] in text, (item_id, code)
    for item_id, table in (("nerve", syn.NERVE_SYMPTOMS), ("warn", syn.WARNING_SIGNS)):
        for source, words in table.items():
            if answers.get(source) == "yes":
                assert words in text, (item_id, source)
    # Unknown answers leave their fact out rather than guess it.
    by_key = {fact.key: fact.text for fact in syn.facts(answers)}
    if answers.get("side") not in syn.SIDES:
        assert not any(words in by_key["who"] for words in syn.SIDES.values())
    if answers.get("sex") not in syn.PERSON:
        assert not any(f"-year-old {noun}" in text for noun in ("woman", "man", "girl", "boy"))
    if answers.get("first_region") not in syn.FIRST_REGIONS:
        assert "began in" not in text
    if answers.get("onset_activity") not in syn.ONSET_ACTIVITIES:
        onset = by_key.get("onset", "")
        assert not any(words in onset for words in syn.ONSET_ACTIVITIES.values())
    assert f"{answers['age']}-year-old" in text
    years = answers["age"] - answers["onset_age"]
    assert (f"for {years} year" in text) is (years >= 1)


@pytest.mark.parametrize("name", sorted(VIGNETTES))
def test_each_vignettes_synopsis_states_its_key_facts(name):
    """Who, which leg, since when, walking and the tests done: read off the answers."""
    answers = VIGNETTES[name]["answers"]
    text = syn.synopsis(answers)
    assert text.startswith(f"{answers['age']}-year-old")
    if answers["side"] in syn.SIDES:
        assert syn.SIDES[answers["side"]] in text
    assert f"(since {answers['onset_age']})" in text
    assert syn.WALKING[answers["walking"]] in text
    for test, name_words in syn.TEST_NAMES.items():
        assert (name_words in text) is (answers.get(test) in ("normal", "abnormal", "unsure"))
    assert text.count(".") == 1 and text.endswith(".")
