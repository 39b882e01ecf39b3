"""Setting a first password (users with no usable one) over HTTP."""

import re
from unittest import mock

import pytest
from django.conf import settings

from accounts import signals
from accounts.models import User
from accounts.usersessions.models import UserSession
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers.passwords import login_without_password, set_password

pytestmark = pytest.mark.django_db

URL = "/accounts/password/set/"
NEW_PASSWORD = "my very first passphrase"
BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)


@pytest.fixture
def nopw(db):
    """carol, created (say, in the admin) without a usable password."""
    return UserFactory(username="carol", email="carol@example.com", password=None)


def test_set_sends_password_set_and_makes_the_password_usable(
    make_client, nopw, signal_catcher, mailoutbox
):
    client = login_without_password(make_client(), nopw)
    old_key = client.session.session_key
    was_set = signal_catcher(signals.password_set)
    changed = signal_catcher(signals.password_changed)

    response = set_password(client, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="198.51.100.9")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/change/"
    was_set.assert_called_once_with(
        signal=signals.password_set, sender=User, request=mock.ANY, user=nopw
    )
    changed.assert_not_called()
    nopw.refresh_from_db()
    assert nopw.check_password(NEW_PASSWORD)
    # Still logged in, under a new session key that carries the record.
    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != old_key
    assert client.get("/accounts/password/change/").status_code == 200
    assert UserSession.objects.get(user=nopw).session_key == new_key
    # The notice: when, where from, which browser; never the password.
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["carol@example.com"]
    for body in (message.body, message.alternatives[0][0]):
        assert "198.51.100.9" in body and "Chrome on Windows" in body
        assert re.search(r"\d{1,2} \w+ \d{4}, \d\d:\d\d", body)
        assert NEW_PASSWORD not in body
    # The new password signs in through the real form.
    fresh = make_client()
    response = fresh.post("/accounts/login/", {"login": "carol", "password": NEW_PASSWORD})
    assert response.status_code == 302 and int(fresh.session["_auth_user_id"]) == nopw.pk


def test_set_ends_other_sessions(make_client, nopw, signal_catcher):
    a = login_without_password(make_client(), nopw)
    b = login_without_password(make_client(), nopw)
    ended = signal_catcher(signals.sessions_ended)

    assert set_password(a).status_code == 302

    assert b.get("/accounts/password/change/")["Location"].startswith("/accounts/login/")
    assert a.get("/accounts/password/change/").status_code == 200
    ended.assert_called_once_with(
        signal=signals.sessions_ended,
        sender=User,
        request=mock.ANY,
        user=nopw,
        actor=nopw,
        count=1,
        scope="others",
    )


def test_user_with_a_password_is_sent_to_change(client, user, signal_catcher):
    """alice has a usable password: GET and POST go to the change page, nothing changes."""
    client.force_login(user)
    was_set = signal_catcher(signals.password_set)

    assert client.get(URL)["Location"] == "/accounts/password/change/"
    response = set_password(client)

    assert response.status_code == 302 and response["Location"] == "/accounts/password/change/"
    was_set.assert_not_called()
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


@pytest.mark.parametrize(
    "password1,password2",
    [
        (NEW_PASSWORD, "not the same passphrase"),
        ("short", "short"),
        ("carol@example.com", "carol@example.com"),
        ("x" * 10_000, "x" * 10_000),
        ("nul\x00in the middle", "nul\x00in the middle"),
        ("", ""),
    ],
)
def test_invalid_set_changes_nothing(
    client, nopw, password1, password2, signal_catcher, mailoutbox
):
    login_without_password(client, nopw)
    was_set = signal_catcher(signals.password_set)
    ended = signal_catcher(signals.sessions_ended)

    response = set_password(client, password1, password2)

    assert response.status_code == 200
    assert response.context["form"].errors
    was_set.assert_not_called()
    ended.assert_not_called()
    assert mailoutbox == []
    nopw.refresh_from_db()
    assert not nopw.has_usable_password()


def test_set_needs_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_set_page_renders_for_a_user_without_password(client, nopw):
    login_without_password(client, nopw)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Set a password" in html
    assert html.count('autocomplete="new-password"') == 2


def test_a_passwordless_account_with_a_key_needs_a_recent_factor_to_set_one(client, signal_catcher):
    """A stolen session of a passkey-only account cannot add a password (and take over)."""
    import time

    from tests.helpers.mfa import add_webauthn

    owner = UserFactory(username="keyonly", password=None)
    owner.set_unusable_password()
    owner.save()
    add_webauthn(owner)
    client.force_login(owner)
    password_set = signal_catcher(signals.password_set)
    new = {"password1": "a brand new passphrase", "password2": "a brand new passphrase"}

    response = client.post("/accounts/password/set/", new)

    assert response.status_code == 302
    assert (
        response["Location"] == "/accounts/2fa/reauthenticate/?next=%2Faccounts%2Fpassword%2Fset%2F"
    )
    owner.refresh_from_db()
    assert not owner.has_usable_password()
    password_set.assert_not_called()

    session = client.session
    session["account_authentication_records"] = [
        {"method": "webauthn", "at": time.time(), "type": "webauthn"}
    ]
    session.save()
    assert client.post("/accounts/password/set/", new).status_code == 302
    owner.refresh_from_db()
    assert owner.has_usable_password()
    password_set.assert_called_once()
