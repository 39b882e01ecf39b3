"""A person who forgot the password resets it from the mailed link and signs in with the new one."""

import re

import pytest
from django.core import mail

from tests.helpers.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "remembered at last, 2026"


def test_reset_by_mailed_link_then_sign_in(page, live_server, screenshot_dir):
    UserFactory(username="frida", email="frida@example.com")

    page.goto("/accounts/login/")
    page.click("text=Forgot your password?")
    page.wait_for_url(f"{live_server.url}/accounts/password/reset/")
    page.fill("input[name=email]", "Frida@Example.com")
    page.click("button[type=submit]:has-text('Send me a reset link')")
    page.wait_for_url(f"{live_server.url}/accounts/password/reset/done/")
    assert "Check your email" in page.inner_text("h1")

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["frida@example.com"]
    link = re.search(r"http://\S+/accounts/password/reset/key/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    # The browser lands on a URL without the key before the form is shown.
    page.wait_for_url(re.compile(r".*/accounts/password/reset/key/[0-9a-z]+-set-password/$"))
    page.screenshot(path=str(screenshot_dir / "password-reset-from-key.png"), full_page=True)
    page.fill("input[name=password1]", NEW_PASSWORD)
    page.fill("input[name=password2]", NEW_PASSWORD)
    page.click("button[type=submit]:has-text('Set new password')")
    page.wait_for_url(f"{live_server.url}/accounts/password/reset/key/done/")
    assert "Your password is reset" in page.inner_text("h1")
    assert page.locator("[data-testid=nav-user]").count() == 0  # not logged in by the reset
    assert "password was reset" in mail.outbox[-1].subject.lower()

    page.click("[data-testid=reset-done-login]")
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "frida")
    page.fill("input[name=password]", NEW_PASSWORD)
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}/")
    assert "Signed in as frida" in page.inner_text("[data-testid=nav-user]")
