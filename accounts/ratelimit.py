"""Rate limits counted in the Django cache (shared by all workers when it is Redis).

Rates use allauth's notation: ``"10/m/ip,5/300s/key"`` means at most 10 per minute per client
IP and 5 per 300 seconds per key (for login failures the key is the *resolved account*). Time
is bucketed in fixed windows; ``_now`` is the seam tests move.
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
    digest = hashlib.sha256(f"{action}|{rate.per}|{subject}".encode()).hexdigest()[:32]
    window = int(_now() // rate.period)
    return f"rl:{action}:{rate.period}:{digest}:{window}"


def _keys(request, action, key, user):
    for rate in get_rates(action):
        subject = _subject(request, rate, key, user)
        if subject is not None:
            yield rate, _cache_key(action, rate, subject)


def is_limited(request, action, *, key=None, user=None):
    """True when one of the action's budgets is used up. Does not count an attempt."""
    for rate, cache_key in _keys(request, action, key, user):
        if (cache.get(cache_key) or 0) >= rate.amount:
            return True
    return False


def consume(request, action, *, key=None, user=None):
    """Count one attempt; return False (and count nothing more) when a budget is used up."""
    if is_limited(request, action, key=key, user=user):
        return False
    for rate, cache_key in _keys(request, action, key, user):
        if cache.add(cache_key, 1, timeout=rate.period + 1):
            continue
        try:
            cache.incr(cache_key)
        except ValueError:
            cache.set(cache_key, 1, timeout=rate.period + 1)
    return True


def clear(request, action, *, key=None, user=None):
    """Forget the attempts counted for ``key`` (e.g. failed logins after a password reset)."""
    for rate, cache_key in _keys(request, action, key, user):
        if rate.per != "ip":
            cache.delete(cache_key)
