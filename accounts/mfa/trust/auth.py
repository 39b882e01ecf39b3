"""Trusted browsers (``MFA_TRUST_ENABLED``, allauth's "trust this browser"): the cookie.

A signed cookie lists ``(fingerprint, issued_at)`` pairs, one per user who trusted this
browser. The fingerprint is a keyed hash of the user's id, password hash and second factors
(ids and types), so changing the password or adding/removing a factor voids every trust;
the user can also revoke all of them (``TrustRevocation``): trusts issued before that time no
longer count. Nothing here sends signals or reads a request's POST: see ``flows``.
"""

from __future__ import annotations

import time

from django.core.signing import BadSignature, Signer
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.mfa import app_settings
from accounts.mfa.models import Authenticator, TrustRevocation

TRUST_PENDING_SESSION_KEY = "mfa_trust_pending"
_SALT = "accounts.mfa.trust"


def is_enabled() -> bool:
    return app_settings.TRUST_ENABLED


def fingerprint(user) -> str:
    parts = [str(user.pk), user.password]
    for pk, type_ in (
        Authenticator.objects.filter(user_id=user.pk).order_by("pk").values_list("pk", "type")
    ):
        parts += [str(pk), type_]
    return salted_hmac(_SALT, "|".join(parts), algorithm="sha256").hexdigest()


def _signer() -> Signer:
    return Signer(salt=_SALT)


def read_cookie(request: HttpRequest) -> list[tuple[str, int]]:
    """The unexpired ``(fingerprint, at)`` pairs of this browser's cookie."""
    value = request.COOKIES.get(app_settings.TRUST_COOKIE_NAME)
    if not value:
        return []
    try:
        data = _signer().unsign_object(value)
        pairs = [(str(fp), int(at)) for fp, at in data]
    except (BadSignature, TypeError, ValueError):
        return []
    now = time.time()
    return [(fp, at) for fp, at in pairs if at + app_settings.TRUST_COOKIE_AGE > now]


def is_trusted_browser(request: HttpRequest, user) -> bool:
    """True when this browser holds a valid trust for ``user`` (never when the feature is
    off, so default logins run no extra query)."""
    if not is_enabled():
        return False
    pairs = read_cookie(request)
    if not pairs:
        return False
    mine = fingerprint(user)
    revocation = TrustRevocation.objects.filter(user_id=user.pk).first()
    revoked_at = revocation.revoked_at.timestamp() if revocation else 0
    return any(constant_time_compare(fp, mine) and at > revoked_at for fp, at in pairs)


def set_trust_cookie(request: HttpRequest, response: HttpResponse, user) -> None:
    pairs = [pair for pair in read_cookie(request) if pair[0] != fingerprint(user)]
    pairs.append((fingerprint(user), int(time.time())))
    response.set_cookie(
        app_settings.TRUST_COOKIE_NAME,
        _signer().sign_object(pairs),
        max_age=app_settings.TRUST_COOKIE_AGE,
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )


def stage_trust_step(request: HttpRequest, pending: dict) -> HttpResponse:
    """The second factor was accepted: keep the login pending and ask whether to trust
    this browser (``mfa_trust``); ``user_logged_in`` waits for that answer."""
    request.session[TRUST_PENDING_SESSION_KEY] = {**pending, "at": time.time()}
    return HttpResponseRedirect(reverse("mfa_trust"))
