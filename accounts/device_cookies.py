"""Device cookies (OWASP "Slow down online guessing attacks with device cookies").

A per-account lockout alone lets anyone lock the owner out: five wrong passwords from
anywhere and the owner's own logins are refused too, renewable forever. So a browser that
has completed a login for an account gets a *device cookie*: the account's pk and a random
nonce, signed with ``SECRET_KEY`` (it cannot be forged or moved to another account). At the
password step (``accounts.flows.login.login_by_password``):

- a browser with a valid device cookie for the account spends the failed-login budget of
  *that device* (``device:<pk>:<nonce>``, the same small ``login_failed`` key rate), so an
  attacker elsewhere cannot lock it out, and it cannot guess more than that budget itself;
- any other browser spends the account's budget (``user:<pk>``), as before: this is the
  lockout an attacker can cause, and the owner's trusted browsers do not feel it.

The per-IP budget applies to everyone. A completed password reset still clears the account
lockout. Lockouts (the failure that uses up a budget) and unlocks (by a reset) are sent as
``login_locked`` / ``login_unlocked`` and audited by the activity app.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

from accounts import ratelimit
from accounts.signals import login_locked, login_unlocked

DEVICE_COOKIE_NAME = "account_device"
DEVICE_COOKIE_SALT = "accounts.device_cookies"
DEVICE_COOKIE_MAX_AGE = 60 * 60 * 24 * 365
FAILED_ACTION = "login_failed"


def read_device_nonce(request: HttpRequest, user) -> str | None:
    """The nonce of this browser's device cookie if it is valid *for ``user``*, else None."""
    try:
        value = request.get_signed_cookie(
            DEVICE_COOKIE_NAME, salt=DEVICE_COOKIE_SALT, max_age=DEVICE_COOKIE_MAX_AGE
        )
    except (KeyError, signing.BadSignature):
        return None
    pk, _, nonce = value.partition(":")
    if user is None or pk != str(user.pk) or not nonce:
        return None
    return nonce


def issue_device_cookie(request: HttpRequest, response: HttpResponse, *, user) -> None:
    """A login completed in this browser: give it (or renew) the device cookie for ``user``."""
    nonce = read_device_nonce(request, user) or secrets.token_urlsafe(16)
    response.set_signed_cookie(
        DEVICE_COOKIE_NAME,
        f"{user.pk}:{nonce}",
        salt=DEVICE_COOKIE_SALT,
        max_age=DEVICE_COOKIE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def failed_login_key(request: HttpRequest, *, account, login: str) -> tuple[str, str]:
    """``(budget key, scope)`` of a password attempt: ``"device"`` for a trusted browser of
    ``account``, ``"account"`` for any other browser, ``"unknown"`` when no account matches."""
    if account is None:
        return f"login:{login.lower()}", "unknown"
    nonce = read_device_nonce(request, account)
    if nonce is not None:
        return f"device:{account.pk}:{nonce}", "device"
    return f"user:{account.pk}", "account"


def _key_budget() -> int | None:
    amounts = [r.amount for r in ratelimit.get_rates(FAILED_ACTION) if r.per == "key"]
    return min(amounts) if amounts else None


def report_if_locked(request: HttpRequest, *, account, key: str, scope: str) -> None:
    """After a wrong password: when that failure used up the budget, send ``login_locked``
    (once per lockout, not for every refused attempt after it)."""
    budget = _key_budget()
    if account is None or budget is None:
        return
    if ratelimit.count(request, FAILED_ACTION, key=key, per="key") == budget:
        login_locked.send(sender=account.__class__, request=request, user=account, scope=scope)


def unlock_after_reset(request: HttpRequest, *, user) -> None:
    """A completed password reset clears the account lockout; ``login_unlocked`` when there
    was one."""
    budget = _key_budget()
    key = f"user:{user.pk}"
    was_locked = (
        budget is not None and ratelimit.count(request, FAILED_ACTION, key=key, per="key") >= budget
    )
    ratelimit.clear(request, FAILED_ACTION, key=key)
    if was_locked:
        login_unlocked.send(
            sender=user.__class__, request=request, user=user, reason="password_reset"
        )
