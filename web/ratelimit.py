"""Rate limits per client, counted in the cache every worker shares.

Why our own thirty lines rather than django-ratelimit: we need three things
that library leaves to the caller: the client's address read through a set
number of trusted proxies, that address kept only as a keyed hash, and a 429
answer (page or JSON) instead of its default 403. What remains, a counter per
fixed window with ``cache.add`` + ``cache.incr``, is atomic in Redis and in
the local-memory cache alike.

Keys never hold an IP address: the client is ``HMAC-SHA256(SECRET_KEY, ip)``,
so a dump of the cache (or a Redis ``MONITOR``) shows no address, and the hash
cannot be reversed by trying the 2**32 IPv4 addresses without the secret.

If the cache cannot be reached the request goes through (fail open) and a
warning is logged, once a minute (web.cache.unavailable): an outage of Redis
must not take the questionnaire down, nor flood the logs.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext_noop

from web.cache import unavailable
from web.middleware import machine_refusal, wants_json

logger = logging.getLogger("screening.ratelimit")

View = Callable[..., HttpResponse]


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(text: str) -> Rate:
    """``"10/600"`` is ten requests per 600 seconds.

    >>> parse_rate("10/600")
    Rate(count=10, seconds=600)
    """
    try:
        count, seconds = (int(part) for part in text.split("/"))
    except ValueError:
        raise ImproperlyConfigured(f"a rate limit must read COUNT/SECONDS, not {text!r}") from None
    if count < 1 or seconds < 1:
        raise ImproperlyConfigured(f"a rate limit must be positive, not {text!r}")
    return Rate(count, seconds)


# Read at start-up so that a bad value stops the process, not a request.
for _text in settings.RATELIMITS.values():
    parse_rate(_text)


def client_address(request: HttpRequest) -> str:
    """The client's address, trusting X-Forwarded-For only through NUM_PROXIES proxies.

    Each proxy appends the address it received the request from, so behind N
    proxies the client is the Nth entry from the right; entries further left
    were written by the client and may be forged.
    """
    proxies = settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
        if addresses:
            return addresses[-min(proxies, len(addresses))]
    return str(request.META.get("REMOTE_ADDR", ""))


def counted_as(address: str) -> str:
    """What a limit counts for an address: an IPv6 address by its /64 network.

    One home or phone line gets a whole /64 and may use any address in it, so
    counting single IPv6 addresses would let one client rotate past every limit.

    >>> counted_as("2001:db8:1:2:aaaa::1") == counted_as("2001:db8:1:2:bbbb::9")
    True
    >>> counted_as("2001:db8:1:3::1") == counted_as("2001:db8:1:2::1")
    False
    >>> counted_as("::ffff:192.0.2.7"), counted_as("192.0.2.7")
    ('192.0.2.7', '192.0.2.7')
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def client_key(request: HttpRequest) -> str:
    secret = settings.SECRET_KEY.encode()
    address = counted_as(client_address(request)).encode()
    return hmac.new(secret, b"ratelimit:" + address, hashlib.sha256).hexdigest()[:32]


def over_limit(scope: str, request: HttpRequest) -> int:
    """Count this request; return 0 if allowed, else the seconds until the window ends."""
    rate = parse_rate(settings.RATELIMITS[scope])
    now = time.time()
    window = int(now // rate.seconds)
    key = f"rl:{scope}:{window}:{client_key(request)}"
    try:
        cache.add(key, 0, timeout=rate.seconds + 1)
        count = cache.incr(key)
    except Exception:  # any cache failure: fail open, never a 500
        unavailable("rate-limit cache unavailable", "ratelimit_cache_error")
        return 0
    if count <= rate.count:
        return 0
    logger.warning(
        "rate limit exceeded", extra={"event": "ratelimited", "limit": scope, "count": count}
    )
    return max(1, int((window + 1) * rate.seconds - now))


# Why the page says a limit is there, per limit (the API answers in JSON instead).
WHY_LIMITED = {
    "draft": gettext_noop(
        "This stops one connection from starting new questionnaires without end."
    ),
    "resume": gettext_noop("This protects resume codes from being guessed."),
    "report": gettext_noop(
        "Each PDF takes the server a lot of work, so one connection can have only a few "
        "made a minute."
    ),
    "login": gettext_noop("This protects the reviewers' accounts from password guessing."),
}


def too_many(request: HttpRequest, retry_after: int, scope: str) -> HttpResponse:
    if wants_json(request):
        message = f"Too many requests; try again in {retry_after} s."
        response: HttpResponse = machine_refusal(request, 429, message)
    else:
        minutes = max(1, round(retry_after / 60))
        why = WHY_LIMITED.get(scope, "")
        response = HttpResponse(
            render_to_string("429.html", {"retry_minutes": minutes, "why": why}, request=None),
            status=429,
        )
    response["Retry-After"] = str(retry_after)
    return response


def refusal(scope: str, request: HttpRequest) -> HttpResponse | None:
    """Count this request against RATELIMITS[scope]: the 429 answer beyond it, else None.

    For a limit on one branch of a view (starting a draft, not saving its later steps).
    """
    if not settings.RATELIMIT_ENABLED:
        return None
    retry_after = over_limit(scope, request)
    return too_many(request, retry_after, scope) if retry_after else None


def ratelimit(scope: str, methods: tuple[str, ...] = ("POST",)) -> Callable[[View], View]:
    """Limit a view's ``methods`` to RATELIMITS[scope] per client; 429 beyond."""
    if scope not in settings.RATELIMITS:
        raise ImproperlyConfigured(f"no rate limit named {scope!r} in RATELIMITS")

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if request.method in methods:
                refused = refusal(scope, request)
                if refused is not None:
                    return refused
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
