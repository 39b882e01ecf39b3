"""Recovery codes: made with the first second factor, regenerated on demand, and kept
downloadable for a few minutes in the session that made them."""

from __future__ import annotations

import time

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.adapter import get_adapter as get_account_adapter
from accounts.exceptions import FlowError
from accounts.mfa import crypto
from accounts.mfa.adapter import get_adapter
from accounts.mfa.models import Authenticator
from accounts.mfa.recovery_codes import auth as recovery_codes
from accounts.mfa.utils import get_authenticator, has_second_factor
from accounts.notifications import send_security_notice
from accounts.signals import authenticator_added, authenticator_reset

FRESH_RECOVERY_CODES_SESSION_KEY = "mfa_recovery_codes_fresh"
# How long freshly generated recovery codes stay downloadable in the session that made them.
FRESH_RECOVERY_CODES_TTL = 10 * 60


def _remember_fresh_codes(request: HttpRequest, authenticator: Authenticator, codes) -> None:
    request.session[FRESH_RECOVERY_CODES_SESSION_KEY] = {
        "codes": get_adapter(request).encrypt(" ".join(codes)),
        "salt": authenticator.data["salt"],
        "at": time.time(),
    }


def get_fresh_recovery_codes(request: HttpRequest, authenticator) -> list[str] | None:
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
        return get_adapter(request).decrypt(fresh["codes"]).split()
    except (crypto.DecryptionError, KeyError):
        return None


def ensure_recovery_codes(request: HttpRequest, *, user) -> tuple[Authenticator, list | None]:
    """Give ``user`` recovery codes if they have none (a first second factor was added).

    Returns ``(authenticator, plain_codes)`` when it made them (and sent
    ``authenticator_added``), ``(authenticator, None)`` when they already existed. The caller
    shows the codes once (``mfa/recovery_codes/generated.html`` with ``codes``); they stay
    downloadable in this session for a few minutes.
    """
    with transaction.atomic(savepoint=False):  # nothing in it raises: no savepoint needed
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


def regenerate_recovery_codes(request: HttpRequest) -> tuple[Authenticator, list[str]]:
    """Replace every recovery code with new ones; return ``(authenticator, codes)``.

    Sends ``authenticator_reset`` (or ``authenticator_added`` if the set was missing).
    Raises ``FlowError("no_second_factor")`` when the user has no second factor.
    """
    user = request.user
    if not has_second_factor(user):
        raise FlowError(
            _("Add a second factor first; recovery codes come with it."), code="no_second_factor"
        )
    with transaction.atomic():
        authenticator = (
            Authenticator.objects.select_for_update()
            .filter(user=user, type=Authenticator.Type.RECOVERY_CODES)
            .first()
        )
        if authenticator is None:
            return ensure_recovery_codes(request, user=user)
        codes = recovery_codes.generate_codes()
        authenticator.data = recovery_codes.build_data(codes)
        authenticator.save(update_fields=["data"])
        authenticator_reset.send(
            sender=Authenticator, request=request, user=user, authenticator=authenticator
        )
    _remember_fresh_codes(request, authenticator, codes)
    get_account_adapter(request).add_message(
        request,
        messages.SUCCESS,
        _("New recovery codes were generated; the old ones no longer work."),
    )
    send_security_notice(request, user=user, notice="recovery_codes_generated")
    return authenticator, codes
