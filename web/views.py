"""Views for operations: the health check and the error handlers."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

from web.middleware import is_outage, refused, too_large, unavailable


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """The process answers. Touches no database: also the benchmarks' baseline view."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Django raises RequestDataTooBig while reading a body sent without a length.
    if isinstance(exception, RequestDataTooBig):
        return too_large(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return refused(request, 400, "The request could not be read.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return refused(request, 403, "This request is not allowed.")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return refused(request, 404, "There is nothing at this address.")


def server_error(request: HttpRequest) -> HttpResponse:
    # A database outage raised outside a view (e.g. saving the session on the
    # way out) arrives here rather than at DatabaseUnavailableMiddleware.
    error = sys.exc_info()[1]
    if error is not None and is_outage(error):
        return unavailable(request)
    return refused(request, 500, "Something went wrong on our side.")
