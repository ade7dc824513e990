"""The staff audit trail, and django-axes kept from storing client details.

Staff are not runners: for them the date and time of each action is kept
(who, what, which object, which filter), as pretix's ``log_action`` does.
Nothing about the client (IP address, user agent) is stored, for staff or
anyone else.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.http import HttpRequest

from screening.models import AuditEntry

# Query parameters that are navigation, not a filter.
NOT_FILTERS = frozenset({"p", "o", "_changelist_filters", "e"})


def filter_string(request: HttpRequest) -> str:
    """The request's filter as a query string, without page and ordering parameters."""
    query = request.GET.copy()
    for name in NOT_FILTERS:
        query.pop(name, None)
    return query.urlencode()


def record(
    request: HttpRequest,
    action: str,
    *,
    object_ref: str = "",
    query: str | None = None,
    detail: str = "",
    **outcome: Any,
) -> AuditEntry:
    """Write one audit entry for the signed-in staff member making ``request``.

    ``outcome`` takes the entry's ``rows``, ``outcome`` and ``reason``.
    """
    user = request.user
    return AuditEntry.objects.create(
        user=user if user.is_authenticated else None,
        username=user.get_username() if user.is_authenticated else "",
        action=action,
        object_ref=object_ref,
        query=filter_string(request) if query is None else query,
        detail=detail[:200],
        **outcome,
    )


# Who the trail names for what was run with manage.py (from a shell or cron).
COMMAND_LINE = "command line"


def record_command(action: str, *, query: str = "", detail: str = "", **outcome: Any) -> AuditEntry:
    """Write one audit entry for a management command (no signed-in user)."""
    return AuditEntry.objects.create(
        user=None, username=COMMAND_LINE, action=action, query=query, detail=detail[:200], **outcome
    )


def finish(entry: AuditEntry, rows: int, outcome: str) -> None:
    """Close an entry written when a streamed action started: its rows and how it ended."""
    AuditEntry.objects.filter(pk=entry.pk).update(rows=rows, outcome=outcome)


class PrivateAxesHandler(AxesDatabaseHandler):
    """Axes' database handler with the client's IP address and user agent blanked.

    Lockout is by username only (``AXES_LOCKOUT_PARAMETERS``), so neither is
    needed; blanking them before the parent handler runs means the
    ``AccessAttempt`` rows hold the username, the path and the time only.
    """

    @staticmethod
    def _forget_client(request: Any) -> None:
        if request is not None:
            request.axes_ip_address = None
            request.axes_user_agent = ""
            request.axes_http_accept = ""

    def user_login_failed(self, sender: Any, credentials: dict, request: Any = None, **kw: Any):
        self._forget_client(request)
        return super().user_login_failed(sender, credentials, request, **kw)

    def user_logged_in(self, sender: Any, request: Any, user: Any, **kwargs: Any):
        self._forget_client(request)
        return super().user_logged_in(sender, request, user, **kwargs)

    def user_logged_out(self, sender: Any, request: Any, user: Any, **kwargs: Any):
        self._forget_client(request)
        return super().user_logged_out(sender, request, user, **kwargs)
