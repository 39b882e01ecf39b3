"""Reads for the dashboard, the admin index summary and the user's activity page.

Counts never scan a log: they sum the hourly counters (``EventCount``, ``FailedLoginSource``)
that ``activity.services`` keeps in the same transaction as each log row, so their cost
depends on the window shown (30 days x a few events), not on the size of the logs. Lists of
rows (latest events, a user's logins) read an index in order with a LIMIT.

Each function runs ONE query whatever the number of rows or users (the dashboard's query count
is fixed and tested). The ``*_queryset`` helpers exist so tests can EXPLAIN the exact query.
"""

import datetime
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Sum
from django.utils import timezone

from accounts.mfa.models import Authenticator
from activity.models import (
    EventCount,
    FailedLoginSource,
    LoginLog,
    MFALog,
    SecurityLog,
    UserProfile,
)

SECOND_FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def _since(**delta):
    return timezone.now() - timedelta(**delta)


def _first_day_start(days):
    """Midnight (current time zone) of the first of the last ``days`` days."""
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight - timedelta(days=days - 1)


def _days(days):
    """The last ``days`` dates, oldest first, ending today (in the current time zone)."""
    today = timezone.localdate()
    return [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def _hour_floor(moment):
    return moment.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)


def event_counts_queryset(*, log, since, events=None, by=("hour", "event")):
    """Sums of ``EventCount`` (the counters kept with the logs), never a scan of a log.

    ``since`` is rounded down to its hour: the counters are hourly, so a "last 24 h" reads
    the hour in progress a day ago as a whole (at most one hour more).
    """
    rows = EventCount.objects.filter(log=log, hour__gte=_hour_floor(since))
    if events is not None:
        rows = rows.filter(event__in=list(events))
    return rows.values(*by).annotate(n=Sum("count")).order_by(*by)


def _per_day(*, log, days, events):
    """``{date: {event: n}}`` of the last ``days`` (dates in the current time zone)."""
    per_day = {}
    for row in event_counts_queryset(log=log, since=_first_day_start(days), events=events):
        day = timezone.localtime(row["hour"]).date()
        per_day.setdefault(day, {}).setdefault(row["event"], 0)
        per_day[day][row["event"]] += row["n"]
    return per_day


def login_counts_by_day(*, days=30):
    """``[{"day": date, "logins": n, "failed": m}, ...]`` for every one of the last ``days``."""
    per_day = _per_day(log="login", days=days, events=[LoginLog.Event.LOGIN, LoginLog.Event.FAILED])
    return [
        {
            "day": day,
            "logins": per_day.get(day, {}).get(LoginLog.Event.LOGIN, 0),
            "failed": per_day.get(day, {}).get(LoginLog.Event.FAILED, 0),
        }
        for day in _days(days)
    ]


def signups_by_day(*, days=30):
    per_day = _per_day(log="security", days=days, events=[SecurityLog.Event.SIGNUP])
    return [
        {"day": day, "signups": per_day.get(day, {}).get(SecurityLog.Event.SIGNUP, 0)}
        for day in _days(days)
    ]


def top_failed_ips_queryset(*, since, limit):
    """Reads ``FailedLoginSource`` (hourly per IP and name typed), served by its
    ``(hour, ip_address, username)`` unique index; bounded by a day of failures."""
    return (
        FailedLoginSource.objects.filter(hour__gte=_hour_floor(since))
        .values("ip_address")
        .annotate(failed=Sum("failures"), accounts=Count("username", distinct=True))
        .order_by("-failed", "ip_address")[:limit]
    )


def top_failed_ips(*, hours=24, limit=10):
    """The IPs with the most failed logins in the last ``hours``, and how many names they tried."""
    return list(top_failed_ips_queryset(since=_since(hours=hours), limit=limit))


def security_events_by_type(*, days=7):
    labels = dict(SecurityLog.Event.choices)
    totals = {}
    for row in event_counts_queryset(log="security", since=_since(days=days), by=("event",)):
        totals[row["event"]] = row["n"]
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    return [
        {"event": event, "label": labels.get(event, event), "count": count}
        for event, count in ranked
    ]


def mfa_adoption():
    """Active users, how many have a second factor (TOTP or WebAuthn), and the share in %."""
    has_factor = Exists(
        Authenticator.objects.filter(user=OuterRef("pk"), type__in=SECOND_FACTOR_TYPES)
    )
    totals = (
        get_user_model()
        .objects.filter(is_active=True)
        .aggregate(users=Count("pk"), with_mfa=Count("pk", filter=has_factor))
    )
    users, with_mfa = totals["users"], totals["with_mfa"]
    return {
        "users": users,
        "with_mfa": with_mfa,
        "percent": round(100 * with_mfa / users, 1) if users else 0.0,
    }


def mfa_use_by_method(*, days=30):
    """Uses and failures of each second-factor method over the last ``days``."""
    rows = {}
    for row in event_counts_queryset(log="mfa", since=_since(days=days), by=("method", "event")):
        rows.setdefault(row["method"], {})[row["event"]] = row["n"]
    return [
        {
            "method": method,
            "label": label,
            "used": rows.get(method, {}).get(MFALog.Event.USED, 0),
            "failed": rows.get(method, {}).get(MFALog.Event.FAILED, 0),
        }
        for method, label in MFALog.Method.choices
    ]


# The latest-row lists of the dashboard look this far back (its charts show 30 days). A
# literal lower bound lets PostgreSQL prune the monthly partitions when it plans the query:
# unbounded, ``ORDER BY created_at DESC LIMIT n`` plans and opens an index scan in every
# month ever kept, a cost that grows with history (~3 ms per query at five years).
RECENT_DAYS = 30


def recent_security_events(*, limit=20, days=RECENT_DAYS):
    return list(
        SecurityLog.objects.filter(created_at__gte=_since(days=days))
        .select_related("user", "actor")
        .order_by("-created_at")[:limit]
    )


def index_summary():
    """The few numbers shown on the admin index, from the counters: two small queries."""
    day_ago, week_ago = _since(hours=24), _since(days=7)
    logins = {
        row["event"]: row["n"]
        for row in event_counts_queryset(
            log="login",
            since=day_ago,
            events=[LoginLog.Event.LOGIN, LoginLog.Event.FAILED],
            by=("event",),
        )
    }
    signups = events_24h = alerts = 0
    alert_events = {SecurityLog.Event.RATE_LIMITED, SecurityLog.Event.SUSPICIOUS_ACTIVITY}
    for row in event_counts_queryset(log="security", since=week_ago):
        if row["event"] == SecurityLog.Event.SIGNUP:
            signups += row["n"]
        if row["event"] in alert_events:
            alerts += row["n"]
        if row["hour"] >= _hour_floor(day_ago):
            events_24h += row["n"]
    return {
        "logins": logins.get(LoginLog.Event.LOGIN, 0),
        "failed": logins.get(LoginLog.Event.FAILED, 0),
        "signups": signups,
        "events_24h": events_24h,
        "alerts": alerts,
    }


def recent_suspicious_activity(*, limit=10, days=RECENT_DAYS):
    """The latest ``suspicious_activity`` rows of the last ``days``: the ``(event,
    created_at)`` index, LIMIT, the partitions of those days only."""
    return list(
        SecurityLog.objects.filter(
            event=SecurityLog.Event.SUSPICIOUS_ACTIVITY, created_at__gte=_since(days=days)
        )
        .select_related("user")
        .order_by("-created_at")[:limit]
    )


def user_logins(*, user, limit=50):
    """The user's last logins, logouts and failed logins against their account."""
    return list(LoginLog.objects.filter(user=user).order_by("-created_at")[:limit])


def user_security_events(*, user, limit=50):
    return list(SecurityLog.objects.filter(user=user).order_by("-created_at")[:limit])


def _log_rows(queryset, *fields):
    common = ("created_at", "event", "ip_address", "user_agent", "path", "extra")
    return list(queryset.order_by("created_at", "pk").values(*common, *fields))


def user_export_data(*, user):
    """The profile and every audit row about ``user``, for "Download my data" (no session
    hash: it is derived from a session key)."""
    profile = (
        UserProfile.objects.filter(user=user)
        .values(
            "created_at",
            "signup_ip",
            "referral",
            "login_count",
            "last_login_ip",
            "last_login_at",
            "trial_started_at",
            "trial_ends_at",
        )
        .first()
    )
    return {
        "profile": profile,
        "login_log": _log_rows(LoginLog.objects.filter(user=user), "method", "reason", "username"),
        "security_log": _log_rows(SecurityLog.objects.filter(user=user)),
        "mfa_log": _log_rows(
            MFALog.objects.filter(user=user), "method", "passwordless", "reauthentication"
        ),
    }
