"""Benchmark (never a test): seed many log rows, then time the audit changelists and dashboard.

    DJANGO_SETTINGS_MODULE=config.test_settings .venv/bin/python bench/activity_admin.py --rows 200000

Runs in a throwaway test database (created, then destroyed), so it is safe anywhere; set
DATABASE_URL to benchmark PostgreSQL. Prints the median time and the query count per page.
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

PAGES = [
    "/admin/activity/loginlog/",
    "/admin/activity/loginlog/?event__exact=failed",
    "/admin/activity/loginlog/?q=198.51.100.7",
    "/admin/activity/loginlog/?q=bench7",
    "/admin/activity/loginlog/?user__id__exact=7",
    "/admin/activity/loginlog/?p=100",
    "/admin/activity/securitylog/",
    "/admin/activity/dashboard/",
    "/admin/",
]


def seed(rows, batch=5000):
    from accounts.models import User
    from activity.models import LoginLog, SecurityLog

    users = [User.objects.create_user(f"bench{i}", f"bench{i}@example.com") for i in range(200)]
    now = timezone.now()
    spread = timedelta(days=60) / rows
    for start in range(0, rows, batch):
        stop = min(start + batch, rows)
        LoginLog.objects.bulk_create(
            LoginLog(
                event=("login", "failed", "logout")[i % 3],
                user=users[i % 200],
                username=users[i % 200].username,
                ip_address=f"198.51.{i % 250}.{i % 200}",
                user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
                created_at=now - spread * i,
            )
            for i in range(start, stop)
        )
        SecurityLog.objects.bulk_create(
            SecurityLog(
                event=SecurityLog.Event.values[i % len(SecurityLog.Event.values)],
                user=users[i % 200],
                username=users[i % 200].username,
                created_at=now - spread * i,
            )
            for i in range(start, stop)
        )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        from accounts.models import User

        started = time.perf_counter()
        seed(args.rows)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"seeded {args.rows} rows per log in {time.perf_counter() - started:.1f}s")
        admin = User.objects.create_superuser("benchadmin", "admin@example.com", "x")
        client = Client()
        client.force_login(admin)
        client.get("/")
        for url in PAGES:
            timings = []
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(url)
                    timings.append(time.perf_counter() - started)
                assert response.status_code == 200, (url, response.status_code)
            median = statistics.median(timings) * 1000
            print(f"{median:8.1f} ms  {len(queries):3d} queries  {url}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
