"""A person signed in on two browsers signs the other one out from the sessions page."""

import pytest

from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, username):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_selector("[data-testid=nav-user]")


def test_sign_out_the_other_browser(page, browser, live_server, screenshot_dir):
    UserFactory(username="frank", email="frank@example.com")
    other_context = browser.new_context(base_url=live_server.url)
    try:
        other = other_context.new_page()
        sign_in(other, "frank")
        sign_in(page, "frank")

        page.goto("/accounts/sessions/")
        assert page.locator("[data-testid=session]").count() == 2
        assert page.locator("[data-current=true] [data-testid=this-device]").count() == 1
        page.screenshot(path=str(screenshot_dir / "sessions-list.png"), full_page=True)

        page.click("[data-testid=end-session]")
        page.wait_for_selector("text=Signed out of")
        assert page.locator("[data-testid=session]").count() == 1

        other.goto("/accounts/sessions/")
        assert "/accounts/login/" in other.url
        assert other.locator("[data-testid=nav-user]").count() == 0
    finally:
        other_context.close()
