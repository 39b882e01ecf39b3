"""What every second factor shares: checking a code, the steps after a factor was used,
removing a factor, and the second login step and reauthentication with a code.

Signals (``accounts.signals``, sender ``Authenticator``, kwargs ``request, user,
authenticator``): ``authenticator_removed``, ``authenticator_used`` (+ ``reauthenticated,
passwordless``) and ``authentication_failed`` (+ ``reauthentication``); and
``authentication_step_completed`` (sender ``user.__class__``) with ``method=<type>,
type=<type>, id=<pk>`` (+ ``passwordless=True``, ``reauthenticated=True``).
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import ratelimit
from accounts.adapter import get_adapter as get_account_adapter
from accounts.authentication import record_authentication
from accounts.exceptions import FlowError
from accounts.flows.login import PendingLogin, resume_pending_login
from accounts.mfa.models import Authenticator
from accounts.mfa.recovery_codes import auth as recovery_codes
from accounts.mfa.recovery_codes.flows import FRESH_RECOVERY_CODES_SESSION_KEY
from accounts.mfa.totp import auth as totp
from accounts.mfa.utils import get_authenticator, has_second_factor
from accounts.signals import (
    authentication_failed,
    authentication_step_completed,
    authenticator_removed,
    authenticator_used,
)
from accounts.usersessions.store import rotate_session

logger = logging.getLogger("accounts.mfa")

FAILED_ACTION = "mfa_failed"
INCORRECT_CODE = _("Incorrect code.")
CODE_ALREADY_USED = _(
    "This code was already used. Wait for your app to show the next code, then enter that one."
)
TOO_MANY_ATTEMPTS = _("Too many wrong codes. Wait a few minutes, then try again.")


def failed_key(user) -> str:
    """The ``mfa_failed`` budget is per account, whatever the session, IP or factor."""
    return f"user:{user.pk}"


def reserve_attempt(request: HttpRequest, *, user) -> None:
    """Spend one second-factor attempt of ``user`` *before* checking it; a right answer
    gives it back (``refund_attempt``). Raises ``RateLimited`` past the budget."""
    ratelimit.consume_or_raise(
        request, FAILED_ACTION, key=failed_key(user), user=user, message=TOO_MANY_ATTEMPTS
    )


def refund_attempt(request: HttpRequest, *, user) -> None:
    ratelimit.rollback(request, FAILED_ACTION, key=failed_key(user))


def report_failure(
    request: HttpRequest, *, user, authenticator: Authenticator | None, reauthentication: bool
) -> None:
    """``authentication_failed`` for a wrong code or a refused key."""
    authentication_failed.send(
        sender=Authenticator,
        request=request,
        user=user,
        authenticator=authenticator,
        reauthentication=reauthentication,
    )


CODE_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES)


def _accept_code(user, code: str) -> tuple[Authenticator | None, Authenticator | None, bool]:
    """``(the authenticator code was valid for, now spent, or None; the authenticator a
    failure is reported against: TOTP first, else recovery codes; whether the code was the
    right TOTP code of an already used step, a replay: still a failure)``.

    One locking SELECT reads both code factors (a TOTP code and a recovery code are checked
    against the rows as they are under the lock, so neither can be spent twice), and at most
    one UPDATE stores the spent code. No savepoint: a wrong code raises nothing, so there is
    nothing to roll back to.
    """
    with transaction.atomic(savepoint=False):
        factors = {
            factor.type: factor
            for factor in Authenticator.objects.select_for_update()
            .filter(user=user, type__in=CODE_TYPES)
            .order_by("pk")
        }
        for factor in factors.values():
            factor.user = user  # receivers of the signals read it: no lazy query
        app = factors.get(Authenticator.Type.TOTP)
        codes = factors.get(Authenticator.Type.RECOVERY_CODES)
        replayed = False
        if app is not None:
            outcome = totp.consume_locked(app, code)
            if outcome == totp.ACCEPTED:
                return app, app, False
            replayed = outcome == totp.REPLAYED
        if codes is not None and recovery_codes.use_code_locked(codes, code):
            return codes, app, False
    return None, app or codes, replayed


def verify_code(request: HttpRequest, *, user, code: str, reauthentication: bool) -> Authenticator:
    """Check a TOTP or recovery code of ``user``; return the authenticator it spent.

    At most ``mfa_failed`` wrong codes per account (5 per 5 minutes by default), whatever the
    session or IP: the attempt is reserved before the code is checked, so past that it is
    not checked at all (``RateLimited``). A wrong code is reported with
    ``authentication_failed`` and raises ``FlowError("incorrect_code")``. The right TOTP code
    of a step already used (typed again within its 30 s, e.g. just after activation) is a
    failure too (counted, reported, same code), but its message says to wait for the next
    code: only someone holding the valid code of the moment is told that.
    """
    try:
        reserve_attempt(request, user=user)
    except FlowError:
        logger.warning("Second-factor code refused for user %s: too many attempts", user.pk)
        raise
    authenticator, main, replayed = _accept_code(user, code)
    if authenticator is None:
        if main is not None:
            report_failure(
                request, user=user, authenticator=main, reauthentication=reauthentication
            )
        message = CODE_ALREADY_USED if replayed else INCORRECT_CODE
        raise FlowError(message, code="incorrect_code", field="code")
    refund_attempt(request, user=user)
    return authenticator


def post_authentication(
    request: HttpRequest,
    *,
    user,
    authenticator: Authenticator,
    reauthenticated: bool = False,
    passwordless: bool = False,
) -> None:
    """A factor was used: record it, then ``authentication_step_completed`` and
    ``authenticator_used``. Every factor type ends its login step or reauthentication here."""
    extra = {"type": authenticator.type, "id": authenticator.pk}
    if passwordless:
        extra["passwordless"] = True
    if reauthenticated:
        extra["reauthenticated"] = True
    record_authentication(request, method=authenticator.type, **extra)
    authentication_step_completed.send(
        sender=user.__class__, request=request, user=user, method=authenticator.type, **extra
    )
    authenticator_used.send(
        sender=Authenticator,
        request=request,
        user=user,
        authenticator=authenticator,
        reauthenticated=reauthenticated,
        passwordless=passwordless,
    )


def _delete_keeping_pk(request: HttpRequest, user, authenticator: Authenticator) -> None:
    """Delete the row and send ``authenticator_removed``; the instance keeps its pk (Django
    clears it) so receivers can tell which authenticator went."""
    pk = authenticator.pk
    authenticator.delete()
    authenticator.pk = pk
    authenticator_removed.send(
        sender=Authenticator, request=request, user=user, authenticator=authenticator
    )


def delete_and_cleanup(request: HttpRequest, authenticator: Authenticator) -> list[Authenticator]:
    """Remove a factor; when no second factor is left the recovery codes go too (they make
    sense only next to one). Returns what was removed."""
    user = authenticator.user
    removed = [authenticator]
    with transaction.atomic():
        _delete_keeping_pk(request, user, authenticator)
        if not has_second_factor(user):
            codes = get_authenticator(user, Authenticator.Type.RECOVERY_CODES)
            if codes is not None:
                _delete_keeping_pk(request, user, codes)
                removed.append(codes)
                request.session.pop(FRESH_RECOVERY_CODES_SESSION_KEY, None)
    return removed


def remove_authenticator_by_staff(request: HttpRequest, *, authenticator: Authenticator) -> None:
    """Staff removed a factor in the admin (e.g. a user lost their phone).

    Sent as ``authenticator_removed`` with the admin's request, so the audit trail names the
    staff member as actor.
    """
    with transaction.atomic():
        _delete_keeping_pk(request, authenticator.user, authenticator)


def _warn_if_few_codes_left(request: HttpRequest, authenticator: Authenticator) -> None:
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        left = recovery_codes.remaining(authenticator)
        level = messages.WARNING if left <= 3 else messages.INFO
        get_account_adapter(request).add_message(
            request,
            level,
            ngettext(
                "You used a recovery code; %(count)d of them is left.",
                "You used a recovery code; %(count)d of them are left.",
                left,
            )
            % {"count": left},
        )


def authenticate_login(
    request: HttpRequest, *, user, pending: PendingLogin, code: str, response=None
) -> HttpResponse:
    """The second login step with a code: accept it, send the step signals, log in.

    Raises ``FlowError`` (``incorrect_code``) or ``RateLimited``; the login stays pending.
    """
    authenticator = verify_code(request, user=user, code=code, reauthentication=False)
    post_authentication(request, user=user, authenticator=authenticator)
    response = resume_pending_login(request, user=user, pending=pending, response=response)
    _warn_if_few_codes_left(request, authenticator)
    return response


def reauthenticate(request: HttpRequest, *, code: str, redirect_url: str) -> HttpResponse:
    """Reauthentication with a code: rotate the session key, record it, send the signals."""
    user = request.user
    authenticator = verify_code(request, user=user, code=code, reauthentication=True)
    rotate_session(request)
    post_authentication(request, user=user, authenticator=authenticator, reauthenticated=True)
    _warn_if_few_codes_left(request, authenticator)
    return HttpResponseRedirect(redirect_url)
