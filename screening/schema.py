"""JSON Schemas (draft 2020-12) of the answers object and the result object.

Both are read from the clinical core itself, never written by hand: the answers
schema from :data:`screening.instrument.ITEMS` (a new item appears in it as soon
as it is in the instrument), the result schema from the enums and rule tables of
:mod:`screening.scoring`. The OpenAPI document of the API (``interop.openapi``)
embeds them.

What a schema cannot say, :func:`screening.instrument.validate` still checks,
and the API answers 400 for it: an onset age later than the age, text that is
no valid Unicode (a lone surrogate), a whole number written as ``30.0``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from screening import instrument, scoring
from screening.instrument import EXCLUSIVE_CODES, TEXT_MAX_LENGTH, Item, Kind

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _codes(codes: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {"type": "string", "enum": list(codes)}


def _multi_schema(item: Item) -> dict[str, Any]:
    """A list of distinct codes; an exclusive code ("none", ...) stands alone."""
    plain = [code for code in item.codes if code not in EXCLUSIVE_CODES]
    exclusive = [code for code in item.codes if code in EXCLUSIVE_CODES]
    schema: dict[str, Any] = {
        "type": "array",
        "items": _codes(item.codes),
        "uniqueItems": True,
        "minItems": 1 if item.required else 0,
    }
    if exclusive:
        schema["description"] = (
            f"Distinct codes; {', '.join(repr(c) for c in exclusive)} cannot be combined "
            "with any other code."
        )
        alone = {"type": "array", "items": _codes(exclusive), "maxItems": 1}
        if plain:
            schema["anyOf"] = [{"type": "array", "items": _codes(plain)}, alone]
        else:
            schema["maxItems"] = 1
    return schema


def item_schema(item: Item) -> dict[str, Any]:
    """The schema of one answer, as :func:`instrument.validate` accepts it.

    ``null`` (and for an optional item an empty list or blank text) means not
    answered; a required item must be answered.
    """
    if item.kind is Kind.INT:
        schema: dict[str, Any] = {"type": "integer", "minimum": item.min, "maximum": item.max}
    elif item.kind is Kind.ENUM:
        schema = _codes(item.codes)
    elif item.kind is Kind.MULTI:
        schema = _multi_schema(item)
    elif item.kind is Kind.TEXT:
        schema = {"type": "string", "maxLength": TEXT_MAX_LENGTH}
    else:  # pragma: no cover - a new kind must be described here first
        raise ValueError(f"no JSON Schema for items of kind {item.kind!r}")
    if item.shown_when:
        asked_when = " or ".join(f"{w.item_id} {w.op.value} {w.value!r}" for w in item.shown_when)
        schema["x-shown-when"] = asked_when
    if item.required:
        return schema
    return {"anyOf": [schema, {"type": "null"}]}


def answers_schema(items: Mapping[str, Item] | None = None) -> dict[str, Any]:
    """The answers object: one property per item of the instrument, no others.

    ``items`` defaults to the instrument's items as they are when called.
    """
    items = instrument.ITEMS if items is None else items
    replaced = instrument.REPLACED_ITEMS
    return {
        "title": f"Answers to {instrument.INSTRUMENT_ID} version {instrument.INSTRUMENT_VERSION}",
        "description": (
            "One key per answered item. Unknown keys are refused (400), and so are the "
            f"items that version {instrument.INSTRUMENT_VERSION} replaced ("
            + ", ".join(f"{old} by {new}" for old, new in replaced.items())
            + "). onset_age cannot be later than age."
        ),
        "type": "object",
        "properties": {item_id: item_schema(item) for item_id, item in items.items()},
        "required": [item_id for item_id, item in items.items() if item.required],
        "additionalProperties": False,
        "x-replaced-items": dict(replaced),
    }


def _enum(values: Any) -> dict[str, Any]:
    return {"type": "string", "enum": [str(v) for v in values]}


def _object(properties: Mapping[str, Any], *, closed: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": dict(properties),
        "required": list(properties),
    }
    if closed:
        schema["additionalProperties"] = False
    return schema


AXIS1_KEYS = tuple(scoring.Axis1.__dataclass_fields__)


def result_schema() -> dict[str, Any]:
    """The result object (``instrument.md``, Result): these keys, more may be added."""
    text = {"type": "string"}
    flag = _object(
        {
            "code": _enum(rule.code for rule in scoring.FLAG_RULES),
            "severity": _enum(scoring.Severity),
            "tests": {"type": "array", "items": text},
            "title": text,
            "explanation": text,
        }
    )
    return {
        "title": "Result of the screen",
        "type": "object",
        "properties": {
            "instrument": {"const": instrument.INSTRUMENT_ID},
            "instrument_version": text,
            "scoring_version": text,
            "category": _enum(scoring.Category),
            "pattern": _enum(scoring.Pattern),
            "definition": _object(
                {
                    "verdict": _enum(scoring.Verdict),
                    "components": _object(
                        {cid: _enum(scoring.Status) for cid in scoring.COMPONENT_RULES}
                    ),
                }
            ),
            "criteria": _object({cid: _enum(scoring.Support) for cid in scoring.CRITERIA_IDS}),
            "criteria_supported": {
                "type": "integer",
                "minimum": 0,
                "maximum": len(scoring.CRITERIA_IDS),
            },
            "axis1": _object({key: text for key in AXIS1_KEYS}),
            "flags": {"type": "array", "items": flag},
            "explanations": {
                "description": "Why each component, criterion and the category came out as "
                "they did, keyed by their ids and 'category'.",
                "type": "object",
                "additionalProperties": text,
            },
        },
        "required": [
            "instrument",
            "instrument_version",
            "scoring_version",
            "category",
            "pattern",
            "definition",
            "criteria",
            "criteria_supported",
            "axis1",
            "flags",
            "explanations",
        ],
    }


def errors_schema() -> dict[str, Any]:
    """``{"errors": {item_id: [message, ...]}}``: what a refused request gets."""
    return {
        "type": "object",
        "properties": {
            "errors": {
                "description": "Each bad item id (or 'answers' for the whole object, or the "
                "query parameter, or 'request'/'service') with its problems.",
                "type": "object",
                "minProperties": 1,
                "additionalProperties": {
                    "type": "array",
                    "items": {"type": "string"},
                    "minItems": 1,
                },
            }
        },
        "required": ["errors"],
    }


def example_answers(items: Mapping[str, Item] | None = None) -> dict[str, Any]:
    """The smallest answers :func:`instrument.validate` accepts: each required item's
    first code or lowest number (for the documents' examples)."""
    items = instrument.ITEMS if items is None else items
    example: dict[str, Any] = {}
    for item_id, item in items.items():
        if not item.required:
            continue
        if item.kind is Kind.INT:
            example[item_id] = item.min
        elif item.kind is Kind.MULTI:
            example[item_id] = [item.codes[0]]
        elif item.kind is Kind.ENUM:
            example[item_id] = item.codes[0]
        else:
            example[item_id] = "-"
    return example


def followup_answers_schema() -> dict[str, Any]:
    """The follow-up's answers object (followup.md): one property per item, no others."""
    from screening import followup

    return {
        "title": f"Answers to {followup.INSTRUMENT} version {followup.INSTRUMENT_VERSION}",
        "description": (
            "One key per answered item. Unknown keys are refused (400); so is a "
            "fu_outcome_detail outside the group of its fu_outcome."
        ),
        "type": "object",
        "properties": {item_id: item_schema(item) for item_id, item in followup.ITEMS.items()},
        "required": list(followup.REQUIRED_ITEM_IDS),
        "additionalProperties": False,
    }


def followup_request_schema() -> dict[str, Any]:
    """``{"screening": answers, "followup": answers}`` for POST /api/v1/followup/score."""
    return {
        "type": "object",
        "properties": {
            "screening": {"$ref": "#/components/schemas/Answers"},
            "followup": {"$ref": "#/components/schemas/FollowUpAnswers"},
        },
        "required": ["screening", "followup"],
        "additionalProperties": False,
    }


def followup_result_schema() -> dict[str, Any]:
    """The follow-up's result (followup.md, Result)."""
    from screening import followup

    text = {"type": "string"}
    change = _enum(followup.Change)
    flag = _object(
        {
            "code": _enum([*(rule.code for rule in scoring.URGENT_RULES), "worse_since"]),
            "severity": _enum(scoring.Severity),
            "tests": {"type": "array", "items": text},
            "title": text,
            "explanation": text,
        }
    )
    limits = _object(
        {
            "by_activity": {
                "type": "object",
                "propertyNames": _enum(instrument.LIMIT_ACTIVITIES),
                "additionalProperties": change,
            },
            **{c.value: {"type": "integer", "minimum": 0} for c in followup.Change},
        }
    )
    outcome = _object(
        {
            "code": _enum(followup.OUTCOMES),
            "detail": {"anyOf": [_enum(followup.DETAIL_CODES), {"type": "null"}]},
        }
    )
    properties = {
        "instrument": {"const": followup.INSTRUMENT},
        "instrument_version": text,
        "scoring_version": text,
        "course": _enum(followup.COURSE),
        "change_walking": change,
        "change_limits": limits,
        "flags": {"type": "array", "items": flag},
        "outcome": outcome,
        "screen_category": _enum(scoring.Category),
        "explanations": {"type": "object", "additionalProperties": text},
    }
    return {"title": "Result of a follow-up", **_object(properties)}
