"""The runner's PDF download: a stored submission, found by its public id only."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from screening import report
from screening.models import Submission


def pdf_response(pdf: bytes, reference: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.filename_for(reference)}"'
    response["Content-Length"] = str(len(pdf))
    # The summary holds health answers: no shared or browser cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def submission_pdf(request: HttpRequest, public_id: UUID) -> HttpResponse:
    submission = get_object_or_404(Submission, public_id=public_id)
    paper = request.GET.get("paper", report.DEFAULT_PAPER)
    if paper not in report.PAPER_SIZES:
        message = f"paper must be one of: {', '.join(report.PAPER_SIZES)}"
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    return pdf_response(report.cached_submission_pdf(submission, paper), submission.reference)
