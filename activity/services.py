"""Writes of the activity app: one function per kind of row, keyword-only arguments.

They run inside the caller's transaction (the request's, under ``ATOMIC_REQUESTS``): if a
write fails, the flow that sent the signal fails with it and nothing half-done is committed.
``request`` may be ``None`` (a signal sent from a command); the row then has no IP or agent.
"""

import datetime
import hashlib
import os
import re
import threading
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Count, F
from django.db.models.functions import Lower, TruncHour
from django.urls import Resolver404, resolve
from django.utils import timezone

from accounts.authentication import get_authentication_records, get_logout_reason
from accounts.httpkit import get_client_ip, get_user_agent
from activity import app_settings, dbsetup, partitioning, streaming, tasks
from activity.models import (
    EventCount,
    FailedLoginSource,
    LoginLog,
    MFALog,
    SecurityLog,
    UserProfile,
)

LOG_MODELS = (LoginLog, SecurityLog, MFALog)
# The ``EventCount.log`` name of each log.
LOG_NAMES = {LoginLog: "login", SecurityLog: "security", MFALog: "mfa"}
# Hot counters are striped over this many rows per (hour, event): see EventCount.
COUNT_SHARDS = 8

# Where the method of the last authentication record (accounts.authentication) maps in LoginLog.
_LOGIN_METHODS = {
    "password": LoginLog.Method.PASSWORD,
    "totp": LoginLog.Method.TOTP,
    "recovery_codes": LoginLog.Method.RECOVERY_CODES,
    "webauthn": LoginLog.Method.WEBAUTHN,
    "socialaccount": LoginLog.Method.SOCIALACCOUNT,
    "code": LoginLog.Method.CODE,
}
REFERRAL_SESSION_KEY = "referral"

# --- Redaction: no key, code, token or password ever reaches a row ---------------------------
# The audit trail is read by staff and shown to users: it must not hand out what would let
# its reader act as the user. Everything a row takes from the request or a signal goes
# through these on its way in.
REDACTED = "[redacted]"
# URL arguments that carry a secret (the confirm-email key, a reset key); "set-password" is
# the reset view's key-free placeholder, not a secret.
SECRET_URL_ARGUMENTS = frozenset({"key", "token", "code"})
PUBLIC_URL_VALUES = frozenset({"set-password"})
# Keys of ``extra`` (at any depth) whose values are never stored.
SECRET_EXTRA_KEY_RE = re.compile(
    r"(^|_)(key|keys|token|tokens|code|codes|password|passwords|secret|otp|credential)($|_)",
    re.I,
)
# What looks like a token wherever it turns up (a path no URL pattern matches, a user agent
# an attacker wrote): 20+ URL-safe characters mixing letters and digits.
TOKEN_RE = re.compile(r"[A-Za-z0-9_:~-]{20,}")


def _redact_token(match):
    text = match.group(0)
    looks_random = any(c.isdigit() for c in text) and any(c.isalpha() for c in text)
    return REDACTED if looks_random else text


def redact_path(path):
    """``path`` with the secret arguments of its URL pattern (and anything token-like)
    replaced by ``[redacted]``."""
    try:
        match = resolve(path)
    except Resolver404:
        match = None
    if match is not None:
        for name, value in match.kwargs.items():
            if name in SECRET_URL_ARGUMENTS and value and str(value) not in PUBLIC_URL_VALUES:
                path = path.replace(str(value), REDACTED)
    return TOKEN_RE.sub(_redact_token, path)


def redact_text(text):
    return TOKEN_RE.sub(_redact_token, text or "")


def redact_extra(value):
    """``extra`` with the value of every secret-named key replaced, at any depth."""
    if isinstance(value, dict):
        return {
            key: REDACTED
            if isinstance(key, str) and SECRET_EXTRA_KEY_RE.search(key)
            else redact_extra(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_extra(item) for item in value]
    return value


def _request_fields(request):
    """IP, agent, path and session hash of ``request`` (all empty without one), redacted."""
    if request is None:
        return {}
    session = getattr(request, "session", None)
    session_key = getattr(session, "session_key", None) or ""
    return {
        "ip_address": get_client_ip(request),
        "user_agent": redact_text(get_user_agent(request))[:300],
        "path": redact_path(getattr(request, "path", "") or "")[:200],
        "session_hash": hashlib.sha256(session_key.encode()).hexdigest() if session_key else "",
    }


def _user_fields(user):
    if user is None or not getattr(user, "is_authenticated", False):  # None or AnonymousUser
        return {"user": None}
    # The raw username (none for an email-only account), not get_username()'s display name.
    username = getattr(user, "username", None) or ""
    return {"user": user, "username": username[:150], "email": (user.email or "")[:254]}


def _acting_user(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def login_method_from_session(request):
    """The method that completed the login, from the last authentication record.

    ``{"method": "webauthn", "passwordless": True}`` is a passkey login; any other record
    maps by its method name (``password``, ``totp``, ``recovery_codes``, ``webauthn``).
    """
    records = get_authentication_records(request) if request is not None else []
    records = [r for r in records if r.get("method") != "trusted_browser"]
    if not records:
        return ""
    last = records[-1]
    if last.get("method") == "webauthn" and last.get("passwordless"):
        return LoginLog.Method.PASSKEY
    return _LOGIN_METHODS.get(last.get("method"), "")


def login_extra_from_session(request):
    """``{"mfa_skipped": "trusted_browser"}`` when a trusted browser skipped the second
    factor of this login (the last authentication record says so), else ``{}``."""
    records = get_authentication_records(request) if request is not None else []
    if records and records[-1].get("method") == "trusted_browser":
        return {"mfa_skipped": "trusted_browser"}
    return {}


def logout_reason(request):
    """``""`` for a logout the user asked for, ``"session_expired"`` when the session's idle
    or absolute timeout ended it (as ``accounts.authentication`` reports)."""
    return get_logout_reason(request)


def _hour(moment):
    return moment.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)


def _shard():
    """The counter stripe of this process and thread (stable within one request)."""
    return hash((os.getpid(), threading.get_ident())) % COUNT_SHARDS


def _upsert(model, conflict, values, increments):
    """``INSERT ... ON CONFLICT (conflict) DO UPDATE SET n = n + EXCLUDED.n``: one statement,
    atomic under concurrency on PostgreSQL and SQLite (a read-then-write would lose counts)."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [*values, *increments]
    params = [
        model._meta.get_field(name).get_db_prep_save(value, connection)
        for name, value in {**values, **increments}.items()
    ]
    updates = ", ".join(
        f"{quote(c)} = {table}.{quote(c)} + EXCLUDED.{quote(c)}" for c in increments
    )
    # Only quoted model/column names are formatted in; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(quote(c) for c in conflict)}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _stream(row):
    """Queue ``row`` for the SIEM sinks (if any) and wake the worker after the commit."""
    if streaming.enqueue_row(row):
        transaction.on_commit(tasks.deliver_pending.enqueue)


def _count(row, *, method=""):
    """Count ``row`` in its hour's ``EventCount`` (same transaction as the row itself).

    On SQLite and PostgreSQL the log table's trigger has counted it already, in the row's
    own INSERT (``activity.dbsetup``): nothing to do, no query.
    """
    if dbsetup.counted_by_trigger(connection):
        return
    _upsert(
        EventCount,
        ("log", "hour", "event", "method", "shard"),
        {
            "log": LOG_NAMES[type(row)],
            "hour": _hour(row.created_at),
            "event": row.event,
            "method": method,
            "shard": _shard(),
        },
        {"count": 1},
    )


def _count_failed_source(row):
    if not row.ip_address or dbsetup.counted_by_trigger(connection):
        return
    _upsert(
        FailedLoginSource,
        ("hour", "ip_address", "username"),
        {
            "hour": _hour(row.created_at),
            "ip_address": row.ip_address,
            "username": row.username.lower(),
        },
        {"failures": 1},
    )


def login_log_create(*, request, event, user=None, username="", method="", reason="", extra=None):
    fields = {**_request_fields(request), **_user_fields(user)}
    if username:
        fields["username"] = username[:150]
    row = LoginLog.objects.create(
        event=event, method=method, reason=reason, extra=redact_extra(extra or {}), **fields
    )
    _count(row, method=method)
    if event == LoginLog.Event.FAILED:
        _count_failed_source(row)
    _stream(row)
    return row


def security_log_create(*, request, event, user=None, actor=None, extra=None):
    """``actor`` defaults to the logged-in user of ``request`` (none for anonymous requests)."""
    actor = actor if actor is not None else _acting_user(request)
    row = SecurityLog.objects.create(
        event=event,
        actor=actor,
        extra=redact_extra(extra or {}),
        **_request_fields(request),
        **_user_fields(user),
    )
    _count(row)
    _stream(row)
    return row


def mfa_log_create(
    *, request, event, user, authenticator=None, reauthentication=False, passwordless=False
):
    row = MFALog.objects.create(
        event=event,
        method=getattr(authenticator, "type", "") or "",
        authenticator_id=getattr(authenticator, "pk", None),
        reauthentication=bool(reauthentication),
        passwordless=bool(passwordless),
        **_request_fields(request),
        **_user_fields(user),
    )
    _count(row, method=row.method)
    _stream(row)
    return row


def counts_rebuild(*, since=None):
    """Recompute ``EventCount`` and ``FailedLoginSource`` from the logs (from ``since`` on).

    For rows that did not go through the services: history from before the counters
    existed, a bulk import, a restored backup. It scans the logs once, so it is an operator's
    command (``manage.py rebuild_activity_counts``), never part of a request. Returns the
    number of counter rows written.
    """
    start = _hour(since) if since is not None else None
    with transaction.atomic():
        for model in (EventCount, FailedLoginSource):
            stale = model.objects.all() if start is None else model.objects.filter(hour__gte=start)
            stale.delete()
        written = []
        for model in LOG_MODELS:
            logs = model._base_manager.all()
            if start is not None:
                logs = logs.filter(created_at__gte=start)
            has_method = model is not SecurityLog
            fields = ("hour", "event", "method") if has_method else ("hour", "event")
            grouped = (
                logs.annotate(hour=TruncHour("created_at", tzinfo=datetime.UTC))
                .values(*fields)
                .annotate(n=Count("*"))
                .order_by()
            )
            written += [
                EventCount(
                    log=LOG_NAMES[model],
                    hour=row["hour"],
                    event=row["event"],
                    method=row.get("method", ""),
                    shard=0,
                    count=row["n"],
                )
                for row in grouped
            ]
        EventCount.objects.bulk_create(written, batch_size=1000)
        failed = LoginLog._base_manager.filter(
            event=LoginLog.Event.FAILED, ip_address__isnull=False
        )
        if start is not None:
            failed = failed.filter(created_at__gte=start)
        grouped = (
            failed.annotate(
                hour=TruncHour("created_at", tzinfo=datetime.UTC), name=Lower("username")
            )
            .values("hour", "ip_address", "name")
            .annotate(n=Count("*"))
            .order_by()
        )
        sources = [
            FailedLoginSource(
                hour=row["hour"],
                ip_address=row["ip_address"],
                username=row["name"],
                failures=row["n"],
            )
            for row in grouped.iterator(chunk_size=5000)
        ]
        FailedLoginSource.objects.bulk_create(sources, batch_size=1000)
    return len(written) + len(sources)


def profile_ensure(*, user, new_user=False):
    """The user's profile, created if missing.

    ``new_user``: the user row was just inserted, so no profile can exist yet; a plain INSERT
    spares the lookup (and the savepoints) of ``get_or_create``.
    """
    if new_user:
        return UserProfile.objects.create(user=user)
    profile, _ = UserProfile.objects.get_or_create(user=user)
    return profile


def profile_record_signup(*, user, request):
    """Keep where the account was created from, and the ``?ref=`` seen before signup."""
    session = getattr(request, "session", None)
    referral = (session.get(REFERRAL_SESSION_KEY) if session is not None else None) or ""
    values = {
        "signup_ip": get_client_ip(request) if request is not None else None,
        "referral": str(referral)[:64],
    }
    # The post_save receiver has created the profile already: one UPDATE, no re-read.
    if not UserProfile.objects.filter(user=user).update(**values):
        profile_ensure(user=user)
        UserProfile.objects.filter(user=user).update(**values)


def profile_record_login(*, user, request):
    """Count the login with ``F()`` so concurrent logins never lose an increment.

    On SQLite and PostgreSQL the LoginLog row's trigger has counted it already, in the row's
    own INSERT (``activity.dbsetup``, creating a missing profile): nothing to do, no query.
    """
    if dbsetup.counted_by_trigger(connection):
        return
    values = {
        "login_count": F("login_count") + 1,
        "last_login_ip": get_client_ip(request) if request is not None else None,
        "last_login_at": timezone.now(),
    }
    if not UserProfile.objects.filter(user=user).update(**values):
        profile_ensure(user=user)
        UserProfile.objects.filter(user=user).update(**values)


def profile_start_trial_on_confirmation(*, email_address):
    """Start the trial the first time a primary address is confirmed (if the setting says so).

    Returns True when a trial was started.
    """
    if not app_settings.TRIAL_ON_EMAIL_CONFIRMED:
        return False
    if not email_address.primary:
        return False
    profile = profile_ensure(user=email_address.user)
    if profile.trial_started_at is not None:
        return False
    profile.activate_trial(days=app_settings.TRIAL_DAYS)
    return True


def _drop_old_partitions(model, cutoff):
    """On PostgreSQL with partitioned logs, whole months older than ``cutoff`` are dropped
    (no row-by-row DELETE); the batches below then only see the month the cutoff falls in."""
    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        table = model._meta.db_table
        if not partitioning.is_partitioned(cursor, table):
            return 0
        return partitioning.drop_partitions_before(cursor, table, cutoff)


def activity_prune(*, older_than_days, batch_size=1000):
    """Delete log rows older than ``older_than_days`` in batches; record that it happened.

    Each batch is its own transaction, so a long prune never holds locks on the whole table.
    Returns ``{"LoginLog": n, ...}``.
    """
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted = {}
    for model in LOG_MODELS:
        total = _drop_old_partitions(model, cutoff)
        manager = model._base_manager
        while True:
            with transaction.atomic():
                batch = list(
                    manager.filter(created_at__lt=cutoff)
                    .order_by("created_at")
                    .values_list("pk", flat=True)[:batch_size]
                )
                if not batch:
                    break
                manager.filter(pk__in=batch).delete()
            total += len(batch)
        deleted[model.__name__] = total
    # The counters of pruned hours go with them (small tables: one statement each).
    FailedLoginSource.objects.filter(hour__lt=_hour(cutoff)).delete()
    EventCount.objects.filter(hour__lt=_hour(cutoff)).delete()
    security_log_create(
        request=None,
        event=SecurityLog.Event.ACTIVITY_PRUNED,
        extra={"older_than_days": older_than_days, "cutoff": cutoff, "deleted": deleted},
    )
    return deleted
