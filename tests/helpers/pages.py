"""Every page of the site in one table: URL name, who sees it, what it needs.

One place for the tests that must visit *every* page (issue 17: screenshots and axe-core in
tests/e2e/test_every_page.py, the per-language test): add a page here and they all cover it.

A page belongs to a *role*, the visitor who opens it:

- ``anon``: nobody signed in;
- ``pending``: a user half-way through a login, waiting for the second factor;
- ``user``: carol, password only, a verified address;
- ``mfa``: dana, signed in with TOTP, also holding recovery codes and a security key;
- ``staff``: boss, superuser, for the admin (index, dashboard, every changelist, custom pages).

``ROLES[role].setup()`` creates the role's users and returns the data the pages' URLs need
(``Page.path(data)``); ``sign_in(page, data)`` signs a Playwright page in as that role.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse

from tests.helpers.factories import DEFAULT_PASSWORD, EmailAddressFactory, UserFactory
from tests.helpers.mfa import add_recovery_codes, add_totp, add_webauthn, current_code


@dataclass(frozen=True)
class Page:
    name: str  # unique within the role; names the screenshot
    url_name: str
    role: str
    kwargs: Callable[[dict], dict] | None = None  # URL arguments from the role's data
    query: str = ""
    status: int = 200
    lands_on: str | None = None  # a URL name (or a path) when the page redirects by design
    settings: dict = field(default_factory=dict)  # override_settings while it is shown

    def path(self, data: dict) -> str:
        kwargs = self.kwargs(data) if self.kwargs else {}
        return reverse(self.url_name, kwargs=kwargs) + self.query

    def landing(self, data: dict) -> str:
        if self.lands_on:
            return self.lands_on if self.lands_on.startswith("/") else reverse(self.lands_on)
        return self.path(data).split("?")[0]


LOGIN_BY_CODE = {"ACCOUNT_LOGIN_BY_CODE_ENABLED": True}

PAGES: list[Page] = [
    # --- Anonymous ------------------------------------------------------------------------
    Page("home", "home", "anon"),
    Page("login", "account_login", "anon"),
    Page("signup", "account_signup", "anon"),
    Page("signup-closed", "account_signup", "anon", status=403,
         settings={"ACCOUNT_SIGNUP_OPEN": False}),
    Page("invitation-invalid", "account_invitation", "anon", kwargs=lambda d: {"key": "no-such"},
         status=404),
    Page("passkey-login", "mfa_login_webauthn", "anon"),
    Page("login-code", "account_request_login_code", "anon", settings=LOGIN_BY_CODE),
    Page("password-reset", "account_reset_password", "anon"),
    Page("password-reset-done", "account_reset_password_done", "anon"),
    Page("password-reset-key-invalid", "account_reset_password_from_key", "anon",
         kwargs=lambda d: {"uidb36": "1", "key": "not-a-real-key"},
         lands_on="/accounts/password/reset/key/1-set-password/"),  # the key moves to the session
    Page("password-reset-key-done", "account_reset_password_from_key_done", "anon"),
    Page("confirm-email", "account_confirm_email", "anon", kwargs=lambda d: {"key": d["key"]}),
    Page("confirm-email-invalid", "account_confirm_email", "anon",
         kwargs=lambda d: {"key": "not-a-real-key"}, status=404),
    Page("verification-sent", "account_email_verification_sent", "anon"),
    Page("inactive", "account_inactive", "anon"),
    Page("social-login-cancelled", "socialaccount_login_cancelled", "anon"),
    Page("social-login-error", "socialaccount_login_error", "anon", status=400),
    # --- Half-way through a login with a second factor ------------------------------------
    Page("2fa-authenticate", "mfa_authenticate", "pending"),
    # --- Signed in, password only ---------------------------------------------------------
    Page("home", "home", "user"),
    Page("email", "account_email", "user"),
    Page("password-change", "account_change_password", "user"),
    Page("password-set", "account_set_password", "user", lands_on="account_change_password"),
    Page("preferences", "account_preferences", "user"),
    Page("sessions", "usersessions_list", "user"),
    Page("activity", "account_activity", "user"),
    Page("social-connections", "socialaccount_connections", "user"),
    Page("2fa-index", "mfa_index", "user"),
    Page("totp-activate", "mfa_activate_totp", "user"),
    Page("recovery-codes", "mfa_view_recovery_codes", "user"),
    Page("webauthn-list", "mfa_list_webauthn", "user"),
    Page("webauthn-add", "mfa_add_webauthn", "user"),
    Page("reauthenticate", "account_reauthenticate", "user"),
    Page("export", "account_export", "user"),
    Page("delete", "account_delete", "user"),
    Page("logout", "account_logout", "user"),
    # --- Signed in with second factors ----------------------------------------------------
    Page("2fa-index", "mfa_index", "mfa"),
    Page("recovery-codes", "mfa_view_recovery_codes", "mfa"),
    Page("totp-deactivate", "mfa_deactivate_totp", "mfa"),
    Page("webauthn-list", "mfa_list_webauthn", "mfa"),
    Page("webauthn-edit", "mfa_edit_webauthn", "mfa", kwargs=lambda d: {"pk": d["key_pk"]}),
    Page("webauthn-remove", "mfa_remove_webauthn", "mfa", kwargs=lambda d: {"pk": d["key_pk"]}),
    Page("2fa-reauthenticate", "mfa_reauthenticate", "mfa"),
    Page("webauthn-reauthenticate", "mfa_reauthenticate_webauthn", "mfa"),
    # --- Staff: the admin -----------------------------------------------------------------
    Page("admin-index", "admin:index", "staff"),
    Page("dashboard", "admin:activity_dashboard", "staff"),
    Page("user-change", "admin:accounts_user_change", "staff",
         kwargs=lambda d: {"object_id": d["staff_pk"]}),
    Page("loginlog-detail", "admin:activity_loginlog_change", "staff",
         kwargs=lambda d: {"object_id": d["loginlog_pk"]}),
    Page("securitylog-detail", "admin:activity_securitylog_change", "staff",
         kwargs=lambda d: {"object_id": d["securitylog_pk"]}),
]  # fmt: skip


def admin_changelists() -> list[Page]:
    """Every model the admin shows, from its registry (a new model is covered at once)."""
    from django.contrib import admin

    return [
        Page(
            f"admin-{model._meta.app_label}-{model._meta.model_name}",
            f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist",
            "staff",
        )
        for model in admin.site._registry
    ]


def pages_of(role: str) -> list[Page]:
    pages = [page for page in PAGES if page.role == role]
    return pages + admin_changelists() if role == "staff" else pages


# --- Roles: their data and how a browser signs in as them -----------------------------------


def _fill_login(page, username):
    page.goto(reverse("account_login"))
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_load_state("networkidle")


def _setup_anon():
    """A confirmation link opened in a browser where nobody is signed in."""
    from accounts.email_confirmation import EmailConfirmation

    user = UserFactory(username="erin", email="erin@example.com")
    work = EmailAddressFactory(user=user, email="erin.work@example.org", verified=False)
    return {"key": EmailConfirmation(work).key}


def _setup_user():
    """All addresses verified: an unverified one would keep her from the second-factor pages."""
    UserFactory(username="carol", email="carol@example.com")
    return {"username": "carol"}


def _setup_pending():
    user = UserFactory(username="pat", email="pat@example.com")
    add_totp(user)
    add_webauthn(user)
    return {"username": "pat"}


def _setup_mfa():
    user = UserFactory(username="dana", email="dana@example.com")
    _, secret = add_totp(user)
    add_recovery_codes(user)
    return {"username": "dana", "secret": secret, "key_pk": add_webauthn(user).pk}


def _setup_staff():
    from activity.models import LoginLog, SecurityLog

    staff = UserFactory(username="boss", email="boss@example.com", is_staff=True, is_superuser=True)
    SecurityLog.objects.create(
        user=staff,
        username="boss",
        event=SecurityLog.Event.PASSWORD_CHANGED,
        ip_address="203.0.113.7",
    )
    return {
        "username": "boss",
        "staff_pk": staff.pk,
        "loginlog_pk": lambda: LoginLog.objects.latest().pk,
        "securitylog_pk": lambda: SecurityLog.objects.latest().pk,
    }


def _sign_in_mfa(page, data):
    _fill_login(page, data["username"])
    page.fill("input[name=code]", current_code(data["secret"]))
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_selector("[data-testid=nav-user]")


@dataclass(frozen=True)
class Role:
    setup: Callable[[], dict]
    sign_in: Callable | None  # (page, data); None: stays anonymous


ROLES: dict[str, Role] = {
    "anon": Role(setup=_setup_anon, sign_in=None),
    "pending": Role(setup=_setup_pending, sign_in=lambda page, d: _fill_login(page, d["username"])),
    "user": Role(setup=_setup_user, sign_in=lambda page, d: _fill_login(page, d["username"])),
    "mfa": Role(setup=_setup_mfa, sign_in=_sign_in_mfa),
    "staff": Role(setup=_setup_staff, sign_in=lambda page, d: _fill_login(page, d["username"])),
}


def resolve(data: dict) -> dict:
    """The role's data with lazy values (rows that exist only after signing in) computed."""
    return {key: value() if callable(value) else value for key, value in data.items()}
