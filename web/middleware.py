"""Middleware for running in production: body size, request log, database outages."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

from config.logging import route_of

logger = logging.getLogger("screening.requests")

GetResponse = Callable[[HttpRequest], HttpResponse]

RETRY_AFTER_SECONDS = 30


# How a program under a path prefix is refused, when it has a format of its own:
# the interop app registers FHIR's OperationOutcome for /fhir/ when it is ready,
# so that this module (which every app uses) knows no app.
RefusalFormat = Callable[[int, str], HttpResponse]
REFUSAL_FORMATS: dict[str, RefusalFormat] = {}


def wants_json(request: HttpRequest) -> bool:
    """A program, not a person, reads the answer: the JSON API and the FHIR endpoints."""
    return request.path.startswith(("/api/", "/fhir/"))


def machine_refusal(
    request: HttpRequest, status: int, message: str, *, about: str = "request"
) -> HttpResponse:
    """A refusal as a program reads it: an OperationOutcome under /fhir/, where
    every refusal is one (``REFUSAL_FORMATS``), else ``{"errors": {about: [message]}}``."""
    for prefix, refuse in REFUSAL_FORMATS.items():
        if request.path.startswith(prefix):
            return refuse(status, message)
    return JsonResponse({"errors": {about: [message]}}, status=status)


def refused(request: HttpRequest, status: int, message: str) -> HttpResponse:
    """A refusal in its reader's terms: ``machine_refusal`` for a program, the
    status's own page for a person (rendered without the request, so that no
    context processor reaches the database)."""
    if wants_json(request):
        return machine_refusal(request, status, message)
    return HttpResponse(render_to_string(f"{status}.html"), status=status)


# Cross-origin access to the programs' routes (wants_json: /api/ and /fhir/). They
# read no cookie and need no credentials, so any origin may call them (a FHIR form
# filler on another site, a clinic's web app); credentials are never allowed, so a
# browser sends no cookie along. The runner's and reviewer's pages get no CORS header.
CORS_ALLOW_METHODS = "GET, HEAD, POST, OPTIONS"
CORS_ALLOW_HEADERS = "Accept, Content-Type"
# A refusal's Retry-After (429, 503) is for the client's script to read too.
CORS_EXPOSE_HEADERS = "Retry-After"
# Chromium keeps a preflight at most two hours.
CORS_MAX_AGE_SECONDS = 2 * 60 * 60


def is_preflight(request: HttpRequest) -> bool:
    return request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers


class CorsMiddleware:
    """``Access-Control-Allow-Origin: *`` on every answer under /api/ and /fhir/,
    refusals included, and a 204 to the browser's preflight ``OPTIONS`` there.

    Placed near the top, so that what the layers below refuse with (413, 429,
    503, the 404 OperationOutcome) reaches the calling script readable. Views
    see no preflight; an ``OPTIONS`` without ``Access-Control-Request-Method``
    is not one and gets the view's 405 as before.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not wants_json(request):
            return self.get_response(request)
        if is_preflight(request):
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = CORS_ALLOW_METHODS
            response["Access-Control-Allow-Headers"] = CORS_ALLOW_HEADERS
            response["Access-Control-Max-Age"] = str(CORS_MAX_AGE_SECONDS)
        else:
            response = self.get_response(request)
            response["Access-Control-Expose-Headers"] = CORS_EXPOSE_HEADERS
        response["Access-Control-Allow-Origin"] = "*"
        return response


class MethodNotAllowedMiddleware:
    """Say why a 405 was given: Django's require_http_methods answers with no body."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or response.streaming or response.content:
            return response
        allowed = response.get("Allow", "")
        message = f"This address does not accept {request.method} requests; it accepts {allowed}."
        filled = refused(request, 405, message)
        filled["Allow"] = allowed
        return filled


def sent_in_chunks(request: HttpRequest) -> bool:
    return "chunked" in request.headers.get("Transfer-Encoding", "").lower()


class BodySizeLimitMiddleware:
    """Refuse a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE with 413, unread.

    Django would only notice while parsing the form, and answer 400. Checking
    the declared length first refuses the request before any byte is read;
    a body sent without a length is still capped by Django's own limit.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django treats an unreadable length as an empty body.
        if limit is not None and length > limit:
            return too_large(request, limit)
        if not length and wants_json(request) and sent_in_chunks(request):
            # Behind gunicorn a chunked body reaches Django as an empty one, which the
            # API would refuse as invalid JSON: say what is wrong instead.
            message = "Send the body with a Content-Length header, not in chunks."
            return machine_refusal(request, 411, message)
        return self.get_response(request)


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    message = f"The request is larger than {limit // 1024} KiB."
    if wants_json(request):
        return machine_refusal(request, 413, message)
    html = render_to_string("413.html", {"limit_kib": limit // 1024}, request=None)
    return HttpResponse(html, status=413)


class RequestLogMiddleware:
    """One log line per request: method, route pattern, status and duration.

    No path, query string, IP address or user agent: the route pattern says
    which page was asked for without the code or identifier in the URL.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        logger.info(
            "%s %s %s",
            response.status_code,
            request.method,
            route_of(request),
            extra={
                "event": "request",
                "status": response.status_code,
                "method": request.method,
                "route": route_of(request),
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return response


def is_outage(error: BaseException) -> bool:
    """A database that cannot be reached, as opposed to a bug in a query."""
    return isinstance(error, OperationalError | InterfaceError)


def unavailable(request: HttpRequest) -> HttpResponse:
    if wants_json(request):
        message = "The service is briefly unavailable; try again."
        response: HttpResponse = machine_refusal(request, 503, message, about="service")
    else:
        # Rendered without the request: no context processor may touch the database.
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """A lost database connection gives the 503 page with Retry-After.

    Views save each step in a transaction, so what was saved before the outage
    is still there when the database returns. Errors raised outside a view (a
    session saved on the way out) are caught by ``server_error`` instead.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_outage(exception):
            return None
        logger.error(
            "database unavailable",
            exc_info=(type(exception), exception, exception.__traceback__),
            extra={"event": "database_unavailable", "route": route_of(request)},
        )
        return unavailable(request)


class NoStoreMiddleware:
    """Pages and API answers may hold health answers: no browser or shared cache keeps them.

    A response that says how it may be cached (WhiteNoise's static files, the
    PDF download) keeps its own header; every other one gets ``no-store``, so
    that answers do not reappear from the browser's cache after "Delete my answers".
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
