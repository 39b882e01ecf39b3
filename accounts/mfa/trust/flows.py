"""The "trust this browser" step after the second factor, and revoking every trust.

Signals: ``user_logged_in`` (once the step is answered, through ``perform_login``), then
``browser_trusted`` when the user chose to trust; ``trusted_browsers_revoked``.
"""

from __future__ import annotations

import time

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts.flows.login import (
    PENDING_LOGIN_TIMEOUT,
    PendingLogin,
    perform_login,
    restore_sociallogin,
)
from accounts.mfa.models import TrustRevocation
from accounts.mfa.trust.auth import TRUST_PENDING_SESSION_KEY, set_trust_cookie
from accounts.models import User
from accounts.signals import browser_trusted, trusted_browsers_revoked


def get_trust_pending(request: HttpRequest) -> tuple[User | None, PendingLogin | None]:
    """The login waiting for the trust answer (15 minutes, same password), or ``(None, None)``."""
    data = request.session.get(TRUST_PENDING_SESSION_KEY)
    pending = PendingLogin.deserialize(data) if isinstance(data, dict) else None
    user = None
    if pending is not None and time.time() - pending.at <= PENDING_LOGIN_TIMEOUT:
        user = User.objects.filter(pk=pending.user_id, is_active=True).first()
        if user is not None and not constant_time_compare(
            str(pending.auth_hash), user.get_session_auth_hash()
        ):
            user = None
    if user is None:
        request.session.pop(TRUST_PENDING_SESSION_KEY, None)
        return None, None
    return user, pending


def answer_trust_step(
    request: HttpRequest, *, user: User, pending: PendingLogin, trust: bool
) -> HttpResponse:
    """Finish the login; with ``trust`` the browser gets the trust cookie."""
    request.session.pop(TRUST_PENDING_SESSION_KEY, None)
    response = perform_login(
        request,
        user=user,
        redirect_url=pending.redirect_url,
        remember=pending.remember,
        sociallogin=restore_sociallogin(pending, user),
    )
    if trust:
        set_trust_cookie(request, response, user)
        browser_trusted.send(sender=user.__class__, request=request, user=user)
    return response


def revoke_trusted_browsers(request: HttpRequest, *, user: User) -> None:
    """Every browser the user trusted asks for the second factor again."""
    TrustRevocation.objects.update_or_create(user=user, defaults={"revoked_at": timezone.now()})
    trusted_browsers_revoked.send(sender=user.__class__, request=request, user=user)
