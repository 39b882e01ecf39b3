"""A user's sessions: listing them, and ending them (by the user or by staff).

Each end is announced with ``sessions_ended`` (the activity app writes a ``SecurityLog`` row).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.devices import describe_user_agent
from accounts.signals import sessions_ended
from accounts.usersessions.models import UserSession
from accounts.usersessions.store import alive_records, end_sessions, session_store, surely_ended


def list_active_sessions(request: HttpRequest) -> list[UserSession]:
    """The user's live sessions, the current one first, with ``device``, ``is_current`` and
    ``seen_just_now``.

    Records whose session has ended (expired, timed out, flushed) are pruned on the way, so
    the list only ever shows sessions that could still make a request.
    """
    current_key = request.session.session_key
    a_minute_ago = timezone.now() - timedelta(minutes=1)
    records = list(UserSession.objects.filter(user=request.user).order_by("-last_seen_at", "-pk"))
    for record in records:
        record.user = request.user
        record.is_current = record.session_key == current_key
    # One read of the session store for all of them (not one per row).
    alive = alive_records([record for record in records if not record.is_current])
    active, ended = [], []
    for record in records:
        if record.is_current or record.pk in alive:
            record.device = describe_user_agent(record.user_agent)
            record.seen_just_now = record.last_seen_at > a_minute_ago
            active.append(record)
        else:
            ended.append(record.pk)
    if ended:
        UserSession.objects.filter(pk__in=ended).delete()
    active.sort(key=lambda r: not r.is_current)
    return active


def prune_session_records(*, chunk_size: int = 500) -> int:
    """Delete every record whose session has ended; return how many (for a periodic job).

    First by date in one query, then by looking each remaining session up in the store.
    """
    pruned, _ = UserSession.objects.filter(surely_ended()).delete()
    ended = []
    records = UserSession.objects.select_related("user").order_by("pk")
    chunk = []
    for record in records.iterator(chunk_size=chunk_size):
        chunk.append(record)
        if len(chunk) == chunk_size:
            alive = alive_records(chunk)
            ended.extend(record.pk for record in chunk if record.pk not in alive)
            chunk = []
    if chunk:
        alive = alive_records(chunk)
        ended.extend(record.pk for record in chunk if record.pk not in alive)
    for start in range(0, len(ended), chunk_size):
        count, _ = UserSession.objects.filter(pk__in=ended[start : start + chunk_size]).delete()
        pruned += count
    return pruned


def _announce(request, *, user, actor, count, scope):
    sessions_ended.send(
        sender=user.__class__, request=request, user=user, actor=actor, count=count, scope=scope
    )


@transaction.atomic
def end_session(request: HttpRequest, *, record: UserSession, actor=None) -> int:
    """End the one session of ``record`` (its owner or staff is ``actor``)."""
    user = record.user
    session_store(record.session_key).delete(record.session_key)
    UserSession.objects.filter(pk=record.pk).delete()
    _announce(request, user=user, actor=actor or request.user, count=1, scope="one")
    return 1


@transaction.atomic
def end_other_sessions(request: HttpRequest) -> int:
    """End every session of the user except the one making this request.

    ``sessions_ended`` goes out only when something ended (as in the password flows); staff
    actions below are announced even when they found nothing, to show who acted.
    """
    user = request.user
    count = end_sessions(user, keep_session_key=request.session.session_key)
    if count:
        _announce(request, user=user, actor=user, count=count, scope="others")
    return count


@transaction.atomic
def end_all_sessions_by_staff(request: HttpRequest, *, user) -> int:
    """Staff end all of ``user``'s sessions at once.

    When staff pick themselves, the session they are using is kept (scope "others"), so the
    admin page they act from does not vanish under them.
    """
    keep = request.session.session_key if user.pk == request.user.pk else None
    count = end_sessions(user, keep_session_key=keep)
    _announce(
        request, user=user, actor=request.user, count=count, scope="others" if keep else "all"
    )
    return count
