"""The 401 flows of the code, trust and passkey-signup features (allauth's ids).

``base.pending_flows`` asks here which of these an anonymous session may start
(``login_by_code``, ``mfa_signup_webauthn``) and which one it is in the middle of
(``login_by_code``, ``verify_email``, ``password_reset_by_code``, ``mfa_trust``,
``mfa_signup_webauthn``). Every test reads the session first, so a session in none of these
flows costs no query (the query pins of the other endpoints hold).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts import app_settings as account_settings
from accounts.flows import email_code, login_code, password_reset_by_code
from accounts.flows.signup_by_passkey import PASSKEY_SIGNUP_SESSION_KEY, get_passkey_signup_user
from accounts.mfa.switches import passkey_signup_enabled
from accounts.mfa.trust.auth import TRUST_PENDING_SESSION_KEY
from accounts.mfa.trust.auth import is_enabled as trust_enabled
from accounts.mfa.trust.flows import get_trust_pending

LoginProcess = login_code.LoginCodeVerificationProcess
EmailProcess = email_code.EmailVerificationCodeProcess
ResetProcess = password_reset_by_code.PasswordResetCodeProcess


def _has(request: HttpRequest, key: str) -> bool:
    return key in request.session


def startable_flows(request: HttpRequest, *, open_for_signup: bool) -> list[dict[str, Any]]:
    flows: list[dict[str, Any]] = []
    if account_settings.LOGIN_BY_CODE_ENABLED:
        flows.append({"id": "login_by_code"})
    if open_for_signup and passkey_signup_enabled():
        flows.append({"id": "mfa_signup_webauthn"})
    return flows


def pending_flow(request: HttpRequest) -> dict[str, Any] | None:
    """The code/trust/passkey-signup step this anonymous session is in, if any."""
    if trust_enabled() and _has(request, TRUST_PENDING_SESSION_KEY):
        user, _pending = get_trust_pending(request)
        if user is not None:
            return {"id": "mfa_trust", "is_pending": True}
    if (
        _has(request, LoginProcess.session_key)
        and login_code.is_reachable()
        and LoginProcess.pending(request) is not None
    ):
        return {"id": "login_by_code", "is_pending": True}
    if (
        _has(request, PASSKEY_SIGNUP_SESSION_KEY)
        and passkey_signup_enabled()
        and get_passkey_signup_user(request) is not None
    ):
        return {"id": "mfa_signup_webauthn", "is_pending": True}
    if (
        _has(request, EmailProcess.session_key)
        and email_code.is_enabled()
        and EmailProcess.pending(request) is not None
    ):
        return {"id": "verify_email", "is_pending": True}
    reset_started = _has(request, ResetProcess.session_key) or _has(
        request, password_reset_by_code.CONFIRMED_SESSION_KEY
    )
    if (
        reset_started
        and password_reset_by_code.is_enabled()
        and (
            ResetProcess.pending(request) is not None
            or password_reset_by_code.get_confirmed_user(request) is not None
        )
    ):
        return {"id": "password_reset_by_code", "is_pending": True}
    return None
