"""Export shared submissions from the command line, exactly as the admin's download.

    python manage.py export --format csv [--profile anonymous|pseudonymous]
        [--free-text] [--reason TEXT] [FILTER=VALUE ...] [--out FILE]

FILTER=VALUE are the admin list's filters, as they appear in its address
(``first_region=hip_thigh``, ``created_on__gte=2026-01-01``, ``q=AB12``): the
rows are those the list shows for them. The output is the same ZIP as the
download (data file and ``datapackage.json``), written to FILE or to standard
output. Every run is written to the audit log as run from the command line,
with its filters, its profile, its reason, its row count and its outcome.
"""

from __future__ import annotations

import sys
from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth.models import User
from django.core.exceptions import SuspiciousOperation
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test import RequestFactory

from reviewer import exports, stats
from reviewer.admin import REASON_MIN_LENGTH, why_unreadable
from screening import audit
from screening.models import AuditEntry, Submission


def command_line_request(filters: list[str]) -> Any:
    """A GET request carrying the filters, made by whoever runs manage.py (all rights)."""
    params: list[tuple[str, str]] = []
    for pair in filters:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise CommandError(f"a filter is NAME=VALUE, not {pair!r}")
        params.append((name, value))
    request = RequestFactory().get("/", params)
    # Whoever can run manage.py can read the database itself; an unsaved superuser
    # lets the admin apply the filters exactly as it does for a download.
    request.user = User(username=audit.COMMAND_LINE, is_active=True, is_superuser=True)
    return request


class Command(BaseCommand):
    help = "Export shared submissions (a ZIP with the data and datapackage.json), audited."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("filters", nargs="*", metavar="FILTER=VALUE")
        parser.add_argument("--format", required=True, choices=exports.FORMATS)
        parser.add_argument(
            "--profile",
            default=exports.Profile.ANONYMOUS,
            choices=[profile.value for profile in exports.Profile],
        )
        parser.add_argument(
            "--free-text", action="store_true", help="the runners' own words (pseudonymous only)"
        )
        parser.add_argument("--reason", default="", help="why (required for pseudonymous)")
        parser.add_argument("--out", default="-", help="the ZIP file to write (default: stdout)")

    def handle(self, *args: Any, **options: Any) -> None:
        profile = exports.Profile(options["profile"])
        reason = " ".join(options["reason"].split())
        fmt = options["format"]
        if profile is exports.Profile.PSEUDONYMOUS and len(reason) < REASON_MIN_LENGTH:
            raise CommandError(
                f"a pseudonymous export needs --reason (at least {REASON_MIN_LENGTH} characters)"
            )
        if options["free_text"] and profile is not exports.Profile.PSEUDONYMOUS:
            raise CommandError("--free-text needs --profile pseudonymous")
        request = command_line_request(options["filters"])
        model_admin = admin.site._registry[Submission]
        try:
            queryset = model_admin.filtered(request)
        except IncorrectLookupParameters as error:
            raise CommandError(f"a filter could not be read ({why_unreadable(error)})") from None
        except SuspiciousOperation as error:  # a name that is not a filter of the list
            raise CommandError(f"not a filter of the list: {error}") from None
        filters = audit.filter_string(request)
        aggregate_rows = None
        if fmt == "aggregate":
            figures = stats.compute(queryset)
            if figures.n < stats.K_MIN:
                raise CommandError(
                    f"fewer than {stats.K_MIN} shared submissions match: no aggregates"
                )
            rows = [("filters", filters or "none", ""), *stats.disclosed_rows(figures)]

            def aggregate_rows() -> list[tuple[str, str, str]]:
                return rows

        export = exports.Export(
            queryset,
            fmt,
            profile,
            include_free_text=options["free_text"],
            filters=filters,
            aggregate_rows=aggregate_rows,
        )
        free_text = ", with free text" if options["free_text"] else ""
        entry = audit.record_command(
            AuditEntry.Action.EXPORT,
            query=filters,
            detail=f"{fmt}, {profile}{free_text} (manage.py export)",
            reason=reason if profile is exports.Profile.PSEUDONYMOUS else "",
            outcome=AuditEntry.Outcome.STARTED,
        )
        chunks = exports.streamed(export, lambda n, outcome: audit.finish(entry, n, outcome))
        if options["out"] == "-":
            out = sys.stdout.buffer
            for chunk in chunks:
                out.write(chunk)
            out.flush()
        else:
            with open(options["out"], "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
        self.stderr.write(f"exported {export.rows} rows ({fmt}, {profile})")
