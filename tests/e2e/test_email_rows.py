"""Issue 17, rough edge 8, in Chromium: an address is removed from its own row, after a
confirmation page; cancelling there keeps it."""

import pytest

from accounts.models import EmailAddress
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_remove_from_the_row_after_confirming(page, live_server, screenshot_dir):
    user = UserFactory(username="frank", email="frank@example.com")
    EmailAddress.objects.create(user=user, email="old@example.org", verified=True)
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "frank")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}/")

    page.goto("/accounts/email/")
    row = page.locator("[data-testid=email-row]", has_text="old@example.org")
    assert row.locator("button").all_inner_texts() == ["Make primary", "Remove"]
    primary_row = page.locator("[data-testid=email-row]", has_text="frank@example.com")
    assert primary_row.locator("button").count() == 0

    row.locator("button:has-text('Remove')").click()
    page.wait_for_selector("[data-testid=remove-address]")
    assert page.inner_text("[data-testid=remove-address]") == "old@example.org"
    page.screenshot(path=str(screenshot_dir / "email-remove-confirm.png"), full_page=True)
    page.click("[data-testid=email-remove-cancel]")
    page.wait_for_url(f"{live_server.url}/accounts/email/")
    assert EmailAddress.objects.filter(email="old@example.org").exists()

    row.locator("button:has-text('Remove')").click()
    page.click("[data-testid=email-remove-confirm]")
    page.wait_for_url(f"{live_server.url}/accounts/email/")
    assert "Removed old@example.org." in page.inner_text(".messages")
    assert row.count() == 0
    assert not EmailAddress.objects.filter(email="old@example.org").exists()
