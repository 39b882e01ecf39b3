"""Reads for the dashboard, the admin index summary and the user's activity page.

Counts count ``created_at`` (never null) or ``*`` rather than ``id``: the ``created_at``
indexes INCLUDE the grouped columns, so PostgreSQL answers with index-only scans.

Each function runs ONE query whatever the number of rows or users (the dashboard's query count
is fixed and tested), filtered on ``created_at`` ranges that the ``(event, created_at)`` /
``(user, created_at)`` indexes serve. The ``*_queryset`` helpers exist so tests can EXPLAIN
the exact query.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.mfa.models import Authenticator
from activity.models import LoginLog, MFALog, SecurityLog, UserProfile

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


def login_counts_queryset(*, since):
    return (
        LoginLog.objects.filter(
            event__in=[LoginLog.Event.LOGIN, LoginLog.Event.FAILED], created_at__gte=since
        )
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(
            logins=Count("created_at", filter=Q(event=LoginLog.Event.LOGIN)),
            failed=Count("created_at", filter=Q(event=LoginLog.Event.FAILED)),
        )
        .order_by("day")
    )


def login_counts_by_day(*, days=30):
    """``[{"day": date, "logins": n, "failed": m}, ...]`` for every one of the last ``days``."""
    rows = {row["day"]: row for row in login_counts_queryset(since=_first_day_start(days))}
    return [
        {
            "day": day,
            "logins": rows.get(day, {}).get("logins", 0),
            "failed": rows.get(day, {}).get("failed", 0),
        }
        for day in _days(days)
    ]


def signups_queryset(*, since):
    return (
        SecurityLog.objects.filter(event=SecurityLog.Event.SIGNUP, created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(signups=Count("*"))
        .order_by("day")
    )


def signups_by_day(*, days=30):
    rows = {row["day"]: row["signups"] for row in signups_queryset(since=_first_day_start(days))}
    return [{"day": day, "signups": rows.get(day, 0)} for day in _days(days)]


def top_failed_ips_queryset(*, since, limit):
    return (
        LoginLog.objects.filter(
            event=LoginLog.Event.FAILED, created_at__gte=since, ip_address__isnull=False
        )
        .values("ip_address")
        .annotate(failed=Count("*"), accounts=Count("username", distinct=True))
        .order_by("-failed", "ip_address")[:limit]
    )


def top_failed_ips(*, hours=24, limit=10):
    """The IPs with the most failed logins in the last ``hours``, and how many names they tried."""
    return list(top_failed_ips_queryset(since=_since(hours=hours), limit=limit))


def security_events_queryset(*, since):
    return (
        SecurityLog.objects.filter(created_at__gte=since)
        .values("event")
        .annotate(count=Count("*"))
        .order_by("-count", "event")
    )


def security_events_by_type(*, days=7):
    labels = dict(SecurityLog.Event.choices)
    return [
        {
            "event": row["event"],
            "label": labels.get(row["event"], row["event"]),
            "count": row["count"],
        }
        for row in security_events_queryset(since=_since(days=days))
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


def mfa_use_queryset(*, since):
    return (
        MFALog.objects.filter(created_at__gte=since)
        .values("method")
        .annotate(
            used=Count("created_at", filter=Q(event=MFALog.Event.USED)),
            failed=Count("created_at", filter=Q(event=MFALog.Event.FAILED)),
        )
        .order_by("method")
    )


def mfa_use_by_method(*, days=30):
    """Uses and failures of each second-factor method over the last ``days``."""
    rows = {row["method"]: row for row in mfa_use_queryset(since=_since(days=days))}
    return [
        {
            "method": method,
            "label": label,
            "used": rows.get(method, {}).get("used", 0),
            "failed": rows.get(method, {}).get("failed", 0),
        }
        for method, label in MFALog.Method.choices
    ]


def recent_security_events(*, limit=20):
    return list(SecurityLog.objects.select_related("user", "actor").order_by("-created_at")[:limit])


def index_summary():
    """The few numbers shown on the admin index: two aggregate queries."""
    day_ago, week_ago = _since(hours=24), _since(days=7)
    logins = LoginLog.objects.filter(created_at__gte=day_ago).aggregate(
        logins=Count("created_at", filter=Q(event=LoginLog.Event.LOGIN)),
        failed=Count("created_at", filter=Q(event=LoginLog.Event.FAILED)),
    )
    security = SecurityLog.objects.filter(created_at__gte=week_ago).aggregate(
        signups=Count("created_at", filter=Q(event=SecurityLog.Event.SIGNUP)),
        events_24h=Count("created_at", filter=Q(created_at__gte=day_ago)),
        alerts=Count(
            "pk",
            filter=Q(
                event__in=[
                    SecurityLog.Event.RATE_LIMITED,
                    SecurityLog.Event.SUSPICIOUS_ACTIVITY,
                ]
            ),
        ),
    )
    return {**logins, **security}


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
