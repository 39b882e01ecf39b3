"""Records of a user's logged-in sessions, and ending them without scanning the store."""

import time
from importlib import import_module

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.utils import timezone

from accounts.httpkit import get_client_ip, get_user_agent
from accounts.models import UserSession

SESSION_STARTED_KEY = "account_session_started_at"
SESSION_SEEN_KEY = "account_session_seen_at"


def _store(session_key=None):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def record_session(request, user):
    """Write the record of ``request``'s (just rotated) session for ``user``."""
    if not request.session.session_key:
        request.session.save()
    request.session[SESSION_STARTED_KEY] = request.session[SESSION_SEEN_KEY] = time.time()
    now = timezone.now()
    fields = {
        "user": user,
        "created_at": now,
        "last_seen_at": now,
        "ip": get_client_ip(request),
        "user_agent": get_user_agent(request),
    }
    # The key was just rotated, so there is normally no record to update: UPDATE (no row)
    # then INSERT costs two queries where update_or_create costs six (savepoints, a locking
    # SELECT). A key is never recorded twice in one request, so no lock is needed.
    key = request.session.session_key
    if not UserSession.objects.filter(session_key=key).update(**fields):
        UserSession.objects.create(session_key=key, **fields)


def keep_session_after_password_change(request, user):
    """Keep ``request``'s session logged in as ``user`` under a new key after a password change.

    ``update_session_auth_hash`` stores the new auth hash and cycles the key (the old key stops
    working); the session's record moves to the new key so ``end_sessions`` and the sessions
    page still see it. A session without a record (e.g. ``force_login``) gets one.
    """
    old_key = request.session.session_key
    update_session_auth_hash(request, user)
    new_key = request.session.session_key
    if old_key and UserSession.objects.filter(session_key=old_key).update(session_key=new_key):
        return new_key
    UserSession.objects.update_or_create(
        session_key=new_key,
        defaults={
            "user": user,
            "last_seen_at": timezone.now(),
            "ip": get_client_ip(request),
            "user_agent": get_user_agent(request),
        },
    )
    return new_key


def forget_session(session_key):
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def end_sessions(user, *, keep_session_key=None):
    """End every session of ``user`` except ``keep_session_key``; return how many ended.

    Uses the per-user records, so the work is proportional to this user's sessions only.
    """
    records = UserSession.objects.filter(user=user)
    if keep_session_key:
        records = records.exclude(session_key=keep_session_key)
    keys = list(records.values_list("session_key", flat=True))
    for key in keys:
        _store(key).delete(key)
    if keys:
        UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


def rotate_session(request):
    """Give the session a new key (privilege change: reauthentication) and move its record.

    The session data, its start time included, stays: only the key an attacker might have
    planted or seen stops working.
    """
    old_key = request.session.session_key
    request.session.cycle_key()
    if old_key:
        UserSession.objects.filter(session_key=old_key).update(
            session_key=request.session.session_key
        )
