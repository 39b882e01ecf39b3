"""Regression tests for defects found in the security review of the merged account site.

Each test describes the attack it shuts out; the fix is in the module named in its docstring.
"""

from importlib import import_module
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client

from accounts import signals
from accounts.models import EmailAddress
from accounts.usersessions.models import UserSession
from tests.helpers.clients import login_client
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers.mfa import T0, add_totp, code_at, start_login
from tests.helpers.webauthn import (
    LOGIN_URL,
    REAUTH_URL,
    HttpsClient,
    make_key,
    options_in,
    post_credential,
)
from tests.helpers.webauthn_soft import SoftAuthenticator

pytestmark = pytest.mark.django_db

EMAIL_URL = "/accounts/email/"
SECOND_STEP_URL = "/accounts/2fa/authenticate/"


def session_exists(key):
    return import_module(settings.SESSION_ENGINE).SessionStore().exists(key)


# --- Reauthentication cannot be satisfied by someone else's password -------------------------


def test_password_of_another_account_does_not_count_as_reauthentication(clock, user):
    """A hijacked session whose last login is old must not be "recently authenticated" by
    typing the attacker's *own* password at the login form (an account with a second factor,
    so the login stays pending and the victim's session stays signed in).

    Fix: ``views.auth.LoginView`` sends signed-in users on, like signup (allauth does too).
    """
    attacker = UserFactory(username="mallory", email="mallory@example.com")
    add_totp(attacker)
    victim = login_client(Client(), user)
    clock.shift(10 * 60)  # past the 5-minute reauthentication window

    victim.post("/accounts/login/", {"login": "mallory", "password": DEFAULT_PASSWORD})
    response = victim.post(EMAIL_URL, {"email": "mallory@evil.example", "action_add": "1"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert not EmailAddress.objects.filter(email="mallory@evil.example").exists()
    assert int(victim.session["_auth_user_id"]) == user.pk


def test_signed_in_user_is_sent_on_from_the_login_page(user, signal_catcher):
    client = login_client(Client(), user)
    step = signal_catcher(signals.authentication_step_completed)
    other = UserFactory(username="carol", email="carol@example.com")
    for response in (
        client.get("/accounts/login/?next=/accounts/email/"),
        client.post(
            "/accounts/login/",
            {"login": other.username, "password": DEFAULT_PASSWORD, "next": "/accounts/email/"},
        ),
    ):
        assert response.status_code == 302 and response["Location"] == "/accounts/email/"
    step.assert_not_called()
    assert int(client.session["_auth_user_id"]) == user.pk


# --- A pending second step does not outlive the login it belongs to --------------------------


def test_pending_login_is_dropped_when_another_user_signs_in(clock, user, other_user):
    """alice typed her password on a shared browser and walked away at the code prompt; bob
    then signs in there. alice's half-done login must not still be waiting for a code.

    Fix: ``flows.login.perform_login`` clears any pending login.
    """
    add_totp(user)
    client = Client()
    start_login(client, user)
    login_client(client, other_user)

    response = client.get(SECOND_STEP_URL)

    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "account_pending_login" not in client.session


def test_pending_login_is_dropped_by_logout(clock, user, other_user):
    _, secret = add_totp(user)
    client = Client()
    start_login(client, user)
    client.post("/accounts/logout/")
    response = client.post(SECOND_STEP_URL, {"code": code_at(secret, T0)})
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


# --- Passkey login only with keys registered as passkeys -------------------------------------


def test_security_key_registered_as_second_factor_cannot_sign_in_alone(user, signal_catcher):
    """A key registered as a *second factor* (not as a passkey) must not replace the password:
    the user chose password + key. Platform authenticators make discoverable credentials even
    when not asked to, so the browser can offer such a key on the passkey login page.

    Fix: ``flows.webauthn.login_with_passkey`` only considers keys stored as passkeys.
    """
    soft = SoftAuthenticator()
    make_key(user, soft, passwordless=False)
    logged_in = signal_catcher(signals.user_logged_in)
    used = signal_catcher(signals.authenticator_used)
    browser = HttpsClient()

    response = post_credential(browser, LOGIN_URL, soft.get(options_in(browser.get(LOGIN_URL))))

    assert response.status_code == 200
    assert "_auth_user_id" not in browser.session
    logged_in.assert_not_called()
    used.assert_not_called()


def test_passkey_still_signs_in(user):
    soft = SoftAuthenticator()
    make_key(user, soft, passwordless=True)
    browser = HttpsClient()
    response = post_credential(browser, LOGIN_URL, soft.get(options_in(browser.get(LOGIN_URL))))
    assert response.status_code == 302
    assert int(browser.session["_auth_user_id"]) == user.pk


# --- Reauthentication with a key keeps the session record in step ----------------------------


@pytest.mark.parametrize(
    "engine",
    ["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cache"],
    ids=["db", "cache"],
)
def test_key_reauthentication_moves_the_session_record_to_the_new_key(user, settings, engine):
    """Reauthenticating with a security key gives the session a new key (C1); its record
    must follow, or "sign out everywhere else" from another device (and the staff action)
    would no longer find, hence never end, this session.

    Fix: ``flows.webauthn.reauthenticate_with_key`` uses ``user_sessions.rotate_session``.
    """
    settings.SESSION_ENGINE = engine
    laptop = login_client(HttpsClient(), user)
    phone = login_client(HttpsClient(), user)
    soft = SoftAuthenticator()
    make_key(user, soft, passwordless=False)
    before = laptop.session.session_key

    options = options_in(laptop.get(f"{REAUTH_URL}?next={quote('/accounts/2fa/')}"))
    response = post_credential(laptop, REAUTH_URL, soft.get(options), next="/accounts/2fa/")
    assert response.status_code == 302
    after = laptop.session.session_key
    assert after != before and not session_exists(before)
    assert UserSession.objects.filter(user=user, session_key=after).exists()
    assert not UserSession.objects.filter(session_key=before).exists()

    assert phone.post("/accounts/sessions/").status_code == 302
    assert laptop.get("/").wsgi_request.user.is_anonymous


# --- The admin's own account pages hand over to the site's -----------------------------------


@pytest.fixture
def staff(db):
    return UserFactory(username="boss", email="boss@example.com", is_staff=True, is_superuser=True)


def test_signed_in_non_staff_user_gets_403_from_the_admin_not_a_redirect_loop(user):
    """``/admin/`` → ``/admin/login/`` → ``/accounts/login/?next=/admin/`` → (signed in) back
    to ``/admin/``: a signed-in user without admin access must get an answer, not a loop."""
    client = login_client(Client(), user)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert len(response.redirect_chain) <= 2


def test_admin_password_change_is_the_sites(staff, signal_catcher, mailoutbox):
    """Django's admin password change would skip the site's flow: no ``password_changed``
    (audit), no notice, no rate limit on guessing the current password, no session upkeep.

    Fix: ``config.admin.SiteAdmin.password_change`` redirects to the site's page.
    """
    client = login_client(Client(), staff)
    changed = signal_catcher(signals.password_changed)
    get = client.get("/admin/password_change/")
    assert get.status_code == 302 and get["Location"] == "/accounts/password/change/"
    client.post(
        "/admin/password_change/",
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": "a brand new passphrase 42",
            "new_password2": "a brand new passphrase 42",
        },
    )
    staff.refresh_from_db()
    assert staff.check_password(DEFAULT_PASSWORD)
    changed.assert_not_called()


def test_admin_logout_is_the_sites_logout(staff, signal_catcher):
    """Logging out from the admin also forgets the session's record (sessions page)."""
    client = login_client(Client(), staff)
    key = client.session.session_key
    logged_out = signal_catcher(signals.user_logged_out)
    assert client.get("/admin/logout/").status_code in (200, 405)  # GET does not log out
    assert UserSession.objects.filter(session_key=key).exists()
    response = client.post("/admin/logout/")
    assert response.status_code == 302
    assert not UserSession.objects.filter(session_key=key).exists()
    assert not session_exists(key)
    logged_out.assert_called_once()


# --- ``next`` is a path or a URL of this site, never a URL name ------------------------------


@pytest.mark.parametrize("target", ["0", "home", "account_email", "foo", "?x=1", "#top"])
def test_a_bare_word_next_is_ignored_not_a_500(user, target):
    """``redirect("0")`` looks "0" up as a URL name: NoReverseMatch, a 500 (found by the fuzz
    test). ``next=account_email`` would even be reversed. Fix: ``httpkit.get_next_url``."""
    client = login_client(Client(), user)
    response = client.post("/accounts/logout/", {"next": target})
    assert response.status_code == 302 and response["Location"] == "/"
    client = login_client(Client(), user)
    response = client.get(f"/accounts/signup/?next={quote(target)}")
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.parametrize(
    "target", ["/accounts/email/", "http://testserver/accounts/email/", "/accounts/email/?a=b"]
)
def test_a_path_or_own_url_next_is_kept(user, target):
    client = login_client(Client(), user)
    response = client.post("/accounts/logout/", {"next": target})
    assert response["Location"] == target


# --- Session keys are bearer secrets: never rendered --------------------------------------


def test_admin_never_shows_a_session_key(staff, user):
    """A session key is as good as the session: staff viewing records must not be able to
    read (and replay) one. Fix: ``UserSessionAdmin`` excludes ``session_key``."""
    alice = login_client(Client(), user)
    key = alice.session.session_key
    record = UserSession.objects.get(session_key=key)
    admin = login_client(Client(), staff)
    for url in (
        "/admin/usersessions/usersession/",
        f"/admin/usersessions/usersession/{record.pk}/change/",
    ):
        response = admin.get(url)
        assert response.status_code == 200
        assert key not in response.content.decode()


# --- Every refusal by a rate limit is reported ----------------------------------------------


def test_code_reauthentication_refused_by_its_rate_limit_sends_rate_limited(
    clock, user, signal_catcher
):
    """The code reauthentication page answered 429 silently, unlike every other limited
    page: staff saw no trace of it. Fix: ``views.mfa.reauthenticate`` reports it."""
    from unittest import mock

    _, secret = add_totp(user)
    client = Client()
    start_login(client, user)
    client.post(SECOND_STEP_URL, {"code": code_at(secret, T0)})
    for _ in range(10):
        client.post("/accounts/2fa/reauthenticate/", {})  # invalid form: no code checked
    limited = signal_catcher(signals.rate_limited)
    response = client.post("/accounts/2fa/reauthenticate/", {"code": "123456"})
    assert response.status_code == 429
    limited.assert_called_once_with(
        signal=signals.rate_limited,
        sender=None,
        request=mock.ANY,
        action="reauthenticate",
        user=user,
    )


def test_pending_login_dies_when_the_password_changes(clock, user, signal_catcher):
    """Someone typed alice's (leaked) password and waits at the code prompt; alice, warned,
    resets her password. The half-done login must not be completable with the old password.

    Fix: ``flows.login`` binds the pending login to the password (session auth hash).
    """
    _, secret = add_totp(user)
    client = Client()
    start_login(client, user)
    user.set_password("a brand new passphrase 42")
    user.save()
    logged_in = signal_catcher(signals.user_logged_in)

    response = client.post(SECOND_STEP_URL, {"code": code_at(secret, T0)})

    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session
    logged_in.assert_not_called()
