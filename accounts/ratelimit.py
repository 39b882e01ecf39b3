"""Rate limits: the one entry point that budgets every guarded action.

Rates use allauth's notation (``accounts.internal.rates``): ``"10/m/ip,5/300s/key"`` means at
most 10 per minute per client IP and 5 per 300 seconds per key (for login failures the key
is the *resolved account*, ``f"user:{pk}"``, so every spelling of one account shares one
budget). ``ACCOUNT_RATE_LIMITS`` overrides the defaults per action.

Every guard goes through :func:`consume_or_raise` (or the view decorator :func:`rate_limit`,
built on it): it counts the attempt *before* the guarded work runs, and on refusal sends
``rate_limited`` and raises ``accounts.exceptions.RateLimited`` (answered with 429). A flow
that learns afterwards that an attempt should not count (a right password) gives it back
with :func:`rollback`.

Windows are fixed and aligned to the epoch: the window number is part of the cache key, so
time moved in tests (``time_machine``) expires a budget whatever the cache backend, including
Redis whose clock tests cannot move. A budget therefore admits at most twice its amount
across a window boundary, and a lockout lasts at most one period.

Counting is atomic: ``consume`` increments every budget first (``cache.incr`` is atomic in
Redis) and gives the attempt back when one of them went over, so concurrent requests on
several workers can never pass more attempts than the budget holds. The cache is the single
source of truth: with the ``DummyCache`` nothing is ever limited, and a Redis outage raises
(requests fail closed rather than running unthrottled).
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable
from typing import NoReturn

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import app_settings
from accounts.exceptions import RateLimited
from accounts.httpkit import get_client_ip
from accounts.internal.rates import Rate, parse_rates
from accounts.signals import rate_limited

__all__ = [
    "Rate",
    "consume",
    "consume_or_raise",
    "parse_rates",
    "rate_limit",
    "refuse",
    "too_many_requests",
]


def now() -> float:
    """Seconds since the epoch: the clock of every window (``time_machine`` moves it)."""
    return time.time()


def get_rates(action: str) -> list[Rate]:
    """The budgets of ``action`` (``ACCOUNT_RATE_LIMITS`` over the defaults); none when the
    action is configured as ``""``."""
    spec = app_settings.RATE_LIMITS.get(action, "")
    return parse_rates(spec) if spec else []


def _subject(request, rate, key, user):
    if rate.per == "ip":
        return get_client_ip(request) or "unknown"
    if rate.per == "user":
        user = user or getattr(request, "user", None)
        return f"user:{user.pk}" if user is not None and user.is_authenticated else None
    return None if key is None else str(key)


def _cache_key(action, rate, subject):
    # Hashed: keys stay short and valid for memcached/Redis whatever was typed, and the
    # cache never holds an email address or IP in clear.
    digest = hashlib.sha256(f"{action}|{rate.per}|{subject}".encode()).hexdigest()[:32]
    window = int(now() // rate.period)
    return f"rl:{action}:{rate.period}:{digest}:{window}"


def _keys(request, action, key, user):
    for rate in get_rates(action):
        subject = _subject(request, rate, key, user)
        if subject is not None:
            yield rate, _cache_key(action, rate, subject)


def _increment(cache_key, timeout):
    """Add one to a counter atomically and return the new count."""
    if cache.add(cache_key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.set(cache_key, 1, timeout=timeout)
        return 1


def _decrement(cache_key):
    try:
        if cache.decr(cache_key) < 0:  # never below zero: that would be extra budget
            cache.incr(cache_key)
    except ValueError:  # already gone: nothing to give back
        pass


def is_limited(request: HttpRequest, action: str, *, key: str | None = None, user=None) -> bool:
    """True when one of the action's budgets is used up. Does not count an attempt."""
    for rate, cache_key in _keys(request, action, key, user):
        if (cache.get(cache_key) or 0) >= rate.amount:
            return True
    return False


def count(
    request: HttpRequest, action: str, *, key: str | None = None, user=None, per: str | None = None
) -> int:
    """Attempts counted so far in the current window by the fullest budget of ``action``
    (only budgets ``per`` "ip", "key" or "user" when given)."""
    return max(
        (
            cache.get(cache_key) or 0
            for rate, cache_key in _keys(request, action, key, user)
            if per is None or rate.per == per
        ),
        default=0,
    )


def consume(request: HttpRequest, action: str, *, key: str | None = None, user=None) -> bool:
    """Count one attempt; return False (counting nothing) when a budget is used up.

    Budgets with no subject (``key=None`` for a ``/key`` rate, an anonymous user for a
    ``/user`` rate) are skipped.
    """
    counted = []
    for rate, cache_key in _keys(request, action, key, user):
        count = _increment(cache_key, rate.period + 1)
        counted.append(cache_key)
        if count > rate.amount:
            for done in counted:
                _decrement(done)
            return False
    return True


def rollback(request: HttpRequest, action: str, *, key: str | None = None, user=None) -> None:
    """Give back one attempt counted by ``consume`` (e.g. a login that turned out right).

    Lets a flow reserve an attempt *before* the expensive check, so that parallel requests
    cannot all pass a nearly used budget, and return it when the attempt did not count.
    """
    for _rate, cache_key in _keys(request, action, key, user):
        _decrement(cache_key)


def clear(request: HttpRequest, action: str, *, key: str | None = None, user=None) -> None:
    """Forget the attempts counted for ``key`` (e.g. failed logins after a password reset).

    Per-IP budgets are kept: a reset must not give an attacker's address a fresh budget.
    """
    for rate, cache_key in _keys(request, action, key, user):
        if rate.per != "ip":
            cache.delete(cache_key)


def _known(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def consume_or_raise(
    request: HttpRequest, action: str, *, key: str | None = None, user=None, message=None
) -> None:
    """Count one attempt of ``action``; when a budget is used up, :func:`refuse` it (nothing
    is counted then). ``user`` is the account aimed at, when known (else the signed-in one)."""
    if not consume(request, action, key=key, user=user):
        refuse(request, action, user=user, message=message)


def refuse(request: HttpRequest, action: str, *, user=None, message=None) -> NoReturn:
    """Report a refused attempt with ``rate_limited`` (with the account aimed at, when known,
    else the signed-in user) and raise ``RateLimited``: the one way a refusal is reported."""
    target = _known(user if user is not None else getattr(request, "user", None))
    rate_limited.send(sender=None, request=request, action=action, user=target)
    raise RateLimited(message, action=action, user=target)


def too_many_requests(request: HttpRequest, template_name="429.html", context=None) -> HttpResponse:
    """The friendly "wait a few minutes" page, with status 429."""
    return render(request, template_name, context or {}, status=429)


def rate_limit(action: str, *, methods: tuple[str, ...] = ("POST",)) -> Callable:
    """View decorator (allauth's ``rate_limit(action=...)``): a request of ``methods`` spends
    one attempt of ``action`` (per IP / per logged-in user, as its rates say) before the view
    runs; a refused one gets the 429 page."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                try:
                    consume_or_raise(request, action)
                except RateLimited:
                    return too_many_requests(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
