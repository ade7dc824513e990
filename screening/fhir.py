"""The instrument (every version), answers and results as HL7 FHIR R4 resources (plain JSON dicts).

Pure conversion, no database, no clock, no I/O: the views, the export command
and the reviewer's export call these functions and serialise what they return.

- :func:`questionnaire` builds the ``Questionnaire`` of an instrument version
  from that version's definition and wording (``versions.instrument_for`` and
  ``versions.questions_for``: items, codes, ranges, ``required``, ``repeats``,
  ``enableWhen``), so the browser form and FHIR tools read one source. The
  current version is published; version 1 stays retrievable, ``retired``.
- :func:`questionnaire_response` and :func:`answers_from_response` turn
  answers into a ``QuestionnaireResponse`` and back (the way back goes through
  ``instrument.validate``, so a response is held to the same rules as the API).
- :func:`result_observations` expresses a ``scoring.Result`` as a set of
  ``Observation`` resources; :func:`result_from_observations` reads them back
  into ``Result.to_dict()``. No rule is computed here.
- :func:`score_bundle` and :func:`bundle_for_submissions` wrap them in a
  ``Bundle`` of type ``collection``; :func:`operation_outcome` reports problems.

The canonical base is a constant, not a setting: a canonical URL names the
instrument, it is not where a server lives, so every deployment must emit the
same one or their responses would not match each other's Questionnaire.
"""

from __future__ import annotations

import datetime
import functools
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from screening import followup, followup_questions, versions
from screening.instrument import (
    EXCLUSIVE_CODES,
    INSTRUMENT_ID,
    INSTRUMENT_VERSION,
    ITEMS,
    REPLACED_ITEMS,
    TEXT_MAX_LENGTH,
    URGENT_ITEM_IDS,
    AnswersInvalid,
    ErrorCode,
    Item,
    Kind,
    Op,
    validate,
)
from screening.scoring import (
    CATEGORY_TEXTS,
    COMPONENT_TITLES,
    CRITERION_TITLES,
    FLAG_RULE_BY_CODE,
    SCORING_VERSION,
    Category,
    Result,
)

CANONICAL_BASE = "https://stride-screen.example/fhir"
QUESTIONNAIRE_URL = f"{CANONICAL_BASE}/Questionnaire/{INSTRUMENT_ID}"
QUESTIONNAIRE_CANONICAL = f"{QUESTIONNAIRE_URL}|{INSTRUMENT_VERSION}"
CURRENT_VERSION = versions.CURRENT_VERSION


def canonical(version: str = CURRENT_VERSION) -> str:
    """The versioned canonical reference of one Questionnaire version (``url|version``).

    >>> canonical("1")
    'https://stride-screen.example/fhir/Questionnaire/llc-screen|1'
    """
    versions.instrument_for(version)  # an unknown version raises UnknownVersion
    return f"{QUESTIONNAIRE_URL}|{version}"


ANSWERS_CODE_SYSTEM_ID = f"{INSTRUMENT_ID}-answers"
RESULT_CODE_SYSTEM_ID = f"{INSTRUMENT_ID}-result"
ANSWER_SYSTEM = f"{CANONICAL_BASE}/CodeSystem/{ANSWERS_CODE_SYSTEM_ID}"
RESULT_SYSTEM = f"{CANONICAL_BASE}/CodeSystem/{RESULT_CODE_SYSTEM_ID}"
SCORING_VERSION_EXTENSION = f"{CANONICAL_BASE}/StructureDefinition/scoring-version"

FHIR_VERSION = "4.0.1"
FHIR_JSON = "application/fhir+json"

EXT_MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
EXT_MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
EXT_OPTION_EXCLUSIVE = "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive"
OBSERVATION_CATEGORY_SURVEY = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "survey",
            "display": "Survey",
        }
    ]
}

# The group that holds the three urgent questions, asked before anything else,
# as the browser form does (instrument.md, "The form's order and the red flags").
SAFETY_STEP = "safety"
# Groups are the form's steps; their linkIds carry a prefix because a section
# id may also be an item id ("course"), and linkIds must be unique.
GROUP_PREFIX = "step-"

QR_STATUSES = frozenset({"in-progress", "completed", "amended", "entered-in-error", "stopped"})

# The namespace from which Observation ids are derived: uuid5(response id, code).
_ID_NAMESPACE = uuid.UUID("6f0c5b8e-2d5e-4f7a-9a55-1d1f0e6a7c31")


# --- display texts ------------------------------------------------------------


def _readable(identifier: str) -> str:
    """``onset_age`` -> ``Onset age``: a display for codes with no wording of their own."""
    return identifier.replace("_", " ").capitalize()


def item_text(item_id: str, version: str = CURRENT_VERSION) -> str:
    """The question as the form of that version words it."""
    return str(versions.questions_for(version).label(item_id))


def group_text(group_id: str, version: str = CURRENT_VERSION) -> str:
    """The step title the form shows for a group."""
    titles = versions.questions_for(version).STEP_TITLES
    return str(titles[group_id.removeprefix(GROUP_PREFIX)])


def code_text(item_id: str, code: str, version: str = CURRENT_VERSION) -> str:
    """The words the form of that version shows for an answer code."""
    return str(versions.questions_for(version).code_label(item_id, code))


# --- the Questionnaire ----------------------------------------------------------


@functools.cache
def layout(version: str = CURRENT_VERSION) -> tuple[tuple[str, tuple[Item, ...]], ...]:
    """Groups in the order asked: the urgent questions first, then the sections."""
    definition = versions.instrument_for(version)
    urgent = tuple(definition.ITEMS[item_id] for item_id in definition.URGENT_ITEM_IDS)
    groups = [(SAFETY_STEP, urgent)]
    for section in definition.SECTIONS:
        items = tuple(item for item in section.items if item.id not in URGENT_ITEM_IDS)
        if items:
            groups.append((section.id, items))
    return tuple((GROUP_PREFIX + step, items) for step, items in groups)


GROUP_IDS = frozenset(group_id for version in versions.VERSIONS for group_id, _ in layout(version))


def answer_coding(item_id: str, code: str, version: str = CURRENT_VERSION) -> dict[str, str]:
    return {"system": ANSWER_SYSTEM, "code": code, "display": code_text(item_id, code, version)}


def _when_answer(target: Item, value: str | int) -> dict[str, Any]:
    if target.kind in (Kind.ENUM, Kind.MULTI):
        return {"answerCoding": {"system": ANSWER_SYSTEM, "code": value}}
    if target.kind == Kind.INT:
        return {"answerInteger": value}
    return {"answerString": value}


_OPERATORS = {Op.EQUALS: "=", Op.NOT_EQUALS: "!=", Op.GREATER: ">"}


def enable_when(item: Item, version: str = CURRENT_VERSION) -> dict[str, Any]:
    """The ``enableWhen`` (and ``enableBehavior``) of an item; ``{}`` when always asked.

    Several conditions mean "any" (``Item.is_shown``). FHIR's ``!=`` is also
    true when the question is unanswered, where ours is false; a lone ``!=``
    therefore gets an ``exists`` companion under ``all``. A ``!=`` among
    several conditions cannot be written faithfully and is refused, so that a
    new condition in the instrument fails loudly here instead of drifting.

    >>> enable_when(ITEMS["pain_before"])["enableBehavior"]
    'any'
    """
    if not item.shown_when:
        return {}
    conditions: list[dict[str, Any]] = []
    items = versions.instrument_for(version).ITEMS
    for when in item.shown_when:
        target = items[when.item_id]
        # Each version has its own enums: compare by value (they are StrEnums).
        if when.op == Op.GREATER and target.kind != Kind.INT:
            raise ValueError(f"{item.id}: '>' needs a whole-number item, not {target.id}")
        if when.op == Op.NOT_EQUALS and len(item.shown_when) > 1:
            raise ValueError(f"{item.id}: '!=' among several conditions has no FHIR equivalent")
        if when.op == Op.NOT_EQUALS:
            conditions.append({"question": target.id, "operator": "exists", "answerBoolean": True})
        conditions.append(
            {
                "question": target.id,
                "operator": _OPERATORS[Op(when.op.value)],
                **_when_answer(target, when.value),
            }
        )
    if len(conditions) == 1:
        return {"enableWhen": conditions}
    behavior = "all" if item.shown_when[0].op == Op.NOT_EQUALS else "any"
    return {"enableWhen": conditions, "enableBehavior": behavior}


def questionnaire_item(item: Item, version: str = CURRENT_VERSION) -> dict[str, Any]:
    entry: dict[str, Any] = {"linkId": item.id, "text": item_text(item.id, version)}
    if item.kind in (Kind.ENUM, Kind.MULTI):
        entry["type"] = "choice"
    elif item.kind == Kind.INT:
        entry["type"] = "integer"
        entry["extension"] = [
            {"url": EXT_MIN_VALUE, "valueInteger": item.min},
            {"url": EXT_MAX_VALUE, "valueInteger": item.max},
        ]
    else:
        entry["type"] = "text"
        entry["maxLength"] = TEXT_MAX_LENGTH
    entry.update(enable_when(item, version))
    entry["required"] = item.required
    entry["repeats"] = item.kind == Kind.MULTI
    if item.codes:
        options = []
        for code in item.codes:
            option: dict[str, Any] = {"valueCoding": answer_coding(item.id, code, version)}
            if item.kind == Kind.MULTI and code in EXCLUSIVE_CODES:
                option["extension"] = [{"url": EXT_OPTION_EXCLUSIVE, "valueBoolean": True}]
            options.append(option)
        entry["answerOption"] = options
    return entry


def questionnaire(version: str = CURRENT_VERSION) -> dict[str, Any]:
    """One instrument version as a FHIR R4 ``Questionnaire`` (the current one by default).

    The current version's ``status`` is ``active``: a version is frozen by the
    contract (a change to any item bumps ``instrument_version``), which is
    what ``active`` promises. An earlier version is ``retired``: no longer
    asked or scored, kept so that the responses given to it can be read with
    their own questions and codes. Both share the ``url``; ``version`` tells
    them apart, as a response's ``questionnaire`` (``url|version``) does.

    :raises versions.UnknownVersion: for a version this code base does not define.
    """
    definition = versions.instrument_for(version)
    current = version == CURRENT_VERSION
    description = (
        "A self-screening questionnaire for runners whose leg loses coordination while "
        "running. It is a screening aid, not a diagnosis, and it has not been validated. "
        "Post a completed QuestionnaireResponse to QuestionnaireResponse/$score for the "
        "result."
    )
    if not current:
        description = (
            f"Version {version} of the Stride Screen questionnaire, replaced by version "
            f"{CURRENT_VERSION}. Kept so that the responses given to it keep their own "
            f"questions and codes; $score takes responses to version {CURRENT_VERSION} only."
        )
    return {
        "resourceType": "Questionnaire",
        "id": INSTRUMENT_ID,
        "url": QUESTIONNAIRE_URL,
        "version": definition.INSTRUMENT_VERSION,
        "name": "StrideScreenLLC",
        "title": "Stride Screen: loss of leg coordination while running (self-screening)",
        "status": "active" if current else "retired",
        "experimental": False,
        "subjectType": ["Patient"],
        "publisher": "Stride Screen",
        "description": description,
        "item": [
            {
                "linkId": group_id,
                "text": group_text(group_id, version),
                "type": "group",
                "item": [questionnaire_item(item, version) for item in items],
            }
            for group_id, items in layout(version)
        ],
    }


def _all_answer_codes() -> list[str]:
    """Every answer code of the current version, then those only earlier versions had,
    so that a response to any version's Questionnaire uses codes of this system."""
    seen: dict[str, None] = {}
    for version in (CURRENT_VERSION, *versions.VERSIONS):
        for item in versions.instrument_for(version).ITEMS.values():
            for code in item.codes:
                seen.setdefault(code, None)
    return list(seen)


def _result_concepts() -> dict[str, str]:
    """Every code of the result code system with its display text."""
    concepts: dict[str, str] = {
        "result": "Stride Screen result",
        "definition_verdict": "Working definition verdict",
        "criteria_supported": "Criteria supported by self-report",
        "pattern": "Pattern (where it started)",
        "axis1": "Dystonia axis I, clinical features",
        "flag": "Flag raised",
        "severity": "Flag severity",
        "test": "Test or next step to discuss",
    }
    concepts.update(COMPONENT_TITLES)
    concepts.update(CRITERION_TITLES)
    concepts.update({category.value: CATEGORY_TEXTS[category][0] for category in Category})
    concepts.update({code: rule.title for code, rule in FLAG_RULE_BY_CODE.items()})
    words = (
        "met partly not_met unknown partly_met supported not_supported unclear clinician_only "
        "urgent prompt exclusion discuss hip_thigh calf_shin foot_ankle "
        "age_at_onset body_distribution course variability associated_features "
        "infancy childhood adolescence early_adulthood late_adulthood focal multifocal "
        "progressive static action_specific combined isolated"
    )
    for code in words.split():
        concepts.setdefault(code, _readable(code))
    return concepts


def _code_system(system_id: str, url: str, title: str, concepts: Mapping[str, str]) -> dict:
    return {
        "resourceType": "CodeSystem",
        "id": system_id,
        "url": url,
        "version": INSTRUMENT_VERSION if system_id == ANSWERS_CODE_SYSTEM_ID else SCORING_VERSION,
        "name": "".join(part.capitalize() for part in system_id.split("-")),
        "title": title,
        "status": "active",
        "experimental": False,
        "caseSensitive": True,
        "content": "complete",
        "count": len(concepts),
        "concept": [{"code": code, "display": display} for code, display in concepts.items()],
    }


def code_systems() -> dict[str, dict[str, Any]]:
    """Our two code systems by id: the answer codes and the result codes."""
    return {
        ANSWERS_CODE_SYSTEM_ID: _code_system(
            ANSWERS_CODE_SYSTEM_ID,
            ANSWER_SYSTEM,
            "Stride Screen answer codes",
            {code: _readable(code) for code in _all_answer_codes()},
        ),
        RESULT_CODE_SYSTEM_ID: _code_system(
            RESULT_CODE_SYSTEM_ID, RESULT_SYSTEM, "Stride Screen result codes", _result_concepts()
        ),
    }


# --- answers <-> QuestionnaireResponse ----------------------------------------


def _answer_entries(item: Item, value: Any, version: str) -> list[dict[str, Any]]:
    if item.kind == Kind.ENUM:
        return [{"valueCoding": answer_coding(item.id, value, version)}]
    if item.kind == Kind.MULTI:
        return [{"valueCoding": answer_coding(item.id, code, version)} for code in value]
    if item.kind == Kind.INT:
        return [{"valueInteger": value}]
    return [{"valueString": value}]


def questionnaire_response(
    answers: Mapping[str, Any],
    authored: datetime.date,
    *,
    resource_id: str | None = None,
    identifier: Mapping[str, str] | None = None,
    version: str = CURRENT_VERSION,
) -> dict[str, Any]:
    """Answers as a ``QuestionnaireResponse``: completed, dated to the day, no subject.

    Every answer given is carried, even one to a question that the form would
    have hidden, because the result was scored from exactly these answers.
    ``version`` is the instrument version the answers were given to: the
    response names that version's Questionnaire (``url|version``) and uses its
    questions and wording.
    """
    groups = []
    for group_id, items in layout(version):
        entries = [
            {
                "linkId": item.id,
                "text": item_text(item.id, version),
                "answer": _answer_entries(item, value, version),
            }
            for item in items
            if (value := answers.get(item.id)) not in (None, "", [])
        ]
        if entries:
            groups.append(
                {"linkId": group_id, "text": group_text(group_id, version), "item": entries}
            )
    response: dict[str, Any] = {"resourceType": "QuestionnaireResponse"}
    if resource_id is not None:
        response["id"] = resource_id
    if identifier is not None:
        response["identifier"] = dict(identifier)
    response.update(
        {
            "questionnaire": canonical(version),
            "status": "completed",
            "authored": authored.isoformat(),
        }
    )
    if groups:
        response["item"] = groups
    return response


# FHIR issue-type codes for the instrument's error codes.
ISSUE_TYPE_OF = {
    ErrorCode.NOT_AN_OBJECT: "structure",
    ErrorCode.UNKNOWN_ITEM: "structure",
    ErrorCode.WRONG_TYPE: "structure",
    ErrorCode.UNKNOWN_CODE: "code-invalid",
    ErrorCode.OUT_OF_RANGE: "value",
    ErrorCode.REQUIRED: "required",
    ErrorCode.EXCLUSIVE_MIXED: "business-rule",
    ErrorCode.DUPLICATE: "business-rule",
    ErrorCode.ONSET_AFTER_AGE: "business-rule",
    ErrorCode.TOO_LONG: "too-long",
    ErrorCode.REPLACED_ITEM: "not-supported",
    ErrorCode.MALFORMED_JSON: "structure",
}


@dataclass(frozen=True)
class Issue:
    """One problem for an ``OperationOutcome``; ``expression`` holds FHIRPath."""

    code: str
    message: str
    expression: tuple[str, ...] = ()


@dataclass
class ResponseInvalid(ValueError):
    """Raised by :func:`answers_from_response` with every problem found."""

    issues: list[Issue] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(issue.message for issue in self.issues)


def link_id_path(link_id: str) -> str:
    """FHIRPath to the response item with this linkId, wherever it is nested.

    >>> link_id_path("age")
    "QuestionnaireResponse.repeat(item).where(linkId='age')"
    """
    quoted = link_id.replace("\\", "\\\\").replace("'", "\\'")
    return f"QuestionnaireResponse.repeat(item).where(linkId='{quoted}')"


_LINK_ID_IN_PATH = re.compile(r"linkId='((?:[^'\\]|\\.)*)'")


def link_ids_of(outcome: Mapping[str, Any]) -> set[str]:
    """The linkIds named in an ``OperationOutcome`` made by :func:`operation_outcome`."""
    found: set[str] = set()
    for issue in outcome.get("issue", []):
        for expression in issue.get("expression", []):
            found.update(
                re.sub(r"\\(.)", r"\1", match) for match in _LINK_ID_IN_PATH.findall(expression)
            )
    return found


def _read_value(item: Item, answer: Any) -> tuple[Any, str | None]:
    """One answer entry -> (our value, problem or None)."""
    if not isinstance(answer, dict):
        return None, "each answer must be an object"
    values = [key for key in answer if key.startswith("value")]
    if len(values) != 1 or set(answer) - {"id", "extension", values[0] if values else ""}:
        return None, "each answer needs exactly one value[x] and no nested items"
    key, value = values[0], answer[values[0]]
    if item.kind in (Kind.ENUM, Kind.MULTI):
        if key != "valueCoding" or not isinstance(value, dict):
            return None, f"expects valueCoding from {ANSWER_SYSTEM}, not {key}"
        system, code = value.get("system"), value.get("code")
        if system is not None and system != ANSWER_SYSTEM:
            return None, f"codes must come from {ANSWER_SYSTEM}, not {system}"
        if not isinstance(code, str):
            return None, "valueCoding needs a code"
        return code, None
    if item.kind is Kind.INT:
        if key != "valueInteger":
            return None, f"expects valueInteger, not {key}"
        if not isinstance(value, int) or isinstance(value, bool):
            return None, "valueInteger must be a whole number"
        return value, None
    if key != "valueString":
        return None, f"expects valueString, not {key}"
    if not isinstance(value, str):
        return None, "valueString must be text"
    return value, None


def _collect(
    entries: Any, where: str, raw: dict[str, Any], seen: set[str], issues: list[Issue]
) -> None:
    """Walk response items (groups and questions) into ``raw``, noting problems."""
    if entries is None:
        return
    if not isinstance(entries, list):
        issues.append(Issue("structure", f"{where}.item must be a list", (f"{where}.item",)))
        return
    for position, entry in enumerate(entries):
        link_id = entry.get("linkId") if isinstance(entry, dict) else None
        if not isinstance(link_id, str):
            path = f"{where}.item[{position}]"
            issues.append(Issue("structure", f"{path} has no linkId", (path,)))
            continue
        path = link_id_path(link_id)
        if link_id in seen:
            issues.append(Issue("structure", f"{link_id}: appears more than once", (path,)))
            continue
        seen.add(link_id)
        if link_id in GROUP_IDS:
            if entry.get("answer") is not None:
                issues.append(Issue("structure", f"{link_id}: a group has no answer", (path,)))
            _collect(entry.get("item"), path, raw, seen, issues)
            continue
        item = ITEMS.get(link_id)
        if item is None and link_id in REPLACED_ITEMS:
            message = (
                f"{link_id}: was replaced by {REPLACED_ITEMS[link_id]} in version "
                f"{INSTRUMENT_VERSION}; answer {QUESTIONNAIRE_CANONICAL}"
            )
            issues.append(Issue("not-supported", message, (path,)))
            continue
        if item is None:
            issues.append(
                Issue("structure", f"{link_id}: not an item of {QUESTIONNAIRE_CANONICAL}", (path,))
            )
            continue
        if entry.get("item") is not None:
            issues.append(Issue("structure", f"{link_id}: a question has no nested items", (path,)))
            continue
        answers = entry.get("answer", [])
        if not isinstance(answers, list):
            issues.append(Issue("structure", f"{link_id}: answer must be a list", (path,)))
            continue
        if len(answers) > 1 and item.kind is not Kind.MULTI:
            issues.append(
                Issue("structure", f"{link_id}: takes one answer, not {len(answers)}", (path,))
            )
            continue
        values = []
        for answer in answers:
            value, problem = _read_value(item, answer)
            if problem is not None:
                issues.append(Issue("structure", f"{link_id}: {problem}", (path,)))
                break
            values.append(value)
        else:
            if values:
                raw[link_id] = values if item.kind is Kind.MULTI else values[0]


def _read_questionnaire_reference(resource: Mapping[str, Any], issues: list[Issue]) -> None:
    reference = resource.get("questionnaire")
    path = ("QuestionnaireResponse.questionnaire",)
    if reference in (QUESTIONNAIRE_URL, QUESTIONNAIRE_CANONICAL):
        return
    if isinstance(reference, str) and reference.startswith(QUESTIONNAIRE_URL + "|"):
        version = reference.partition("|")[2]
        if version in versions.VERSIONS:
            message = (
                f"version {version} of the questionnaire is retired; this server scores "
                f"version {INSTRUMENT_VERSION} ({QUESTIONNAIRE_CANONICAL})"
            )
        else:
            message = (
                f"version {version} of the questionnaire is unknown; "
                f"this server scores version {INSTRUMENT_VERSION}"
            )
        issues.append(Issue("not-supported", message, path))
    else:
        issues.append(
            Issue("not-supported", f"questionnaire must be {QUESTIONNAIRE_CANONICAL}", path)
        )


# FHIR R4's dateTime: a year, a month, a day, or a day with a time and zone.
FHIR_DATE_TIME = re.compile(
    r"(?P<day>\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?)"
    r"(T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00)))?"
)


def _authored_match(authored: object) -> re.Match[str] | None:
    return FHIR_DATE_TIME.fullmatch(authored) if isinstance(authored, str) else None


def read_authored(resource: Mapping[str, Any]) -> datetime.date | None:
    """The day a response was authored (any time of day is dropped), or None."""
    match = _authored_match(resource.get("authored"))
    if match is None:
        return None
    try:
        return datetime.date.fromisoformat(match["day"])
    except ValueError:  # a partial date, or a day that no month has
        return None


def _authored_problem(authored: object) -> str:
    match = _authored_match(authored)
    if match and len(match["day"]) < len("YYYY-MM-DD"):
        # Valid FHIR, but the summary and its Observations are dated to the day.
        return "authored must give the day (YYYY-MM-DD), not only a year or a month"
    return "authored must be a FHIR date (YYYY-MM-DD) or dateTime"


def answers_from_response(resource: object) -> dict[str, Any]:
    """A ``QuestionnaireResponse`` (parsed JSON) -> clean answers, or :class:`ResponseInvalid`.

    Items may sit in our groups or anywhere else (linkIds are unique); multi
    answers come back in instrument code order, as ``instrument.validate``
    returns them. Every problem is reported at once, each naming its linkId.
    """
    if not isinstance(resource, dict):
        raise ResponseInvalid([Issue("structure", "the body must be a JSON object")])
    if resource.get("resourceType") != "QuestionnaireResponse":
        kind = resource.get("resourceType")
        message = f"expected a QuestionnaireResponse, not {kind!r}"
        raise ResponseInvalid([Issue("invalid", message, ("resourceType",))])
    issues: list[Issue] = []
    _read_questionnaire_reference(resource, issues)
    status = resource.get("status")
    if not isinstance(status, str) or status not in QR_STATUSES:
        message = f"status must be one of {', '.join(sorted(QR_STATUSES))}"
        issues.append(Issue("code-invalid", message, ("QuestionnaireResponse.status",)))
    elif status == "entered-in-error":
        message = "a response entered in error cannot be scored"
        issues.append(Issue("business-rule", message, ("QuestionnaireResponse.status",)))
    if "authored" in resource and read_authored(resource) is None:
        message = _authored_problem(resource["authored"])
        issues.append(Issue("value", message, ("QuestionnaireResponse.authored",)))
    raw: dict[str, Any] = {}
    seen: set[str] = set()
    _collect(resource.get("item"), "QuestionnaireResponse", raw, seen, issues)
    try:
        answers = validate(raw)
    except AnswersInvalid as invalid:
        # An item already reported as malformed is absent from raw; its
        # "required" error would only repeat the first problem.
        for item_id, errors in invalid.errors.items():
            for error in errors:
                if item_id in seen and error.code is ErrorCode.REQUIRED and item_id not in raw:
                    continue
                message = f"{item_id}: {error.message}"
                issues.append(Issue(ISSUE_TYPE_OF[error.code], message, (link_id_path(item_id),)))
        if not issues:  # pragma: no cover - validate always names what it refuses
            raise
    if issues:
        raise ResponseInvalid(issues)
    return answers


def operation_outcome(issues: Iterable[Issue]) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": issue.code,
                "diagnostics": issue.message,
                **({"expression": list(issue.expression)} if issue.expression else {}),
            }
            for issue in issues
        ],
    }


def outcome_for_answers(invalid: AnswersInvalid) -> dict[str, Any]:
    """An answers object refused by ``instrument.validate``, as an ``OperationOutcome``.

    Here the input is our answers object, so each expression is the item id
    itself (a FHIRPath into that object).
    """
    return operation_outcome(
        Issue(ISSUE_TYPE_OF[error.code], f"{item_id}: {error.message}", (item_id,))
        for item_id, errors in invalid.errors.items()
        for error in errors
    )


# --- the result as Observations -----------------------------------------------


@functools.cache
def _result_displays() -> dict[str, str]:
    return _result_concepts()


def _concept(code: str, display: str | None = None) -> dict[str, Any]:
    """A CodeableConcept from the result code system, with its display text."""
    display = display or _result_displays().get(code) or _readable(code)
    return {
        "coding": [{"system": RESULT_SYSTEM, "code": code, "display": display}],
        "text": display,
    }


def observation_id(response_id: str, code: str) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, f"{response_id}/{code}"))


def result_observations(
    result: Result, *, response_id: str, effective: datetime.date
) -> list[dict[str, Any]]:
    """The result as Observations: a panel (the category) and its members.

    Members, in order: the definition verdict, d1-d7, c1-c8, the number of
    criteria supported, the pattern, axis I, then one per raised flag. Each is
    ``derivedFrom`` the response; the panel lists the members in ``hasMember``
    and carries the scoring version. Explanations travel as ``note``. The
    texts are those the result was issued with (its flags' titles and
    explanations, its version's titles and headline), never re-derived.
    """
    # Through from_dict, a result of any version carries its flags' issued texts
    # (a version 1 result stored before flags had them gets its own rules' texts).
    result = Result.from_dict(result.to_dict())
    data = result.to_dict()
    rules = versions.scoring_for(result.instrument_version)
    component_titles: Mapping[str, str] = rules.COMPONENT_TITLES
    criterion_titles: Mapping[str, str] = rules.CRITERION_TITLES
    explanations = data["explanations"]
    base = {
        "status": "final",
        "category": [OBSERVATION_CATEGORY_SURVEY],
        "effectiveDateTime": effective.isoformat(),
        "derivedFrom": [{"reference": f"urn:uuid:{response_id}"}],
    }
    members: list[tuple[str, dict[str, Any]]] = []

    def add(key: str, fields: dict[str, Any]) -> None:
        observation = {"resourceType": "Observation", "id": observation_id(response_id, key)}
        members.append((key, {**observation, **base, **fields}))

    add(
        "definition_verdict",
        {
            "code": _concept("definition_verdict", "Working definition verdict"),
            "valueCodeableConcept": _concept(data["definition"]["verdict"]),
        },
    )
    for cid, status in data["definition"]["components"].items():
        add(
            cid,
            {
                "code": _concept(cid, component_titles[cid]),
                "valueCodeableConcept": _concept(status),
                "note": [{"text": explanations[cid]}],
            },
        )
    for cid, status in data["criteria"].items():
        add(
            cid,
            {
                "code": _concept(cid, criterion_titles[cid]),
                "valueCodeableConcept": _concept(status),
                "note": [{"text": explanations[cid]}],
            },
        )
    add(
        "criteria_supported",
        {
            "code": _concept("criteria_supported", "Criteria supported by self-report"),
            "valueInteger": data["criteria_supported"],
        },
    )
    add(
        "pattern",
        {
            "code": _concept("pattern", "Pattern (where it started)"),
            "valueCodeableConcept": _concept(data["pattern"]),
        },
    )
    add(
        "axis1",
        {
            "code": _concept("axis1", "Dystonia axis I, clinical features"),
            "component": [
                {"code": _concept(key), "valueCodeableConcept": _concept(value)}
                for key, value in data["axis1"].items()
            ],
        },
    )
    for flag in data["flags"]:
        add(
            f"flag/{flag['code']}",
            {
                "code": _concept("flag", "Flag raised"),
                "valueCodeableConcept": _concept(flag["code"], flag["title"]),
                "component": [
                    {
                        "code": _concept("severity"),
                        "valueCodeableConcept": _concept(flag["severity"]),
                    },
                    *({"code": _concept("test"), "valueString": test} for test in flag["tests"]),
                ],
                "note": [{"text": flag["explanation"]}],
            },
        )
    headline = result.headline
    panel = {
        "resourceType": "Observation",
        "id": observation_id(response_id, "result"),
        "extension": [{"url": SCORING_VERSION_EXTENSION, "valueString": data["scoring_version"]}],
        **base,
        "code": _concept("result", "Stride Screen result"),
        "valueCodeableConcept": _concept(data["category"], headline),
        "note": [{"text": explanations["category"]}],
        "hasMember": [{"reference": f"urn:uuid:{obs['id']}"} for _, obs in members],
    }
    return [panel, *(obs for _, obs in members)]


def _code_of(concept: Mapping[str, Any]) -> str:
    codings = [c for c in concept.get("coding", []) if c.get("system") == RESULT_SYSTEM]
    if len(codings) != 1:
        raise ValueError(f"expected one {RESULT_SYSTEM} coding in {concept!r}")
    return str(codings[0]["code"])


def result_from_observations(observations: Iterable[Mapping[str, Any]], questionnaire: str) -> dict:
    """Read Observations made by :func:`result_observations` back into ``Result.to_dict()``.

    ``questionnaire`` is the response's canonical reference (``url|version``).
    This only decodes; it computes nothing.
    """
    result: dict[str, Any] = {
        "instrument": INSTRUMENT_ID,
        "instrument_version": questionnaire.partition("|")[2] or INSTRUMENT_VERSION,
        "definition": {"components": {}},
        "criteria": {},
        "flags": [],
        "explanations": {},
    }
    for obs in observations:
        if obs.get("resourceType") != "Observation":
            continue
        code = _code_of(obs["code"])
        value = obs.get("valueCodeableConcept")
        note = (obs.get("note") or [{}])[0].get("text")
        if code == "result":
            result["category"] = _code_of(value or {})
            result["explanations"]["category"] = note
            for extension in obs.get("extension", []):
                if extension.get("url") == SCORING_VERSION_EXTENSION:
                    result["scoring_version"] = extension["valueString"]
        elif code == "definition_verdict":
            result["definition"]["verdict"] = _code_of(value or {})
        elif code in COMPONENT_TITLES:
            result["definition"]["components"][code] = _code_of(value or {})
            result["explanations"][code] = note
        elif code in CRITERION_TITLES:
            result["criteria"][code] = _code_of(value or {})
            result["explanations"][code] = note
        elif code == "criteria_supported":
            result["criteria_supported"] = obs["valueInteger"]
        elif code == "pattern":
            result["pattern"] = _code_of(value or {})
        elif code == "axis1":
            result["axis1"] = {
                _code_of(c["code"]): _code_of(c["valueCodeableConcept"]) for c in obs["component"]
            }
        elif code == "flag":
            components = obs.get("component", [])
            result["flags"].append(
                {
                    "code": _code_of(value or {}),
                    "severity": next(
                        _code_of(c["valueCodeableConcept"])
                        for c in components
                        if _code_of(c["code"]) == "severity"
                    ),
                    "tests": [
                        c["valueString"] for c in components if _code_of(c["code"]) == "test"
                    ],
                    # The texts the flag was issued with (its title, its explanation).
                    "title": (value or {}).get("coding", [{}])[0].get("display"),
                    "explanation": note,
                }
            )
    return result


# --- bundles ----------------------------------------------------------------------


def _entries(
    answers: Mapping[str, Any],
    result: Result,
    *,
    response_id: str,
    authored: datetime.date,
    identifier: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    response = questionnaire_response(
        answers,
        authored,
        resource_id=response_id,
        identifier=identifier,
        version=result.instrument_version,
    )
    resources = [
        response,
        *result_observations(result, response_id=response_id, effective=authored),
    ]
    return [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources]


def collection(entries: list[dict[str, Any]]) -> dict[str, Any]:
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "collection"}
    if entries:
        bundle["entry"] = entries
    return bundle


def score_bundle(
    answers: Mapping[str, Any], result: Result, *, response_id: str, authored: datetime.date
) -> dict[str, Any]:
    """The response and its result Observations in one ``collection`` Bundle."""
    return collection(_entries(answers, result, response_id=response_id, authored=authored))


REFERENCE_SYSTEM = f"{CANONICAL_BASE}/submission-reference"


FREE_TEXT_ITEM_IDS = frozenset(item_id for item_id, item in ITEMS.items() if item.kind is Kind.TEXT)


def bundle_for_submissions(
    submissions: Iterable[Any], *, with_reference: bool = False, include_free_text: bool = False
) -> dict:
    """Stored submissions as one ``collection`` Bundle: per submission its response
    (id = ``public_id``, authored = ``created_on``) and the result Observations.

    ``with_reference`` adds the short reference people quote as the response's
    identifier; leave it off for research exports, where it could link a record
    back to a person who quoted it. Free-text answers are left out unless
    ``include_free_text`` (as in ``reviewer.exports``); the result does not
    read them, so it is the same either way. Works on any objects with ``answers``,
    ``created_on``, ``public_id``, ``reference``, ``instrument_version`` and
    ``result()`` (``screening.models.Submission``).

    Each submission is written as it was issued: its response answers the
    Questionnaire of its own instrument version (``questionnaire`` is
    ``url|1`` for a version 1 submission, with version 1's wording), and the
    Observations carry its stored result, never a re-scoring.
    """
    entries: list[dict[str, Any]] = []
    for submission in submissions:
        result = submission.result()
        if result.instrument_version != submission.instrument_version:
            raise ValueError(
                f"submission {submission.public_id} says instrument version "
                f"{submission.instrument_version} but its result says {result.instrument_version}"
            )
        identifier = (
            {"system": REFERENCE_SYSTEM, "value": submission.reference} if with_reference else None
        )
        answers = submission.answers
        if not include_free_text:
            answers = {k: v for k, v in answers.items() if k not in FREE_TEXT_ITEM_IDS}
        entries.extend(
            _entries(
                answers,
                result,
                response_id=str(submission.public_id),
                authored=submission.created_on,
                identifier=identifier,
            )
        )
    return collection(entries)


# --- the follow-up (followup.md) ------------------------------------------------------

FOLLOWUP_QUESTIONNAIRE_URL = f"{CANONICAL_BASE}/Questionnaire/llc-followup"
FOLLOWUP_ANSWER_SYSTEM = f"{CANONICAL_BASE}/CodeSystem/llc-followup-answers"
# R4's QuestionnaireResponse.partOf admits only Observation and Procedure, so the
# link to the screening's response is this extension (a Reference to it).
FOLLOW_UP_OF_EXTENSION = f"{CANONICAL_BASE}/StructureDefinition/follow-up-of"


def followup_response(
    answers: Mapping[str, Any],
    authored: datetime.date,
    *,
    resource_id: str,
    screening_response_id: str,
) -> dict[str, Any]:
    """A follow-up's answers as a ``QuestionnaireResponse`` of the follow-up Questionnaire
    (``llc-followup|1``), linked to the screening's response by its id.

    The urgent and grid items keep the screening's codes (the screening's answer
    system); the follow-up's own items are coded in the follow-up's system.
    """
    groups = []
    for section in followup.SECTIONS:
        entries = []
        for item in section.items:
            value = answers.get(item.id)
            if value in (None, "", []):
                continue
            own = item.id in followup_questions.LABELS
            if item.kind in (Kind.ENUM, Kind.MULTI):
                codes = value if item.kind == Kind.MULTI else [value]
                answer = [
                    {
                        "valueCoding": {
                            "system": FOLLOWUP_ANSWER_SYSTEM,
                            "code": code,
                            "display": str(followup_questions.code_label(item.id, code)),
                        }
                        if own
                        else answer_coding(item.id, code)
                    }
                    for code in codes
                ]
            else:
                answer = [{"valueString": value}]
            entries.append(
                {
                    "linkId": item.id,
                    "text": str(followup_questions.label(item.id)),
                    "answer": answer,
                }
            )
        if entries:
            groups.append(
                {
                    "linkId": f"step-{section.id}",
                    "text": str(followup_questions.STEP_TITLES[section.id]),
                    "item": entries,
                }
            )
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": resource_id,
        "extension": [
            {
                "url": FOLLOW_UP_OF_EXTENSION,
                "valueReference": {"reference": f"QuestionnaireResponse/{screening_response_id}"},
            }
        ],
        "questionnaire": f"{FOLLOWUP_QUESTIONNAIRE_URL}|{followup.INSTRUMENT_VERSION}",
        "status": "completed",
        "authored": authored.isoformat(),
    }
    if groups:
        response["item"] = groups
    return response
