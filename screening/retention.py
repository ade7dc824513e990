"""Delete what is kept no longer: expired drafts, submissions and rendered PDFs.

Plain filtered deletes, so two runs at once, or a run repeated, do no harm.
Consented submissions older than 30 days lose their code link: the runner's
code stops opening them, and what reviewers keep is no longer tied to a code.
Run by ``manage.py purge_expired`` (cron) and by a data steward from the
admin; both are audited, with the number of rows deleted.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from screening.access import KEEP_DAYS
from screening.models import Draft, FollowUp, FollowUpDraft, RenderedPdf, Submission, today


@dataclass(frozen=True)
class Purged:
    drafts: int
    unshared: int
    shared: int
    pdfs: int
    unlinked: int
    followups: int = 0

    @property
    def deleted(self) -> int:
        """Rows deleted (drafts, submissions and PDFs; unlinked codes are not deletions)."""
        return self.drafts + self.unshared + self.shared + self.pdfs + self.followups

    def __str__(self) -> str:
        return (
            f"deleted {self.drafts} drafts, {self.unshared} unshared submissions, "
            f"{self.shared} shared submissions, {self.followups} unshared follow-ups, "
            f"{self.pdfs} rendered PDFs; "
            f"unlinked {self.unlinked} codes"
        )


def _deleted(rows: QuerySet[Any]) -> int:
    """Rows of the model itself that were deleted (not the rows cascading with them)."""
    _, per_model = rows.delete()
    return per_model.get(rows.model._meta.label, 0)


def purge() -> Purged:
    now = today()
    short = now - datetime.timedelta(days=KEEP_DAYS)
    long = now - datetime.timedelta(days=settings.RETENTION_DAYS)
    drafts = _deleted(Draft.objects.filter(updated_on__lt=short))
    drafts += _deleted(FollowUpDraft.objects.filter(updated_on__lt=short))
    # Kept longer only where the runner asked to come back with follow-ups.
    kept = Q(keep_until__gte=now)
    unshared = _deleted(
        Submission.objects.filter(share_for_research=False, created_on__lt=short).exclude(kept)
    )
    shared = _deleted(Submission.objects.filter(share_for_research=True, created_on__lt=long))
    unlinked = (
        Submission.objects.filter(
            share_for_research=True, created_on__lt=short, code_hash__isnull=False
        )
        .exclude(kept)
        .update(code_hash=None)
    )
    # Follow-ups the runner did not share go after KEEP_DAYS, as unshared screenings.
    followups = _deleted(FollowUp.objects.filter(share_for_research=False, created_on__lt=short))
    # Those of deleted submissions went with them; these outlived their day.
    pdfs = _deleted(RenderedPdf.objects.expired())
    return Purged(drafts, unshared, shared, pdfs, unlinked, followups)
