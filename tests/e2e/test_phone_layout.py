"""Issue 17, rough edge 5, in Chromium at 390 px: the security keys' Rename and Remove, the
sessions list and the email rows stay on screen, "5 minutes ago" is not clipped, and the
settings menu is one compact row so each page starts near the top."""

import datetime

import pytest
from django.utils import timezone

from accounts.mfa.models import Authenticator
from tests.helpers.factories import DEFAULT_PASSWORD, AuthenticatorFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

WIDTH = 390


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": WIDTH, "height": 844}, is_mobile=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, username):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("main form button[type=submit]")  # in any language
    page.wait_for_selector("[data-testid=nav-user]", state="attached")


def assert_on_screen(page, selector):
    boxes = [
        page.locator(selector).nth(i).bounding_box() for i in range(page.locator(selector).count())
    ]
    assert boxes, selector
    for box in boxes:
        assert box is not None, selector
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, (selector, box)


def assert_no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def assert_not_clipped(page, selector):
    for i in range(page.locator(selector).count()):
        element = page.locator(selector).nth(i)
        assert element.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), selector
        assert_on_screen(page, selector)


def test_security_keys_fit_a_phone(phone, screenshot_dir):
    user = UserFactory(username="frank")
    sign_in(phone, "frank")  # before the keys exist: no second step to go through here
    for name, passwordless in (("YubiKey 5C NFC on my keyring", False), ("Phone passkey", True)):
        AuthenticatorFactory(
            user=user,
            type=Authenticator.Type.WEBAUTHN,
            data={"name": name, "passwordless": passwordless, "credential_id": name},
            last_used_at=timezone.now() - datetime.timedelta(minutes=5),
        )
    phone.goto("/accounts/2fa/webauthn/")
    assert phone.locator("[data-testid=webauthn-key]").count() == 2
    phone.screenshot(path=str(screenshot_dir / "phone-webauthn-keys.png"), full_page=True)

    assert_on_screen(phone, "[data-testid=webauthn-rename]")
    assert_on_screen(phone, "[data-testid=webauthn-remove-link]")
    assert_not_clipped(phone, "[data-testid=webauthn-key] td")
    first = phone.inner_text("[data-testid=webauthn-key] >> nth=0").replace("\xa0", " ")
    assert "5 minutes ago" in first
    assert_no_sideways_scroll(phone)


def test_sessions_and_menu_fit_a_phone(phone, browser, live_server, screenshot_dir):
    UserFactory(username="frank")
    other_context = browser.new_context(base_url=live_server.url)
    try:
        sign_in(other_context.new_page(), "frank")
        sign_in(phone, "frank")
        phone.goto("/accounts/sessions/")
        assert phone.locator("[data-testid=session]").count() == 2
        phone.screenshot(path=str(screenshot_dir / "phone-sessions.png"), full_page=True)

        assert_on_screen(phone, "[data-testid=session]")
        assert_on_screen(phone, "[data-testid=end-session]")
        assert_not_clipped(phone, "[data-testid=session] dd")
        assert_no_sideways_scroll(phone)

        # The settings menu is one row (it scrolls sideways itself), and the page's heading
        # comes right after it, not ~330 px down.
        menu = phone.locator("[data-testid=manage-menu]").bounding_box()
        assert menu["height"] < 60
        heading = phone.locator("main h1").bounding_box()
        assert heading["y"] - (menu["y"] + menu["height"]) < 80
        assert phone.locator("[data-testid=manage-menu] [aria-current=page]").inner_text() == (
            "Your sessions"
        )
    finally:
        other_context.close()


def test_email_rows_and_activity_fit_a_phone(phone, screenshot_dir):
    user = UserFactory(username="frank", email="frank.with.a.long.address@example.com")
    user.emailaddress_set.create(email="second.address.for.frank@example.org", verified=True)
    user.emailaddress_set.create(email="pending@example.org")
    sign_in(phone, "frank")
    phone.goto("/accounts/email/")
    phone.screenshot(path=str(screenshot_dir / "phone-email.png"), full_page=True)
    assert_on_screen(phone, "[data-testid=email-row] button")
    assert_no_sideways_scroll(phone)

    phone.goto("/accounts/activity/")
    phone.screenshot(path=str(screenshot_dir / "phone-activity.png"), full_page=True)
    assert_on_screen(phone, "[data-testid=activity-logins] td:visible")
    assert_no_sideways_scroll(phone)


def test_the_current_page_is_in_view_in_the_menu(phone):
    UserFactory(username="frank")
    sign_in(phone, "frank")
    phone.goto("/accounts/delete/")  # the menu's last link
    assert_on_screen(phone, "[data-testid=manage-menu] [aria-current=page]")
    assert phone.evaluate("window.scrollY") < 100  # the page itself did not move down


def test_right_to_left_phone_layout(browser, live_server, screenshot_dir):
    """Arabic, right to left: the menu row and the stacked keys still fit."""
    user = UserFactory(username="frank")
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": WIDTH, "height": 844}, locale="ar"
    )
    try:
        page = context.new_page()
        sign_in(page, "frank")
        AuthenticatorFactory(
            user=user,
            type=Authenticator.Type.WEBAUTHN,
            data={"name": "YubiKey", "passwordless": False, "credential_id": "AAAA"},
        )
        page.goto("/accounts/2fa/webauthn/")
        assert page.get_attribute("html", "dir") == "rtl"
        page.screenshot(path=str(screenshot_dir / "phone-webauthn-keys-ar.png"), full_page=True)
        assert_on_screen(page, "[data-testid=webauthn-rename]")
        assert_on_screen(page, "[data-testid=webauthn-remove-link]")
        assert_on_screen(page, "[data-testid=manage-menu] [aria-current=page]")
        assert_no_sideways_scroll(page)
    finally:
        context.close()
