"""The admin's log lists at 1280 px: the IP and browser columns are on screen without
scrolling, and the "Export to CSV" button is visible (issue 17, rough edge 6)."""

import pytest
from django.core.management import call_command

from activity.models import LoginLog, MFALog, SecurityLog

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long enough passphrase for root"
AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86"
)


def _seed():
    common = {"username": "a.very.long.username@example.com", "user_agent": AGENT}
    LoginLog.objects.bulk_create(
        LoginLog(
            event="failed", reason="bad_credentials", ip_address="2001:db8::1234:5678", **common
        )
        for _ in range(5)
    )
    SecurityLog.objects.bulk_create(
        SecurityLog(
            event="email_changed",
            ip_address="2001:db8::1234:5678",
            extra={"from": "a.very.long.address@example.com", "to": "another.long@example.com"},
            **common,
        )
        for _ in range(5)
    )
    SecurityLog.objects.create(
        event="rate_limited", ip_address="2001:db8::99", extra={"action": "login_failed"}, **common
    )
    MFALog.objects.bulk_create(
        MFALog(
            event="used", method="webauthn", authenticator_id=7, ip_address="192.0.2.7", **common
        )
        for _ in range(5)
    )


def test_log_lists_fit_1280_px(page, live_server, screenshot_dir, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command(
        "createsuperuser", interactive=False, username="root", email="root@example.com", verbosity=0
    )
    _seed()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/accounts/login/?next=/admin/")
    page.fill("input[name=login]", "root")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}/admin/")

    for name in ("loginlog", "securitylog", "mfalog", "ratelimitrefusal"):
        page.goto(f"/admin/activity/{name}/")
        assert page.locator("[data-testid=csv-export]").is_visible()
        # inside the page and inside the list's own scroll box (the admin scrolls the table
        # sideways rather than the page: a clipped column is as hidden as an off-page one)
        visible = page.locator("#changelist .results").bounding_box()
        right = min(1280, visible["x"] + visible["width"])
        for column in ("column-ip", "column-browser"):
            for cell in (
                f"#result_list th.{column}",
                f"#result_list tbody tr:first-child td.field-{column[7:]}",
            ):
                box = page.locator(cell).bounding_box()
                assert box is not None, (name, cell)
                assert box["x"] >= visible["x"] and box["x"] + box["width"] <= right, (
                    name,
                    cell,
                    box,
                )
        page.screenshot(path=str(screenshot_dir / f"admin-{name}-1280.png"))
