"""The session store behind the per-user records: recording, reading and ending sessions.

Works with any session engine (database, cache, cached_db, signed cookies can't be ended
server-side): sessions are ended by deleting their entry in the store, so the next request of
that browser is anonymous whatever cookie it sends. Nothing here sends signals: that is
``accounts.usersessions.flows``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth import login as django_login
from django.contrib.sessions.backends.cache import SessionStore as CacheSessionStore
from django.contrib.sessions.backends.db import SessionStore as DBSessionStore
from django.core.cache import caches
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts import app_settings
from accounts.httpkit import get_client_ip, get_user_agent
from accounts.usersessions.models import UserSession

SESSION_STARTED_KEY = "account_session_started_at"
SESSION_SEEN_KEY = "account_session_seen_at"
# Set when the login had "Remember me" off: the session then lives at most
# ACCOUNT_SESSION_NOT_REMEMBERED_LIFETIME on the server too.
SESSION_NOT_REMEMBERED_KEY = "account_session_not_remembered"
RECORD_GRACE = timedelta(minutes=1)


def session_store(session_key=None):
    """The configured engine's store (read at call time, so tests can switch engines)."""
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def record_session(request: HttpRequest, user) -> None:
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
    # The key was just rotated (``login`` cycles it; a brand-new key was checked unused by
    # the session store), so no record can have it: one INSERT. update_or_create would cost
    # six queries (savepoints, a locking SELECT), an UPDATE-then-INSERT two.
    UserSession.objects.create(session_key=request.session.session_key, **fields)


def keep_session_after_password_change(request: HttpRequest, user) -> str:
    """Keep ``request``'s session logged in as ``user`` under a new key after a password change.

    Like ``update_session_auth_hash``: stores the new auth hash, cycles the key (the old key stops
    working); the session's record moves to the new key so ``end_sessions`` and the sessions
    page still see it. A session without a record (e.g. ``force_login``) gets one.
    """
    old_key = request.session.session_key
    cycle_session_key(request.session)  # what update_session_auth_hash does, more cheaply
    if request.user == user:
        request.session[HASH_SESSION_KEY] = user.get_session_auth_hash()
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


def cycle_session_key(session) -> None:
    """``session.cycle_key()``: a new key for the same data, the old key dead at once.

    On the database engine Django's ``cycle_key`` costs six queries (is the new key free?,
    a savepoint, the INSERT of a copy, its release, a SELECT and a DELETE of the old row);
    renaming the row does the same in two (is the new key free?, one UPDATE of the key).
    The session is marked modified, so the end of the request saves its data under the new
    key as usual. Other engines (and a session not stored yet) use ``cycle_key``.
    """
    old_key = session.session_key
    if type(session) is DBSessionStore:
        data = session._session  # loaded before the key changes
        new_key = session._get_new_session_key()
        if old_key and session.model.objects.filter(session_key=old_key).update(
            session_key=new_key
        ):
            session._session_key = new_key
            session._session_cache = data
            session.modified = True
            return
        if not old_key:
            # Nothing stored yet (an anonymous browser's first write): store the data under
            # the new key with one INSERT, where ``create()`` wraps it in a savepoint (4
            # queries). The key was just checked free; a clash (two processes drawing the
            # same 165-bit key at once) fails the request, it never shares a session.
            session._session_key = new_key
            session._session_cache = data
            session.create_model_instance(data).save(force_insert=True)
            session.modified = True
            return
    session.cycle_key()


def login_with_new_key(request: HttpRequest, user, *, backend: str) -> None:
    """``django.contrib.auth.login`` with the key changed by :func:`cycle_session_key`.

    Where ``login`` would call ``cycle_key`` (no user in the session yet: a browser's first
    login, or the second step of a two-step login whose session holds the half-done login),
    the key is changed here first, at the same moment (the old key stops working before the
    user is put in the session), for two queries instead of six (or four when the session
    was not stored yet), and ``login``'s own ``cycle_key`` is skipped: this one call only. A
    session that holds a user already is left to ``login`` (it flushes another user's
    session); other engines too.
    """
    session = request.session
    if SESSION_KEY in session or type(session) is not DBSessionStore:
        django_login(request, user, backend=backend)
        return
    cycle_session_key(session)

    def skip_once():  # login() calls it right after its check: the key is new already
        del session.cycle_key  # the class's method again for any later call

    session.cycle_key = skip_once
    try:
        django_login(request, user, backend=backend)
    finally:
        session.__dict__.pop("cycle_key", None)


def forget_session(session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def end_sessions(user, *, keep_session_key: str | None = None) -> int:
    """End every session of ``user`` except ``keep_session_key``; return how many ended.

    Uses the per-user records, so the work is proportional to this user's sessions only.
    """
    records = UserSession.objects.filter(user=user)
    if keep_session_key:
        records = records.exclude(session_key=keep_session_key)
    keys = list(records.values_list("session_key", flat=True))
    for key in keys:
        session_store(key).delete(key)
    if keys:
        UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


def rotate_session(request: HttpRequest) -> None:
    """Give the session a new key (privilege change: reauthentication) and move its record.

    The session data, its start time included, stays: only the key an attacker might have
    planted or seen stops working.
    """
    old_key = request.session.session_key
    cycle_session_key(request.session)
    if old_key:
        UserSession.objects.filter(session_key=old_key).update(
            session_key=request.session.session_key
        )


def mark_session_not_remembered(request):
    """The login had "Remember me" off: end the session with the browser, and on the server
    after ``ACCOUNT_SESSION_NOT_REMEMBERED_LIFETIME`` at the latest (the middleware checks)."""
    request.session.set_expiry(0)
    request.session[SESSION_NOT_REMEMBERED_KEY] = True


def absolute_lifetime(data):
    """Seconds from login the session may live, however active (0: no limit)."""
    absolute = app_settings.SESSION_ABSOLUTE_LIFETIME
    if data.get(SESSION_NOT_REMEMBERED_KEY):
        short = app_settings.SESSION_NOT_REMEMBERED_LIFETIME
        return min(absolute, short) if absolute else short
    return absolute


def _timed_out(data, now):
    """True when the idle or absolute limit of the session middleware has passed."""
    started = data.get(SESSION_STARTED_KEY)
    seen = data.get(SESSION_SEEN_KEY)
    idle = app_settings.SESSION_IDLE_TIMEOUT
    absolute = absolute_lifetime(data)
    if seen is not None and now - seen > idle:
        return True
    return bool(absolute and started is not None and now - started > absolute)


def _hash_matches(data, user):
    """Django's own check: a password change since login voids the session."""
    stored = data.get(HASH_SESSION_KEY) or ""
    current = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    return any(constant_time_compare(stored, value) for value in current)


def load_sessions(session_keys: Iterable[str]) -> dict[str, dict]:
    """``{session_key: data}`` of the sessions among ``session_keys`` that the store still has.

    One read whatever the number of keys: a single ``IN`` query on database-backed stores
    (``db``, ``cached_db``: the database row is authoritative), one ``get_many`` on the cache
    store; other engines load key by key. Expired entries are left out as the store's own
    ``load()`` leaves them out (database ``expire_date``, cache TTL).
    """
    keys = [key for key in session_keys if key]
    if not keys:
        return {}
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if issubclass(store_class, DBSessionStore):
        decoder = store_class()
        rows = (
            store_class.get_model_class()
            .objects.filter(session_key__in=keys, expire_date__gt=timezone.now())
            .values_list("session_key", "session_data")
        )
        loaded = {key: decoder.decode(data) for key, data in rows}
        return {key: data for key, data in loaded.items() if data}
    if issubclass(store_class, CacheSessionStore):
        prefix = store_class.cache_key_prefix
        try:
            found = caches[settings.SESSION_CACHE_ALIAS].get_many([prefix + key for key in keys])
        except Exception:  # as SessionStore.load(): a backend may refuse a key
            found = None
        if found is not None:
            return {name[len(prefix) :]: data for name, data in found.items() if data}
    loaded = {}
    for key in keys:
        store = store_class(key)
        data = store.load()
        if data and store.session_key is not None:
            loaded[key] = data
    return loaded


def _is_alive(record, data, now):
    """Is ``data`` (the store's entry for ``record``, or None) a live session of its user?"""
    if not data:
        return False
    if str(data.get(SESSION_KEY)) != str(record.user_id) or not _hash_matches(data, record.user):
        return False
    return not _timed_out(data, now.timestamp())


def _in_grace(record, now):
    # The login writes the record before the session data is saved at the end of its request.
    return record.created_at > now - RECORD_GRACE


def alive_records(records: list[UserSession]) -> set[int]:
    """The pks of ``records`` whose session is still usable by its user (one store read).

    ``record.user`` must be loaded (``select_related`` or set by the caller).
    """
    now = timezone.now()
    to_check = [record for record in records if not _in_grace(record, now)]
    data = load_sessions(record.session_key for record in to_check)
    return {
        record.pk
        for record in records
        if _in_grace(record, now) or _is_alive(record, data.get(record.session_key), now)
    }


def session_is_alive(record: UserSession) -> bool:
    """Is the session behind ``record`` still usable by its user?

    Loading from the store honours the store's expiry (database) or TTL (cache); a session
    that was flushed, expired, timed out, voided by a password change or now belongs to
    someone else does not count. A record younger than a minute is taken as alive: the login
    writes it before the session data is saved at the end of that request.
    """
    return record.pk in alive_records([record])


def surely_ended() -> Q:
    """Records that cannot belong to a live session, judged by their dates alone.

    A session store entry lives at most ``SESSION_COOKIE_AGE`` after its last save, and an
    active session is saved at least every last-seen interval (the middleware writes the
    seen time into it together with ``last_seen_at``).
    """
    now = timezone.now()
    interval = app_settings.SESSION_LAST_SEEN_INTERVAL
    condition = Q(last_seen_at__lt=now - timedelta(seconds=settings.SESSION_COOKIE_AGE + interval))
    absolute = app_settings.SESSION_ABSOLUTE_LIFETIME
    if absolute:
        condition |= Q(created_at__lt=now - timedelta(seconds=absolute))
    return condition


def prune_ended_records(user) -> int:
    """Drop ``user``'s records that cannot be live any more, judged by date (one query)."""
    count, _ = UserSession.objects.filter(surely_ended(), user=user).delete()
    return count
