"""A person turns on an authenticator app by reading the key off the page, signs out, and
signs in again with password + code, in Chromium."""

import time

import pyotp
import pytest

from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, username):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]:has-text('Sign in')")


def test_activate_totp_then_sign_in_with_it(page, live_server, screenshot_dir):
    UserFactory(username="frank", email="frank@example.com")
    sign_in(page, "frank")
    page.wait_for_url(f"{live_server.url}/")

    page.goto("/accounts/2fa/")
    page.click("[data-testid=mfa-activate-totp]")
    page.wait_for_url(f"{live_server.url}/accounts/2fa/totp/activate/")
    assert page.locator(".qr-code svg").count() == 1
    # Shown in groups of four (as people type it); apps ignore the spaces, pyotp does not.
    secret = "".join(page.inner_text("[data-testid=totp-secret]").split())
    app = pyotp.TOTP(secret)
    page.screenshot(path=str(screenshot_dir / "mfa-totp-activate.png"), full_page=True)

    # The app's code now; the server accepts one step either side, so this holds even if a
    # step boundary passes before the request arrives.
    step = int(time.time() // 30)
    page.fill("input[name=code]", app.generate_otp(step))
    page.click("button[type=submit]:has-text('Turn on')")
    codes = page.locator("[data-testid=recovery-codes] code")
    codes.first.wait_for()
    assert codes.count() == 10
    page.screenshot(path=str(screenshot_dir / "mfa-recovery-codes.png"), full_page=True)
    page.click("[data-testid=recovery-codes-done]")
    page.wait_for_url(f"{live_server.url}/accounts/2fa/")
    assert "On" in page.inner_text("[data-testid=mfa-totp]")
    page.screenshot(path=str(screenshot_dir / "mfa-index.png"), full_page=True)

    page.click("[data-testid=nav-user]")
    page.click("[data-testid=nav-logout]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("[data-testid=nav-user]").count() == 0

    sign_in(page, "frank")
    page.wait_for_url(f"{live_server.url}/accounts/2fa/authenticate/")
    assert page.locator("[data-testid=nav-user]").count() == 0  # not signed in yet
    page.screenshot(path=str(screenshot_dir / "mfa-authenticate.png"), full_page=True)
    # The next step's code: never the one used to activate (that is refused as a replay),
    # and within the window while the test runs.
    page.fill("input[name=code]", app.generate_otp(step + 1))
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}/")
    assert "Signed in as frank" in page.inner_text("[data-testid=nav-user]")
