"""The JSON API: answers in, result out, nothing stored."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from interop import fhir_views
from report import document as report
from report import views as report_views
from screening import followup
from screening.instrument import AnswersInvalid, parse_json, validate
from screening.scoring import score
from web.ratelimit import ratelimit

MAX_BODY_BYTES = 64 * 1024


class Refused(Exception):
    """A request the API answers with an error body instead of a result."""

    def __init__(self, status: int, errors: dict[str, list[str]]) -> None:
        super().__init__(status)
        self.response = JsonResponse({"errors": errors}, status=status)


def _answers_from(request: HttpRequest) -> dict[str, Any]:
    """Clean answers from a JSON body; oversized or non-JSON bodies are refused
    from the headers, before a byte of the body is read."""
    try:
        return parse_json(_body(request))
    except AnswersInvalid as invalid:
        raise Refused(400, invalid.messages()) from None


def _body(request: HttpRequest) -> bytes:
    """The JSON body's bytes, refused from the headers when too large or not JSON."""
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        raise Refused(400, {"answers": ["bad Content-Length"]}) from None
    if length > MAX_BODY_BYTES:
        raise Refused(413, {"answers": [f"the body is larger than {MAX_BODY_BYTES // 1024} KiB"]})
    if request.content_type != "application/json":
        raise Refused(415, {"answers": ["send the answers as application/json"]})
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise Refused(413, {"answers": ["the body is too large"]})
    return body


# No cookie is read or set, so there is no session for a forged request to ride on.
@csrf_exempt
@require_POST
@ratelimit("api")
def score_view(request: HttpRequest) -> HttpResponse:
    output = request.GET.get("format", "json")
    if output == "fhir":
        return fhir_views.score_answers(request)
    if output != "json":
        return JsonResponse({"errors": {"format": ["format must be json or fhir"]}}, status=400)
    try:
        answers = _answers_from(request)
    except Refused as refused:
        return refused.response
    return JsonResponse(score(answers).to_dict())


# The PDF summary for the same answers: POST /api/v1/report. Nothing is stored;
# the reference printed on it is derived from the answers (report.unsaved_reference).
@csrf_exempt
@require_POST
@ratelimit("report")
def report_view(request: HttpRequest) -> HttpResponse:
    paper = request.GET.get("paper", report.DEFAULT_PAPER)
    if paper not in report.PAPER_SIZES:
        message = f"paper must be one of: {', '.join(report.PAPER_SIZES)}"
        return JsonResponse({"errors": {"paper": [message]}}, status=400)
    try:
        answers = _answers_from(request)
    except Refused as refused:
        return refused.response
    reference = report.unsaved_reference(answers)
    return report_views.pdf_response(report.render_pdf(answers, paper=paper), reference)


def _prefixed(prefix: str, invalid: AnswersInvalid) -> dict[str, list[str]]:
    return {f"{prefix}.{item_id}": messages for item_id, messages in invalid.messages().items()}


# POST /api/v1/followup/score: {"screening": answers, "followup": answers} -> the
# follow-up's result (followup.md). The screening is scored by the current rules,
# as POST /api/v1/score would; nothing is stored.
@csrf_exempt
@require_POST
@ratelimit("api")
def followup_score_view(request: HttpRequest) -> HttpResponse:
    try:
        body = _body(request)
    except Refused as refused:
        return refused.response
    try:
        raw = json.loads(body)
    except (ValueError, RecursionError) as error:
        return JsonResponse({"errors": {"body": [f"is not valid JSON: {error}"]}}, status=400)
    if not isinstance(raw, dict) or set(raw) != {"screening", "followup"}:
        message = 'must be an object with exactly the keys "screening" and "followup"'
        return JsonResponse({"errors": {"body": [message]}}, status=400)
    errors: dict[str, list[str]] = {}
    try:
        screening = validate(raw["screening"])
    except AnswersInvalid as invalid:
        errors.update(_prefixed("screening", invalid))
    try:
        answers = followup.validate(raw["followup"])
    except AnswersInvalid as invalid:
        errors.update(_prefixed("followup", invalid))
    if errors:
        return JsonResponse({"errors": errors}, status=400)
    result = followup.score(answers, screening, score(screening).to_dict())
    return JsonResponse(result.to_dict())
