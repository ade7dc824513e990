"""The runner's PDF, rendered when their result is first shown, off the download's path.

A render costs the better part of a second of CPU; a stored copy (RenderedPdf,
beside its submission) is served in milliseconds. So the result page enqueues
:func:`render_stored_pdf` through Django's Tasks API (the django-tasks backport,
settings.TASKS), and the runner's click on "Download the PDF" a moment later
finds the PDF already stored. Where the task runs is the backend's business:
``manage.py db_worker`` with the database backend (Docker Compose), or the
request itself with the immediate backend (``make run``).

Only the default paper size is rendered ahead: it is the one the result page's
button asks for; Letter is rendered, and kept, the first time it is asked for.

Nothing here may break the result page: a task that fails, or a queue that
cannot be written to, leaves the download to render on its request as before.
The task's arguments are the submission's primary key, the paper size and the
language: nothing that identifies the runner is written to the queue.
"""

from __future__ import annotations

import logging

from django.utils import translation
from django_tasks import task

from report import document
from screening.models import RenderedPdf, Submission
from web import cache

logger = logging.getLogger("screening.report")

# How long a queued render stands for "already asked": a second showing of the
# result within this time enqueues nothing more, even before the worker has run.
# The mark lives in the cache, which may lose it: the task then finds the stored
# PDF and stops (it is idempotent), so a lost mark costs one query, not a render.
QUEUED_MARK_SECONDS = 10 * 60


@task()
def render_stored_pdf(submission_id: int, paper: str, language: str) -> bool:
    """Render and store the PDF of a stored submission unless it is stored already.

    Returns whether a PDF was rendered. A submission deleted before the task runs
    renders nothing; one deleted during the render keeps nothing (RenderedPdf.keep).
    """
    submission = Submission.objects.filter(pk=submission_id).first()
    if submission is None:
        return False
    # The stored copy is one per language: render the one the runner's browser reads.
    with translation.override(language):
        if _is_stored(submission, paper):
            return False
        try:
            document.render_submission_pdf(submission, paper)
        except Exception as error:
            # The worker stores a failed task's traceback, message included, in the
            # database, and an exception's message can quote an answer. Logged here
            # with its frames and no message (config.logging); the task fails naming
            # only the exception's type.
            logger.error("PDF render failed", exc_info=True, extra={"event": "pdf_render_failed"})
            raise RenderFailed(type(error).__name__) from None
    return True


class RenderFailed(Exception):
    """A queued render failed; the download renders on its request instead."""


def _is_stored(submission: Submission, paper: str) -> bool:
    return (
        RenderedPdf.objects.live()
        .filter(submission_id=submission.pk, variant=document._variant(submission, paper))
        .exists()
    )


def _queued_mark(submission: Submission, paper: str, language: str) -> str:
    # The primary key, not the reference or public id: the cache key names no runner.
    return f"report:pdf-queued:{submission.pk}:{paper}:{language}"


def render_when_first_shown(submission: Submission, paper: str = document.DEFAULT_PAPER) -> None:
    """Enqueue the render of ``submission``'s PDF the first time its result is shown.

    Called by the result page in the runner's language. Enqueues nothing when the
    PDF is stored already or a render was queued in the last QUEUED_MARK_SECONDS.
    Never raises: the page is shown whatever happens to the PDF.
    """
    language = translation.get_language() or ""
    mark = _queued_mark(submission, paper, language)
    try:
        if cache.get(mark) or _is_stored(submission, paper):
            return
        render_stored_pdf.enqueue(submission.pk, paper, language)
        cache.set(mark, True, QUEUED_MARK_SECONDS)
    except Exception:  # the download renders on its request instead
        # The exception's type and frames, never its message (config.logging).
        logger.warning(
            "PDF render not queued", exc_info=True, extra={"event": "pdf_render_not_queued"}
        )
