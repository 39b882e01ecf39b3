"""Copying the authenticator setup key in Chromium, by keyboard: the clipboard gets the key
without spaces and the copy is announced (issue 17, rough edge 7)."""

import pytest

from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_copy_the_key_with_the_keyboard(browser, live_server):
    UserFactory(username="gina", email="gina@example.com")
    context = browser.new_context(base_url=live_server.url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "gina")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}/")
    page.goto("/accounts/2fa/totp/activate/")

    assert page.evaluate("document.activeElement.name") == "code"  # ready for the code
    secret = page.get_attribute("[data-testid=totp-secret]", "data-secret")
    button = page.locator("[data-testid=totp-secret-copy]")
    assert button.is_visible()
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('totp-secret-status').textContent.length > 0")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    assert " " in page.inner_text("[data-testid=totp-secret]")
    context.close()
