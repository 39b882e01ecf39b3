"""The Content-Security-Policy breaks nothing: a real browser reports no violation on the
site's and the admin's pages, and their scripts (Bootstrap's dropdown) still work."""

import pytest

from accounts import ratelimit
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def violations(page):
    return page.evaluate("window.__cspViolations")


def visit(page, url):
    response = page.goto(url)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert violations(page) == [], url


def test_no_csp_violation_on_site_and_admin_pages(page, live_server, screenshot_dir):
    UserFactory(username="boss", email="boss@example.com", is_staff=True, is_superuser=True)
    page.add_init_script(RECORD_VIOLATIONS)
    for url in ["/", "/accounts/login/", "/accounts/signup/", "/no-such-page/"]:
        visit(page, url)

    for _ in range(5):  # lock the account: the 429 answer is a finished page too
        page.goto("/accounts/login/")
        page.fill("input[name=login]", "boss")
        page.fill("input[name=password]", "not the password")
        page.click("button[type=submit]:has-text('Sign in')")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]:has-text('Sign in')")
    # The click returns once the answer starts arriving; read the page when it is all there
    # (a blocking script in <head>, theme.js, leaves it half-parsed a little longer).
    page.wait_for_load_state()
    assert "Too many failed login attempts" in page.content()
    assert violations(page) == []
    page.screenshot(path=str(screenshot_dir / "login-locked.png"), full_page=True)
    ratelimit.cache.clear()  # as if the lockout window had passed
    page.goto("/accounts/login/?next=/admin/")
    page.fill("input[name=login]", "boss")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}/admin/")
    assert violations(page) == []
    for url in ["/admin/accounts/user/", "/admin/accounts/user/add/", "/accounts/logout/", "/"]:
        visit(page, url)

    page.click("[data-testid=nav-user]")  # Bootstrap's JS opens the menu
    assert page.locator("[data-testid=nav-logout]").is_visible()
    assert violations(page) == []
