"""The audit admin: readable by staff with the view permission, never writable; fast lists."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from activity.admin import EstimatedCountPaginator
from activity.models import LoginLog, MFALog, SecurityLog
from tests.helpers.audit import count_queries, session_queries
from tests.helpers.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGS = [
    ("loginlog", LoginLog, "login"),
    ("securitylog", SecurityLog, "signup"),
    ("mfalog", MFALog, "used"),
]
IP = "203.0.113.9"


def _row(model, event, **fields):
    return model.objects.create(event=event, ip_address=IP, username="alice", **fields)


def seed_login_rows(count, *, days=30):
    """``count`` LoginLog rows spread over ``days`` days, over a handful of users and IPs."""
    users = [UserFactory(username=f"seed{i}") for i in range(3)]
    now = timezone.now()
    LoginLog.objects.bulk_create(
        LoginLog(
            event=("login", "failed", "logout")[i % 3],
            method="password" if i % 3 == 0 else "",
            user=users[i % 3] if i % 5 else None,
            username=users[i % 3].username,
            ip_address=f"198.51.100.{i % 50}",
            user_agent="Mozilla/5.0",
            created_at=now - timedelta(minutes=i * (days * 24 * 60 // max(count, 1))),
        )
        for i in range(count)
    )


@pytest.mark.parametrize("name,model,event", LOGS)
def test_superuser_can_list_and_view_rows(admin_client, name, model, event):
    row = _row(model, event)
    assert admin_client.get(f"/admin/activity/{name}/").status_code == 200
    response = admin_client.get(f"/admin/activity/{name}/{row.pk}/change/")
    assert response.status_code == 200
    assert b'name="_save"' not in response.content


@pytest.mark.parametrize("name,model,event", LOGS)
def test_nobody_can_add_change_or_delete_rows(admin_client, name, model, event):
    row = _row(model, event)
    assert admin_client.get(f"/admin/activity/{name}/add/").status_code == 403
    assert admin_client.post(f"/admin/activity/{name}/add/", {"event": event}).status_code == 403
    response = admin_client.post(f"/admin/activity/{name}/{row.pk}/change/", {"username": "bob"})
    assert response.status_code == 403
    assert admin_client.get(f"/admin/activity/{name}/{row.pk}/delete/").status_code == 403
    assert (
        admin_client.post(f"/admin/activity/{name}/{row.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    response = admin_client.post(
        f"/admin/activity/{name}/",
        {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
    )
    assert model.objects.filter(pk=row.pk, username="alice").exists()
    changelist = admin_client.get(f"/admin/activity/{name}/").content.decode()
    assert 'value="delete_selected"' not in changelist
    assert 'value="export_csv"' in changelist


def test_non_staff_are_sent_to_the_login(client, user):
    client.force_login(user)
    for url in ("/admin/activity/loginlog/", "/admin/activity/dashboard/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_anonymous_are_sent_to_the_login(client):
    response = client.get("/admin/activity/dashboard/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_staff_without_view_permission_get_403(client):
    staff = UserFactory(username="staff", is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/activity/loginlog/").status_code == 403
    assert client.get("/admin/activity/dashboard/").status_code == 403
    assert b"activity-summary" not in client.get("/admin/").content


def test_staff_with_view_permissions_can_read(client):
    staff = UserFactory(username="staff", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="activity", codename__in=["view_loginlog", "view_securitylog"]
        )
    )
    client.force_login(staff)
    assert client.get("/admin/activity/loginlog/").status_code == 200
    assert client.get("/admin/activity/dashboard/").status_code == 200
    assert client.get("/admin/activity/loginlog/add/").status_code == 403


def test_search_by_exact_ip_username_and_email(admin_client):
    _row(LoginLog, "login", email="alice@example.com")
    LoginLog.objects.create(event="login", ip_address="203.0.113.90", username="bob")
    url = "/admin/activity/loginlog/"

    def found(q):
        response = admin_client.get(url, {"q": q})
        assert response.status_code == 200
        return sorted(row.username for row in response.context["cl"].result_list)

    assert found(IP) == ["alice"]
    assert found("203.0.113") == []
    assert found("bob") == ["bob"]
    assert found("alice@example") == ["alice"]


def test_filters_by_event_date_and_user(admin_client, user):
    LoginLog.objects.create(event="login", user=user, username="alice")
    LoginLog.objects.create(event="failed", username="mallory")
    url = "/admin/activity/loginlog/"

    def events(params):
        response = admin_client.get(url, params)
        assert response.status_code == 200
        return sorted(row.event for row in response.context["cl"].result_list)

    assert events({"event__exact": "failed"}) == ["failed"]
    assert events({"user__id__exact": user.pk}) == ["login"]
    today = timezone.now()
    assert events({"created_at__year": today.year, "created_at__month": today.month}) == [
        "failed",
        "login",
    ]


def test_csv_export_streams_the_selected_rows_and_defuses_formulas(admin_client):
    keep = LoginLog.objects.create(event="failed", username="=HYPERLINK(1)", ip_address=IP)
    LoginLog.objects.create(event="login", username="not-selected")
    response = admin_client.post(
        "/admin/activity/loginlog/", {"action": "export_csv", "_selected_action": [keep.pk]}
    )
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][:3] == ["created_at", "event", "method"]
    assert len(rows) == 2
    assert rows[1][1] == "failed"
    assert "'=HYPERLINK(1)" in rows[1]
    assert IP in rows[1]


def test_user_admin_shows_profile_and_links_to_the_logs(admin_client, client, user, password):
    client.post("/accounts/login/", {"login": "alice", "password": password})
    response = admin_client.get(f"/admin/accounts/user/{user.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Number of logins" in html
    for name in ("loginlog", "securitylog", "mfalog"):
        assert f"/admin/activity/{name}/?user__id__exact={user.pk}" in html
    logs = admin_client.get(f"/admin/activity/loginlog/?user__id__exact={user.pk}")
    assert [row.user for row in logs.context["cl"].result_list] == [user]


def test_user_admin_add_page_has_no_profile_inline(admin_client):
    response = admin_client.get("/admin/accounts/user/add/")
    assert response.status_code == 200
    assert b"Login count" not in response.content


@pytest.mark.parametrize("rows", [10, 2000])
def test_login_log_changelist_query_count_is_fixed(admin_client, django_assert_num_queries, rows):
    seed_login_rows(rows)
    admin_client.get("/")  # settles the session's "last seen" write
    # user, savepoint, count, page of rows with users, release, and ONE date-hierarchy
    # MIN/MAX (shared by the admin's start-level check and the year/month list)
    with django_assert_num_queries(session_queries() + count_queries() + 5):
        response = admin_client.get("/admin/activity/loginlog/")
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == min(rows, 50)


@pytest.mark.parametrize("rows", [10, 2000])
def test_security_log_changelist_query_count_is_fixed(
    admin_client, django_assert_num_queries, rows
):
    users = [UserFactory(username=f"u{i}") for i in range(3)]
    SecurityLog.objects.bulk_create(
        SecurityLog(event="signup", user=users[i % 3], actor=users[(i + 1) % 3], extra={"n": i})
        for i in range(rows)
    )
    admin_client.get("/")
    with django_assert_num_queries(session_queries() + count_queries() + 5):
        assert admin_client.get("/admin/activity/securitylog/").status_code == 200


def test_paginator_uses_exact_count_off_postgresql_and_when_filtered():
    seed_login_rows(3)
    assert EstimatedCountPaginator(LoginLog.objects.all(), 50).count == 3
    assert EstimatedCountPaginator(LoginLog.objects.filter(event="login"), 50).count == 1


def test_date_hierarchy_lists_periods_between_first_and_last_row(admin_client):
    """Periods come from MIN/MAX (index-served), so an empty month in between is listed too."""
    from datetime import UTC, datetime

    for moment in (
        datetime(2029, 11, 30, 8, tzinfo=UTC),
        datetime(2030, 1, 15, 8, tzinfo=UTC),
        datetime(2030, 3, 2, 9, tzinfo=UTC),
    ):
        LoginLog.objects.create(event="login", created_at=moment)
    html = admin_client.get("/admin/activity/loginlog/").content.decode()
    assert "created_at__year=2029" in html and "created_at__year=2030" in html
    html = admin_client.get("/admin/activity/loginlog/?created_at__year=2030").content.decode()
    for month in (1, 2, 3):
        assert f"created_at__month={month}&amp;created_at__year=2030" in html
    assert "created_at__month=4" not in html
    response = admin_client.get(
        "/admin/activity/loginlog/?created_at__year=2030&created_at__month=3"
    )
    html = response.content.decode()
    assert "created_at__day=2&amp;" in html and "created_at__day=3&amp;" not in html
    assert len(response.context["cl"].result_list) == 1


@pytest.mark.parametrize(
    "params",
    [{"q": "alice"}, {"q": "203.0.113.9"}, {"event__exact": "failed"}, {"user__id__exact": 1}],
    ids=["name", "ip", "event", "user"],
)
def test_date_hierarchy_bounds_ignore_the_search_and_filters(admin_client, params):
    """The periods offered come from the log's first and last rows, whatever is searched: a
    MIN/MAX under a search walks every monthly partition until a match turns up (to the end
    of a month without one) on PostgreSQL. Rows of other names widen the periods listed."""
    from datetime import UTC, datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    LoginLog.objects.create(event="failed", username="alice", ip_address=IP)
    LoginLog.objects.create(
        event="login", username="bob", created_at=datetime(2029, 5, 1, tzinfo=UTC)
    )
    with CaptureQueriesContext(connection) as captured:
        response = admin_client.get("/admin/activity/loginlog/", params)
    assert response.status_code == 200
    bounds = [q["sql"] for q in captured.captured_queries if "MIN(" in q["sql"]]
    assert len(bounds) == 1 and " WHERE " not in bounds[0], bounds
    html = response.content.decode()
    assert "created_at__year=2029" in html  # bob's year, though only alice's rows match


def test_date_hierarchy_bounds_keep_the_drill_down(admin_client):
    from datetime import UTC, datetime

    for moment in (datetime(2030, 1, 15, tzinfo=UTC), datetime(2030, 3, 2, tzinfo=UTC)):
        LoginLog.objects.create(event="login", username="alice", created_at=moment)
    LoginLog.objects.create(
        event="login", username="bob", created_at=datetime(2031, 6, 1, tzinfo=UTC)
    )
    html = admin_client.get(
        "/admin/activity/loginlog/", {"created_at__year": 2030, "q": "alice"}
    ).content.decode()
    assert "created_at__month=3&amp;created_at__year=2030" in html
    assert "created_at__month=4&amp;" not in html  # bounded by 2030's last row, not 2031's


def test_ip_search_is_an_exact_match_on_the_indexed_column(admin_client):
    """An IP term filters ``ip_address = <inet>`` alone (index-served), never UPPER(HOST(...))."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    LoginLog.objects.create(event="failed", ip_address="2001:db8::7", username="mallory")
    LoginLog.objects.create(event="failed", ip_address="2001:db8::8", username="eve")
    with CaptureQueriesContext(connection) as captured:
        response = admin_client.get("/admin/activity/loginlog/", {"q": " 2001:DB8::7 "})
    assert [row.username for row in response.context["cl"].result_list] == ["mallory"]
    reads = [q["sql"] for q in captured.captured_queries if "activity_loginlog" in q["sql"]]
    # the count and the page filter on the address; the date hierarchy's MIN/MAX reads the
    # log's bounds, unfiltered (test_date_hierarchy_bounds_ignore_the_search_and_filters)
    filtered = [sql for sql in reads if "MIN(" not in sql]
    assert len(filtered) == 2 and all('"ip_address" = ' in sql for sql in filtered)
    assert not any("UPPER" in sql or "HOST(" in sql for sql in reads)


@pytest.mark.postgres
def test_ip_search_plan_uses_the_ip_index_on_postgresql(admin_client):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    from django.contrib import admin as django_admin

    from activity.admin import LoginLogAdmin

    model_admin = LoginLogAdmin(LoginLog, django_admin.site)
    queryset, _ = model_admin.get_search_results(None, LoginLog.objects.all(), "198.51.100.7")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # an empty test table: ask what it can use
        plan = queryset.order_by("-created_at", "-pk")[:50].explain()
        cursor.execute("SET enable_seqscan = on")
    assert "activity_login_ip_idx" in plan, plan
