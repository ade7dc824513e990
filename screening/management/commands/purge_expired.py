"""Delete what is kept no longer (``screening.retention``); run daily from cron.

Each run is written to the audit log as run from the command line, with the
number of rows it deleted, or as failed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from screening import audit, retention
from screening.models import AuditEntry


class Command(BaseCommand):
    help = "Delete drafts and unshared submissions after 30 days, shared ones after RETENTION_DAYS."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            purged = retention.purge()
        except Exception as error:
            audit.record_command(
                AuditEntry.Action.PURGE,
                detail=f"failed: {type(error).__name__}",
                outcome=AuditEntry.Outcome.FAILED,
            )
            raise
        audit.record_command(
            AuditEntry.Action.PURGE,
            detail=str(purged),
            rows=purged.deleted,
            outcome=AuditEntry.Outcome.COMPLETE,
        )
        self.stdout.write(str(purged))
