"""The headless browser API driven by a small vanilla-JS page the site serves
(static/headless/spa.html): sign up, turn on TOTP, log out, log in with password + code,
log out, in Chromium, under the site's strict CSP."""

from datetime import datetime

import pyotp
import pytest

from accounts.mfa.models import Authenticator
from accounts.models import EmailAddress, User

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _readable_csrf_cookie(settings):
    settings.HEADLESS_CSRF_COOKIE_NAME = "spa-csrftoken"


def test_signup_totp_login_and_logout_through_the_browser_api(page, live_server, screenshot_dir):
    problems = []
    # 401 answers are part of the protocol (Chromium logs them as failed loads); anything
    # else on the console, a CSP violation or a script error, is a defect.
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    status = page.locator("[data-testid=status]")

    page.goto("/static/headless/spa.html?csrf_cookie=spa-csrftoken")
    page.wait_for_selector("text=Signed out.")
    signup = page.locator("form[data-action=signup]")
    signup.locator("input[name=username]").fill("carol")
    signup.locator("input[name=email]").fill("carol@example.com")
    signup.locator("input[name=password]").fill("a long passphrase 77")
    page.click("[data-testid=signup]")
    page.wait_for_selector("text=Signed in as carol.")
    # Two-factor needs verified addresses (MFA_ALLOW_UNVERIFIED_EMAIL is off): the address is
    # verified as the mailed link would (the API's verify endpoint is tested in tests/headless).
    EmailAddress.objects.filter(user__username="carol").update(verified=True)

    page.click("[data-testid=totp-start]")
    page.wait_for_selector("form[data-action=totp-activate]:visible")
    secret = page.locator("[data-testid=totp-secret]").inner_text().strip()
    app = pyotp.TOTP(secret)
    step = app.timecode(datetime.now())
    page.fill("form[data-action=totp-activate] input[name=code]", app.generate_otp(step))
    page.click("[data-testid=totp-activate]")
    page.wait_for_selector("[data-testid=totp-on]:visible")
    user = User.objects.get(username="carol")
    assert Authenticator.objects.filter(user=user, type="totp").exists()

    page.click("[data-testid=logout]")
    page.wait_for_selector("text=Signed out.")

    login = page.locator("form[data-action=login]")
    login.locator("input[name=username]").fill("carol")
    login.locator("input[name=password]").fill("a long passphrase 77")
    page.click("[data-testid=login]")
    page.wait_for_selector("text=Enter the code from your authenticator app.")
    # The next step's code: the activation code cannot be replayed.
    page.fill("form[data-action=mfa] input[name=code]", app.generate_otp(step + 1))
    page.click("[data-testid=mfa-submit]")
    page.wait_for_selector("text=Signed in as carol.")
    page.screenshot(path=str(screenshot_dir / "headless-spa.png"), full_page=True)

    page.click("[data-testid=logout]")
    page.wait_for_selector("text=Signed out.")
    assert status.inner_text() == "Signed out."
    assert problems == []


def test_api_docs_page_renders_the_served_spec_under_the_csp(page, live_server):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    response = page.goto("/_allauth/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector("text=Account site: headless API")
    page.wait_for_selector('[data-path="/_allauth/{client}/v1/auth/login"]')
    assert problems == []  # no CSP violation, no script error
