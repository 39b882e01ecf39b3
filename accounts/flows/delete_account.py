"""Deleting one's account: asked for, a grace period, cancelled by signing in, purged.

``request_account_deletion`` deactivates the account and signs it out everywhere at once;
``purge_deleted_accounts`` (the command, run on a schedule) deletes it once
``ACCOUNT_DELETION_GRACE_DAYS`` have passed. Signing in meanwhile with the right password
offers to cancel (``offer_deletion_cancel`` → ``cancel_account_deletion``), after which the
login goes on as usual (second factor included). Staff can delete at once
(``delete_account_now``). Audit rows survive with their snapshot of username and email.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from accounts import app_settings
from accounts.deletion import (
    CANCEL_SESSION_KEY,
    get_cancel_offer,
    offer_deletion_cancel,
    pending_deletion,
)
from accounts.flows.login import complete_password_step
from accounts.flows.logout import logout_user
from accounts.httpkit import absolute_url
from accounts.models import AccountDeletion, User
from accounts.notifications import send_security_notice
from accounts.signals import (
    account_deleted,
    account_deletion_cancelled,
    account_deletion_requested,
    sessions_ended,
)
from accounts.usersessions.store import end_sessions

__all__ = [
    "cancel_account_deletion",
    "delete_account_now",
    "get_cancel_offer",
    "offer_deletion_cancel",
    "pending_deletion",
    "purge_deleted_accounts",
    "request_account_deletion",
]


@transaction.atomic
def request_account_deletion(request: HttpRequest, *, user: User) -> AccountDeletion:
    """Deactivate ``user``, end all their sessions (this one too), schedule the purge.

    Sends ``account_deletion_requested`` (sender=user.__class__; request, user,
    purge_after), ``sessions_ended`` for the other sessions, then ``user_logged_out``; mails
    a notice saying how to cancel.
    """
    purge_after = timezone.now() + timedelta(days=app_settings.DELETION_GRACE_DAYS)
    deletion, _ = AccountDeletion.objects.update_or_create(
        user=user, defaults={"requested_at": timezone.now(), "purge_after": purge_after}
    )
    user.is_active = False
    user.save(update_fields=["is_active"])
    account_deletion_requested.send(
        sender=user.__class__, request=request, user=user, purge_after=purge_after
    )
    ended = end_sessions(user, keep_session_key=request.session.session_key)
    if ended:
        sessions_ended.send(
            sender=user.__class__,
            request=request,
            user=user,
            actor=user,
            count=ended,
            scope="others",
        )
    send_security_notice(
        request,
        user=user,
        notice="account_deletion_requested",
        purge_after=purge_after,
        login_url=absolute_url(request, reverse("account_login")),
    )
    logout_user(request)
    return deletion


@transaction.atomic
def cancel_account_deletion(request: HttpRequest, *, user: User, offer: dict) -> HttpResponse:
    """Reactivate ``user`` and drop the scheduled purge; then finish the login the password
    step began (a second factor is still asked for). Sends ``account_deletion_cancelled``
    (sender=user.__class__; request, user)."""
    request.session.pop(CANCEL_SESSION_KEY, None)
    AccountDeletion.objects.filter(user=user).delete()
    user.is_active = True
    user.save(update_fields=["is_active"])
    account_deletion_cancelled.send(sender=user.__class__, request=request, user=user)
    return complete_password_step(
        request,
        user=user,
        login=offer["login"],
        redirect_url=offer["redirect_url"],
        remember=offer["remember"],
    )


@transaction.atomic
def delete_account_now(request: HttpRequest | None, *, user: User, actor: User | None) -> None:
    """Delete ``user`` for good: ``account_deleted`` (sender=user.__class__; request, user,
    actor) first, so receivers still see the row; sessions, addresses, factors, devices and
    session records go with it; audit rows keep their snapshot and lose the link."""
    account_deleted.send(sender=user.__class__, request=request, user=user, actor=actor)
    end_sessions(user)
    user.delete()


def purge_deleted_accounts(*, now=None) -> int:
    """Delete every account whose grace period is over (each in its own transaction).
    Returns how many were deleted."""
    now = now or timezone.now()
    count = 0
    due = AccountDeletion.objects.filter(purge_after__lte=now, user__is_active=False)
    for deletion in due.select_related("user").order_by("purge_after"):
        delete_account_now(None, user=deletion.user, actor=None)
        count += 1
    return count
