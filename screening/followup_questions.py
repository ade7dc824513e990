"""The follow-up's wording: questions, answer words and step titles (followup.md items).

Our own words, as the screening's ``questions`` module; the urgent questions
reuse the screening's wording, so they read the same both times.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from screening import questions
from screening.followup import DETAIL_GROUPS, ITEMS, LIMIT_ITEM_IDS
from screening.instrument import URGENT_ITEM_IDS, Kind

STEP_TITLES = {
    "urgent": _("Safety first"),
    "now": _("How it is now"),
    "clinicians": _("Who has examined you"),
    "care": _("Tests and treatments"),
    "limits": _("Running on an average day"),
}

LABELS: dict[str, Any] = {
    "fu_course": _("Since your screening, how has the problem gone?"),
    "fu_walking": _("Does it affect your walking now?"),
    "fu_running": _("How much running does it allow now?"),
    "fu_seen": _("Who has examined you since the screening?"),
    "fu_outcome": _("What has a clinician found as the cause of the coordination problem?"),
    "fu_outcome_detail": _("Which cause did they name?"),
    "fu_tests": _("Which tests have you had since the screening?"),
    "fu_treatments": _("Which treatments have you tried since the screening?"),
    "fu_helped": _("Did any treatment help?"),
    "fu_own_words": _("Anything else your doctor should know (optional)"),
}

CODE_LABELS: dict[str, dict[str, Any]] = {
    "fu_course": {
        "gone": _("It has gone"),
        "improving": _("It is getting better"),
        "stable": _("About the same"),
        "fluctuating": _("It comes and goes"),
        "worsening": _("It is getting worse"),
    },
    "fu_walking": {
        "none": _("No"),
        "slight": _("A little"),
        "significant": _("A lot"),
    },
    "fu_running": {
        "as_before": _("As much as before the problem"),
        "reduced": _("Less than before"),
        "easy_only": _("Easy running only"),
        "stopped": _("I have stopped running"),
    },
    "fu_seen": {
        "gp": _("A family doctor (GP)"),
        "physio": _("A physiotherapist"),
        "sports_medicine": _("A sports medicine doctor"),
        "orthopaedics": _("An orthopaedic surgeon"),
        "neurologist": _("A neurologist"),
        "movement_specialist": _("A movement disorders specialist"),
        "none": _("Nobody yet"),
    },
    "fu_outcome": {
        "dystonia_confirmed": _(
            "A neurologist diagnosed runner's dystonia, task-specific or focal dystonia"
        ),
        "other_neurological": _("Another neurological cause"),
        "musculoskeletal": _("A joint, muscle or tendon cause"),
        "vascular": _("A blood vessel or muscle compartment cause"),
        "other_cause": _("Another cause"),
        "no_cause_found": _("They looked and found no cause"),
        "not_yet": _("Nothing yet"),
    },
    "fu_outcome_detail": {
        "parkinsons": _("Parkinson's disease"),
        "multiple_sclerosis": _("Multiple sclerosis"),
        "nerve_root": _("A trapped nerve root in the back"),
        "peripheral_nerve": _("A nerve in the leg"),
        "hip_joint": _("The hip joint"),
        "knee": _("The knee"),
        "tendon_muscle": _("A tendon or muscle"),
        "compartment": _("A muscle compartment (pressure)"),
        "artery": _("An artery (blood flow)"),
        "other": _("Something else in this group"),
    },
    "fu_tests": {
        "emg": _("EMG (muscle activity)"),
        "gait_analysis": _("Gait analysis"),
        "mri_brain": _("MRI of the brain"),
        "mri_spine": _("MRI of the spine"),
        "mri_hip": _("MRI of the hip"),
        "nerve_conduction": _("Nerve conduction studies"),
        "blood_flow": _("Blood flow tests"),
        "compartment_pressure": _("Compartment pressure test"),
        "genetic": _("Genetic tests"),
        "none": _("None"),
    },
    "fu_treatments": {
        "retraining_physio": _("Movement retraining or physiotherapy"),
        "strength_program": _("A strength programme"),
        "botulinum_toxin": _("Botulinum toxin injections"),
        "medication": _("Medication"),
        "surgery": _("Surgery"),
        "rest": _("Rest"),
        "none": _("None"),
    },
    "fu_helped": {
        "yes": _("Yes"),
        "partly": _("Partly"),
        "no": _("No"),
        "unsure": _("Not sure"),
    },
}


def label(item_id: str) -> Any:
    """The question as the runner reads it (urgent and grid items: the screening's words)."""
    if item_id in URGENT_ITEM_IDS or item_id in LIMIT_ITEM_IDS:
        return questions.label(item_id)
    return LABELS[item_id]


def code_label(item_id: str, code: str) -> Any:
    if item_id in URGENT_ITEM_IDS or item_id in LIMIT_ITEM_IDS:
        return questions.code_label(item_id, code)
    return CODE_LABELS[item_id][code]


def choices(item_id: str, codes: tuple[str, ...] | None = None) -> list[tuple[str, Any]]:
    """(code, words) in the contract's order (or of ``codes``), for a form field."""
    return [(code, code_label(item_id, code)) for code in codes or ITEMS[item_id].codes]


def detail_choices(outcome: str) -> list[tuple[str, Any]]:
    """The causes the form offers for one outcome (followup.md's groups)."""
    return choices("fu_outcome_detail", DETAIL_GROUPS[outcome])


def answer_text(item_id: str, value: Any) -> str:
    """An answer in words: codes by their label, lists joined."""
    if value is None:
        return str(_("Not answered"))
    kind = ITEMS[item_id].kind
    if kind is Kind.ENUM:
        return str(code_label(item_id, value))
    if kind is Kind.MULTI:
        return ", ".join(str(code_label(item_id, code)) for code in value)
    return str(value)


def _check_every_item_and_code_has_words() -> None:
    for item_id, item in ITEMS.items():
        label(item_id)
        for code in item.codes:
            code_label(item_id, code)


_check_every_item_and_code_has_words()
