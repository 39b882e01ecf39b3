"""Invitations: single-use signup links that open a closed signup for one person.

Staff create one in the admin (``create_invitation``); following the link keeps it in the
session (``open_invitation``), which opens signup for that browser; the signup that uses it
marks it used inside its own transaction (``accept_invitation``), so a link can never create
two accounts, even when two signups race.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import app_settings
from accounts.adapter import get_adapter
from accounts.exceptions import FlowError
from accounts.httpkit import absolute_url
from accounts.invitations import INVITATION_SESSION_KEY, get_pending_invitation, hash_key
from accounts.models import Invitation, User
from accounts.signals import invitation_accepted, invitation_created

__all__ = ["accept_invitation", "create_invitation", "get_pending_invitation", "open_invitation"]

INVITATION_UNUSABLE = _("This invitation has been used or has expired.")


def create_invitation(
    request: HttpRequest, *, email: str = "", note: str = "", invitation: Invitation | None = None
) -> tuple[Invitation, str]:
    """Store a new invitation (expiring after ``ACCOUNT_INVITATION_EXPIRE_DAYS``) and return
    it with its link, which exists only in this answer.

    Sends ``invitation_created`` (sender=Invitation; request, invitation, actor).
    """
    key = secrets.token_urlsafe(32)
    invitation = invitation or Invitation()
    invitation.key_hash = hash_key(key)
    invitation.email = email or invitation.email
    invitation.note = note or invitation.note
    invitation.created_by = request.user if request.user.is_authenticated else None
    invitation.expires_at = timezone.now() + timedelta(days=app_settings.INVITATION_EXPIRE_DAYS)
    invitation.save()
    invitation_created.send(
        sender=Invitation, request=request, invitation=invitation, actor=invitation.created_by
    )
    return invitation, absolute_url(request, reverse("account_invitation", args=[key]))


def open_invitation(request: HttpRequest, *, key: str) -> Invitation:
    """Keep a usable invitation in the session, which opens signup for this browser.

    Raises ``FlowError("invitation_unusable", status=404)`` for an unknown, used or expired key.
    """
    invitation = Invitation.objects.filter(key_hash=hash_key(key)).first()
    if invitation is None or not invitation.is_usable:
        raise FlowError(INVITATION_UNUSABLE, code="invitation_unusable", status=404)
    request.session[INVITATION_SESSION_KEY] = invitation.pk
    return invitation


def accept_invitation(request: HttpRequest, *, user: User) -> Invitation | None:
    """Mark the session's invitation used by the new ``user`` (called by signup in its
    transaction). Nothing to do when signup was open without one.

    A conditional UPDATE claims it, so of two racing signups only one wins; the other gets
    ``FlowError("invitation_unusable")`` and its transaction (the new account) rolls back.
    An invitation for one address refuses any other. Sends ``invitation_accepted``
    (sender=Invitation; request, user, invitation).
    """
    pk = request.session.pop(INVITATION_SESSION_KEY, None)
    if pk is None:
        return None
    now = timezone.now()
    invitation = Invitation.objects.filter(pk=pk).first()
    if (
        invitation is not None
        and invitation.email
        and (invitation.email.lower() != (user.email or "").lower())
    ):
        raise FlowError(
            _("This invitation is for another email address."), code="invitation_other_email"
        )
    claimed = Invitation.objects.filter(pk=pk, used_at__isnull=True, expires_at__gt=now).update(
        used_at=now, used_by=user
    )
    if not claimed:
        if get_adapter(request).is_open_for_signup(request):
            return None  # signup is open without it
        raise FlowError(INVITATION_UNUSABLE, code="invitation_unusable", status=403)
    invitation.used_at, invitation.used_by = now, user
    invitation_accepted.send(sender=Invitation, request=request, user=user, invitation=invitation)
    return invitation
