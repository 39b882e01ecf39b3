"""Passkey signup in Chromium with a CDP virtual authenticator: address, mailed code, passkey;
sign out; sign in with the passkey alone."""

import re

import pytest

from accounts.mfa.models import Authenticator
from accounts.models import User
from tests.helpers.codes import last_code

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(live_server, settings):
    settings.MFA_PASSKEY_SIGNUP_ENABLED = True
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    settings.ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
    url = live_server.url
    assert url.startswith("http://localhost:"), url
    return url


@pytest.fixture
def virtual_authenticator(page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp


def test_passkey_signup_sign_out_sign_in(page, site, virtual_authenticator, screenshot_dir):
    page.goto(f"{site}/accounts/signup/")
    page.click("[data-testid=signup-by-passkey]")
    page.wait_for_url(f"{site}/accounts/signup/passkey/")
    page.fill("input[name=username]", "quinn")
    page.fill("input[name=email]", "quinn@example.com")
    page.click("button[type=submit]:has-text('Continue')")
    page.wait_for_url(f"{site}/accounts/confirm-email/")

    page.fill("input[name=code]", last_code("quinn@example.com"))
    page.click("button[type=submit]:has-text('Verify')")
    page.wait_for_url(f"{site}/accounts/2fa/webauthn/signup/")
    page.screenshot(path=str(screenshot_dir / "passkey-signup-create.png"), full_page=True)
    page.click("[data-testid=passkey-signup-create]")
    page.wait_for_url(f"{site}/")
    assert "Signed in as quinn" in page.inner_text("[data-testid=nav-user]")
    quinn = User.objects.get(username="quinn")
    assert not quinn.has_usable_password()
    assert Authenticator.objects.get(user=quinn).data["passwordless"] is True

    page.click("[data-testid=nav-user]")
    page.click("[data-testid=nav-logout]")
    page.wait_for_url(f"{site}/")
    assert page.locator("[data-testid=nav-user]").count() == 0

    page.goto(f"{site}/accounts/login/")
    page.click("[data-testid=passkey-login]")
    page.wait_for_url(re.compile(r".*/accounts/2fa/webauthn/login/\??$"))
    page.click("[data-testid=passkey-sign-in]")
    page.wait_for_url(f"{site}/")
    assert "Signed in as quinn" in page.inner_text("[data-testid=nav-user]")
