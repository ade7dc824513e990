"""The published contract for programs: ``GET /api/v1/openapi.json`` (OpenAPI 3.1).

It describes ``POST /api/v1/score``, ``POST /api/v1/report`` and FHIR's
``POST /fhir/QuestionnaireResponse/$score`` with every answer each can give,
including the refusals of the layers in front of the views (web.middleware,
web.ratelimit). The answers and result schemas are generated from the clinical
core (:mod:`screening.schema`), so a new item needs no edit here.

``make schemathesis`` (bench/contract.py) checks a live server against it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from interop import api
from report import document as report
from screening import fhir, followup, schema
from screening.instrument import INSTRUMENT_ID, INSTRUMENT_VERSION
from screening.scoring import SCORING_VERSION
from web.middleware import RETRY_AFTER_SECONDS

OPENAPI_VERSION = "3.1.0"
# The API's own version: the /v1/ in its paths. The instrument and scoring
# versions it serves are named in info (x-instrument-version, x-scoring-version).
API_VERSION = "1"

JSON = "application/json"
PDF = "application/pdf"
FHIR_JSON = fhir.FHIR_JSON


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _content(media: dict[str, str]) -> dict[str, Any]:
    """``{media type: schema name}`` -> an OpenAPI content map."""
    return {media_type: {"schema": _ref("schemas", name)} for media_type, name in media.items()}


def _refusal(description: str, media: dict[str, str], *headers: str) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": _content(media)}
    if headers:
        response["headers"] = {name: _ref("headers", name) for name in headers}
    return response


def _refusals(media: dict[str, str], *, fhir_only: bool = False) -> dict[str, Any]:
    """The refusals an operation may give, every body in ``media``'s formats.

    ``fhir_only``: under /fhir/ the layers in front of the view answer in FHIR
    too (web.middleware.REFUSAL_FORMATS); elsewhere they answer ``Errors``.
    """
    front = media if fhir_only else {JSON: "Errors"}
    kib = api.MAX_BODY_BYTES // 1024
    return {
        "400": _refusal(
            "Invalid input: answers the instrument refuses (each bad item named with its "
            "problems), malformed JSON, an unknown query parameter value.",
            media,
        ),
        "405": _refusal(
            "Another method than POST; the Allow header names the one accepted.",
            front,
            "Allow",
        ),
        "411": _refusal("A body sent in chunks: send it with a Content-Length header.", front),
        "413": _refusal(f"A body larger than {kib} KiB.", {**front, **media}),
        "415": _refusal("A body of another content type than the ones listed.", media),
        "429": _refusal(
            "Too many requests from this client; try again after Retry-After seconds.",
            front,
            "Retry-After",
        ),
        "503": _refusal(
            "The service is briefly unavailable; try again after Retry-After seconds.",
            front,
            "Retry-After",
        ),
    }


def _score_operation(example: dict[str, Any]) -> dict[str, Any]:
    both = {JSON: "Errors", FHIR_JSON: "OperationOutcome"}
    return {
        "operationId": "score",
        "summary": "Score an answers object; nothing is stored",
        "parameters": [
            {
                "name": "format",
                "in": "query",
                "required": False,
                "description": "json (default): the result object. fhir: a FHIR Bundle of the "
                "QuestionnaireResponse and its result Observations, refusals as "
                "OperationOutcome.",
                "schema": {"type": "string", "enum": ["json", "fhir"], "default": "json"},
            }
        ],
        "requestBody": {
            "required": True,
            "content": {JSON: {"schema": _ref("schemas", "Answers"), "example": example}},
        },
        "responses": {
            "200": {
                "description": "The result (format=json) or the FHIR Bundle (format=fhir).",
                "content": _content({JSON: "Result", FHIR_JSON: "Bundle"}),
            },
            **_refusals(both),
        },
    }


def _followup_operation(screening: dict[str, Any]) -> dict[str, Any]:
    example = {
        "screening": screening,
        "followup": schema.example_answers(followup.ITEMS),
    }
    return {
        "operationId": "followupScore",
        "summary": "Score a follow-up against its screening's answers; nothing is stored",
        "description": "The screening is scored by the current rules (as POST /api/v1/score); "
        "the follow-up's result compares now with then (followup.md). Errors name the item "
        "as screening.ITEM or followup.ITEM.",
        "requestBody": {
            "required": True,
            "content": {JSON: {"schema": _ref("schemas", "FollowUpRequest"), "example": example}},
        },
        "responses": {
            "200": {
                "description": "The follow-up's result.",
                "content": _content({JSON: "FollowUpResult"}),
            },
            **_refusals({JSON: "Errors"}),
        },
    }


def _report_operation(example: dict[str, Any]) -> dict[str, Any]:
    return {
        "operationId": "report",
        "summary": "The clinician's PDF summary of an answers object; nothing is stored",
        "parameters": [
            {
                "name": "paper",
                "in": "query",
                "required": False,
                "schema": {
                    "type": "string",
                    "enum": list(report.PAPER_SIZES),
                    "default": report.DEFAULT_PAPER,
                },
            }
        ],
        "requestBody": {
            "required": True,
            "content": {JSON: {"schema": _ref("schemas", "Answers"), "example": example}},
        },
        "responses": {
            "200": {
                "description": "The PDF, as an attachment named after the answers' reference.",
                "headers": {"Content-Disposition": {"schema": {"type": "string"}}},
                "content": {PDF: {"schema": {"type": "string", "contentMediaType": PDF}}},
            },
            **_refusals({JSON: "Errors"}),
        },
    }


def _fhir_score_operation(example: dict[str, Any]) -> dict[str, Any]:
    body = {"schema": _ref("schemas", "QuestionnaireResponse"), "example": example}
    return {
        "operationId": "fhirScore",
        "summary": "FHIR $score: a QuestionnaireResponse in, a Bundle out; nothing is stored",
        "requestBody": {"required": True, "content": {FHIR_JSON: body, JSON: body}},
        "responses": {
            "200": {
                "description": "A collection Bundle: the response as read, and its result "
                "Observations.",
                "content": _content({FHIR_JSON: "Bundle"}),
            },
            **_refusals({FHIR_JSON: "OperationOutcome"}, fhir_only=True),
        },
    }


def _fhir_schemas() -> dict[str, Any]:
    """FHIR R4 resources as far as this API reads or writes them (not all of FHIR)."""
    coding = {
        "type": "object",
        "properties": {"system": {"type": "string"}, "code": {"type": "string"}},
    }
    answer = {
        "type": "object",
        "description": "Exactly one value[x]: valueCoding for coded items, valueInteger, "
        "valueString.",
        "properties": {
            "valueCoding": coding,
            "valueInteger": {"type": "integer"},
            "valueString": {"type": "string"},
        },
    }
    question = {
        "type": "object",
        "properties": {
            "linkId": {"type": "string"},
            "answer": {"type": "array", "items": answer},
        },
        "required": ["linkId"],
    }
    return {
        "QuestionnaireResponse": {
            "description": f"A FHIR R4 QuestionnaireResponse to {fhir.QUESTIONNAIRE_CANONICAL} "
            f"(GET /fhir/Questionnaire/{INSTRUMENT_ID}). Items may sit in groups or at the top "
            "level; linkIds are the answers object's item ids.",
            "type": "object",
            "properties": {
                "resourceType": {"const": "QuestionnaireResponse"},
                "questionnaire": {
                    "type": "string",
                    "enum": [fhir.QUESTIONNAIRE_CANONICAL, fhir.QUESTIONNAIRE_URL],
                },
                "status": {"type": "string", "enum": sorted(fhir.QR_STATUSES)},
                "authored": {"type": "string", "description": "A FHIR date or dateTime."},
                "item": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "description": "A group (with item) or a question (with answer).",
                        "properties": {
                            "linkId": {"type": "string"},
                            "item": {"type": "array", "items": question},
                            "answer": {"type": "array", "items": answer},
                        },
                        "required": ["linkId"],
                    },
                },
            },
            "required": ["resourceType", "questionnaire", "status"],
        },
        "Bundle": {
            "description": "A FHIR R4 Bundle of type collection.",
            "type": "object",
            "properties": {
                "resourceType": {"const": "Bundle"},
                "type": {"const": "collection"},
                "entry": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "fullUrl": {"type": "string"},
                            "resource": {
                                "type": "object",
                                "properties": {"resourceType": {"type": "string"}},
                                "required": ["resourceType"],
                            },
                        },
                        "required": ["resource"],
                    },
                },
            },
            "required": ["resourceType", "type"],
        },
        "OperationOutcome": {
            "description": "A FHIR R4 OperationOutcome: every refusal under /fhir/ and of "
            "format=fhir.",
            "type": "object",
            "properties": {
                "resourceType": {"const": "OperationOutcome"},
                "issue": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "properties": {
                            "severity": {"type": "string", "enum": ["fatal", "error", "warning"]},
                            "code": {"type": "string"},
                            "diagnostics": {"type": "string"},
                            "expression": {"type": "array", "items": {"type": "string"}},
                        },
                        "required": ["severity", "code"],
                    },
                },
            },
            "required": ["resourceType", "issue"],
        },
    }


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document, built from the instrument and scoring as they are now."""
    answers = schema.example_answers()
    response_example = fhir.questionnaire_response(answers, datetime.date(2025, 1, 1))
    retry = (
        f"Seconds to wait before trying again ({RETRY_AFTER_SECONDS} after an outage; "
        "until the window ends after a rate limit)."
    )
    return {
        "openapi": OPENAPI_VERSION,
        "jsonSchemaDialect": schema.JSON_SCHEMA_DIALECT,
        "info": {
            "title": "Stride Screen API",
            "version": API_VERSION,
            "description": "Score a runner's answers to the loss-of-leg-coordination screen "
            f"({INSTRUMENT_ID} version {INSTRUMENT_VERSION}, scoring {SCORING_VERSION}), as our "
            "JSON, as a PDF for a clinician, or as FHIR. Nothing is stored; no cookie is read "
            "or set. Requests are rate-limited per client (429 with Retry-After).",
            "x-instrument-version": INSTRUMENT_VERSION,
            "x-scoring-version": SCORING_VERSION,
        },
        "paths": {
            "/api/v1/score": {"post": _score_operation(answers)},
            "/api/v1/report": {"post": _report_operation(answers)},
            "/api/v1/followup/score": {"post": _followup_operation(answers)},
            "/fhir/QuestionnaireResponse/$score": {"post": _fhir_score_operation(response_example)},
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "The OpenAPI 3.1 document.",
                            "content": {JSON: {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Answers": schema.answers_schema(),
                "Result": schema.result_schema(),
                "FollowUpAnswers": schema.followup_answers_schema(),
                "FollowUpRequest": schema.followup_request_schema(),
                "FollowUpResult": schema.followup_result_schema(),
                "Errors": schema.errors_schema(),
                **_fhir_schemas(),
            },
            "headers": {
                "Retry-After": {"description": retry, "schema": {"type": "integer", "minimum": 1}},
                "Allow": {"description": "The methods accepted.", "schema": {"type": "string"}},
            },
        },
    }


@require_GET
def openapi_json(request: HttpRequest) -> HttpResponse:
    """``GET /api/v1/openapi.json``: built per request (about 2 ms), so it is never stale."""
    return JsonResponse(document(), json_dumps_params={"indent": 1})
