"""Security keys and passkeys: adding, renaming, removing, and authenticating with them.

Each function does the writes, sends the signals and the notice mails. A refused WebAuthn
response raises ``WebAuthnError`` (a ``FlowError``) *after* the failure signals were sent
outside any inner transaction, so their receivers' rows are kept. Second-step and
reauthentication assertions spend the account's ``mfa_failed`` budget before they are
checked, like codes.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts.authentication import record_authentication
from accounts.flows.login import (
    PendingLogin,
    clear_pending_login,
    needs_email_verification,
    perform_login,
    resume_pending_login,
    send_verification_instead_of_login,
)
from accounts.flows.login_code import require_login_code
from accounts.mfa.base.flows import (
    delete_and_cleanup,
    post_authentication,
    refund_attempt,
    report_failure,
    reserve_attempt,
)
from accounts.mfa.models import Authenticator
from accounts.mfa.recovery_codes.flows import ensure_recovery_codes
from accounts.mfa.utils import keys_of, validate_can_add_authenticator
from accounts.mfa.webauthn import auth as webauthn
from accounts.mfa.webauthn.auth import WebAuthnError
from accounts.notifications import send_security_notice
from accounts.signals import authenticator_added, suspicious_activity
from accounts.usersessions.store import rotate_session

logger = logging.getLogger(__name__)

WEBAUTHN = Authenticator.Type.WEBAUTHN


def key_name(authenticator: Authenticator) -> str:
    return authenticator.data.get("name") or "Security key"


# --- Managing keys --------------------------------------------------------------------------------


def begin_add_key(request: HttpRequest) -> dict:
    return webauthn.begin_registration(request, user=request.user, existing=keys_of(request.user))


def add_key(
    request: HttpRequest, *, name: str, credential: dict, passwordless: bool
) -> tuple[Authenticator, list[str] | None]:
    """Register a key for ``request.user``; the first second factor also gets recovery codes.

    Returns ``(authenticator, recovery_codes)``; ``recovery_codes`` is the list of new plain
    codes to show once, or ``None``. A credential id already registered (to anyone) is refused,
    and so is any key while an address is unverified (``MFA_ALLOW_UNVERIFIED_EMAIL``).
    """
    user = request.user
    validate_can_add_authenticator(user)
    data = webauthn.complete_registration(
        request, user=user, response=credential, passwordless=passwordless
    )
    duplicate = WebAuthnError(gettext("This key is already registered."), "duplicate")
    if Authenticator.objects.filter(
        type=WEBAUTHN, data__credential_id=data["credential_id"]
    ).exists():
        raise duplicate
    try:
        with transaction.atomic():
            authenticator = Authenticator.objects.create(
                user=user,
                type=WEBAUTHN,
                data={**data, "name": name, "passwordless": bool(passwordless)},
            )
            authenticator_added.send(
                sender=Authenticator, request=request, user=user, authenticator=authenticator
            )
            _codes, recovery_codes = ensure_recovery_codes(request, user=user)
    except IntegrityError as error:  # the same key registered concurrently
        raise duplicate from error
    # Registering proved possession of the key: for the reauthentication window this counts
    # as having used a factor (as activating TOTP does), so the new codes can be downloaded.
    record_authentication(
        request, method=WEBAUTHN, type=WEBAUTHN, id=authenticator.pk, enrolled=True
    )
    _notify(request, user, "account/email/webauthn_added", authenticator)
    return authenticator, recovery_codes


def rename_key(request: HttpRequest, *, authenticator: Authenticator, name: str) -> Authenticator:
    authenticator.data = {**authenticator.data, "name": name}
    authenticator.save(update_fields=["data"])
    return authenticator


def remove_key(request: HttpRequest, *, authenticator: Authenticator) -> None:
    """Remove a key; when no second factor is left, the recovery codes go too.

    The removed instances keep their pk so receivers can tell which row went.
    """
    authenticator.user = request.user
    delete_and_cleanup(request, authenticator)
    _notify(request, request.user, "account/email/webauthn_removed", authenticator)


def _notify(request, user, template_prefix, authenticator):
    send_security_notice(
        request,
        user=user,
        notice=template_prefix.rsplit("/", 1)[-1],
        to=user.email,
        key_name=key_name(authenticator),
    )


# --- Authenticating -------------------------------------------------------------------------------


def begin_passkey_login(request: HttpRequest) -> dict:
    return webauthn.begin_authentication(request, purpose=webauthn.LOGIN)


def begin_second_factor(request: HttpRequest, *, user) -> dict | None:
    """Options for the second login step of ``user``, or ``None`` if they have no key."""
    keys = list(keys_of(user))
    if not keys:
        return None
    return webauthn.begin_authentication(
        request, purpose=webauthn.AUTHENTICATE, user=user, authenticators=keys
    )


def begin_reauthentication(request: HttpRequest) -> dict | None:
    keys = list(keys_of(request.user))
    if not keys:
        return None
    return webauthn.begin_authentication(
        request, purpose=webauthn.REAUTHENTICATE, user=request.user, authenticators=keys
    )


def login_with_passkey(
    request: HttpRequest, *, credential: dict, redirect_url: str, response=None
) -> HttpResponse:
    """Passkey login: no password, user verification required; completes the whole login."""
    try:
        assertion = webauthn.verify_assertion(
            request,
            purpose=webauthn.LOGIN,
            response=credential,
            # Only keys registered as passkeys: a second-factor key never replaces the password.
            candidates=Authenticator.objects.filter(
                type=WEBAUTHN, data__passwordless=True
            ).select_related("user"),
        )
    except WebAuthnError as error:
        if error.authenticator is not None:
            _failed(request, error.authenticator.user, error.authenticator, reauthentication=False)
        raise
    authenticator = assertion.authenticator
    user = authenticator.user
    _advance_sign_count(request, user, assertion, reauthentication=False)
    if not user.is_active:
        return HttpResponseRedirect(reverse("account_inactive"))
    if needs_email_verification(user):
        return send_verification_instead_of_login(request, user)
    clear_pending_login(request)
    post_authentication(request, user=user, authenticator=authenticator, passwordless=True)
    code_step = require_login_code(
        request, user=user, redirect_url=redirect_url, remember=None, method="mfa"
    )
    if code_step is not None:  # ACCOUNT_LOGIN_BY_CODE_REQUIRED for passkey logins too
        return code_step
    return perform_login(request, user=user, redirect_url=redirect_url, response=response)


def authenticate_second_factor(
    request: HttpRequest,
    *,
    user,
    pending: PendingLogin,
    credential: dict | None,
    response=None,
) -> HttpResponse:
    """The second login step with one of ``user``'s keys; finishes the pending login.

    A missing or unreadable answer (``credential`` None) counts as a failed attempt too.
    """
    reserve_attempt(request, user=user)
    if credential is None:
        raise WebAuthnError(
            gettext("Use your key first: your browser did not send its answer."), "none"
        )
    try:
        assertion = webauthn.verify_assertion(
            request,
            purpose=webauthn.AUTHENTICATE,
            response=credential,
            candidates=keys_of(user),
            user=user,
        )
    except WebAuthnError as error:
        _failed(request, user, error.authenticator, reauthentication=False)
        raise
    _advance_sign_count(request, user, assertion, reauthentication=False)
    refund_attempt(request, user=user)
    post_authentication(request, user=user, authenticator=assertion.authenticator)
    return resume_pending_login(request, user=user, pending=pending, response=response)


def reauthenticate_with_key(
    request: HttpRequest, *, credential: dict, redirect_url: str
) -> HttpResponse:
    """Prove again who one is with a key: record it, rotate the session key, send signals.

    Like every second-factor check, the attempt is reserved from the account's ``mfa_failed``
    budget before the assertion is verified (``RateLimited`` past it) and given back when the
    key was right.
    """
    user = request.user
    reserve_attempt(request, user=user)
    try:
        assertion = webauthn.verify_assertion(
            request,
            purpose=webauthn.REAUTHENTICATE,
            response=credential,
            candidates=keys_of(user),
            user=user,
        )
    except WebAuthnError as error:
        _failed(request, user, error.authenticator, reauthentication=True)
        raise
    _advance_sign_count(request, user, assertion, reauthentication=True)
    refund_attempt(request, user=user)
    post_authentication(
        request, user=user, authenticator=assertion.authenticator, reauthenticated=True
    )
    rotate_session(request)
    return HttpResponseRedirect(redirect_url)


def _advance_sign_count(request, user, assertion, *, reauthentication):
    """Store a higher sign count; a count that did not increase may be a cloned key.

    The row is locked so two assertions racing with the same count cannot both pass.
    """
    authenticator = assertion.authenticator
    # No savepoint: a count that went backwards is raised after the block, nothing in it.
    with transaction.atomic(savepoint=False):
        locked = Authenticator.objects.select_for_update().get(pk=authenticator.pk)
        stored = int(locked.data.get("sign_count") or 0)
        accepted = webauthn.sign_count_is_valid(stored, assertion.sign_count)
        if accepted:
            locked.data = {**locked.data, "sign_count": assertion.sign_count}
            locked.last_used_at = timezone.now()
            locked.save(update_fields=["data", "last_used_at"])
            authenticator.data, authenticator.last_used_at = locked.data, locked.last_used_at
    if accepted:
        return
    details = {
        "authenticator_id": authenticator.pk,
        "stored_sign_count": stored,
        "received_sign_count": assertion.sign_count,
    }
    logger.warning("Possible cloned WebAuthn authenticator of user %s: %s", user.pk, details)
    suspicious_activity.send(
        sender=user.__class__,
        request=request,
        user=user,
        reason="webauthn_sign_count",
        details=details,
    )
    _failed(request, user, authenticator, reauthentication=reauthentication)
    raise WebAuthnError(
        gettext("This key's signature counter went backwards; it may have been copied."),
        "sign_count",
        authenticator=authenticator,
    )


def _failed(request, user, authenticator, *, reauthentication):
    report_failure(
        request, user=user, authenticator=authenticator, reauthentication=reauthentication
    )
