"""Reading invitations (no flow here, so the adapter can ask without an import cycle)."""

from __future__ import annotations

import hashlib

from django.http import HttpRequest

from accounts.models import Invitation

INVITATION_SESSION_KEY = "account_invitation"


def hash_key(key: str) -> str:
    """What is stored of an invitation's key (the key itself only travels in the link)."""
    return hashlib.sha256(key.encode()).hexdigest()


def get_pending_invitation(request: HttpRequest | None) -> Invitation | None:
    """The usable invitation this browser followed, if any."""
    session = getattr(request, "session", None)
    pk = session.get(INVITATION_SESSION_KEY) if session is not None else None
    if not isinstance(pk, int):
        return None
    invitation = Invitation.objects.filter(pk=pk).first()
    return invitation if invitation is not None and invitation.is_usable else None
