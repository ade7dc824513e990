"""The cookies a runner's browser holds: how they are written and read.

Every app that answers a runner (their pages, the PDF download) reads the
resume code from here, so the cookie's name, salt and flags are set once.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# A browser is linked to its draft or submission by the resume code itself, in
# a signed, HttpOnly cookie that lives in the runner's own browser and is gone
# when the browser closes, so every page can show the code again. Nothing about
# a runner is kept in a server-side session: a session row would store the exact
# time of the visit (its expiry) beside the hash that names the answers, and
# would end in the middle of a long journey.
CODE_COOKIE = "resume_code"
CODE_COOKIE_SALT = "screening.resume-code"


def set_runner_cookie(response: HttpResponse, name: str, value: str, salt: str) -> None:
    """Signed, HttpOnly, Lax: how every cookie a runner's browser holds is written."""
    response.set_signed_cookie(
        name, value, salt=salt, secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax"
    )


def link(response: HttpResponse, code: str) -> HttpResponse:
    set_runner_cookie(response, CODE_COOKIE, code, CODE_COOKIE_SALT)
    return response


def unlink(response: HttpResponse) -> HttpResponse:
    response.delete_cookie(CODE_COOKIE, samesite="Lax")
    return response


def linked_code(request: HttpRequest) -> str | None:
    code: str | None = request.get_signed_cookie(CODE_COOKIE, default=None, salt=CODE_COOKIE_SALT)
    return code
