"""Issue 17, rough edge 2, in Chromium: after a wrong password and after a TOTP setup error the
focus is on the error summary (announced, never <body>), and its link puts the focus in the
field to correct."""

import pytest

from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

FOCUSED = "document.activeElement"


def focused(page, expression="dataset.testid"):
    return page.evaluate(f"{FOCUSED} && {FOCUSED}.{expression}")


def sign_in(page, username, password=DEFAULT_PASSWORD):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_load_state()


def test_wrong_password_focuses_the_summary(page, screenshot_dir):
    UserFactory(username="frank")
    sign_in(page, "frank", "not the password")
    page.wait_for_selector("[data-testid=error-summary]")
    page.wait_for_load_state()  # forms.js, at the end of <body>, has run

    assert focused(page) == "error-summary"
    assert focused(page, "getAttribute('role')") == "alert"
    assert "do not match" in page.inner_text("[data-testid=error-summary]")
    page.screenshot(path=str(screenshot_dir / "login-error-summary.png"), full_page=True)

    page.click("[data-testid=error-summary] a")
    assert focused(page, "id") == "id_login"
    assert page.get_attribute("#id_password", "aria-invalid") == "true"


def test_totp_setup_error_focuses_the_summary_not_the_body(page, live_server, screenshot_dir):
    UserFactory(username="frank")
    sign_in(page, "frank")
    page.wait_for_url(f"{live_server.url}/")

    page.goto("/accounts/2fa/totp/activate/")
    page.fill("input[name=code]", "12345")  # too short: wrong whatever the time
    page.click("button[type=submit]:has-text('Turn on')")
    page.wait_for_selector("[data-testid=error-summary]")
    page.wait_for_load_state()  # forms.js, at the end of <body>, has run

    assert focused(page, "tagName") != "BODY"
    assert focused(page) == "error-summary"
    page.screenshot(path=str(screenshot_dir / "mfa-totp-error-summary.png"), full_page=True)

    page.keyboard.press("Tab")  # the keyboard goes on from the summary: to its link
    assert focused(page, "getAttribute('href')") == "#id_code"
    page.keyboard.press("Enter")
    assert focused(page, "id") == "id_code"
