"""Lifting rate-limit lockouts (django-axes style), by account and/or by IP address."""

from __future__ import annotations

from django.http import HttpRequest

from accounts import ratelimit
from accounts.models import User
from accounts.signals import lockout_lifted


def lift_lockout(
    request: HttpRequest | None,
    *,
    user: User | None = None,
    ip: str | None = None,
    actor: User | None = None,
) -> list[str]:
    """Forget the attempts counted against ``user`` (their ``user:<pk>`` budgets) and ``ip``,
    so both may try again at once. Sends ``lockout_lifted`` (sender=User; request, user, ip,
    actor, actions) so it is audited with the staff member as actor. Returns the actions
    that were locked."""
    if user is None and not ip:
        raise ValueError("Name an account, an IP address, or both.")
    actions = ratelimit.lift(ip=ip or None, user_id=user.pk if user is not None else None)
    lockout_lifted.send(
        sender=User, request=request, user=user, ip=ip or None, actor=actor, actions=actions
    )
    return actions
