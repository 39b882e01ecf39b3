"""A user's sessions: listing and ending them, staff ending them, the new-device notice.

Sessions are ended server-side by deleting their entry in the session store (database or
cache), so the next request of that browser is anonymous whatever cookie it sends. Each end
is announced with ``sessions_ended`` (the activity app writes a ``SecurityLog`` row).
"""

import logging
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.cache import SessionStore as CacheSessionStore
from django.contrib.sessions.backends.db import SessionStore as DBSessionStore
from django.core.cache import caches
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts.devices import describe_user_agent, request_fingerprint
from accounts.httpkit import get_client_ip
from accounts.mail import absolute_url, send_mail
from accounts.models import KnownDevice, UserSession
from accounts.signals import new_device_login, sessions_ended
from accounts.user_sessions import SESSION_SEEN_KEY, SESSION_STARTED_KEY, end_sessions

logger = logging.getLogger(__name__)

DEFAULT_MAX_KNOWN_DEVICES = 50
RECORD_GRACE = timedelta(minutes=1)


def _store(session_key):
    """The configured engine's store (read at call time, so tests can switch engines)."""
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def _timed_out(data, now):
    """True when the idle or absolute limit of ``accounts.middleware`` has passed."""
    started = data.get(SESSION_STARTED_KEY)
    seen = data.get(SESSION_SEEN_KEY)
    idle = getattr(settings, "ACCOUNT_SESSION_IDLE_TIMEOUT", settings.SESSION_COOKIE_AGE)
    absolute = getattr(settings, "ACCOUNT_SESSION_ABSOLUTE_LIFETIME", None)
    if seen is not None and now - seen > idle:
        return True
    return bool(absolute and started is not None and now - started > absolute)


def _hash_matches(data, user):
    """Django's own check: a password change since login voids the session."""
    stored = data.get(HASH_SESSION_KEY) or ""
    current = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    return any(constant_time_compare(stored, value) for value in current)


def load_sessions(session_keys):
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


def alive_records(records):
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


def session_is_alive(record):
    """Is the session behind ``record`` still usable by its user?

    Loading from the store honours the store's expiry (database) or TTL (cache); a session
    that was flushed, expired, timed out, voided by a password change or now belongs to
    someone else does not count. A record younger than a minute is taken as alive: the login
    writes it before the session data is saved at the end of that request.
    """
    return record.pk in alive_records([record])


def _surely_ended():
    """Records that cannot belong to a live session, judged by their dates alone.

    A session store entry lives at most ``SESSION_COOKIE_AGE`` after its last save, and an
    active session is saved at least every last-seen interval (the middleware writes the
    seen time into it together with ``last_seen_at``).
    """
    now = timezone.now()
    interval = getattr(settings, "ACCOUNT_SESSION_LAST_SEEN_INTERVAL", 300)
    condition = Q(last_seen_at__lt=now - timedelta(seconds=settings.SESSION_COOKIE_AGE + interval))
    absolute = getattr(settings, "ACCOUNT_SESSION_ABSOLUTE_LIFETIME", None)
    if absolute:
        condition |= Q(created_at__lt=now - timedelta(seconds=absolute))
    return condition


def list_active_sessions(request):
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


def prune_session_records(*, chunk_size=500):
    """Delete every record whose session has ended; return how many (for a periodic job).

    First by date in one query, then by looking each remaining session up in the store.
    """
    pruned, _ = UserSession.objects.filter(_surely_ended()).delete()
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
def end_session(request, *, record, actor=None):
    """End the one session of ``record`` (its owner or staff is ``actor``)."""
    user = record.user
    _store(record.session_key).delete(record.session_key)
    UserSession.objects.filter(pk=record.pk).delete()
    _announce(request, user=user, actor=actor or request.user, count=1, scope="one")
    return 1


@transaction.atomic
def end_other_sessions(request):
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
def end_all_sessions_by_staff(request, *, user):
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


def end_sessions_of_deleted_user(sender, instance, **kwargs):
    """``pre_delete`` receiver for the user model: a deleted user's sessions end with it."""
    end_sessions(instance)


def end_sessions_of_inactive_user(sender, instance, **kwargs):
    """``post_save`` receiver: a deactivated user is signed out everywhere, server-side.

    (The auth backend already refuses inactive users; this also removes their sessions.)
    """
    if not instance.is_active and not kwargs.get("raw"):
        end_sessions(instance)


# --- New-device sign-in notice --------------------------------------------------------------


def _is_signup_login(request):
    """The login that completes a signup: its last authentication record says ``signup``."""
    from accounts.flows.login import AUTHENTICATION_RECORDS_SESSION_KEY  # imports this module

    records = request.session.get(AUTHENTICATION_RECORDS_SESSION_KEY) or []
    return bool(records and records[-1].get("signup"))


def _cap_known_devices(user):
    """Keep the ``limit`` most recently seen devices; return whether any other than the one
    just added existed (one query reads both: the list is capped, so it stays short)."""
    limit = getattr(settings, "ACCOUNT_MAX_KNOWN_DEVICES", DEFAULT_MAX_KNOWN_DEVICES)
    devices = KnownDevice.objects.filter(user=user).order_by("-last_seen_at", "-pk")
    pks = list(devices.values_list("pk", flat=True))
    stale = pks[limit:]
    if stale:
        KnownDevice.objects.filter(pk__in=stale).delete()
    return len(pks) > 1


def remember_device(request, *, user):
    """Record this request's device for ``user``; return ``(is_new, had_history)``.

    A device seen before implies a history; only a new one needs to look at the others.
    """
    now = timezone.now()
    fingerprint = request_fingerprint(request)
    with transaction.atomic():
        # The usual case, a known device, is one UPDATE.
        if KnownDevice.objects.filter(user=user, fingerprint=fingerprint).update(last_seen_at=now):
            return False, True
        device, created = KnownDevice.objects.get_or_create(
            user=user,
            fingerprint=fingerprint,
            defaults={"first_seen_at": now, "last_seen_at": now},
        )
        if not created:  # a concurrent login from the same device inserted it meanwhile
            KnownDevice.objects.filter(pk=device.pk).update(last_seen_at=now)
            return False, True
        had_history = _cap_known_devices(user)
    return True, had_history


def notify_if_new_device(request, *, user):
    """After a completed login: tell the user when it came from a device never seen before.

    Silent for the login that completes a signup and for a user's first login ever (there is
    nothing to compare with yet); the device is remembered either way. Sends
    ``new_device_login``, then the mail. Returns whether the notice went out.
    """
    is_new, had_history = remember_device(request, user=user)
    if not is_new or not had_history or _is_signup_login(request):
        return False
    new_device_login.send(sender=user.__class__, request=request, user=user)
    if user.email:
        _send_new_device_mail(request, user=user)
    return True


def _send_new_device_mail(request, *, user):
    """A failed notice must not fail the login it reports on: log it and go on."""
    context = {
        "user": user,
        "device": describe_user_agent(request.META.get("HTTP_USER_AGENT", "")),
        "ip": get_client_ip(request),
        "sessions_url": absolute_url(request, reverse("usersessions_list")),
        "password_change_url": absolute_url(request, reverse("account_change_password")),
    }
    try:
        send_mail("account/email/new_device_login", user.email, context, request=request)
    except Exception:
        logger.exception("Could not send the new-device notice to user %s", user.pk)


def after_login(request, *, user):
    """Upkeep when a login completes (called by ``perform_login`` after the session record).

    Drops the user's records that cannot be live any more (one query, so the table stays
    bounded even without the periodic job), then sends the new-device notice if due.
    """
    UserSession.objects.filter(_surely_ended(), user=user).delete()
    return notify_if_new_device(request, user=user)
