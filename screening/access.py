"""What a resume code opens, and for how long.

A runner holds a code; the database holds only its keyed hash. These rules
decide which draft or submission a code still opens: the runner's pages, the
PDF download and the retention job all ask here, so the 30 days are written
once.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac

from django.conf import settings
from django.db.models import Q

from screening.models import Draft, Submission, today

# Drafts, and submissions the runner did not share, live this long after the last save.
KEEP_DAYS = 30
# A runner who wants to come back with follow-ups asks to keep the result this
# long after the screening, or after their latest follow-up.
FOLLOW_UP_KEEP_DAYS = 365


def hash_code(code: str) -> str:
    """The only form in which a code is stored.

    A code has 65 random bits, so a plain hash could not be reversed by
    guessing either; keying it with SECRET_KEY (HMAC-SHA256) also means a
    copy of the database alone does not let anyone test candidate codes.
    """
    return hmac.new(settings.SECRET_KEY.encode(), code.encode(), hashlib.sha256).hexdigest()


def expiry_cutoff() -> datetime.date:
    """Drafts last saved before this day are expired."""
    return today() - datetime.timedelta(days=KEEP_DAYS)


def live_draft(code_hash: str) -> Draft | None:
    return Draft.objects.filter(code_hash=code_hash, updated_on__gte=expiry_cutoff()).first()


def live_submission(code_hash: str) -> Submission | None:
    """The result a code opens: for KEEP_DAYS from the day it was sent, or until the
    day the runner asked to keep it for follow-ups, as the pages promise, whether or
    not purge_expired has run since."""
    return (
        Submission.objects.filter(code_hash=code_hash)
        .filter(Q(created_on__gte=expiry_cutoff()) | Q(keep_until__gte=today()))
        .first()
    )


def keep_for_follow_ups(submission: Submission) -> datetime.date:
    """Keep a result (and its code) for FOLLOW_UP_KEEP_DAYS from today: the runner
    asked to, or has just sent a follow-up. Returns the new last day."""
    until = today() + datetime.timedelta(days=FOLLOW_UP_KEEP_DAYS)
    Submission.objects.filter(pk=submission.pk).update(keep_until=until)
    submission.keep_until = until
    return until
