"""Benchmark (never a test): the audit admin, dashboard, search and user page at millions of rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_audit \\
        .venv/bin/python bench/activity_scale.py --rows 1000000 [--rows 10000000] [--keep]

For each size: creates a throwaway database with the real migrations (so on PostgreSQL the logs
are partitioned by month and the prefix-search indexes exist), fills every log with ``--rows``
rows spread over 180 days with ``generate_series`` (60 % logins, 30 % failures, 10 % logouts
over 20,000 users and 50,000 addresses; security and MFA events in proportion), builds the
hourly counters as ``rebuild_activity_counts`` does, ANALYZEs, then times each page through
the test client (in process: the server's time, no network) and prints the median of
``--repeat`` runs and its query count. With two sizes it prints the 10M/1M ratio of the
dashboard. PostgreSQL only (the fill is SQL).
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

USERS = 20_000


def pages(user_id, row_id):
    today = timezone.localdate()
    month = f"created_at__year={today.year}&created_at__month={today.month}"
    return [
        ("login log", "/admin/activity/loginlog/"),
        ("login log, event filter", "/admin/activity/loginlog/?event__exact=failed"),
        ("login log, method filter", "/admin/activity/loginlog/?method__exact=totp"),
        ("login log, month", f"/admin/activity/loginlog/?{month}"),
        ("login log, day", f"/admin/activity/loginlog/?{month}&created_at__day={today.day}"),
        ("login log, username search", "/admin/activity/loginlog/?q=user1234"),
        ("login log, email search", "/admin/activity/loginlog/?q=user1234%40example.org"),
        ("login log, IP search", "/admin/activity/loginlog/?q=10.1.2.3"),
        ("login log, user filter", f"/admin/activity/loginlog/?user__id__exact={user_id}"),
        ("login log, page 100", "/admin/activity/loginlog/?p=100"),
        ("login log row", f"/admin/activity/loginlog/{row_id}/change/"),
        ("security log", "/admin/activity/securitylog/"),
        ("security log, event filter", "/admin/activity/securitylog/?event__exact=signup"),
        ("security log, username search", "/admin/activity/securitylog/?q=user77"),
        ("MFA log", "/admin/activity/mfalog/"),
        ("MFA log, method filter", "/admin/activity/mfalog/?method__exact=webauthn"),
        ("dashboard", "/admin/activity/dashboard/"),
        ("admin index", "/admin/"),
    ]


FILL = {
    "activity_loginlog": """
        INSERT INTO activity_loginlog (created_at, user_id, username, email, ip_address,
            user_agent, path, session_hash, extra, event, method, reason)
        SELECT now() - (i::float / %(n)s) * interval '180 days',
               CASE WHEN i %% 10 < 9 THEN u.id END,
               'user' || (i %% {users}), 'user' || (i %% {users}) || '@example.org',
               ('10.' || (i %% 250) || '.' || (i / 250 %% 250) || '.' || (i %% 8))::inet,
               'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
               '/accounts/login/', '', '{{}}'::jsonb,
               (ARRAY['login','login','login','login','login','login','failed','failed','failed','logout'])[i %% 10 + 1],
               CASE WHEN i %% 10 < 6 THEN (ARRAY['password','password','totp','webauthn','passkey'])[i %% 5 + 1] ELSE '' END,
               CASE WHEN i %% 10 BETWEEN 6 AND 8 THEN 'bad_credentials' ELSE '' END
        FROM generate_series(1, %(n)s) AS i
        JOIN bench_users u ON u.n = i %% {users}
    """,
    "activity_securitylog": """
        INSERT INTO activity_securitylog (created_at, user_id, username, email, ip_address,
            user_agent, path, session_hash, extra, event, actor_id)
        SELECT now() - (i::float / %(n)s) * interval '180 days', u.id,
               'user' || (i %% {users}), 'user' || (i %% {users}) || '@example.org',
               ('10.' || (i %% 250) || '.' || (i / 250 %% 250) || '.1')::inet,
               'Mozilla/5.0', '/accounts/', '', '{{}}'::jsonb,
               (ARRAY['signup','password_changed','email_added','email_confirmed',
                      'email_confirmation_sent','new_device_login','reauthenticated',
                      'totp_added','rate_limited','sessions_ended'])[i %% 10 + 1],
               u.id
        FROM generate_series(1, %(n)s) AS i
        JOIN bench_users u ON u.n = i %% {users}
    """,
    "activity_mfalog": """
        INSERT INTO activity_mfalog (created_at, user_id, username, email, ip_address,
            user_agent, path, session_hash, extra, event, method, authenticator_id,
            passwordless, reauthentication)
        SELECT now() - (i::float / %(n)s) * interval '180 days', u.id,
               'user' || (i %% {users}), 'user' || (i %% {users}) || '@example.org',
               ('10.' || (i %% 250) || '.' || (i / 250 %% 250) || '.2')::inet,
               'Mozilla/5.0', '/accounts/2fa/authenticate/', '', '{{}}'::jsonb,
               CASE WHEN i %% 10 = 0 THEN 'failed' ELSE 'used' END,
               (ARRAY['totp','webauthn','recovery_codes'])[i %% 3 + 1], i %% 5000,
               i %% 7 = 0, i %% 11 = 0
        FROM generate_series(1, %(n)s) AS i
        JOIN bench_users u ON u.n = i %% {users}
    """,
}


def fill(rows):
    from accounts.models import User
    from activity import partitioning, services

    User.objects.bulk_create(
        User(username=f"user{n}", email=f"user{n}@example.org", password="!") for n in range(USERS)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_users AS SELECT id, "
            "substring(username from 5)::int AS n FROM accounts_user WHERE username LIKE 'user%%'"
        )
        cursor.execute("CREATE INDEX ON bench_users (n)")
        # The counting triggers (activity/dbsetup.py) would upsert a counter per generated
        # row; the fill skips them (the bench runs as a superuser) and rebuilds the counters
        # once at the end, as an import would.
        cursor.execute("SET session_replication_role = replica")
        for table, sql in FILL.items():
            started = time.perf_counter()
            if partitioning.is_partitioned(cursor, table):  # the 180 days' months
                first = (timezone.now() - timedelta(days=190)).date().replace(day=1)
                partitioning.ensure_partitions(cursor, table, start=first)
            cursor.execute(sql.format(users=USERS), {"n": rows})
            print(f"  {table}: {rows:,} rows in {time.perf_counter() - started:.0f}s", flush=True)
        cursor.execute("SET session_replication_role = DEFAULT")
    started = time.perf_counter()
    services.counts_rebuild()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # visibility map: index-only scans as in production
    print(f"  counters rebuilt and analysed in {time.perf_counter() - started:.0f}s", flush=True)


def measure(repeat):
    from accounts.models import User
    from activity.models import LoginLog

    admin = User.objects.create_superuser("benchadmin", "admin@example.com", "x")
    client = Client()
    client.force_login(admin)
    client.get("/")
    user = User.objects.get(username="user1234")
    row_id = LoginLog.objects.order_by("-created_at").values_list("pk", flat=True).first()
    results = {}
    for label, url in pages(user.pk, row_id):
        timings = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                timings.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
        results[label] = (statistics.median(timings) * 1000, len(queries))
    own = Client()
    own.force_login(user)
    own.get("/")
    timings = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            assert own.get("/accounts/activity/").status_code == 200
            timings.append(time.perf_counter() - started)
    results["user's activity page"] = (statistics.median(timings) * 1000, len(queries))
    return results


def run(rows, repeat, keep):
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        print(f"filling {rows:,} rows per log", flush=True)
        fill(rows)
        return measure(repeat)
    finally:
        if not keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, action="append")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only: set DATABASE_URL.")
    sizes = args.rows or [1_000_000]
    setup_test_environment()
    all_results = {}
    for size in sizes:
        all_results[size] = run(size, args.repeat, args.keep)
        for label, (ms, queries) in all_results[size].items():
            print(f"  {label:32}{ms:10.1f} ms {queries:3d} q", flush=True)
    labels = list(next(iter(all_results.values())))
    header = "".join(f"{f'{size:,} rows':>22}" for size in sizes)
    print(f"\n{'page':32}{header}")
    for label in labels:
        cells = "".join(
            f"{all_results[size][label][0]:10.1f} ms {all_results[size][label][1]:3d} q   "
            for size in sizes
        )
        print(f"{label:32}{cells}")
    if len(sizes) == 2:
        small, big = (all_results[size]["dashboard"][0] for size in sizes)
        print(f"\ndashboard ratio {sizes[1]:,}/{sizes[0]:,}: {big / small:.2f}")


if __name__ == "__main__":
    main()
