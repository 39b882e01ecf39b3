"""A person signs up, signs out, signs in by email and sees the signed-in navbar."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_signup_logout_login_by_email(page, live_server, screenshot_dir):
    page.goto("/accounts/signup/")
    page.fill("input[name=username]", "erin")
    page.fill("input[name=email]", "erin@example.com")
    page.fill("input[name=password1]", "a long enough passphrase")
    page.fill("input[name=password2]", "a long enough passphrase")
    page.click("button[type=submit]:has-text('Create account')")
    page.wait_for_url(f"{live_server.url}/")
    assert "erin" in page.inner_text("[data-testid=nav-user]")

    page.click("[data-testid=nav-user]")
    page.click("[data-testid=nav-logout]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("[data-testid=nav-user]").count() == 0

    page.goto("/accounts/login/")
    page.fill("input[name=login]", "erin@example.com")
    page.fill("input[name=password]", "a long enough passphrase")
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}/")
    assert "Signed in as erin" in page.inner_text("[data-testid=nav-user]")
    page.screenshot(path=str(screenshot_dir / "home-signed-in.png"), full_page=True)
