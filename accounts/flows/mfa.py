"""Second factors: TOTP and recovery codes, the login step that asks for them, and
reauthentication with them. The work, the messages and the signals live here.

Signals (``accounts.signals``, sender ``Authenticator``, kwargs ``request, user,
authenticator``): ``authenticator_added``, ``authenticator_removed``, ``authenticator_reset``,
``authenticator_used`` (+ ``reauthenticated, passwordless``) and ``authentication_failed``
(+ ``reauthentication``); and ``authentication_step_completed`` (sender ``user.__class__``) with
``method="totp"|"recovery_codes", type=..., id=<pk>`` (+ ``reauthenticated=True``).
"""

import logging
import time

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponseRedirect

from accounts import crypto, ratelimit, recovery_codes, totp
from accounts.flows.login import (
    AUTHENTICATION_RECORDS_SESSION_KEY,
    has_second_factor,
    record_authentication,
    resume_pending_login,
)
from accounts.models import Authenticator, User
from accounts.signals import (
    authentication_failed,
    authentication_step_completed,
    authenticator_added,
    authenticator_removed,
    authenticator_reset,
    authenticator_used,
    rate_limited,
)
from accounts.user_sessions import rotate_session

logger = logging.getLogger("accounts.mfa")

PENDING_TOTP_SECRET_SESSION_KEY = "mfa_totp_pending_secret"
FRESH_RECOVERY_CODES_SESSION_KEY = "mfa_recovery_codes_fresh"
# How long freshly generated recovery codes stay downloadable in the session that made them.
FRESH_RECOVERY_CODES_TTL = 10 * 60
FACTOR_METHODS = ("totp", "recovery_codes", "webauthn")
FAILED_ACTION = "mfa_failed"


class IncorrectCode(Exception):
    """The code matched no factor (wrong, expired, already used)."""


class TooManyAttempts(Exception):
    """Too many wrong codes for this account lately; the code was not even checked."""


class AlreadyActive(Exception):
    """The user already has an authenticator app."""


class NothingToProtect(Exception):
    """Recovery codes make sense only next to a second factor."""


def get_authenticator(user, type_):
    return Authenticator.objects.filter(user=user, type=type_).first()


def has_code_factor(user):
    """True when the user can type a code: a TOTP app or recovery codes."""
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
    ).exists()


# --- Activating and deactivating TOTP ------------------------------------------------------


def get_pending_totp_secret(request):
    """The seed being enrolled in this session, made on first use (F1: session-bound).

    It stays the same across reloads until it is proven or the session ends, and is kept
    encrypted in the session like in the database.
    """
    stored = request.session.get(PENDING_TOTP_SECRET_SESSION_KEY)
    if stored:
        try:
            return crypto.decrypt(stored)
        except crypto.DecryptionError:
            pass
    secret = totp.generate_secret()
    request.session[PENDING_TOTP_SECRET_SESSION_KEY] = crypto.encrypt(secret)
    return secret


def activate_totp(request, *, secret, last_step):
    """The user proved the pending seed with the code of ``last_step``: store it.

    Also creates the recovery codes when this is the first second factor. Returns
    ``(authenticator, recovery_codes or None)``. Raises ``AlreadyActive``.
    """
    user = request.user
    with transaction.atomic():
        # Lock the user row: two concurrent activations must not both pass the check.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            raise AlreadyActive
        authenticator = Authenticator.objects.create(
            user=user,
            type=Authenticator.Type.TOTP,
            data=totp.build_data(secret, last_step=last_step),
        )
        authenticator_added.send(
            sender=Authenticator, request=request, user=user, authenticator=authenticator
        )
        _, codes = ensure_recovery_codes(request, user=user)
    request.session.pop(PENDING_TOTP_SECRET_SESSION_KEY, None)
    # The code just proved the factor: for the reauthentication window this counts as
    # having used it, so saving the new recovery codes does not ask for a code again.
    record_authentication(
        request,
        method=authenticator.type,
        type=authenticator.type,
        id=authenticator.pk,
        enrolled=True,
    )
    messages.success(request, "Two-factor authentication with an authenticator app is on.")
    return authenticator, codes


def _delete_keeping_pk(authenticator):
    """Delete the row; the instance keeps its pk (Django clears it) so receivers of
    ``authenticator_removed`` can tell which authenticator went, as for security keys."""
    pk = authenticator.pk
    authenticator.delete()
    authenticator.pk = pk


def deactivate_totp(request):
    """Remove the TOTP factor, and the recovery codes if no other second factor is left."""
    user = request.user
    removed = []
    with transaction.atomic():
        authenticator = get_authenticator(user, Authenticator.Type.TOTP)
        if authenticator is None:
            return removed
        _delete_keeping_pk(authenticator)
        removed.append(authenticator)
        if not has_second_factor(user):
            codes = get_authenticator(user, Authenticator.Type.RECOVERY_CODES)
            if codes is not None:
                _delete_keeping_pk(codes)
                removed.append(codes)
                request.session.pop(FRESH_RECOVERY_CODES_SESSION_KEY, None)
        for item in removed:
            authenticator_removed.send(
                sender=Authenticator, request=request, user=user, authenticator=item
            )
    messages.success(request, "Two-factor authentication with an authenticator app is off.")
    return removed


# --- Recovery codes ------------------------------------------------------------------------


def _remember_fresh_codes(request, authenticator, codes):
    request.session[FRESH_RECOVERY_CODES_SESSION_KEY] = {
        "codes": crypto.encrypt(" ".join(codes)),
        "salt": authenticator.data["salt"],
        "at": time.time(),
    }


def get_fresh_recovery_codes(request, authenticator):
    """The plain codes just generated in this session (for the download), or ``None``.

    Only the current set, and only for ``FRESH_RECOVERY_CODES_TTL`` seconds; afterwards the
    codes exist nowhere in plain text and new ones must be generated.
    """
    fresh = request.session.get(FRESH_RECOVERY_CODES_SESSION_KEY)
    if not fresh or authenticator is None:
        return None
    if fresh.get("salt") != authenticator.data.get("salt"):
        return None
    if time.time() - fresh.get("at", 0) > FRESH_RECOVERY_CODES_TTL:
        return None
    try:
        return crypto.decrypt(fresh["codes"]).split()
    except (crypto.DecryptionError, KeyError):
        return None


def ensure_recovery_codes(request, *, user):
    """Give ``user`` recovery codes if they have none (a first second factor was added).

    Returns ``(authenticator, plain_codes)`` when it made them (and sent
    ``authenticator_added``), ``(authenticator, None)`` when they already existed. The caller
    shows the codes once (``mfa/recovery_codes/generated.html`` with ``codes``); they stay
    downloadable in this session for a few minutes.
    """
    with transaction.atomic():
        existing = get_authenticator(user, Authenticator.Type.RECOVERY_CODES)
        if existing is not None:
            return existing, None
        codes = recovery_codes.generate_codes()
        authenticator = Authenticator.objects.create(
            user=user,
            type=Authenticator.Type.RECOVERY_CODES,
            data=recovery_codes.build_data(codes),
        )
        authenticator_added.send(
            sender=Authenticator, request=request, user=user, authenticator=authenticator
        )
    _remember_fresh_codes(request, authenticator, codes)
    return authenticator, codes


def regenerate_recovery_codes(request):
    """Replace every recovery code with new ones; return ``(authenticator, codes)``.

    Sends ``authenticator_reset`` (or ``authenticator_added`` if the set was missing).
    Raises ``NothingToProtect`` when the user has no second factor.
    """
    user = request.user
    if not has_second_factor(user):
        raise NothingToProtect
    with transaction.atomic():
        authenticator = (
            Authenticator.objects.select_for_update()
            .filter(user=user, type=Authenticator.Type.RECOVERY_CODES)
            .first()
        )
        if authenticator is None:
            authenticator, codes = ensure_recovery_codes(request, user=user)
            return authenticator, codes
        codes = recovery_codes.generate_codes()
        authenticator.data = recovery_codes.build_data(codes)
        authenticator.save(update_fields=["data"])
        authenticator_reset.send(
            sender=Authenticator, request=request, user=user, authenticator=authenticator
        )
    _remember_fresh_codes(request, authenticator, codes)
    messages.success(request, "New recovery codes were generated; the old ones no longer work.")
    return authenticator, codes


# --- Checking a code -----------------------------------------------------------------------


def _accept_code(user, code):
    """The authenticator ``code`` is valid for (now spent), or ``None``."""
    found = None
    factor = get_authenticator(user, Authenticator.Type.TOTP)
    if factor is not None and totp.verify_and_consume(factor, code):
        found = factor
    if found is None:
        factor = get_authenticator(user, Authenticator.Type.RECOVERY_CODES)
        if factor is not None and recovery_codes.use_code(factor, code):
            found = factor
    return found


def _main_code_authenticator(user):
    """The authenticator a failure is reported against: TOTP first, else recovery codes."""
    return get_authenticator(user, Authenticator.Type.TOTP) or get_authenticator(
        user, Authenticator.Type.RECOVERY_CODES
    )


def verify_code(request, *, user, code, reauthentication):
    """Check a TOTP or recovery code of ``user``; return the authenticator it spent.

    At most ``mfa_failed`` wrong codes per account (5 per 5 minutes by default), whatever the
    session or IP: past that the code is not checked and ``TooManyAttempts`` is raised. A
    wrong code is counted, reported with ``authentication_failed``, and raises
    ``IncorrectCode``.
    """
    key = f"user:{user.pk}"
    if ratelimit.is_limited(request, FAILED_ACTION, key=key):
        logger.warning("Second-factor code refused for user %s: too many attempts", user.pk)
        rate_limited.send(sender=None, request=request, action=FAILED_ACTION, user=user)
        raise TooManyAttempts
    authenticator = _accept_code(user, code)
    if authenticator is None:
        ratelimit.consume(request, FAILED_ACTION, key=key)
        main = _main_code_authenticator(user)
        if main is not None:
            authentication_failed.send(
                sender=Authenticator,
                request=request,
                user=user,
                authenticator=main,
                reauthentication=reauthentication,
            )
        raise IncorrectCode
    return authenticator


def _record_factor_step(request, *, user, authenticator, reauthenticated):
    extra = {"type": authenticator.type, "id": authenticator.pk}
    if reauthenticated:
        extra["reauthenticated"] = True
    record_authentication(request, method=authenticator.type, **extra)
    return extra


def _send_factor_signals(request, *, user, authenticator, extra, reauthenticated):
    authentication_step_completed.send(
        sender=user.__class__, request=request, user=user, method=authenticator.type, **extra
    )
    authenticator_used.send(
        sender=Authenticator,
        request=request,
        user=user,
        authenticator=authenticator,
        reauthenticated=reauthenticated,
        passwordless=False,
    )


def _warn_if_few_codes_left(request, authenticator):
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        left = recovery_codes.remaining(authenticator)
        level = messages.WARNING if left <= 3 else messages.INFO
        messages.add_message(request, level, f"You used a recovery code; {left} of them are left.")


def authenticate_login(request, *, user, state, code):
    """The second login step: accept the code, send the step signals, complete the login.

    Raises ``IncorrectCode`` or ``TooManyAttempts`` (the login stays pending).
    """
    authenticator = verify_code(request, user=user, code=code, reauthentication=False)
    extra = _record_factor_step(
        request, user=user, authenticator=authenticator, reauthenticated=False
    )
    _send_factor_signals(
        request, user=user, authenticator=authenticator, extra=extra, reauthenticated=False
    )
    response = resume_pending_login(request, user=user, state=state)
    _warn_if_few_codes_left(request, authenticator)
    return response


def reauthenticate(request, *, code, redirect_url):
    """Reauthentication with a code: record it, rotate the session key, send the signals."""
    user = request.user
    authenticator = verify_code(request, user=user, code=code, reauthentication=True)
    extra = _record_factor_step(
        request, user=user, authenticator=authenticator, reauthenticated=True
    )
    rotate_session(request)
    _send_factor_signals(
        request, user=user, authenticator=authenticator, extra=extra, reauthenticated=True
    )
    _warn_if_few_codes_left(request, authenticator)
    return HttpResponseRedirect(redirect_url)


def did_recently_authenticate_with_factor(request):
    """True when a second factor was used (login or reauthentication) within the window.

    For users with a second factor, changing factors needs proof at that level (F8): a
    recent password alone is not enough.
    """
    records = request.session.get(AUTHENTICATION_RECORDS_SESSION_KEY) or []
    latest = max((r.get("at", 0) for r in records if r.get("method") in FACTOR_METHODS), default=0)
    return time.time() - latest <= settings.ACCOUNT_REAUTHENTICATION_TIMEOUT


def remove_authenticator_by_staff(request, *, authenticator):
    """Staff removed a factor in the admin (e.g. a user lost their phone).

    Sent as ``authenticator_removed`` with the admin's request, so the audit trail names the
    staff member as actor.
    """
    user = authenticator.user
    with transaction.atomic():
        _delete_keeping_pk(authenticator)
        authenticator_removed.send(
            sender=Authenticator, request=request, user=user, authenticator=authenticator
        )
