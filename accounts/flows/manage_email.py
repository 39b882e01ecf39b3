"""Managing a user's email addresses and confirming them: the writes, the signals, the mails.

Business refusals (removing the primary, making an unverified address primary) are raised as
``FlowError``; a veto by an ``_add_email`` receiver as the ``ValidationError`` it raised; an
exhausted budget as ``RateLimited`` after ``rate_limited`` was sent. Mails go out last, after
the writes and the signals; notices never fail the flow they report on.
"""

from __future__ import annotations

import enum

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from accounts import app_settings, ratelimit
from accounts.adapter import get_adapter
from accounts.email_confirmation import EmailConfirmation
from accounts.exceptions import FlowError
from accounts.flows.address_owner import mail_address
from accounts.flows.change_email import complete_email_change, drop_pending_change
from accounts.flows.email_verification import cooldown_minutes
from accounts.models import EmailAddress, User
from accounts.notifications import send_security_notice
from accounts.signals import (
    _add_email,
    email_added,
    email_changed,
    email_confirmed,
    email_removed,
)


class Verification(enum.StrEnum):
    """What confirming an address came to."""

    CONFIRMED = "confirmed"
    ALREADY_VERIFIED = "already_verified"
    TAKEN = "taken"
    GONE = "gone"


TAKEN_MESSAGE = _lazy(
    "%(email)s is already verified by another account, so it cannot be confirmed for this one."
)


def wait_message(email: str) -> str:
    minutes = cooldown_minutes()
    return ngettext(
        "A confirmation mail was sent to %(email)s a moment ago. Check your inbox (and spam "
        "folder), or wait %(minutes)d minute before asking for another.",
        "A confirmation mail was sent to %(email)s a moment ago. Check your inbox (and spam "
        "folder), or wait %(minutes)d minutes before asking for another.",
        minutes,
    ) % {"email": email, "minutes": minutes}


def verified_elsewhere(email_address: EmailAddress) -> bool:
    """True when another account already owns this address as a verified one.

    ``verify_address``'s locking read has already answered (``taken``): no second query.
    """
    taken = getattr(email_address, "taken", None)
    if taken is not None:
        return taken
    return (
        EmailAddress.objects.matching(email_address.email)
        .filter(verified=True)
        .exclude(user_id=email_address.user_id)
        .exists()
    )


def _send_verification(request, email_address):
    """Mail a confirmation link; False when the per-address cooldown refuses it.

    An address verified by another account gets its owner a notice instead ("someone tried
    to add your address"), and the user sees the same answer, cooldown, messages and audit
    rows, so nothing reveals that the address is someone else's (``address_owner``).
    """
    return mail_address(request, email_address=email_address, signup=False)


def _primary_of(user):
    return EmailAddress.objects.filter(user=user, primary=True).first()


def _notify(request, template, to, **context):
    """A security notice about the account's addresses (when, IP and browser are added)."""
    user = context.pop("user")
    send_security_notice(request, user=user, notice=template, to=to, **context)


def _message(request, level, text):
    get_adapter(request).add_message(request, level, text)


@transaction.atomic
def add_email(request: HttpRequest, *, user: User, email: str) -> EmailAddress:
    """Add an unverified address and mail its confirmation link.

    At most ``ACCOUNT_MAX_EMAIL_ADDRESSES``, exact under concurrency (the user's row is locked
    while counting). Signals, in order: ``_add_email`` (a receiver may veto with
    ``ValidationError``; nothing is saved), ``email_confirmation_sent`` (when the mail went
    out), ``email_added``. The primary address then gets a notice.
    """
    ratelimit.consume_or_raise(
        request,
        "manage_email",
        user=user,
        message=_("You have changed your addresses too often. Wait a minute, then try again."),
    )
    _add_email.send(sender=user.__class__, email=email, user=user)
    # The form counted the addresses already, but concurrent adds would all pass that count:
    # lock the user's row, then count again, so the limit is exact. Two statements: on
    # PostgreSQL (READ COMMITTED) a count inside the locking SELECT is taken from the snapshot
    # of before the lock wait, so it would miss the address the lock holder just committed.
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()
    count = EmailAddress.objects.filter(user_id=user.pk).count()
    drop_pending_change(user=user)  # ACCOUNT_CHANGE_EMAIL: the newest change wins
    limit = app_settings.MAX_EMAIL_ADDRESSES
    # ACCOUNT_CHANGE_EMAIL: one address plus one pending change (dropped just above).
    if (count or 0) >= limit and not app_settings.CHANGE_EMAIL:
        raise FlowError(
            ngettext(
                "You can have at most %(max)d email address. Remove one first.",
                "You can have at most %(max)d email addresses. Remove one first.",
                limit,
            )
            % {"max": limit},
            code="too_many",
            field="email",
        )
    try:
        # No savepoint of its own: a duplicate raises FlowError at once (no query between),
        # and leaving this flow's atomic block with it rolls back to the flow's savepoint.
        address = EmailAddress.objects.create(user=user, email=email)
    except IntegrityError:
        # The same address was added a moment ago (another tab): unique per user.
        raise FlowError(
            _("This address is already on your account."), code="duplicate", field="email"
        ) from None
    sent = _send_verification(request, address)
    email_added.send(sender=EmailAddress, request=request, user=user, email_address=address)
    if sent:
        _message(
            request,
            messages.SUCCESS,
            _("Confirmation email sent to %(email)s.") % {"email": address.email},
        )
    else:
        _message(
            request,
            messages.WARNING,
            _("%(email)s was added. %(wait)s")
            % {"email": address.email, "wait": wait_message(address.email)},
        )
    primary = _primary_of(user)
    if primary is not None:
        _notify(request, "email_added", primary.email, user=user, email=address.email)
    return address


@transaction.atomic
def remove_email(request: HttpRequest, *, user: User, email_address: EmailAddress) -> None:
    """Remove one of the user's addresses; never the primary while others remain.

    The only address (the primary) may go only when ``ACCOUNT_ALLOW_REMOVING_LAST_EMAIL``
    says so; ``user.email`` is then emptied. The primary (or, if it was the one removed, the
    removed address itself) gets a notice.
    """
    if email_address.primary:
        others = EmailAddress.objects.filter(user=user).exclude(pk=email_address.pk).exists()
        if others:
            raise FlowError(
                _("You cannot remove your primary address. Make another address primary first."),
                code="primary",
                field="email",
            )
        if not app_settings.ALLOW_REMOVING_LAST_EMAIL:
            raise FlowError(
                _("You cannot remove your only email address. Add another one first."),
                code="last",
                field="email",
            )
    was_primary, removed = email_address.primary, email_address.email
    email_address.delete()
    if was_primary:
        user.email = ""
        user.save(update_fields=["email"])
    email_removed.send(sender=EmailAddress, request=request, user=user, email_address=email_address)
    _message(request, messages.SUCCESS, _("Removed %(email)s.") % {"email": removed})
    primary = _primary_of(user)
    _notify(
        request, "email_removed", primary.email if primary else removed, user=user, email=removed
    )


@transaction.atomic
def mark_primary(request: HttpRequest, *, user: User, email_address: EmailAddress) -> None:
    """Make a verified address the primary one and mirror it in ``user.email``.

    ``email_changed`` is sent (and the old primary gets a notice) only when there was a
    previous primary. The user's row is locked so that two concurrent requests cannot both
    swap the primary (one primary per user is also a database constraint).
    """
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()
    # The chosen address and the current primary, as they are under the lock: one query.
    rows = EmailAddress.objects.filter(Q(pk=email_address.pk) | Q(primary=True), user=user)
    rows = {row.pk: row for row in rows}
    address = rows.get(email_address.pk)
    old = next((row for row in rows.values() if row.primary), None)
    if address is None:
        raise FlowError(
            _("That is not one of your email addresses."), code="invalid_choice", field="email"
        )
    if not address.verified:
        raise FlowError(
            _("Only a verified address can be primary. Confirm it first (check your inbox)."),
            code="unverified",
            field="email",
        )
    if old is not None and old.pk == address.pk:
        _message(
            request,
            messages.INFO,
            _("%(email)s is already your primary address.") % {"email": address.email},
        )
        return
    if old is not None:
        old.primary = False
        old.save(update_fields=["primary"])
    address.primary = True
    address.save(update_fields=["primary"])
    user.email = address.email
    user.save(update_fields=["email"])
    if old is not None:
        email_changed.send(
            sender=EmailAddress,
            request=request,
            user=user,
            from_email_address=old,
            to_email_address=address,
        )
    _message(
        request,
        messages.SUCCESS,
        _("%(email)s is now your primary address.") % {"email": address.email},
    )
    if old is not None:
        _notify(
            request,
            "email_changed",
            old.email,
            user=user,
            from_email=old.email,
            to_email=address.email,
        )


def resend_verification(request: HttpRequest, *, user: User, email_address: EmailAddress) -> None:
    """Mail the confirmation link again, at most once per address per cooldown."""
    if email_address.user_id == user.pk:
        email_address.user = user  # the mail names the user: no lazy query for it
    if email_address.verified:
        _message(
            request,
            messages.INFO,
            _("%(email)s is already verified.") % {"email": email_address.email},
        )
        return
    if not _send_verification(request, email_address):
        ratelimit.refuse(
            request, "confirm_email", user=user, message=wait_message(email_address.email)
        )
    _message(
        request,
        messages.SUCCESS,
        _("Confirmation email sent to %(email)s.") % {"email": email_address.email},
    )


# No savepoint of its own: it raises nothing the caller would catch (a lost race ends in the
# inner savepoint below), so one would only cost two queries inside the request's transaction.
@transaction.atomic(savepoint=False)
def verify_address(request: HttpRequest, *, email_address: EmailAddress) -> Verification:
    """Mark the address verified and send ``email_confirmed``; return a ``Verification``.

    Verifying twice is a no-op. An address verified by another account is refused: the check
    below catches the usual case and the database's "one verified owner per address"
    constraint the concurrent one (inside a savepoint, so the request can still answer). An
    account's first verified address becomes its primary when it has none.
    """
    # One locking read answers the three questions below (is it still there, verified by
    # another account, has its account a primary?).
    held_elsewhere = (
        EmailAddress.objects.matching(email_address.email)
        .filter(verified=True)
        .exclude(user_id=OuterRef("user_id"))
    )
    address = (
        EmailAddress.objects.select_for_update()
        .select_related("user")
        .annotate(
            taken=Exists(held_elsewhere),
            has_primary=Exists(EmailAddress.objects.filter(user=OuterRef("user_id"), primary=True)),
        )
        .filter(pk=email_address.pk, email=email_address.email)
        .first()
    )
    if address is None:
        return Verification.GONE
    if address.verified:
        return Verification.ALREADY_VERIFIED
    if verified_elsewhere(address):
        return Verification.TAKEN
    address.verified = True
    try:
        with transaction.atomic():
            address.save(update_fields=["verified"])
    except IntegrityError:
        return Verification.TAKEN
    user = address.user
    if complete_email_change(request, address=address):  # ACCOUNT_CHANGE_EMAIL
        pass
    elif not address.has_primary:
        try:
            with transaction.atomic():
                address.primary = True
                address.save(update_fields=["primary"])
                user.email = address.email
                user.save(update_fields=["email"])
        except IntegrityError:
            address.primary = False  # another request made a primary meanwhile: keep theirs
    email_confirmed.send(sender=EmailAddress, request=request, email_address=address)
    email_address.verified, email_address.primary = address.verified, address.primary
    return Verification.CONFIRMED


def confirm_email(request: HttpRequest, *, confirmation: EmailConfirmation) -> Verification:
    """The emailed link was confirmed by POST: verify the address and say how it went.

    Nobody is logged in by this (email is not an authentication factor).
    """
    email = confirmation.email_address.email
    result = verify_address(request, email_address=confirmation.email_address)
    if result == Verification.CONFIRMED:
        _message(request, messages.SUCCESS, _("You have confirmed %(email)s.") % {"email": email})
    elif result == Verification.ALREADY_VERIFIED:
        _message(request, messages.INFO, _("%(email)s was already confirmed.") % {"email": email})
    elif result == Verification.TAKEN:
        _message(request, messages.ERROR, TAKEN_MESSAGE % {"email": email})
    return result
