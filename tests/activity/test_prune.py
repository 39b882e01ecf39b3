"""``manage.py prune_activity --older-than DAYS`` deletes old rows in batches and says so."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activity.models import LoginLog, MFALog, SecurityLog

pytestmark = pytest.mark.django_db


def _rows(model, event, days_ago, count):
    model.objects.bulk_create(
        model(event=event, created_at=timezone.now() - timedelta(days=days_ago))
        for _ in range(count)
    )


def test_prune_deletes_only_old_rows_in_batches_and_records_it():
    _rows(LoginLog, "login", 100, 7)
    _rows(LoginLog, "login", 10, 2)
    _rows(SecurityLog, "signup", 91, 3)
    _rows(SecurityLog, "signup", 89, 1)
    _rows(MFALog, "used", 200, 1)
    out = StringIO()

    with CaptureQueriesContext(connection) as queries:
        call_command("prune_activity", "--older-than", "90", "--batch-size", "3", stdout=out)

    assert LoginLog.objects.count() == 2
    assert MFALog.objects.count() == 0
    record = SecurityLog.objects.get(event="activity_pruned")
    assert record.extra["deleted"] == {"LoginLog": 7, "SecurityLog": 3, "MFALog": 1}
    assert record.extra["older_than_days"] == 90
    assert SecurityLog.objects.filter(event="signup").count() == 1
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE")]
    log_deletes = [sql for sql in deletes if sql.split(" WHERE")[0].endswith('log"')]
    assert len(log_deletes) == 3 + 1 + 1  # 7 login rows in batches of 3, then 3 and 1
    # and one statement for each hourly counter table, whatever was pruned
    assert len(deletes) == len(log_deletes) + 2
    assert "LoginLog: 7" in out.getvalue()


def test_prune_with_nothing_to_delete_still_records_the_run():
    call_command("prune_activity", "--older-than", "30", stdout=StringIO())
    record = SecurityLog.objects.get(event="activity_pruned")
    assert record.extra["deleted"] == {"LoginLog": 0, "SecurityLog": 0, "MFALog": 0}
    assert record.user is None and record.actor is None


@pytest.mark.parametrize(
    "args", [["--older-than", "0"], ["--older-than", "5", "--batch-size", "0"]]
)
def test_prune_refuses_bad_arguments(args):
    with pytest.raises(CommandError):
        call_command("prune_activity", *args)


def test_prune_requires_older_than():
    with pytest.raises(CommandError):
        call_command("prune_activity")
