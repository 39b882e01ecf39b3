"""A person signs in without a password: asks for a code, reads it in the mail, types it."""

import pytest
from django.core import mail

from tests.helpers.codes import last_code
from tests.helpers.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_login_by_code_read_from_the_mail(page, live_server, settings, screenshot_dir):
    settings.ACCOUNT_LOGIN_BY_CODE_ENABLED = True
    UserFactory(username="gina", email="gina@example.com")

    page.goto("/accounts/login/")
    page.click("[data-testid=login-by-code]")
    page.wait_for_url(f"{live_server.url}/accounts/login/code/")
    page.fill("input[name=email]", "gina@example.com")
    page.click("button[type=submit]:has-text('Mail me a code')")
    page.wait_for_url(f"{live_server.url}/accounts/login/code/confirm/")
    assert "code" not in page.url.split("/accounts/login/code/confirm/")[1]
    page.screenshot(path=str(screenshot_dir / "login-by-code-confirm.png"), full_page=True)

    assert [m.to for m in mail.outbox] == [["gina@example.com"]]
    code = last_code("gina@example.com")
    page.fill("input[name=code]", code.lower().replace("-", " "))
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}/")
    assert "Signed in as gina" in page.inner_text("[data-testid=nav-user]")


def test_wrong_code_is_shown_then_the_right_one_signs_in(page, live_server, settings):
    settings.ACCOUNT_LOGIN_BY_CODE_ENABLED = True
    UserFactory(username="hugo", email="hugo@example.com")
    page.goto("/accounts/login/code/")
    page.fill("input[name=email]", "hugo@example.com")
    page.click("button[type=submit]:has-text('Mail me a code')")
    page.wait_for_url(f"{live_server.url}/accounts/login/code/confirm/")
    code = last_code("hugo@example.com")
    page.fill("input[name=code]", "BBBB-BBBB" if code != "BBBB-BBBB" else "CCCC-CCCC")
    page.click("button[type=submit]:has-text('Sign in')")
    assert "Incorrect code." in page.inner_text("main form")
    page.fill("input[name=code]", code)
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}/")
    assert "Signed in as hugo" in page.inner_text("[data-testid=nav-user]")
