"""The FHIR endpoints: the Questionnaire, our code systems, and ``$score``.

Every answer is ``application/fhir+json``; every refusal is an
``OperationOutcome`` with a 4xx status, never a 500. Nothing is stored.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from screening import fhir, versions
from screening.instrument import INSTRUMENT_ID, AnswersInvalid, validate
from screening.scoring import score
from web.ratelimit import ratelimit

MAX_BODY_BYTES = 64 * 1024
ACCEPTED_CONTENT_TYPES = ("application/fhir+json", "application/json")


def fhir_response(resource: dict[str, Any], status: int = 200) -> JsonResponse:
    return JsonResponse(
        resource,
        status=status,
        # ASCII with \u escapes: an outcome may quote a posted key that is no
        # valid text (a lone surrogate), which could not be encoded as UTF-8.
        content_type=f"{fhir.FHIR_JSON}; charset=utf-8",
    )


def refusal(status: int, code: str, message: str, expression: str | None = None) -> JsonResponse:
    issue = fhir.Issue(code, message, (expression,) if expression else ())
    return fhir_response(fhir.operation_outcome([issue]), status=status)


# The OperationOutcome issue code for each refusal a FHIR client may get.
FHIR_ISSUE_CODES = {
    400: "invalid",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    411: "structure",
    413: "too-long",
    429: "throttled",
    500: "exception",
    503: "transient",
}


def refusal_for_status(status: int, message: str) -> JsonResponse:
    """Any refusal under /fhir/, from whichever layer gives it, as an OperationOutcome."""
    return refusal(status, FHIR_ISSUE_CODES.get(status, "processing"), message)


# GET only, and no cookie read: exempt, so that another method gets its 405
# OperationOutcome rather than the CSRF refusal meant for forms.
@csrf_exempt
@require_GET
def questionnaire(
    request: HttpRequest, resource_id: str, version_id: str | None = None
) -> HttpResponse:
    """The current Questionnaire, or an earlier version of it.

    ``GET Questionnaire/llc-screen`` gives the current version;
    ``?version=1`` (the business version, as in ``url|1``) or
    ``Questionnaire/llc-screen/_history/1`` (FHIR's vread) gives version 1,
    kept so that responses to it can be read with their own questions.
    """
    if resource_id != INSTRUMENT_ID:
        return refusal(404, "not-found", f"no Questionnaire with id {resource_id!r}")
    version = version_id if version_id is not None else request.GET.get("version")
    if version is None:
        version = versions.CURRENT_VERSION
    if version not in versions.VERSIONS:
        known = ", ".join(versions.VERSIONS)
        message = f"no version {version!r} of Questionnaire {resource_id} (known: {known})"
        return refusal(404, "not-found", message)
    return fhir_response(fhir.questionnaire(version))


@csrf_exempt
@require_GET
def code_system(request: HttpRequest, resource_id: str) -> HttpResponse:
    systems = fhir.code_systems()
    if resource_id not in systems:
        return refusal(404, "not-found", f"no CodeSystem with id {resource_id!r}")
    return fhir_response(systems[resource_id])


# When what this server offers last changed (CapabilityStatement.date).
CAPABILITIES_DATE = "2026-12-02"
SCORE_OPERATION = f"{fhir.CANONICAL_BASE}/OperationDefinition/QuestionnaireResponse-score"


def capability_statement(base_url: str) -> dict[str, Any]:
    """What this server serves, as FHIR R4's ``CapabilityStatement`` (``GET metadata``).

    An instance statement: ``implementation.url`` is the FHIR base the request
    came to. Only what ``interop.urls`` routes is listed: the Questionnaire's
    read and vread, the code systems' read, and ``$score`` on QuestionnaireResponse;
    nothing is searched, created or stored.
    """
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": CAPABILITIES_DATE,
        "publisher": "Stride Screen",
        "kind": "instance",
        "software": {"name": "Stride Screen"},
        "implementation": {
            "description": "Stride Screen's FHIR endpoints: the questionnaire and $score",
            "url": base_url,
        },
        "fhirVersion": fhir.FHIR_VERSION,
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Read-only, and nothing is stored. JSON only "
                    f"({fhir.FHIR_JSON}). No authentication and no cookies: any origin may "
                    "call these endpoints from a browser (CORS, without credentials)."
                ),
                "security": {
                    "cors": True,
                    "description": "No authentication; the $score operation is rate-limited.",
                },
                "resource": [
                    {
                        "type": "Questionnaire",
                        "documentation": (
                            f"Questionnaire/{INSTRUMENT_ID} is the current instrument "
                            f"(version {versions.CURRENT_VERSION}); earlier versions by vread "
                            f"(Questionnaire/{INSTRUMENT_ID}/_history/1) or ?version=1."
                        ),
                        "interaction": [{"code": "read"}, {"code": "vread"}],
                        "versioning": "versioned",
                        "readHistory": False,
                    },
                    {
                        "type": "CodeSystem",
                        "documentation": ", ".join(
                            f"CodeSystem/{system_id}" for system_id in fhir.code_systems()
                        ),
                        "interaction": [{"code": "read"}],
                    },
                    {
                        "type": "QuestionnaireResponse",
                        "documentation": (
                            "Not stored: POST a completed QuestionnaireResponse to "
                            "QuestionnaireResponse/$score for a Bundle holding the response as "
                            "read and the result Observations."
                        ),
                        "operation": [
                            {
                                "name": "score",
                                "definition": SCORE_OPERATION,
                                "documentation": (
                                    "The body is the QuestionnaireResponse itself (to "
                                    f"{fhir.canonical()}); the answer is a Bundle of type "
                                    "collection, or an OperationOutcome."
                                ),
                            }
                        ],
                    },
                ],
            }
        ],
    }


@csrf_exempt
@require_GET
def metadata(request: HttpRequest) -> HttpResponse:
    """``GET metadata``: the CapabilityStatement."""
    base_url = request.build_absolute_uri("/fhir")
    return fhir_response(capability_statement(base_url))


# Any method, and no cookie read: a POST to an unknown route gets the 404 too,
# not the CSRF refusal meant for forms.
@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other route under /fhir/: a 404 OperationOutcome, whatever DEBUG says
    (Django's debug 404 page is HTML; ``web.views.page_not_found`` needs DEBUG off)."""
    return refusal(404, "not-found", "There is no FHIR endpoint at this address.")


def read_json(request: HttpRequest) -> Any | JsonResponse:
    """The parsed JSON body, or the ``OperationOutcome`` response that refuses it."""
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return refusal(400, "structure", "the Content-Length header is not a number")
    too_large = f"the body is larger than {MAX_BODY_BYTES // 1024} KiB"
    if length > MAX_BODY_BYTES:
        return refusal(413, "too-long", too_large)
    if request.content_type not in ACCEPTED_CONTENT_TYPES:
        message = f"send {' or '.join(ACCEPTED_CONTENT_TYPES)}, not {request.content_type!r}"
        return refusal(415, "not-supported", message)
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return refusal(413, "too-long", too_large)
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:
        return refusal(400, "structure", f"the body is not valid JSON: {error}")


def _bundle(answers: dict[str, Any], authored: Any) -> JsonResponse:
    bundle = fhir.score_bundle(
        answers, score(answers), response_id=str(uuid.uuid4()), authored=authored
    )
    return fhir_response(bundle)


# Like the JSON API: no cookie is read or set, so there is no session to forge.
@csrf_exempt
@require_POST
@ratelimit("api")
def score_response(request: HttpRequest) -> HttpResponse:
    """``POST /fhir/QuestionnaireResponse/$score``: a response in, a Bundle out.

    The Bundle holds the response as we read it (our codes and wording, the
    date only, no subject) and the result Observations derived from it.
    """
    resource = read_json(request)
    if isinstance(resource, JsonResponse):
        return resource
    try:
        answers = fhir.answers_from_response(resource)
    except fhir.ResponseInvalid as invalid:
        return fhir_response(fhir.operation_outcome(invalid.issues), status=400)
    return _bundle(answers, fhir.read_authored(resource) or timezone.localdate())


def score_answers(request: HttpRequest) -> HttpResponse:
    """``POST /api/v1/score?format=fhir``: our answers object in, the same Bundle out."""
    raw = read_json(request)
    if isinstance(raw, JsonResponse):
        return raw
    try:
        answers = validate(raw)
    except AnswersInvalid as invalid:
        return fhir_response(fhir.outcome_for_answers(invalid), status=400)
    return _bundle(answers, timezone.localdate())
