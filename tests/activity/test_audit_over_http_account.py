"""Password and email flows over HTTP: each writes exactly the expected audit rows.

Every test drives the real pages with the test client, as a user would, then compares the
full list of rows written (``audit.events()``, so "exactly once" and "nothing else") and the
fields of each: whose account, who acted, IP, user agent, path and ``extra``.
"""

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from accounts import signals
from accounts.models import EmailAddress, User
from activity.models import LoginLog, SecurityLog, UserProfile
from tests.helpers.audit import BROWSER, FROM_BROWSER
from tests.helpers.clients import login_client
from tests.helpers.email import act, add_address
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers.passwords import (
    complete_reset,
    login_without_password,
    mailed_link,
    set_password,
)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase 42"
CONFIRM_LINK_RE = re.compile(r"https?://testserver(/accounts/confirm-email/[^/\s]+/)")


@pytest.fixture
def alice(make_client, user):
    """alice, logged in through the form from a browser with a known IP and agent."""
    return login_client(make_client(**BROWSER), user)


def confirm_link(message):
    match = CONFIRM_LINK_RE.search(message.body)
    assert match, message.body
    return match.group(1)


# --- Passwords --------------------------------------------------------------------------------


def test_password_change_writes_one_row(alice, user, audit):
    audit.mark()
    response = alice.post(
        "/accounts/password/change/",
        {"oldpassword": DEFAULT_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert audit.events() == [("SecurityLog", "password_changed")]
    audit.assert_one(
        SecurityLog,
        event="password_changed",
        user=user,
        actor=user,
        username="alice",
        email="alice@example.com",
        path="/accounts/password/change/",
        extra={},
        **FROM_BROWSER,
    )


def test_password_change_ending_other_sessions_writes_sessions_ended(
    alice, make_client, user, audit
):
    login_client(make_client(), user)
    login_client(make_client(), user)
    audit.mark()
    alice.post(
        "/accounts/password/change/",
        {"oldpassword": DEFAULT_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert audit.events() == [
        ("SecurityLog", "password_changed"),
        ("SecurityLog", "sessions_ended"),
    ]
    audit.one(
        SecurityLog,
        "sessions_ended",
        user=user,
        actor=user,
        extra={"count": 2, "scope": "others"},
        **FROM_BROWSER,
    )


def test_wrong_old_password_writes_no_change(alice, audit):
    audit.mark()
    response = alice.post(
        "/accounts/password/change/",
        {"oldpassword": "not my password", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert ("SecurityLog", "password_changed") not in audit.events()


def test_password_set_writes_one_row(make_client, audit):
    carol = UserFactory(username="carol", email="carol@example.com", password=None)
    client = login_without_password(make_client(**BROWSER), carol)
    audit.mark()
    response = set_password(client, NEW_PASSWORD)
    assert response.status_code == 302
    assert audit.events() == [("SecurityLog", "password_set")]
    audit.assert_one(
        SecurityLog,
        event="password_set",
        user=carol,
        actor=carol,
        path="/accounts/password/set/",
        **FROM_BROWSER,
    )


def test_password_reset_by_the_mailed_link(make_client, user, audit, mailoutbox):
    """Anonymous browser: the reset has no actor; alice's other session ends with it."""
    login_client(make_client(), user)
    client = make_client(**BROWSER)
    path, uidb36, _key = mailed_link(client, mailoutbox)
    assert audit.events() == [("LoginLog", "login")]  # the request itself writes nothing
    audit.mark()

    response = complete_reset(client, path, uidb36, NEW_PASSWORD)

    assert response.status_code == 302
    assert audit.events() == [
        ("SecurityLog", "password_reset"),
        ("SecurityLog", "sessions_ended"),
    ]
    audit.one(
        SecurityLog,
        "password_reset",
        user=user,
        actor=None,
        username="alice",
        path=f"/accounts/password/reset/key/{uidb36}-set-password/",
        **FROM_BROWSER,
    )
    audit.one(
        SecurityLog,
        "sessions_ended",
        user=user,
        actor=user,
        extra={"count": 1, "scope": "all"},
        **FROM_BROWSER,
    )


def test_a_dead_reset_link_writes_nothing(make_client, user, audit, mailoutbox):
    client = make_client(**BROWSER)
    path, uidb36, _key = mailed_link(client, mailoutbox)
    complete_reset(client, path, uidb36, NEW_PASSWORD)
    audit.mark()
    response = client.get(path)
    assert response.status_code == 302
    client.post(
        f"/accounts/password/reset/key/{uidb36}-set-password/",
        {"password1": "yet another passphrase", "password2": "yet another passphrase"},
    )
    audit.assert_none()


# --- Email addresses --------------------------------------------------------------------------


def test_add_email_writes_added_and_confirmation_sent(alice, user, audit, mailoutbox):
    audit.mark()
    response = act(alice, "action_add", "new@example.org")
    assert response.status_code == 302
    assert audit.events() == [
        ("SecurityLog", "email_confirmation_sent"),
        ("SecurityLog", "email_added"),
    ]
    for event, extra in [
        ("email_confirmation_sent", {"email": "new@example.org", "signup": False}),
        ("email_added", {"email": "new@example.org"}),
    ]:
        audit.one(
            SecurityLog,
            event,
            user=user,
            actor=user,
            email="alice@example.com",
            path="/accounts/email/",
            extra=extra,
            **FROM_BROWSER,
        )


def test_an_address_vetoed_by_an_add_email_receiver_writes_nothing(alice, audit, signal_catcher):
    signal_catcher(signals._add_email).side_effect = ValidationError("Not accepted here.")
    audit.mark()
    response = act(alice, "action_add", "new@example.org")
    assert response.status_code == 200 and "Not accepted here." in response.content.decode()
    audit.assert_none()


def test_remove_email_writes_one_row(alice, user, audit):
    add_address(user, "second@example.org")
    audit.mark()
    response = act(alice, "action_remove", "second@example.org")
    assert response.status_code == 302
    assert audit.events() == [("SecurityLog", "email_removed")]
    audit.assert_one(
        SecurityLog,
        event="email_removed",
        user=user,
        actor=user,
        extra={"email": "second@example.org"},
        **FROM_BROWSER,
    )


def test_refused_removal_of_the_primary_writes_nothing(alice, user, audit):
    add_address(user, "second@example.org")
    audit.mark()
    assert act(alice, "action_remove", "alice@example.com").status_code == 200
    audit.assert_none()


def test_new_primary_writes_email_changed(alice, user, audit):
    add_address(user, "second@example.org", verified=True)
    audit.mark()
    response = act(alice, "action_primary", "second@example.org")
    assert response.status_code == 302
    assert audit.events() == [("SecurityLog", "email_changed")]
    audit.assert_one(
        SecurityLog,
        event="email_changed",
        user=user,
        actor=user,
        # The snapshot is taken after the change: the account's address is the new one.
        email="second@example.org",
        extra={"from": "alice@example.com", "to": "second@example.org"},
        **FROM_BROWSER,
    )


def test_first_primary_is_not_logged_as_a_change(make_client, audit):
    dora = UserFactory(username="dora", email="", with_email=False)
    add_address(dora, "dora@example.org", verified=True)
    client = login_client(make_client(**BROWSER), dora)
    audit.mark()
    assert act(client, "action_primary", "dora@example.org").status_code == 302
    audit.assert_none()


def test_resend_writes_confirmation_sent_then_rate_limited(alice, user, audit):
    add_address(user, "second@example.org")
    audit.mark()
    assert act(alice, "action_send", "second@example.org").status_code == 302
    audit.assert_one(
        SecurityLog,
        event="email_confirmation_sent",
        user=user,
        actor=user,
        extra={"email": "second@example.org", "signup": False},
        **FROM_BROWSER,
    )

    audit.mark()
    response = act(alice, "action_send", "second@example.org")  # within the cooldown
    assert response.status_code == 429
    assert audit.events() == [("SecurityLog", "rate_limited")]
    audit.assert_one(
        SecurityLog,
        event="rate_limited",
        user=user,
        actor=user,
        extra={"action": "confirm_email"},
        **FROM_BROWSER,
    )


def test_confirm_by_link_writes_email_confirmed(alice, user, audit, mailoutbox):
    act(alice, "action_add", "new@example.org")
    link = confirm_link(mailoutbox[0])
    audit.mark()

    assert alice.get(link).status_code == 200
    audit.assert_none()  # GET only shows the address
    response = alice.post(link)

    assert response.status_code == 302
    assert EmailAddress.objects.get(email="new@example.org").verified
    assert audit.events() == [("SecurityLog", "email_confirmed")]
    audit.assert_one(
        SecurityLog,
        event="email_confirmed",
        user=user,
        actor=user,
        path="/accounts/confirm-email/[redacted]/",  # never the key (issue 13, point 9)
        extra={"email": "new@example.org", "primary": False},
        **FROM_BROWSER,
    )
    audit.mark()
    alice.post(link)  # confirming twice is a no-op
    audit.assert_none()


def test_signup_then_confirm_from_another_browser(make_client, audit, mailoutbox, settings):
    """The signup mail is logged with ``signup=True``; confirming it in a browser where nobody
    is logged in has no actor, makes the first primary and starts the trial."""
    settings.ACTIVITY_TRIAL_ON_EMAIL_CONFIRMED = True
    signup = make_client()
    signup.post(
        "/accounts/signup/",
        {
            "username": "carol",
            "email": "carol@example.com",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
    )
    carol = User.objects.get(username="carol")
    audit.one(
        SecurityLog,
        "email_confirmation_sent",
        user=carol,
        actor=None,
        extra={"email": "carol@example.com", "signup": True},
    )
    EmailAddress.objects.filter(user=carol).update(primary=False)
    carol.email = ""
    carol.save(update_fields=["email"])
    audit.mark()

    response = make_client(**BROWSER).post(confirm_link(mailoutbox[0]))

    assert response.status_code == 302
    assert audit.events() == [("SecurityLog", "email_confirmed")]
    audit.assert_one(
        SecurityLog,
        event="email_confirmed",
        user=carol,
        actor=None,
        extra={"email": "carol@example.com", "primary": True, "trial_started": True},
        **FROM_BROWSER,
    )
    assert UserProfile.objects.get(user=carol).trial_active


def test_admin_mark_verified_names_the_staff_member(make_client, user, audit):
    address = add_address(user, "second@example.org")
    staff = UserFactory(username="root", is_staff=True, is_superuser=True)
    admin = login_client(make_client(**BROWSER), staff)
    audit.mark()

    response = admin.post(
        "/admin/accounts/emailaddress/",
        {"action": "mark_verified", "_selected_action": [address.pk]},
    )

    assert response.status_code == 302
    assert audit.events() == [("SecurityLog", "email_confirmed")]
    audit.assert_one(
        SecurityLog,
        event="email_confirmed",
        user=user,
        actor=staff,
        username="alice",
        path="/admin/accounts/emailaddress/",
        extra={"email": "second@example.org", "primary": False},
        **FROM_BROWSER,
    )


@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory")
def test_login_of_an_unverified_account_logs_the_mail_not_a_login(make_client, audit):
    fresh = UserFactory(username="fresh", with_email=False)
    EmailAddress.objects.create(user=fresh, email=fresh.email, primary=True)
    audit.mark()
    response = make_client(**BROWSER).post(
        "/accounts/login/", {"login": "fresh", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert audit.events() == [("SecurityLog", "email_confirmation_sent")]
    audit.assert_one(
        SecurityLog,
        event="email_confirmation_sent",
        user=fresh,
        actor=None,
        extra={"email": "fresh@example.com", "signup": False},
        **FROM_BROWSER,
    )
    assert not LoginLog.objects.filter(event="login").exists()
