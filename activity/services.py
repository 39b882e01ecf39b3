"""Writes of the activity app: one function per kind of row, keyword-only arguments.

They run inside the caller's transaction (the request's, under ``ATOMIC_REQUESTS``): if a
write fails, the flow that sent the signal fails with it and nothing half-done is committed.
``request`` may be ``None`` (a signal sent from a command); the row then has no IP or agent.
"""

import hashlib
import re
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.urls import Resolver404, resolve
from django.utils import timezone

from accounts.authentication import get_authentication_records, get_logout_reason
from accounts.httpkit import get_client_ip, get_user_agent
from activity import app_settings
from activity.models import LoginLog, MFALog, SecurityLog, UserProfile

LOG_MODELS = (LoginLog, SecurityLog, MFALog)

# Where the method of the last authentication record (accounts.authentication) maps in LoginLog.
_LOGIN_METHODS = {
    "password": LoginLog.Method.PASSWORD,
    "totp": LoginLog.Method.TOTP,
    "recovery_codes": LoginLog.Method.RECOVERY_CODES,
    "webauthn": LoginLog.Method.WEBAUTHN,
    "socialaccount": LoginLog.Method.SOCIALACCOUNT,
    "code": LoginLog.Method.CODE,
}
REFERRAL_SESSION_KEY = "referral"

# --- Redaction: no key, code, token or password ever reaches a row ---------------------------
# The audit trail is read by staff and shown to users: it must not hand out what would let
# its reader act as the user. Everything a row takes from the request or a signal goes
# through these on its way in.
REDACTED = "[redacted]"
# URL arguments that carry a secret (the confirm-email key, a reset key); "set-password" is
# the reset view's key-free placeholder, not a secret.
SECRET_URL_ARGUMENTS = frozenset({"key", "token", "code"})
PUBLIC_URL_VALUES = frozenset({"set-password"})
# Keys of ``extra`` (at any depth) whose values are never stored.
SECRET_EXTRA_KEY_RE = re.compile(
    r"(^|_)(key|keys|token|tokens|code|codes|password|passwords|secret|otp|credential)($|_)",
    re.I,
)
# What looks like a token wherever it turns up (a path no URL pattern matches, a user agent
# an attacker wrote): 20+ URL-safe characters mixing letters and digits.
TOKEN_RE = re.compile(r"[A-Za-z0-9_:~-]{20,}")


def _redact_token(match):
    text = match.group(0)
    looks_random = any(c.isdigit() for c in text) and any(c.isalpha() for c in text)
    return REDACTED if looks_random else text


def redact_path(path):
    """``path`` with the secret arguments of its URL pattern (and anything token-like)
    replaced by ``[redacted]``."""
    try:
        match = resolve(path)
    except Resolver404:
        match = None
    if match is not None:
        for name, value in match.kwargs.items():
            if name in SECRET_URL_ARGUMENTS and value and str(value) not in PUBLIC_URL_VALUES:
                path = path.replace(str(value), REDACTED)
    return TOKEN_RE.sub(_redact_token, path)


def redact_text(text):
    return TOKEN_RE.sub(_redact_token, text or "")


def redact_extra(value):
    """``extra`` with the value of every secret-named key replaced, at any depth."""
    if isinstance(value, dict):
        return {
            key: REDACTED
            if isinstance(key, str) and SECRET_EXTRA_KEY_RE.search(key)
            else redact_extra(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_extra(item) for item in value]
    return value


def _request_fields(request):
    """IP, agent, path and session hash of ``request`` (all empty without one), redacted."""
    if request is None:
        return {}
    session = getattr(request, "session", None)
    session_key = getattr(session, "session_key", None) or ""
    return {
        "ip_address": get_client_ip(request),
        "user_agent": redact_text(get_user_agent(request))[:300],
        "path": redact_path(getattr(request, "path", "") or "")[:200],
        "session_hash": hashlib.sha256(session_key.encode()).hexdigest() if session_key else "",
    }


def _user_fields(user):
    if user is None or not getattr(user, "is_authenticated", False):  # None or AnonymousUser
        return {"user": None}
    # The raw username (none for an email-only account), not get_username()'s display name.
    username = getattr(user, "username", None) or ""
    return {"user": user, "username": username[:150], "email": (user.email or "")[:254]}


def _acting_user(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def login_method_from_session(request):
    """The method that completed the login, from the last authentication record.

    ``{"method": "webauthn", "passwordless": True}`` is a passkey login; any other record
    maps by its method name (``password``, ``totp``, ``recovery_codes``, ``webauthn``).
    """
    records = get_authentication_records(request) if request is not None else []
    records = [r for r in records if r.get("method") != "trusted_browser"]
    if not records:
        return ""
    last = records[-1]
    if last.get("method") == "webauthn" and last.get("passwordless"):
        return LoginLog.Method.PASSKEY
    return _LOGIN_METHODS.get(last.get("method"), "")


def login_extra_from_session(request):
    """``{"mfa_skipped": "trusted_browser"}`` when a trusted browser skipped the second
    factor of this login (the last authentication record says so), else ``{}``."""
    records = get_authentication_records(request) if request is not None else []
    if records and records[-1].get("method") == "trusted_browser":
        return {"mfa_skipped": "trusted_browser"}
    return {}


def logout_reason(request):
    """``""`` for a logout the user asked for, ``"session_expired"`` when the session's idle
    or absolute timeout ended it (as ``accounts.authentication`` reports)."""
    return get_logout_reason(request)


def login_log_create(*, request, event, user=None, username="", method="", reason="", extra=None):
    fields = {**_request_fields(request), **_user_fields(user)}
    if username:
        fields["username"] = username[:150]
    return LoginLog.objects.create(
        event=event, method=method, reason=reason, extra=redact_extra(extra or {}), **fields
    )


def security_log_create(*, request, event, user=None, actor=None, extra=None):
    """``actor`` defaults to the logged-in user of ``request`` (none for anonymous requests)."""
    actor = actor if actor is not None else _acting_user(request)
    return SecurityLog.objects.create(
        event=event,
        actor=actor,
        extra=redact_extra(extra or {}),
        **_request_fields(request),
        **_user_fields(user),
    )


def mfa_log_create(
    *, request, event, user, authenticator=None, reauthentication=False, passwordless=False
):
    return MFALog.objects.create(
        event=event,
        method=getattr(authenticator, "type", "") or "",
        authenticator_id=getattr(authenticator, "pk", None),
        reauthentication=bool(reauthentication),
        passwordless=bool(passwordless),
        **_request_fields(request),
        **_user_fields(user),
    )


def profile_ensure(*, user, new_user=False):
    """The user's profile, created if missing.

    ``new_user``: the user row was just inserted, so no profile can exist yet; a plain INSERT
    spares the lookup (and the savepoints) of ``get_or_create``.
    """
    if new_user:
        return UserProfile.objects.create(user=user)
    profile, _ = UserProfile.objects.get_or_create(user=user)
    return profile


def profile_record_signup(*, user, request):
    """Keep where the account was created from, and the ``?ref=`` seen before signup."""
    session = getattr(request, "session", None)
    referral = (session.get(REFERRAL_SESSION_KEY) if session is not None else None) or ""
    values = {
        "signup_ip": get_client_ip(request) if request is not None else None,
        "referral": str(referral)[:64],
    }
    # The post_save receiver has created the profile already: one UPDATE, no re-read.
    if not UserProfile.objects.filter(user=user).update(**values):
        profile_ensure(user=user)
        UserProfile.objects.filter(user=user).update(**values)


def profile_record_login(*, user, request):
    """Count the login with ``F()`` so concurrent logins never lose an increment."""
    values = {
        "login_count": F("login_count") + 1,
        "last_login_ip": get_client_ip(request) if request is not None else None,
        "last_login_at": timezone.now(),
    }
    if not UserProfile.objects.filter(user=user).update(**values):
        profile_ensure(user=user)
        UserProfile.objects.filter(user=user).update(**values)


def profile_start_trial_on_confirmation(*, email_address):
    """Start the trial the first time a primary address is confirmed (if the setting says so).

    Returns True when a trial was started.
    """
    if not app_settings.TRIAL_ON_EMAIL_CONFIRMED:
        return False
    if not email_address.primary:
        return False
    profile = profile_ensure(user=email_address.user)
    if profile.trial_started_at is not None:
        return False
    profile.activate_trial(days=app_settings.TRIAL_DAYS)
    return True


def activity_prune(*, older_than_days, batch_size=1000):
    """Delete log rows older than ``older_than_days`` in batches; record that it happened.

    Each batch is its own transaction, so a long prune never holds locks on the whole table.
    Returns ``{"LoginLog": n, ...}``.
    """
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted = {}
    for model in LOG_MODELS:
        total = 0
        manager = model._base_manager
        while True:
            with transaction.atomic():
                batch = list(
                    manager.filter(created_at__lt=cutoff)
                    .order_by("created_at")
                    .values_list("pk", flat=True)[:batch_size]
                )
                if not batch:
                    break
                manager.filter(pk__in=batch).delete()
            total += len(batch)
        deleted[model.__name__] = total
    security_log_create(
        request=None,
        event=SecurityLog.Event.ACTIVITY_PRUNED,
        extra={"older_than_days": older_than_days, "cutoff": cutoff, "deleted": deleted},
    )
    return deleted
