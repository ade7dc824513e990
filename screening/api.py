"""The JSON API: answers in, result out, nothing stored."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from screening import fhir_views, report, report_views
from screening.instrument import AnswersInvalid, parse_json
from screening.ratelimit import ratelimit
from screening.scoring import score

MAX_BODY_BYTES = 64 * 1024


def _refusal(request: HttpRequest) -> JsonResponse | None:
    """Refuse oversized or non-JSON bodies before reading them."""
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return JsonResponse({"errors": {"answers": ["bad Content-Length"]}}, status=400)
    if length > MAX_BODY_BYTES:
        message = f"the body is larger than {MAX_BODY_BYTES // 1024} KiB"
        return JsonResponse({"errors": {"answers": [message]}}, status=413)
    if request.content_type != "application/json":
        message = "send the answers as application/json"
        return JsonResponse({"errors": {"answers": [message]}}, status=415)
    return None


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
    refusal = _refusal(request)
    if refusal is not None:
        return refusal
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return JsonResponse({"errors": {"answers": ["the body is too large"]}}, status=413)
    try:
        answers = parse_json(body)
    except AnswersInvalid as invalid:
        return JsonResponse({"errors": invalid.messages()}, status=400)
    return JsonResponse(score(answers).to_dict())


# The PDF summary for the same answers: POST /api/v1/report. Nothing is stored;
# the reference printed on it is derived from the answers (report.unsaved_reference).
@csrf_exempt
@require_POST
@ratelimit("api")
def report_view(request: HttpRequest) -> HttpResponse:
    paper = request.GET.get("paper", report.DEFAULT_PAPER)
    if paper not in report.PAPER_SIZES:
        message = f"paper must be one of: {', '.join(report.PAPER_SIZES)}"
        return JsonResponse({"errors": {"paper": [message]}}, status=400)
    refusal = _refusal(request)
    if refusal is not None:
        return refusal
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return JsonResponse({"errors": {"answers": ["the body is too large"]}}, status=413)
    try:
        answers = parse_json(body)
    except AnswersInvalid as invalid:
        return JsonResponse({"errors": invalid.messages()}, status=400)
    reference = report.unsaved_reference(answers)
    return report_views.pdf_response(report.render_pdf(answers, paper=paper), reference)
