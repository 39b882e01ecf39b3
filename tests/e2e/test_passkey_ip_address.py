"""A passkey page opened at an IP address (http://127.0.0.1:8000 rather than the
http://localhost:8000 that ``make run`` prints) says why keys cannot work there and which
address to open, instead of the browser's bare "This is an invalid domain" (issue 17, edge 1).
"""

import re

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_passkey_login_at_an_ip_address_names_the_cause(page, live_server, screenshot_dir):
    port = live_server.url.rsplit(":", 1)[1]
    page.goto(f"http://127.0.0.1:{port}/accounts/2fa/webauthn/login/")
    # Before trying: the server's hint.
    warning = page.locator(".alert-warning")
    assert "do not work at an IP address such as 127.0.0.1" in warning.inner_text()
    assert f"http://localhost:{port}/accounts/2fa/webauthn/login/" in warning.inner_text()

    # Trying anyway: the browser's SecurityError is explained, not passed through.
    page.click("[data-testid=passkey-sign-in]")
    error = page.locator("[data-webauthn-error]")
    error.wait_for(state="visible")
    text = error.inner_text()
    assert "invalid domain" not in text
    assert re.search(r"do not work at an IP address such as 127\.0\.0\.1", text), text
    assert f"Open http://localhost:{port}/accounts/2fa/webauthn/login/ instead." in text
    page.screenshot(path=str(screenshot_dir / "passkey-at-ip-address.png"), full_page=True)


def test_no_hint_at_localhost(page, live_server):
    page.goto(f"{live_server.url}/accounts/2fa/webauthn/login/")
    assert page.locator(".alert-warning").count() == 0
