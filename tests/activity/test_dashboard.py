"""The staff dashboard and the admin index summary: right numbers, fixed query count, indexes."""

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from accounts.mfa.models import Authenticator
from activity import charts, selectors, services
from activity.models import LoginLog, MFALog, SecurityLog
from tests.helpers.audit import session_queries
from tests.helpers.factories import AuthenticatorFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = "2030-06-15 12:00Z"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield timezone.now()


def _log(model, event, ago, **fields):
    return model.objects.create(event=event, created_at=timezone.now() - ago, **fields)


@pytest.fixture
def history(frozen, admin_user):
    alice = UserFactory(username="alice")
    AuthenticatorFactory(user=alice, type=Authenticator.Type.TOTP)
    bob = UserFactory(username="bob")
    AuthenticatorFactory(user=bob, type=Authenticator.Type.RECOVERY_CODES)
    carol = UserFactory(username="carol")
    AuthenticatorFactory(user=carol, type=Authenticator.Type.WEBAUTHN)
    dave = UserFactory(username="dave", is_active=False)
    AuthenticatorFactory(user=dave, type=Authenticator.Type.TOTP)

    hour, day = timedelta(hours=1), timedelta(days=1)
    for _ in range(3):
        _log(LoginLog, "login", hour, user=alice, username="alice", ip_address="198.51.100.1")
    _log(LoginLog, "login", 2 * day, user=bob, username="bob")
    _log(LoginLog, "login", 40 * day, user=bob, username="bob")  # outside 30 days
    for name in ("alice", "bob", "root", "admin"):
        _log(LoginLog, "failed", hour, username=name, ip_address="192.0.2.66")
    _log(LoginLog, "failed", hour, username="alice", ip_address="192.0.2.67")
    _log(LoginLog, "failed", 2 * day, username="alice", ip_address="192.0.2.68")  # > 24 h
    _log(LoginLog, "logout", hour, user=alice, username="alice")
    _log(SecurityLog, "signup", day, user=carol, username="carol")
    _log(SecurityLog, "signup", 12 * day, user=bob, username="bob")
    _log(SecurityLog, "password_changed", 2 * hour, user=alice, username="alice", actor=alice)
    _log(SecurityLog, "rate_limited", hour, extra={"action": "login_failed"})
    _log(SecurityLog, "password_reset", 20 * day, user=bob, username="bob")  # > 7 days
    _log(MFALog, "used", hour, user=alice, method="totp")
    _log(MFALog, "used", hour, user=carol, method="webauthn", passwordless=True)
    _log(MFALog, "failed", hour, user=alice, method="totp")
    # Rows made directly (not through the services) are counted by the operator's rebuild.
    services.counts_rebuild()
    return {"alice": alice, "bob": bob, "carol": carol}


def test_selectors_compute_the_numbers(history):
    logins = selectors.login_counts_by_day(days=30)
    assert len(logins) == 30
    assert logins[-1] == {"day": date(2030, 6, 15), "logins": 3, "failed": 5}
    assert logins[-3] == {"day": date(2030, 6, 13), "logins": 1, "failed": 1}
    assert sum(row["logins"] for row in logins) == 4

    signups = selectors.signups_by_day(days=30)
    assert signups[-2] == {"day": date(2030, 6, 14), "signups": 1}
    assert sum(row["signups"] for row in signups) == 2

    assert selectors.top_failed_ips(hours=24) == [
        {"ip_address": "192.0.2.66", "failed": 4, "accounts": 4},
        {"ip_address": "192.0.2.67", "failed": 1, "accounts": 1},
    ]
    events = {row["event"]: row["count"] for row in selectors.security_events_by_type(days=7)}
    assert events == {"signup": 1, "password_changed": 1, "rate_limited": 1}
    # active: admin, alice, bob, carol; a second factor: alice (TOTP), carol (WebAuthn).
    assert selectors.mfa_adoption() == {"users": 4, "with_mfa": 2, "percent": 50.0}
    use = {row["method"]: (row["used"], row["failed"]) for row in selectors.mfa_use_by_method()}
    assert use == {"totp": (1, 1), "recovery_codes": (0, 0), "webauthn": (1, 0)}
    recent = selectors.recent_security_events(limit=2)
    assert [row.event for row in recent] == ["rate_limited", "password_changed"]


def test_dashboard_shows_charts_and_the_same_numbers_in_tables(history, admin_client):
    response = admin_client.get("/admin/activity/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    for testid in ("chart-logins", "chart-signups", "chart-failed-ips", "chart-events"):
        assert f'data-testid="{testid}"' in html
    assert html.count("<svg") >= 5
    assert "<script" not in html.split('id="content-main"')[1]
    assert " style=" not in html
    assert "Logins: <strong>4</strong>" in html
    assert "Failed logins: <strong>6</strong>" in html
    assert re.search(r"<td>Sat, Jun 15</td><td>3</td><td>5</td>", html)
    assert re.search(r"192\.0\.2\.66</a></td>\s*<td>4</td><td>4</td>", html)
    assert "<strong>50.0%</strong>" in html
    assert "Rate limited / locked out" in html
    ctx = response.context
    tallest = max(bar.height for bar in ctx["logins_chart"].bars)
    five = next(bar for bar in ctx["logins_chart"].bars if bar.value == 5)
    assert five.height == tallest > 0


def test_dashboard_escapes_logged_text(frozen, admin_client):
    SecurityLog.objects.create(event="signup", username="<img src=x onerror=alert(1)>")
    html = admin_client.get("/admin/activity/dashboard/").content.decode()
    assert "<img src=x" not in html and "&lt;img src=x" in html


def test_admin_index_shows_the_summary_and_links_the_dashboard(history, admin_client):
    response = admin_client.get("/admin/")
    html = response.content.decode()
    assert 'data-testid="activity-summary"' in html
    assert 'href="/admin/activity/dashboard/"' in html
    assert "<strong>3</strong> logins" in html
    assert "<strong>5</strong> failed logins" in html
    assert "<strong>1</strong> rate limits and alerts" in html


def _seed(rows):
    users = UserFactory.create_batch(max(rows // 10, 1))
    for user in users[::3]:
        AuthenticatorFactory(user=user)
    now = timezone.now()
    spread = timedelta(days=30) / rows
    LoginLog.objects.bulk_create(
        LoginLog(
            event=("login", "failed")[i % 2],
            user=users[i % len(users)],
            username=users[i % len(users)].username,
            ip_address=f"198.51.100.{i % 200}",
            created_at=now - spread * i,
        )
        for i in range(rows)
    )
    SecurityLog.objects.bulk_create(
        SecurityLog(
            event=SecurityLog.Event.values[i % len(SecurityLog.Event.values)],
            user=users[i % len(users)],
            actor=users[(i + 1) % len(users)],
            created_at=now - spread * i,
        )
        for i in range(rows)
    )
    MFALog.objects.bulk_create(
        MFALog(event=("used", "failed")[i % 2], method="totp", created_at=now - spread * i)
        for i in range(rows)
    )
    services.counts_rebuild()


@pytest.mark.parametrize("rows", [10, 2000])
def test_dashboard_query_count_is_fixed(admin_client, django_assert_num_queries, rows):
    _seed(rows)
    admin_client.get("/")  # settles the session's "last seen" write
    # session, user, savepoint, the 9 selector queries (counters, failed IPs, MFA adoption,
    # latest events, suspicious activity, last verification), release
    with django_assert_num_queries(session_queries() + 12):
        response = admin_client.get("/admin/activity/dashboard/")
    assert response.status_code == 200
    assert len(response.context["recent_events"]) == min(rows, 20)


@pytest.mark.parametrize("rows", [10, 2000])
def test_admin_index_query_count_is_fixed(admin_client, django_assert_num_queries, rows):
    _seed(rows)
    admin_client.get("/")
    # session, user, savepoint, release, the 2 summary aggregates, the admin's recent actions
    with django_assert_num_queries(session_queries() + 6):
        assert admin_client.get("/admin/").status_code == 200


@pytest.mark.skipif(connection.vendor != "sqlite", reason="plan text is SQLite's")
def test_log_queries_are_served_by_an_index(frozen):
    """Every dashboard query on a log table reads through an index, never a bare table scan."""
    since = timezone.now() - timedelta(days=7)
    querysets = [
        selectors.event_counts_queryset(log="login", since=since, events=["login", "failed"]),
        selectors.event_counts_queryset(log="security", since=since, by=("event",)),
        selectors.top_failed_ips_queryset(since=since, limit=10),
        SecurityLog.objects.filter(event="suspicious_activity").order_by("-created_at")[:10],
        SecurityLog.objects.order_by("-created_at")[:20],
        LoginLog.objects.filter(user_id=1).order_by("-created_at")[:50],
        SecurityLog.objects.filter(user_id=1).order_by("-created_at")[:50],
        LoginLog.objects.filter(ip_address="192.0.2.1").order_by("-created_at")[:50],
    ]
    for queryset in querysets:
        plan = queryset.explain()
        table = queryset.model._meta.db_table
        reads = [line for line in plan.splitlines() if table in line]
        assert reads, plan
        for line in reads:
            assert "USING INDEX" in line or "USING COVERING INDEX" in line, plan


def test_day_bars_scale_to_a_round_maximum():
    rows = [{"day": date(2030, 6, d), "a": d, "b": 0} for d in range(1, 8)]
    chart = charts.day_bars(rows, [("a", "A", "bar-a"), ("b", "B", "bar-b")], height=200)
    assert chart.maximum == 10
    assert len(chart.bars) == 14
    heights = {bar.value: bar.height for bar in chart.bars if bar.css == "bar-a"}
    assert heights[5] == pytest.approx(heights[1] * 5, abs=0.2)
    assert {bar.height for bar in chart.bars if bar.css == "bar-b"} == {0}
    assert [text for _, text in chart.gridlines] == ["0", "5", "10"]
    assert chart.labels[-1][2:] == ("Jun 07", "end")


def test_day_bars_with_maximum_one_have_no_fractional_gridline():
    rows = [{"day": date(2030, 6, 1), "a": 1}]
    chart = charts.day_bars(rows, [("a", "A", "bar-a")])
    assert [text for _, text in chart.gridlines] == ["0", "1"]


def test_horizontal_bars_are_proportional():
    chart = charts.horizontal_bars(
        [{"k": "x", "v": 4}, {"k": "y", "v": 1}], value_key="v", label_key="k"
    )
    assert chart.bars[0].width == pytest.approx(chart.bars[1].width * 4, abs=0.2)


def test_latest_event_lists_look_back_30_days_only():
    """A bounded window lets PostgreSQL plan the lists over this month's partitions only."""
    now = timezone.now()
    for event, age in (
        ("password_changed", 28),
        ("signup", 31),
        ("suspicious_activity", 29),
        ("suspicious_activity", 31),
    ):
        SecurityLog.objects.create(event=event, created_at=now - timedelta(days=age))
    assert [row.event for row in selectors.recent_security_events()] == [
        "password_changed",
        "suspicious_activity",
    ]
    assert len(selectors.recent_suspicious_activity()) == 1
