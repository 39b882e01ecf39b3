"""Tamper evidence: signed, chained digests and ``verify_activity``."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from activity import integrity, services
from activity.models import ActivityDigest, ActivityVerification, LoginLog, MFALog, SecurityLog

pytestmark = pytest.mark.django_db

KEY = "digest-key-apart-from-the-secret-key"


@pytest.fixture(autouse=True)
def digest_key(settings):
    settings.ACTIVITY_DIGEST_KEY = KEY
    settings.ACTIVITY_DIGEST_SETTLE = 60


@pytest.fixture
def trail(user):
    """Rows of the three logs, written through the services, then sealed twice."""
    rows = [
        services.login_log_create(request=None, event="login", user=user),
        services.login_log_create(request=None, event="failed", username="mallory"),
        services.security_log_create(request=None, event="password_changed", user=user),
        services.mfa_log_create(request=None, event="used", user=user),
    ]
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        integrity.seal()
    services.login_log_create(request=None, event="logout", user=user)
    with time_machine.travel(timezone.now() + timedelta(minutes=4), tick=False):
        integrity.seal()
    return rows


def verify():
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        return integrity.verify()


def kinds(report):
    return sorted({(p["kind"], p.get("log"), p.get("id")) for p in report.problems}, key=str)


def test_a_clean_trail_verifies_and_the_outcome_is_recorded(trail):
    report = verify()
    assert report.ok, report.problems
    assert report.digests == 2
    assert report.rows == 5
    last = ActivityVerification.objects.get()
    assert last.ok and last.digests == 2


def test_each_digest_chains_to_the_previous_signature(trail):
    first, second = ActivityDigest.objects.order_by("seq")
    assert second.body["previous"] == first.signature
    assert first.body["logs"]["LoginLog"]["count"] == 2
    assert second.body["logs"]["LoginLog"] == {
        **second.body["logs"]["LoginLog"],
        "after": first.body["logs"]["LoginLog"]["last_id"],
        "count": 1,
    }


def test_a_changed_row_is_reported(trail):
    row = trail[0]
    LoginLog._base_manager.filter(pk=row.pk).update(ip_address="192.0.2.200")
    assert kinds(verify()) == [("changed", "LoginLog", row.pk)]


def test_a_changed_json_field_is_reported(trail):
    row = trail[2]
    SecurityLog._base_manager.filter(pk=row.pk).update(extra={"forged": True})
    assert kinds(verify()) == [("changed", "SecurityLog", row.pk)]


def test_a_deleted_row_is_reported(trail):
    row = trail[3]
    MFALog._base_manager.filter(pk=row.pk).delete()
    assert kinds(verify()) == [("deleted", "MFALog", row.pk)]


def test_a_row_inserted_into_a_sealed_range_is_reported(user):
    keep = services.login_log_create(request=None, event="login", user=user)
    gone = services.login_log_create(request=None, event="failed", username="x")
    services.login_log_create(request=None, event="logout", user=user)
    LoginLog._base_manager.filter(pk=gone.pk).delete()  # a rolled-back id: a gap
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        integrity.seal()
    forged = LoginLog(pk=gone.pk, event="login", username="mallory", created_at=keep.created_at)
    forged.save()
    assert kinds(verify()) == [("inserted", "LoginLog", gone.pk)]


def test_a_backdated_row_after_the_last_digest_is_reported(trail):
    forged = LoginLog.objects.create(
        event="login", username="mallory", created_at=timezone.now() - timedelta(days=1)
    )
    assert kinds(verify()) == [("inserted_before_last_digest", "LoginLog", forged.pk)]


def test_rows_written_after_the_last_digest_are_not_problems(trail, user):
    with time_machine.travel(timezone.now() + timedelta(minutes=4), tick=False):
        services.login_log_create(request=None, event="login", user=user)
    assert verify().ok


def test_a_deleted_digest_is_a_gap_in_the_chain(trail):
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        integrity.seal()
    ActivityDigest.objects.filter(seq=2).delete()
    report = verify()
    found = {p["kind"] for p in report.problems}
    assert "chain_gap" in found and "chain_broken" in found


def test_a_rewritten_digest_fails_its_signature(trail):
    digest = ActivityDigest.objects.get(seq=1)
    digest.body["logs"]["LoginLog"]["count"] = 1
    digest.save()
    assert ("bad_signature", None, None) in kinds(verify())


def test_a_chain_signed_with_another_key_fails(trail, settings):
    settings.ACTIVITY_DIGEST_KEY = "another key"
    report = verify()
    assert {p["kind"] for p in report.problems} == {"bad_signature"}


def test_a_chain_that_stopped_being_extended_is_reported(trail):
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        report = integrity.verify()
    assert [p["kind"] for p in report.problems] == ["chain_stale"]


def test_pruned_rows_are_not_reported_as_deleted(user):
    with time_machine.travel(timezone.now() - timedelta(days=100), tick=False):
        services.login_log_create(request=None, event="login", user=user)
        integrity.seal(now=timezone.now() + timedelta(minutes=2))
    services.activity_prune(older_than_days=90)
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        integrity.seal()
    assert verify().ok


def test_commands_report_and_exit_nonzero_on_tampering(trail):
    out = StringIO()
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        call_command("verify_activity", stdout=out)
    assert "verified" in out.getvalue()
    LoginLog._base_manager.filter(pk=trail[1].pk).update(username="someone else")
    out = StringIO()
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False),
        pytest.raises(CommandError, match="FAILED"),
    ):
        call_command("verify_activity", stdout=out)
    assert f"CHANGED: log=LoginLog, id={trail[1].pk}" in out.getvalue()


def test_sealing_without_a_key_is_refused(settings):
    settings.ACTIVITY_DIGEST_KEY = ""
    with pytest.raises(CommandError, match="ACTIVITY_DIGEST_KEY"):
        call_command("seal_activity")


def test_the_secret_key_is_refused_as_digest_key(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.ACTIVITY_DIGEST_KEY = settings.SECRET_KEY
    with pytest.raises(ImproperlyConfigured):
        integrity.seal()


def test_sealing_reads_the_logs_without_locking_them(user, django_assert_max_num_queries):
    """A login during a seal never waits: the seal locks only the last digest row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.login_log_create(request=None, event="login", user=user)
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False),
        CaptureQueriesContext(connection) as captured,
    ):
        integrity.seal()
    locking = [q["sql"] for q in captured.captured_queries if "FOR UPDATE" in q["sql"]]
    assert all("activity_activitydigest" in sql for sql in locking)


def test_dashboard_shows_the_last_verification(trail, admin_client):
    html = admin_client.get("/admin/activity/dashboard/").content.decode()
    assert "Never verified" in html
    verify()
    html = admin_client.get("/admin/activity/dashboard/").content.decode()
    assert "<strong>intact</strong>" in html
    LoginLog._base_manager.filter(pk=trail[0].pk).delete()
    verify()
    html = admin_client.get("/admin/activity/dashboard/").content.decode()
    assert "<strong>1 problem found</strong>" in html and "<td>deleted</td>" in html
