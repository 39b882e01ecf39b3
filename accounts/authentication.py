"""Authentication records: how and when this session's user proved who they are.

The one home of that knowledge. Flows append a record for every step (password, code, key,
reauthentication); reauthentication policy, the activity audit trail and the JSON API read
them through the functions here, never through the session key.

Example records: ``{"method": "password", "at": 1732600000.0, "username": "alice"}``,
``{"method": "totp", "at": ..., "type": "totp", "id": 3, "reauthenticated": True}``.
"""

from __future__ import annotations

import enum
import time
from typing import Any

from django.http import HttpRequest

from accounts import app_settings

AUTHENTICATION_RECORDS_SESSION_KEY = "account_authentication_records"
# Methods that are a second factor (a password or a signup is not).
FACTOR_METHODS = ("totp", "recovery_codes", "webauthn")
_MAX_RECORDS = 10
_LOGOUT_REASON_ATTR = "_account_logout_reason"


class Level(enum.StrEnum):
    """How strong a recent authentication must be."""

    ANY = "any"  # a password, a code or a key
    FACTOR = "factor"  # a second factor (TOTP, recovery code, security key)


def record_authentication(request: HttpRequest, *, method: str, **extra: Any) -> None:
    """Remember in the session that the user just authenticated with ``method``.

    The last record tells receivers of ``user_logged_in`` which method completed the login;
    ``at`` drives reauthentication. Only the last ten are kept.
    """
    records = get_authentication_records(request)[-(_MAX_RECORDS - 1) :]
    records.append({"method": method, "at": time.time(), **extra})
    request.session[AUTHENTICATION_RECORDS_SESSION_KEY] = records


def get_authentication_records(request: HttpRequest) -> list[dict[str, Any]]:
    """This session's records, oldest first (a copy: change them with ``record_authentication``)."""
    session = getattr(request, "session", None)
    if session is None:
        return []
    return list(session.get(AUTHENTICATION_RECORDS_SESSION_KEY) or [])


def last_authenticated_at(request: HttpRequest, *, level: Level = Level.ANY) -> float:
    records = get_authentication_records(request)
    if level == Level.FACTOR:
        records = [r for r in records if r.get("method") in FACTOR_METHODS]
    return max((r.get("at", 0) for r in records), default=0)


def did_recently_authenticate(request: HttpRequest, *, level: Level = Level.ANY) -> bool:
    """True when the user authenticated (at ``level``) within ``ACCOUNT_REAUTHENTICATION_TIMEOUT``."""
    if not request.user.is_authenticated:
        return False
    elapsed = time.time() - last_authenticated_at(request, level=level)
    return elapsed <= app_settings.REAUTHENTICATION_TIMEOUT


def is_signup_login(request: HttpRequest) -> bool:
    """The login that completes a signup: its last authentication record says ``signup``."""
    records = get_authentication_records(request)
    return bool(records and records[-1].get("signup"))


def set_logout_reason(request: HttpRequest, reason: str) -> None:
    """Say why the coming ``logout()`` happens (e.g. ``"session_expired"``), for receivers of
    ``user_logged_out``, which Django sends without a reason."""
    setattr(request, _LOGOUT_REASON_ATTR, reason)


def get_logout_reason(request: HttpRequest | None) -> str:
    """``""`` for a logout the user asked for, else the reason given by ``set_logout_reason``."""
    return getattr(request, _LOGOUT_REASON_ATTR, "") if request is not None else ""
