"""Monthly partitions of the log tables on PostgreSQL (the migration's function, applied to
the test database inside the test's transaction, so it is rolled back afterwards)."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from activity import integrity, partitioning, services
from activity.models import LoginLog, SecurityLog

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

OLD = datetime(2030, 1, 15, 12, tzinfo=UTC)
NOW = datetime(2030, 6, 15, 12, tzinfo=UTC)


@pytest.fixture
def partitioned(user):
    if connection.vendor != "postgresql":
        pytest.skip("partitioning is PostgreSQL's")
    with time_machine.travel(OLD, tick=False):
        old = services.login_log_create(request=None, event="login", user=user)
    with time_machine.travel(NOW, tick=False):
        recent = services.login_log_create(request=None, event="failed", username="x")
        with connection.cursor() as cursor:
            for table in partitioning.LOG_TABLES:
                partitioning.partition_table(cursor, table, today=NOW.date())
        yield {"old": old, "recent": recent}


def _where(row):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tableoid::regclass::text FROM {row._meta.db_table} WHERE id = %s", [row.pk]
        )
        return cursor.fetchone()[0]


def test_rows_are_kept_and_land_in_their_month(partitioned, user):
    assert _where(partitioned["old"]) == "activity_loginlog_p203001"
    assert _where(partitioned["recent"]) == "activity_loginlog_p203006"
    with time_machine.travel(NOW, tick=False):
        new = services.login_log_create(request=None, event="logout", user=user)
    assert new.pk > partitioned["recent"].pk  # the identity sequence carried on
    assert _where(new) == "activity_loginlog_p203006"
    assert LoginLog.objects.get(pk=partitioned["old"].pk).user == user
    with connection.cursor() as cursor:
        assert partitioning.is_partitioned(cursor, "activity_loginlog")
        months = [m for m, _ in partitioning.monthly_partitions(cursor, "activity_loginlog")]
    assert months[0] == date(2030, 1, 1) and months[-1] == date(2030, 9, 1)


def test_a_row_beyond_the_partitions_goes_to_default_then_moves_to_its_month(partitioned):
    far = LoginLog.objects.create(event="login", created_at=datetime(2031, 3, 1, tzinfo=UTC))
    assert _where(far) == "activity_loginlog_default"
    with connection.cursor() as cursor:
        created = partitioning.ensure_partitions(
            cursor, "activity_loginlog", today=date(2031, 1, 10)
        )
    assert "activity_loginlog_p203103" in created
    assert _where(far) == "activity_loginlog_p203103"


def test_the_admin_pages_work_on_partitioned_logs(partitioned, admin_client):
    response = admin_client.get("/admin/activity/loginlog/")
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 2
    response = admin_client.get("/admin/activity/loginlog/", {"created_at__year": "2030"})
    assert response.status_code == 200
    row = partitioned["old"]
    assert admin_client.get(f"/admin/activity/loginlog/{row.pk}/change/").status_code == 200


def test_prune_drops_whole_months_and_the_trail_still_verifies(partitioned, settings):
    settings.ACTIVITY_DIGEST_KEY = "a digest key"
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        integrity.seal()
        deleted = services.activity_prune(older_than_days=90)
        assert deleted["LoginLog"] == 1
        with connection.cursor() as cursor:
            names = [n for _, n in partitioning.monthly_partitions(cursor, "activity_loginlog")]
        assert "activity_loginlog_p203001" not in names
        assert LoginLog.objects.filter(pk=partitioned["recent"].pk).exists()
        integrity.seal(now=timezone.now() + timedelta(minutes=2))
        assert integrity.verify(now=timezone.now() + timedelta(minutes=3)).ok
    assert SecurityLog.objects.filter(event="activity_pruned").exists()


def test_the_estimated_count_sums_the_partitions(partitioned):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE activity_loginlog_p203001")
        cursor.execute("ANALYZE activity_loginlog_p203006")
        assert partitioning.estimated_rows(cursor, "activity_loginlog") == 2
