"""The PDF download of a stored submission.

The URL names the submission by its public id (never a guessable number), and
the id alone opens nothing: the browser must hold the resume code of that
submission (the runner), or belong to staff allowed to view submissions (a
reviewer, whose download is audited) when the runner shared it for research.
Anyone else gets 404, as for an id that does not exist.
"""

from __future__ import annotations

from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from report import document
from screening import access, audit
from screening.models import AuditEntry, Submission
from web.ratelimit import refusal
from web.runner_cookies import linked_code


def pdf_response(pdf: bytes, reference: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.filename_for(reference)}"'
    response["Content-Length"] = str(len(pdf))
    # The summary holds health answers: no shared or browser cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def submission_pdf(request: HttpRequest, public_id: UUID) -> HttpResponse:
    submission = get_object_or_404(Submission, public_id=public_id)
    # The runner's own for as long as their code opens it.
    code = linked_code(request)
    opened = access.live_submission(access.hash_code(code)) if code else None
    runners_own = opened is not None and opened.pk == submission.pk
    # Staff see what they see in the admin: shared submissions only.
    shared = submission.share_for_research
    staff_may_see = shared and request.user.has_perm("screening.view_submission")
    if not (runners_own or staff_may_see):
        raise Http404
    paper = request.GET.get("paper", document.DEFAULT_PAPER)
    if paper not in document.PAPER_SIZES:
        message = f"paper must be one of: {', '.join(document.PAPER_SIZES)}"
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    # The runner's own PDF prints every follow-up; a reviewer's, the shared ones only.
    followups = document.followups_of(submission, shared_only=not runners_own)
    pdf = document.cached_submission_pdf(submission, paper, followups)
    if pdf is None:
        # A render costs about a second of a worker: limited like POST /api/v1/report,
        # so that switching paper sizes in a loop cannot keep every worker busy.
        refused = refusal("report", request)
        if refused is not None:
            return refused
        pdf = document.render_submission_pdf(submission, paper, followups)
    if not runners_own:
        # Audited once the PDF is on its way, not for a refused request.
        audit.record(
            request, AuditEntry.Action.VIEW, object_ref=submission.reference, query="", detail="PDF"
        )
    return pdf_response(pdf, submission.reference)
