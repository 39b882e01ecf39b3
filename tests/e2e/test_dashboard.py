"""A superuser made with ``createsuperuser`` signs in and reads the activity dashboard."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from activity.models import LoginLog, MFALog, SecurityLog

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long enough passphrase for root"


def _seed_history():
    """A month of plausible activity, so the charts have something to draw."""
    now = timezone.now()
    logins, events = [], []
    for day in range(30):
        at = now - timedelta(days=day, hours=1)
        logins += [
            LoginLog(event="login", username="alice", created_at=at) for _ in range(3 + day % 5)
        ]
        logins += [
            LoginLog(event="failed", username="alice", ip_address="192.0.2.66", created_at=at)
            for _ in range(1 + day % 3)
        ]
        if day % 4 == 0:
            events.append(SecurityLog(event="signup", username=f"user{day}", created_at=at))
    logins += [
        LoginLog(event="failed", username=f"u{i}", ip_address=f"198.51.100.{i % 4}")
        for i in range(9)
    ]
    events += [
        SecurityLog(event="password_changed", username="alice", created_at=now),
        SecurityLog(event="rate_limited", extra={"action": "login_failed"}, created_at=now),
    ]
    LoginLog.objects.bulk_create(logins)
    SecurityLog.objects.bulk_create(events)
    MFALog.objects.bulk_create(MFALog(event="used", method="totp") for _ in range(4))
    call_command("rebuild_activity_counts", verbosity=0)  # bulk rows skip the services


def test_superuser_opens_the_dashboard(page, live_server, screenshot_dir, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command(
        "createsuperuser", interactive=False, username="root", email="root@example.com", verbosity=0
    )
    _seed_history()

    page.goto("/accounts/login/?next=/admin/")
    page.fill("input[name=login]", "root")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}/admin/")
    assert page.locator("[data-testid=activity-summary]").is_visible()
    page.screenshot(path=str(screenshot_dir / "admin-index-activity.png"), full_page=True)

    page.click("[data-testid=dashboard-link]")
    page.wait_for_url(f"{live_server.url}/admin/activity/dashboard/")
    assert page.locator("h1").inner_text() == "Activity dashboard"
    assert page.locator("[data-testid=chart-logins] rect").count() == 60
    assert page.locator("[data-testid=failed-ips-table] tbody tr").count() == 5
    assert "Rate limited / locked out" in page.inner_text("[data-testid=events-table]")
    page.screenshot(path=str(screenshot_dir / "activity-dashboard.png"), full_page=True)
    assert (screenshot_dir / "activity-dashboard.png").stat().st_size > 10_000

    # The superuser's own login through the site was logged, once, with its method.
    assert LoginLog.objects.filter(username="root", event="login", method="password").count() == 1

    page.goto("/accounts/activity/")
    assert "Signed in" in page.inner_text("[data-testid=activity-logins]")
    page.screenshot(path=str(screenshot_dir / "account-activity.png"), full_page=True)
