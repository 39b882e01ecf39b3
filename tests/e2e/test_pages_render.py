"""Every page a visitor, a signed-in person or a staff member can reach renders in Chromium with
the expected status, without a console error or a Content-Security-Policy violation, and leaves
a full-page screenshot (``test-artifacts/pages-*.png``) for a person to look at.
"""

import pytest
from django.core import mail

from accounts.email_confirmation import EmailConfirmation
from accounts.models import EmailAddress
from tests.helpers.factories import DEFAULT_PASSWORD, EmailAddressFactory, UserFactory
from tests.helpers.mfa import add_recovery_codes, add_totp, add_webauthn, current_code

pytestmark = pytest.mark.django_db(transaction=True)

MOBILE = {"width": 390, "height": 844}

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


class Visitor:
    """Drives one browser page and checks each page it opens the same way."""

    def __init__(self, page, screenshot_dir, prefix):
        self.page = page
        self.screenshot_dir = screenshot_dir
        self.prefix = prefix
        self.errors = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))

    def _on_console(self, message):
        if message.type == "error":
            self.errors.append(message.text)

    def check(self, name, status=200):
        """No console error (a 4xx page may log its own status) and no CSP violation; then
        a full-page screenshot named after the role and the page."""
        self.page.wait_for_load_state("networkidle")
        errors = [
            error for error in self.errors if not (status >= 400 and f"status of {status}" in error)
        ]
        assert errors == [], name
        assert self.page.evaluate("window.__cspViolations") == [], name
        self.page.screenshot(
            path=str(self.screenshot_dir / f"pages-{self.prefix}-{name}.png"), full_page=True
        )
        self.errors.clear()

    def visit(self, url, name, status=200, lands_on=None):
        self.errors.clear()
        response = self.page.goto(url)
        assert response.status == status, (url, response.status)
        if lands_on is not None:
            assert self.page.url.endswith(lands_on), (url, self.page.url)
        self.check(name, status)

    def sign_in(self, username, next_url=""):
        self.visit(f"/accounts/login/{next_url}", "login")
        self.page.fill("input[name=login]", username)
        self.page.fill("input[name=password]", DEFAULT_PASSWORD)
        self.page.click("button[type=submit]:has-text('Sign in')")
        self.page.wait_for_load_state("networkidle")


def test_anonymous_pages(page, live_server, screenshot_dir):
    visitor = Visitor(page, screenshot_dir, "anon")
    visitor.visit("/", "home")
    visitor.visit("/accounts/login/", "login")
    visitor.visit("/accounts/signup/", "signup")
    visitor.visit("/accounts/password/reset/", "password-reset")
    visitor.visit("/accounts/password/reset/done/", "password-reset-done")
    visitor.visit("/accounts/password/reset/key/1-not-a-real-key/", "password-reset-key-invalid")
    visitor.visit("/accounts/password/reset/key/done/", "password-reset-key-done")
    visitor.visit("/accounts/confirm-email/not-a-real-key/", "confirm-email-invalid", status=404)
    visitor.visit("/accounts/confirm-email/", "verification-sent")
    visitor.visit("/accounts/inactive/", "inactive")
    visitor.visit("/accounts/logout/", "logout", lands_on="/")
    visitor.visit("/no-such-page/", "404", status=404)

    # A form with errors is a page too.
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "nobody")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]:has-text('Sign in')")
    visitor.check("login-error")


def test_signed_in_pages(page, live_server, screenshot_dir):
    user = UserFactory(username="carol", email="carol@example.com")
    work = EmailAddressFactory(user=user, email="carol.work@example.org", verified=False)
    visitor = Visitor(page, screenshot_dir, "user")
    visitor.sign_in("carol")
    assert "Signed in as carol" in page.inner_text("[data-testid=nav-user]")
    visitor.check("home")

    visitor.visit("/accounts/email/", "email")
    visitor.visit(f"/accounts/confirm-email/{EmailConfirmation(work).key}/", "confirm-email")
    visitor.visit("/accounts/password/change/", "password-change")
    visitor.visit("/accounts/password/set/", "password-set", lands_on="/accounts/password/change/")
    visitor.visit("/accounts/2fa/", "2fa-index")
    visitor.visit("/accounts/2fa/totp/activate/", "totp-activate")
    visitor.visit("/accounts/2fa/recovery-codes/", "recovery-codes")
    visitor.visit("/accounts/2fa/webauthn/", "webauthn-list")
    visitor.visit("/accounts/2fa/webauthn/add/", "webauthn-add")
    visitor.visit("/accounts/reauthenticate/", "reauthenticate")
    visitor.visit(
        "/accounts/2fa/reauthenticate/", "2fa-reauthenticate", lands_on="/accounts/reauthenticate/"
    )
    visitor.visit("/accounts/sessions/", "sessions")
    visitor.visit("/accounts/activity/", "activity")
    visitor.visit("/accounts/logout/", "logout")


def test_signed_in_pages_with_second_factors(page, live_server, screenshot_dir):
    user = UserFactory(username="dana", email="dana@example.com")
    _, secret = add_totp(user)
    add_recovery_codes(user)
    key = add_webauthn(user)
    visitor = Visitor(page, screenshot_dir, "mfa")
    visitor.sign_in("dana")
    assert page.url.endswith("/accounts/2fa/authenticate/")
    visitor.check("2fa-authenticate")
    page.fill("input[name=code]", current_code(secret))
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_selector("[data-testid=nav-user]")

    visitor.visit("/accounts/2fa/", "2fa-index")
    visitor.visit("/accounts/2fa/recovery-codes/", "recovery-codes")
    visitor.visit("/accounts/2fa/totp/deactivate/", "totp-deactivate")
    visitor.visit("/accounts/2fa/webauthn/", "webauthn-list")
    visitor.visit(f"/accounts/2fa/webauthn/keys/{key.pk}/edit/", "webauthn-edit")
    visitor.visit(f"/accounts/2fa/webauthn/keys/{key.pk}/remove/", "webauthn-remove")
    visitor.visit("/accounts/2fa/reauthenticate/", "2fa-reauthenticate")


def test_staff_pages(page, live_server, screenshot_dir):
    staff = UserFactory(username="boss", email="boss@example.com", is_staff=True, is_superuser=True)
    visitor = Visitor(page, screenshot_dir, "staff")
    visitor.sign_in("boss", next_url="?next=/admin/")
    assert page.url.endswith("/admin/")
    visitor.check("admin-index")

    visitor.visit("/admin/activity/dashboard/", "dashboard")
    visitor.visit("/admin/activity/loginlog/", "loginlog")
    visitor.visit("/admin/activity/securitylog/", "securitylog")
    visitor.visit("/admin/activity/mfalog/", "mfalog")
    visitor.visit(f"/admin/accounts/user/{staff.pk}/change/", "user-change")


@pytest.fixture
def mobile_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=MOBILE)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_key_pages_at_phone_width(mobile_page, live_server, screenshot_dir):
    UserFactory(username="erin", email="erin@example.com")
    visitor = Visitor(mobile_page, screenshot_dir, "mobile")
    visitor.visit("/", "home")
    visitor.visit("/accounts/signup/", "signup")
    visitor.sign_in("erin")
    for url, name in [
        ("/accounts/email/", "email"),
        ("/accounts/2fa/", "2fa-index"),
        ("/accounts/sessions/", "sessions"),
        ("/accounts/activity/", "activity"),
    ]:
        visitor.visit(url, name)
    assert mobile_page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]


def test_signup_sends_a_readable_confirmation_mail(page, live_server, screenshot_dir):
    """The confirmation mail of a browser signup has a text and an HTML part with the link."""
    page.goto("/accounts/signup/")
    page.fill("input[name=username]", "gwen")
    page.fill("input[name=email]", "gwen@example.com")
    page.fill("input[name=password1]", "a long enough passphrase")
    page.fill("input[name=password2]", "a long enough passphrase")
    page.click("button[type=submit]:has-text('Create account')")
    page.wait_for_load_state("networkidle")
    assert EmailAddress.objects.filter(email="gwen@example.com").exists()
    (message,) = mail.outbox
    assert "/accounts/confirm-email/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "/accounts/confirm-email/" in html
