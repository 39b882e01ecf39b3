"""Costs that must not grow with history: counters kept with the rows, pinned query counts
for every admin page and the user's page, and index-served plans on PostgreSQL."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from activity import services
from activity.models import EventCount, FailedLoginSource, LoginLog, MFALog, SecurityLog
from tests.activity.test_admin import seed_login_rows
from tests.helpers.audit import count_queries, session_queries
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory

User = get_user_model()

pytestmark = pytest.mark.django_db


def _counts():
    return {
        (row["log"], row["event"], row["method"]): row["n"]
        for row in EventCount.objects.values("log", "event", "method").annotate(n=Sum("count"))
    }


def _sources():
    return {
        (row.ip_address, row.username): row.failures
        for row in FailedLoginSource.objects.all()
        if row.failures
    }


def test_counters_are_written_with_the_rows_and_match_a_rebuild(client, user):
    for ip in ("192.0.2.1", "192.0.2.1", "192.0.2.2"):
        client.post("/accounts/login/", {"login": "ALICE", "password": "wrong"}, REMOTE_ADDR=ip)
    client.post("/accounts/login/", {"login": "nobody", "password": "x"}, REMOTE_ADDR="192.0.2.1")
    client.post("/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD})
    client.post("/accounts/logout/")

    live, sources = _counts(), _sources()
    assert live[("login", "failed", "")] == 4
    assert live[("login", "login", "password")] == 1
    assert live[("login", "logout", "")] == 1
    assert sources == {
        ("192.0.2.1", "alice"): 2,
        ("192.0.2.2", "alice"): 1,
        ("192.0.2.1", "nobody"): 1,
    }
    total_rows = sum(model.objects.count() for model in (LoginLog, SecurityLog, MFALog))
    assert sum(live.values()) == total_rows

    services.counts_rebuild()
    assert _counts() == live
    assert _sources() == sources


def test_a_failed_counter_write_rolls_the_row_back_with_it(user):
    """Same statement: a row is never committed without its count (and vice versa). The
    counter table is dropped inside a transaction, so the trigger's upsert fails."""
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute('DROP TABLE "activity_eventcount"')
        services.login_log_create(request=None, event="login", user=user)
    assert not LoginLog.objects.exists()
    assert not EventCount.objects.exists()  # the table is back (the DROP rolled back too)


def test_rows_inserted_without_the_services_are_counted_too(user):
    """The counters are kept by the database: a bulk insert (an import, a script) is counted
    with no rebuild, and the count matches what a rebuild computes."""
    LoginLog.objects.bulk_create(
        [
            LoginLog(event="failed", username="Mallory", ip_address="192.0.2.9"),
            LoginLog(event="failed", username="mallory", ip_address="192.0.2.9"),
            LoginLog(event="failed", username="eve"),  # no IP: no source row
            LoginLog(event="login", method="password", user=user),
        ]
    )
    MFALog.objects.create(event="used", method="totp", user=user)
    SecurityLog.objects.create(event="signup", user=user)
    live, sources = _counts(), _sources()
    assert live == {
        ("login", "failed", ""): 3,
        ("login", "login", "password"): 1,
        ("mfa", "used", "totp"): 1,
        ("security", "signup", ""): 1,
    }
    assert sources == {("192.0.2.9", "mallory"): 2}
    services.counts_rebuild()
    assert (_counts(), _sources()) == (live, sources)


def test_rebuild_from_a_point_keeps_older_counters(user):
    old = LoginLog.objects.create(event="login", created_at=timezone.now() - timedelta(days=3))
    services.counts_rebuild()
    LoginLog.objects.create(event="login")
    services.counts_rebuild(since=timezone.now() - timedelta(hours=1))
    assert _counts() == {("login", "login", ""): 2}
    assert old.pk


# --- pinned query counts of every page ----------------------------------------------------

# session, user, savepoint, (count), page of rows, release, the date hierarchy's MIN/MAX
CHANGELIST = 5


@pytest.mark.parametrize("rows", [10, 600])
@pytest.mark.parametrize(
    "params",
    [
        {"event__exact": "failed"},
        {"method__exact": "password"},
        {"created_at__year": "2030"},
        {"q": "seed1"},
        {"q": "SEED1@example"},
        {"q": "nobody"},
        {"q": "198.51.100.7"},
        {"event__exact": "login", "q": "seed"},
        {"created_at__year": "2030", "q": "seed1"},
    ],
    ids=[
        "event",
        "method",
        "year",
        "username",
        "email",
        "no-match",
        "ip",
        "event+search",
        "year+search",
    ],
)
def test_login_log_filtered_changelists_are_pinned(
    admin_client, django_assert_num_queries, rows, params
):
    seed_login_rows(rows)
    admin_client.get("/")
    # filtered: an exact count, never the estimate
    with django_assert_num_queries(session_queries() + 1 + CHANGELIST):
        response = admin_client.get("/admin/activity/loginlog/", params)
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [10, 600])
@pytest.mark.parametrize("by", ["user", "month"])
def test_user_filter_and_month_drill_down_are_pinned(
    admin_client, django_assert_num_queries, rows, by
):
    seed_login_rows(rows)
    today = timezone.localdate()
    if by == "user":
        params = {"user__id__exact": User.objects.get(username="seed1").pk}
    else:
        params = {"created_at__year": today.year, "created_at__month": today.month}
    admin_client.get("/")
    with django_assert_num_queries(session_queries() + 1 + CHANGELIST):
        response = admin_client.get("/admin/activity/loginlog/", params)
    assert response.context["cl"].result_list


def test_a_deep_page_is_pinned(admin_client, django_assert_num_queries):
    seed_login_rows(600)
    admin_client.get("/")
    # unfiltered: the estimate (PostgreSQL) or a count, then OFFSET 100 of the same walk
    with django_assert_num_queries(session_queries() + count_queries() + CHANGELIST):
        response = admin_client.get("/admin/activity/loginlog/", {"p": 3})
    assert len(response.context["cl"].result_list) == 50


@pytest.mark.parametrize("rows", [10, 600])
@pytest.mark.parametrize(
    "params",
    [{"event__exact": "signup"}, {"q": "u1"}, {"event__exact": "signup", "q": "u"}],
    ids=["event", "search", "event+search"],
)
def test_security_log_filtered_changelists_are_pinned(
    admin_client, django_assert_num_queries, rows, params
):
    users = [UserFactory(username=f"u{i}") for i in range(3)]
    SecurityLog.objects.bulk_create(
        SecurityLog(
            event=("signup", "rate_limited")[i % 2],
            user=users[i % 3],
            username=users[i % 3].username,
            actor=users[(i + 1) % 3],
        )
        for i in range(rows)
    )
    admin_client.get("/")
    with django_assert_num_queries(session_queries() + 1 + CHANGELIST):
        assert admin_client.get("/admin/activity/securitylog/", params).status_code == 200


@pytest.mark.parametrize("rows", [10, 600])
@pytest.mark.parametrize("params", [{}, {"q": "u1"}, {"target": "account"}], ids=str)
def test_lockouts_changelist_is_pinned(admin_client, django_assert_num_queries, rows, params):
    """The rate_limited rows only: always a filtered (capped) count."""
    user = UserFactory(username="u1")
    SecurityLog.objects.bulk_create(
        SecurityLog(
            event="rate_limited",
            user=user if i % 2 else None,
            username="u1",
            ip_address=f"198.51.100.{i % 50}",
            extra={"action": "login"},
        )
        for i in range(rows)
    )
    admin_client.get("/")
    # "locked now" of each row shown reads the cache, never the database
    with django_assert_num_queries(session_queries() + 1 + CHANGELIST):
        assert admin_client.get("/admin/activity/ratelimitrefusal/", params).status_code == 200


@pytest.mark.parametrize("rows", [10, 600])
def test_date_drill_down_to_a_day_is_pinned(admin_client, django_assert_num_queries, rows):
    seed_login_rows(rows)
    today = timezone.localdate()
    params = {
        "created_at__year": today.year,
        "created_at__month": today.month,
        "created_at__day": today.day,
    }
    admin_client.get("/")
    # a single day: no date-hierarchy query left, the exact count of the day instead
    with django_assert_num_queries(session_queries() + CHANGELIST):
        response = admin_client.get("/admin/activity/loginlog/", params)
    assert response.context["cl"].result_list


@pytest.mark.parametrize("rows", [10, 600])
def test_mfa_log_changelist_is_pinned(admin_client, django_assert_num_queries, rows):
    MFALog.objects.bulk_create(
        MFALog(event=("used", "failed")[i % 2], method="totp", username=f"u{i}")
        for i in range(rows)
    )
    admin_client.get("/")
    with django_assert_num_queries(session_queries() + count_queries() + CHANGELIST):
        assert admin_client.get("/admin/activity/mfalog/").status_code == 200
    with django_assert_num_queries(session_queries() + 1 + CHANGELIST):
        assert (
            admin_client.get("/admin/activity/mfalog/", {"method__exact": "totp"}).status_code
            == 200
        )
    with django_assert_num_queries(session_queries() + 1 + CHANGELIST):
        assert admin_client.get("/admin/activity/mfalog/", {"q": "u1"}).status_code == 200


@pytest.mark.parametrize(
    "name,model", [("loginlog", LoginLog), ("securitylog", SecurityLog), ("mfalog", MFALog)]
)
def test_change_pages_are_pinned(admin_client, django_assert_num_queries, name, model):
    user = UserFactory()
    row = model.objects.create(event="login" if model is LoginLog else "used", user=user)
    admin_client.get("/")
    ContentType.objects.clear_cache()  # the same cost whatever ran before in this process
    # user, savepoint, the row, the log's content type (history link), release, the row's
    # user (shown read-only)
    with django_assert_num_queries(session_queries() + 6):
        assert admin_client.get(f"/admin/activity/{name}/{row.pk}/change/").status_code == 200


@pytest.mark.parametrize("rows", [5, 300])
def test_user_activity_page_is_pinned(client, user, django_assert_num_queries, rows):
    now = timezone.now()
    LoginLog.objects.bulk_create(
        LoginLog(event="login", user=user, created_at=now - timedelta(minutes=i))
        for i in range(rows)
    )
    SecurityLog.objects.bulk_create(
        SecurityLog(event="password_changed", user=user, created_at=now - timedelta(minutes=i))
        for i in range(rows)
    )
    client.post("/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD})
    client.get("/")
    # session, user, savepoint, logins, events, release
    with django_assert_num_queries(session_queries() + 5):
        response = client.get("/accounts/activity/")
    assert response.status_code == 200


# --- plans on PostgreSQL ------------------------------------------------------------------


def _plan(queryset):
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # empty test tables: ask what it can use
        try:
            return queryset.explain()
        finally:
            cursor.execute("SET enable_seqscan = on")


@pytest.mark.postgres
def test_username_and_email_search_use_the_prefix_indexes(admin_client):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    from django.contrib import admin as django_admin

    from activity.admin import LoginLogAdmin, SecurityLogAdmin

    for admin_class, model, prefix in (
        (LoginLogAdmin, LoginLog, "activity_login"),
        (SecurityLogAdmin, SecurityLog, "activity_security"),
    ):
        model_admin = admin_class(model, django_admin.site)
        queryset, _ = model_admin.get_search_results(None, model.objects.all(), "alice")
        # The rows matching the term, what the filtered count reads (the page query:
        # test_a_name_search_page_is_read_through_the_prefix_indexes).
        plan = _plan(queryset.order_by())
        assert f"{prefix}_uname_idx" in plan and f"{prefix}_email_idx" in plan, plan


@pytest.mark.parametrize("cap", [10_000, 3], ids=["sorted-from-matches", "walk"])
def test_a_name_search_lists_the_newest_matches_first_either_way(admin_client, monkeypatch, cap):
    """Under the cap the page is sorted from the matches (PostgreSQL), over it the log is
    walked by date: the same rows, newest first; the count is the search's own."""
    from activity import admin as activity_admin

    monkeypatch.setattr(activity_admin, "COUNT_CAP", cap)
    seed_login_rows(40)
    response = admin_client.get("/admin/activity/loginlog/", {"q": "SEED1"})
    expected = list(
        LoginLog.objects.filter(username__istartswith="seed1").order_by("-created_at", "-pk")
    )
    assert len(expected) > 3
    assert list(response.context["cl"].result_list) == expected
    assert response.context["cl"].result_count == min(len(expected), cap + 1)


@pytest.mark.postgres
def test_a_name_search_page_is_read_through_the_prefix_indexes(admin_client):
    """The page query itself (not only the count) is served by the username and email
    indexes, never by walking the created_at index (see activity.admin.LogChangeList)."""
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    seed_login_rows(30)
    with CaptureQueriesContext(connection) as captured:
        admin_client.get("/admin/activity/loginlog/", {"q": "seed1"})
    pages = [
        q["sql"]
        for q in captured.captured_queries
        if "activity_loginlog" in q["sql"] and "ORDER BY" in q["sql"] and "COUNT(" not in q["sql"]
    ]
    assert len(pages) == 1, pages
    with connection.cursor() as cursor:
        # Empty test tables: ask what it can use. With sorts disfavoured as well, a page
        # ordered by plain created_at is served by walking its index, the plan of the bug.
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_sort = off")
        try:
            cursor.execute("EXPLAIN " + pages[0])
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("SET enable_seqscan = on")
            cursor.execute("SET enable_sort = on")
    assert "uname_idx" in plan or "upper_idx" in plan, plan
    assert "created_at_id" not in plan and "created_idx" not in plan, plan


@pytest.mark.postgres
def test_event_filter_user_page_and_counters_are_index_served():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    from activity import selectors

    since = timezone.now() - timedelta(days=30)
    for queryset, index in (
        (
            LoginLog.objects.filter(event="failed").order_by("-created_at", "-pk")[:50],
            "activity_login_event_idx",
        ),
        (
            LoginLog.objects.filter(user_id=1).order_by("-created_at")[:50],
            "activity_login_user_idx",
        ),
        (selectors.event_counts_queryset(log="login", since=since), "activity_count_uniq"),
        (selectors.top_failed_ips_queryset(since=since, limit=10), "activity_failsrc_uniq"),
    ):
        plan = _plan(queryset)
        assert index in plan, plan


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_lose_no_count_and_never_deadlock():
    """Real threads, each its own transaction writing a login and a failure: every row is
    counted once, in the same transaction as the row (striped counters, atomic upserts)."""
    import threading

    from django.db import connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    user = UserFactory()
    threads_n, per_thread = 8, 10
    barrier = threading.Barrier(threads_n)
    errors = []

    def run():
        try:
            barrier.wait()
            for _ in range(per_thread):
                with transaction.atomic():
                    services.login_log_create(request=None, event="login", user=user)
                    services.security_log_create(request=None, event="new_device_login", user=user)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run) for _ in range(threads_n)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert LoginLog.objects.count() == threads_n * per_thread
    assert _counts() == {
        ("login", "login", ""): threads_n * per_thread,
        ("security", "new_device_login", ""): threads_n * per_thread,
    }


def test_a_filtered_count_stops_at_the_cap(user):
    from activity.admin import EstimatedCountPaginator

    class Small(EstimatedCountPaginator):
        count_cap = 5

    LoginLog.objects.bulk_create(LoginLog(event="failed", username=f"u{i}") for i in range(8))
    LoginLog.objects.create(event="login")
    assert Small(LoginLog.objects.filter(event="failed"), 2).count == 6  # "more than 5"
    assert Small(LoginLog.objects.filter(event="login"), 2).count == 1
    assert Small(LoginLog.objects.all(), 2).count == 9  # unfiltered: exact off PostgreSQL
