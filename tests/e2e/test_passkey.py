"""Passkeys and security keys in Chromium, with a CDP virtual authenticator.

The authenticator is CTAP2 over the "internal" transport, with resident keys and user
verification, and touches itself (automatic presence). The live server listens on
``http://localhost:<port>``: a secure context, so WebAuthn works with RP id "localhost".
"""

import re

import pytest

from accounts.mfa.models import Authenticator
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(live_server):
    url = live_server.url
    assert url.startswith("http://localhost:"), url
    return url


@pytest.fixture
def virtual_authenticator(page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
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
    return cdp, added["authenticatorId"]


@pytest.fixture
def second_step():
    """The second-step page (/accounts/2fa/authenticate/) is the real one."""


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", email="alice@example.com")


def sign_in_with_password(page, site):
    page.goto(f"{site}/accounts/login/")
    page.fill("input[name=login]", "alice")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]:has-text('Sign in')")


def sign_out(page, site):
    page.click("[data-testid=nav-user]")
    page.click("[data-testid=nav-logout]")
    page.wait_for_url(f"{site}/")
    assert page.locator("[data-testid=nav-user]").count() == 0


def add_first_key(page, site, *, name, passkey, screenshot=None):
    """Add alice's first second factor: the answer shows her new recovery codes, once.

    She saves them ("I have saved them") and lands on the two-factor overview.
    """
    page.goto(f"{site}/accounts/2fa/webauthn/add/")
    page.fill("input[name=name]", name)
    if passkey:
        page.check("input[name=passwordless]")
    if screenshot:
        page.screenshot(path=str(screenshot), full_page=True)
    page.click("[data-testid=webauthn-add]")
    codes = page.locator("[data-testid=recovery-codes] code")
    codes.first.wait_for()
    assert page.url == f"{site}/accounts/2fa/webauthn/add/"
    assert codes.count() == 10
    assert all(re.fullmatch(r"\d{8}", text) for text in codes.all_inner_texts())
    page.click("[data-testid=recovery-codes-done]")
    page.wait_for_url(f"{site}/accounts/2fa/")


def test_add_a_passkey_then_sign_in_with_it_alone(
    page, site, alice, virtual_authenticator, screenshot_dir
):
    cdp, authenticator_id = virtual_authenticator
    sign_in_with_password(page, site)
    page.wait_for_url(f"{site}/")

    add_first_key(
        page,
        site,
        name="Laptop passkey",
        passkey=True,
        screenshot=screenshot_dir / "webauthn-add.png",
    )
    key = Authenticator.objects.get(user=alice, type="webauthn")
    assert key.data["passwordless"] is True and key.data["name"] == "Laptop passkey"
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert [(c["rpId"], c["isResidentCredential"]) for c in credentials["credentials"]] == [
        ("localhost", True)
    ]
    page.goto(f"{site}/accounts/2fa/webauthn/")
    assert "Laptop passkey" in page.inner_text("[data-testid=webauthn-key]")
    page.screenshot(path=str(screenshot_dir / "webauthn-keys.png"), full_page=True)

    sign_out(page, site)
    page.goto(f"{site}/accounts/login/")
    page.click("[data-testid=passkey-login]")
    page.wait_for_url(re.compile(r".*/accounts/2fa/webauthn/login/\??$"))
    page.screenshot(path=str(screenshot_dir / "webauthn-passkey-login.png"), full_page=True)
    page.click("[data-testid=passkey-sign-in]")
    page.wait_for_url(f"{site}/")
    assert "Signed in as alice" in page.inner_text("[data-testid=nav-user]")
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_add_a_security_key_then_sign_in_with_password_and_key(
    page, site, alice, virtual_authenticator, second_step, screenshot_dir
):
    sign_in_with_password(page, site)
    page.wait_for_url(f"{site}/")
    add_first_key(page, site, name="Blue key", passkey=False)
    assert Authenticator.objects.get(user=alice, type="webauthn").data["passwordless"] is False

    sign_out(page, site)
    sign_in_with_password(page, site)
    page.wait_for_url(f"{site}/accounts/2fa/authenticate/")
    assert page.locator("[data-testid=nav-user]").count() == 0
    page.screenshot(path=str(screenshot_dir / "webauthn-second-step.png"), full_page=True)
    page.click("[data-testid=webauthn-authenticate]")
    page.wait_for_url(f"{site}/")
    assert "Signed in as alice" in page.inner_text("[data-testid=nav-user]")
