"""A person adds an address, opens the link from the mail, confirms it and makes it primary."""

import re

import pytest
from django.core import mail

from accounts.models import EmailAddress, User
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_add_confirm_and_make_primary(page, live_server, screenshot_dir):
    UserFactory(username="frank", email="frank@example.com")

    page.goto("/accounts/login/")
    page.fill("input[name=login]", "frank")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}/")

    page.goto("/accounts/email/")
    page.fill("#id_email", "frank.new@example.org")
    page.click("button[name=action_add]")
    page.wait_for_url(f"{live_server.url}/accounts/email/")
    assert "Confirmation email sent to frank.new@example.org." in page.inner_text(".messages")
    row = page.locator("[data-testid=email-row]", has_text="frank.new@example.org")
    assert "Unverified" in row.inner_text()
    page.screenshot(path=str(screenshot_dir / "email-added.png"), full_page=True)

    confirmation = next(m for m in mail.outbox if m.to == ["frank.new@example.org"])
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", confirmation.body).group(0)
    page.goto(link)
    assert page.inner_text("[data-testid=confirm-address]") == "frank.new@example.org"
    page.screenshot(path=str(screenshot_dir / "email-confirm.png"), full_page=True)
    page.click("button[type=submit]:has-text('Confirm')")
    page.wait_for_url(f"{live_server.url}/accounts/email/")
    assert "You have confirmed frank.new@example.org." in page.inner_text(".messages")
    assert "Verified" in row.inner_text()

    row.locator("input[type=radio]").check()
    page.click("button[name=action_primary]")
    page.wait_for_url(f"{live_server.url}/accounts/email/")
    assert "frank.new@example.org is now your primary address." in page.inner_text(".messages")
    assert "Primary" in row.inner_text()
    old_row = page.locator("[data-testid=email-row]", has_text="frank@example.com")
    assert "Primary" not in old_row.inner_text()
    page.screenshot(path=str(screenshot_dir / "email-primary.png"), full_page=True)

    assert User.objects.get(username="frank").email == "frank.new@example.org"
    assert EmailAddress.objects.get(email="frank.new@example.org").primary is True
    notice = [m for m in mail.outbox if m.to == ["frank@example.com"]]
    assert [m.subject for m in notice][-1].endswith("Your primary email address was changed")

    page.goto(link[:-6] + "xx/")  # a damaged link gets a friendly page with a way forward
    assert "This link is invalid or has expired" in page.inner_text("h1")
    page.screenshot(path=str(screenshot_dir / "email-confirm-invalid.png"), full_page=True)
    page.click("a:has-text('Request a new link')")
    page.wait_for_url(f"{live_server.url}/accounts/email/")
