"""Rate limits counted in the Django cache (shared by all workers when it is Redis).

Rates use allauth's notation: ``"10/m/ip,5/300s/key"`` means at most 10 per minute per client
IP and 5 per 300 seconds per key (for login failures the key is the *resolved account*,
``f"user:{pk}"``, so every spelling of one account shares one budget).

Windows are fixed and aligned to the epoch: the window number is part of the cache key, so
time moved by ``_now`` (the seam tests patch; ``time_machine`` patches it too) expires a budget
whatever the cache backend, including Redis whose clock tests cannot move. A budget therefore
admits at most twice its amount across a window boundary, and a lockout lasts at most one
period.

Counting is atomic: ``consume`` increments every budget first (``cache.incr`` is atomic in
Redis) and gives the attempt back when one of them went over, so concurrent requests on
several workers can never pass more attempts than the budget holds. The cache is the single
source of truth: with the ``DummyCache`` nothing is ever limited, and a Redis outage raises
(requests fail closed rather than running unthrottled).
"""

import hashlib
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from accounts.httpkit import get_client_ip

DEFAULT_RATE_LIMITS = {
    # Any login attempt, and failed logins (per IP, and per resolved account).
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/300s/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    # One verification mail per address per cooldown: the rate actually used is built from
    # ACCOUNT_EMAIL_CONFIRMATION_COOLDOWN (see _default_spec); this line documents the default.
    "confirm_email": "1/180s/key",
    "reauthenticate": "10/m/user",
    # Wrong second-factor codes, per account whatever the client.
    "mfa_failed": "5/300s/key",
    # Passkey login attempts (each POST of an assertion), per client IP.
    "login_webauthn": "10/m/ip",
}

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE_RE = re.compile(r"^(\d+)/(\d*)([smhd])/(ip|key|user)$")


def _now():
    """Seconds since the epoch. Patched in tests to control windows."""
    return time.time()


@dataclass(frozen=True)
class Rate:
    amount: int
    period: int
    per: str


def parse_rates(spec):
    """``"10/m/ip,5/300s/key"`` → ``[Rate(10, 60, "ip"), Rate(5, 300, "key")]``."""
    rates = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        match = _RATE_RE.match(part)
        if not match:
            raise ValueError(f"Bad rate {part!r}")
        amount, count, unit, per = match.groups()
        rates.append(Rate(int(amount), int(count or 1) * _UNITS[unit], per))
    return rates


def _default_spec(action):
    if action == "confirm_email":
        # The cooldown setting is the real knob; 0 (or less) turns the limit off.
        cooldown = int(getattr(settings, "ACCOUNT_EMAIL_CONFIRMATION_COOLDOWN", 180))
        return f"1/{cooldown}s/key" if cooldown > 0 else ""
    return DEFAULT_RATE_LIMITS.get(action, "")


def get_rates(action):
    """The budgets of ``action``: ``settings.ACCOUNT_RATE_LIMITS`` overrides the defaults.

    An action configured as ``""`` (or ``None``) is not limited at all.
    """
    configured = getattr(settings, "ACCOUNT_RATE_LIMITS", {}) or {}
    spec = configured.get(action, _default_spec(action))
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
    window = int(_now() // rate.period)
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


def is_limited(request, action, *, key=None, user=None):
    """True when one of the action's budgets is used up. Does not count an attempt."""
    for rate, cache_key in _keys(request, action, key, user):
        if (cache.get(cache_key) or 0) >= rate.amount:
            return True
    return False


def count(request, action, *, key=None, user=None, per=None):
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


def consume(request, action, *, key=None, user=None):
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


def rollback(request, action, *, key=None, user=None):
    """Give back one attempt counted by ``consume`` (e.g. a login that turned out right).

    Lets a flow reserve an attempt *before* the expensive check, so that parallel requests
    cannot all pass a nearly used budget, and return it when the attempt did not count.
    """
    for _rate, cache_key in _keys(request, action, key, user):
        _decrement(cache_key)


def clear(request, action, *, key=None, user=None):
    """Forget the attempts counted for ``key`` (e.g. failed logins after a password reset).

    Per-IP budgets are kept: a reset must not give an attacker's address a fresh budget.
    """
    for rate, cache_key in _keys(request, action, key, user):
        if rate.per != "ip":
            cache.delete(cache_key)
