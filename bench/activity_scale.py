"""Benchmark (never a test): the audit admin, dashboard, search and user page at millions of rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_audit \\
        .venv/bin/python bench/activity_scale.py --rows 1000000 [--rows 10000000] [--keep]

For each size: creates a throwaway database with the real migrations (so on PostgreSQL the logs
are partitioned by month and the prefix-search indexes exist), fills every log with ``--rows``
rows with ``generate_series`` (60 % logins, 30 % failures, 10 % logouts over 20,000 users,
each row's user drawn by a hash so a person's rows are scattered through time, and 50,000
addresses; security and MFA events in proportion), oldest row first so ids grow with time.
By default the rows come at a fixed daily rate (1M rows = 180 days, 10M = ~5 years: a bigger
log is a longer history, as on a real site); ``--days`` fixes the span instead (``--days 180``
at 10M is ten times the daily traffic). The secondary indexes are dropped during the load and
built afterwards. Then it builds the hourly counters as ``rebuild_activity_counts`` does,
runs ``VACUUM ANALYZE``, times each page through the test client (in process: the server's
time, no network) and prints the median of ``--repeat`` runs, its query count and the load
average. With two sizes it prints the ratio of the dashboard's times. PostgreSQL only (the
fill is SQL).
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
# Rows per log and day by default: 1M rows is 180 days of history, 10M rows ~5 years.
RATE = 1_000_000 // 180


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
        ("login log, search, no match", "/admin/activity/loginlog/?q=nobody"),
        ("login log, broad prefix search", "/admin/activity/loginlog/?q=user"),
        ("login log, event + search", "/admin/activity/loginlog/?event__exact=failed&q=user1234"),
        ("login log, IP search", "/admin/activity/loginlog/?q=10.1.2.3"),
        ("login log, user filter", f"/admin/activity/loginlog/?user__id__exact={user_id}"),
        ("login log, page 100", "/admin/activity/loginlog/?p=100"),
        ("login log row", f"/admin/activity/loginlog/{row_id}/change/"),
        ("security log", "/admin/activity/securitylog/"),
        ("security log, event filter", "/admin/activity/securitylog/?event__exact=signup"),
        ("security log, username search", "/admin/activity/securitylog/?q=user77"),
        ("MFA log", "/admin/activity/mfalog/"),
        ("MFA log, method filter", "/admin/activity/mfalog/?method__exact=webauthn"),
        ("MFA log, username search", "/admin/activity/mfalog/?q=user4321"),
        ("lockouts and refusals", "/admin/activity/ratelimitrefusal/"),
        ("dashboard", "/admin/activity/dashboard/"),
        ("admin index", "/admin/"),
    ]


FILL = {
    "activity_loginlog": """
        INSERT INTO activity_loginlog (created_at, user_id, username, email, ip_address,
            user_agent, path, session_hash, extra, event, method, reason)
        SELECT now() - ((%(n)s - i)::float / %(n)s) * %(span)s * interval '1 day',
               CASE WHEN i %% 10 < 9 THEN u.id END,
               'user' || h.n, 'user' || h.n || '@example.org',
               ('10.' || (i %% 250) || '.' || (i / 250 %% 250) || '.' || (i %% 8))::inet,
               'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
               '/accounts/login/', '', '{{}}'::jsonb,
               (ARRAY['login','login','login','login','login','login','failed','failed','failed','logout'])[i %% 10 + 1],
               CASE WHEN i %% 10 < 6 THEN (ARRAY['password','password','totp','webauthn','passkey'])[i %% 5 + 1] ELSE '' END,
               CASE WHEN i %% 10 BETWEEN 6 AND 8 THEN 'bad_credentials' ELSE '' END
        FROM generate_series(1, %(n)s) AS i
        CROSS JOIN LATERAL (SELECT (hashint4(i) & 2147483647) %% {users} AS n) AS h
        JOIN bench_users u ON u.n = h.n
    """,
    "activity_securitylog": """
        INSERT INTO activity_securitylog (created_at, user_id, username, email, ip_address,
            user_agent, path, session_hash, extra, event, actor_id)
        SELECT now() - ((%(n)s - i)::float / %(n)s) * %(span)s * interval '1 day', u.id,
               'user' || h.n, 'user' || h.n || '@example.org',
               ('10.' || (i %% 250) || '.' || (i / 250 %% 250) || '.1')::inet,
               'Mozilla/5.0', '/accounts/', '', '{{}}'::jsonb,
               (ARRAY['signup','password_changed','email_added','email_confirmed',
                      'email_confirmation_sent','new_device_login','reauthenticated',
                      'totp_added','rate_limited','sessions_ended'])[i %% 10 + 1],
               u.id
        FROM generate_series(1, %(n)s) AS i
        CROSS JOIN LATERAL (SELECT (hashint4(i) & 2147483647) %% {users} AS n) AS h
        JOIN bench_users u ON u.n = h.n
    """,
    "activity_mfalog": """
        INSERT INTO activity_mfalog (created_at, user_id, username, email, ip_address,
            user_agent, path, session_hash, extra, event, method, authenticator_id,
            passwordless, reauthentication)
        SELECT now() - ((%(n)s - i)::float / %(n)s) * %(span)s * interval '1 day', u.id,
               'user' || h.n, 'user' || h.n || '@example.org',
               ('10.' || (i %% 250) || '.' || (i / 250 %% 250) || '.2')::inet,
               'Mozilla/5.0', '/accounts/2fa/authenticate/', '', '{{}}'::jsonb,
               CASE WHEN i %% 10 = 0 THEN 'failed' ELSE 'used' END,
               (ARRAY['totp','webauthn','recovery_codes'])[i %% 3 + 1], i %% 5000,
               i %% 7 = 0, i %% 11 = 0
        FROM generate_series(1, %(n)s) AS i
        CROSS JOIN LATERAL (SELECT (hashint4(i) & 2147483647) %% {users} AS n) AS h
        JOIN bench_users u ON u.n = h.n
    """,
}


def _secondary_indexes(cursor, table):
    """``[(name, CREATE INDEX ...)]`` of the parent's indexes other than the primary key."""
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary",
        [table],
    )
    # a partitioned parent's index reads "ON ONLY <table>": recreate it on every partition
    return [(name, sql.replace(" ON ONLY ", " ON ")) for name, sql in cursor.fetchall()]


def fill(rows, days):
    """Fill every log, then build its secondary indexes once (maintaining five random-order
    B-trees row by row is what made a fill take ~1 min per million rows per log)."""
    from accounts.models import User
    from activity import partitioning, services

    User.objects.bulk_create(
        User(username=f"user{n}", email=f"user{n}@example.org", password="!") for n in range(USERS)
    )
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute(
            "CREATE TEMP TABLE bench_users AS SELECT id, "
            "substring(username from 5)::int AS n FROM accounts_user WHERE username LIKE 'user%%'"
        )
        cursor.execute("CREATE INDEX ON bench_users (n)")
        # The counting triggers (activity/dbsetup.py, on main) would upsert a counter per
        # generated row; the fill skips them (the bench runs as a superuser) and rebuilds the
        # counters once at the end, as an import would.
        cursor.execute("SET session_replication_role = replica")
        for table, sql in FILL.items():
            started = time.perf_counter()
            if partitioning.is_partitioned(cursor, table):  # the months of the span
                first = (timezone.now() - timedelta(days=days + 10)).date().replace(day=1)
                partitioning.ensure_partitions(cursor, table, start=first)
            indexes = _secondary_indexes(cursor, table)
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute(sql.format(users=USERS), {"n": rows, "span": days})
            loaded = time.perf_counter() - started
            for _, create in indexes:
                cursor.execute(create)
            print(
                f"  {table}: {rows:,} rows in {loaded:.0f}s, "
                f"{len(indexes)} indexes in {time.perf_counter() - started - loaded:.0f}s",
                flush=True,
            )
        cursor.execute("SET session_replication_role = DEFAULT")
    started = time.perf_counter()
    services.counts_rebuild()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # visibility map: index-only scans as in production
    print(f"  counters rebuilt and analysed in {time.perf_counter() - started:.0f}s", flush=True)


def _use(name):
    """Point the connection at the database ``name`` (the next query reconnects)."""
    connection.close()
    connection.settings_dict["NAME"] = name


def prepare(user_urls):
    """A logged-in staff client, the page list, and the owner's client, in the current db."""
    from accounts.models import User
    from activity.models import LoginLog

    admin = User.objects.filter(username="benchadmin").first() or User.objects.create_superuser(
        "benchadmin", "admin@example.com", "x"
    )
    staff = Client()
    staff.force_login(admin)
    staff.get("/")
    user = User.objects.get(username="user1234")
    owner = Client()
    owner.force_login(user)
    owner.get("/")
    row_id = LoginLog.objects.order_by("-created_at").values_list("pk", flat=True).first()
    urls = [(label, staff, url) for label, url in pages(user.pk, row_id)]
    return [*urls, *((label, owner, url) for label, url in user_urls)]


def measure(databases, repeat):
    """Time every page ``repeat`` times, the sizes taking turns round by round (and which
    goes first alternating), so the load of a shared machine weighs on both sizes alike.
    Each switch opens a new connection: one untimed pass over the pages first, so no size
    pays PostgreSQL's catalog loading for its partitions inside a timing (as a pooled
    connection would not). Medians, in ms."""
    timings = {size: {} for size in databases}
    queries = {size: {} for size in databases}
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)
    order = list(databases.items())
    for turn in range(repeat):
        for size, (name, requests) in order if turn % 2 == 0 else order[::-1]:
            _use(name)
            for _, client, url in requests:
                client.get(url)
            for label, client, url in requests:
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url)
                    elapsed = time.perf_counter() - started
                assert response.status_code == 200, (url, response.status_code)
                timings[size].setdefault(label, []).append(elapsed * 1000)
                queries[size][label] = len(captured)
    print("load average after:  {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)
    return {
        size: {
            label: (statistics.median(values), queries[size][label])
            for label, values in timings[size].items()
        }
        for size in databases
    }


def _exists(name):
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def create(rows, days, base, *, reuse=False):
    """A fresh test database ``test_<base>_<rows>`` with the real migrations, filled; its
    name. With ``reuse``, one kept by an earlier ``--keep`` run is measured again as it is."""
    name = f"test_{base}_{rows}"
    _use(base)
    if reuse and _exists(name):
        print(f"reusing {name}", flush=True)
        _use(name)
        return name
    connection.settings_dict["TEST"]["NAME"] = name
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    print(f"filling {rows:,} rows per log over {days} days ({name})", flush=True)
    fill(rows, days)
    return name


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, action="append")
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument(
        "--days",
        type=int,
        help=f"span of the rows (default: a fixed daily rate, {RATE:,} rows per log and day, so a "
        "bigger log is a longer history)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the databases a --keep run left, no fill"
    )
    parser.add_argument(
        "--only", action="append", help="time only the page with this label (repeatable)"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only: set DATABASE_URL.")
    sizes = args.rows or [1_000_000]
    setup_test_environment()
    base = connection.settings_dict["NAME"]
    databases = {}
    try:
        for size in sizes:
            days = args.days or max(1, round(size / RATE))
            name = create(size, days, base, reuse=args.reuse)
            requests = prepare([("user's activity page", "/accounts/activity/")])
            if args.only:
                requests = [request for request in requests if request[0] in args.only]
            databases[size] = (name, requests)
        results = measure(databases, args.repeat)
    finally:
        if not args.keep:
            for name, _ in databases.values():
                _use(base)
                connection.creation._destroy_test_db(name, verbosity=0)
    labels = list(next(iter(results.values())))
    header = "".join(f"{f'{size:,} rows':>22}" for size in sizes)
    print(f"\n{'page':32}{header}")
    for label in labels:
        cells = "".join(
            f"{results[size][label][0]:10.1f} ms {results[size][label][1]:3d} q   "
            for size in sizes
        )
        print(f"{label:32}{cells}")
    if len(sizes) == 2:
        small, big = (results[size]["dashboard"][0] for size in sizes)
        print(f"\ndashboard ratio {sizes[1]:,}/{sizes[0]:,}: {big / small:.2f}")


if __name__ == "__main__":
    main()
