"""Session lifetime and fixation: idle timeout, absolute lifetime, new keys at login and
reauthentication; all enforced on the server, so a replayed cookie gets nowhere."""

import datetime as dt
from importlib import import_module

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.test import override_settings

from accounts import app_settings as account_settings
from accounts.usersessions.models import UserSession
from accounts.usersessions.store import SESSION_STARTED_KEY, rotate_session
from tests.helpers.clients import login_client
from tests.helpers.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

START = dt.datetime(2030, 1, 1, 8, 0, tzinfo=dt.UTC)
MINUTE = 60
HOUR = 3600
LIFETIMES = {
    "ACCOUNT_SESSION_IDLE_TIMEOUT": 30 * MINUTE,
    "ACCOUNT_SESSION_ABSOLUTE_LIFETIME": 12 * HOUR,
    "ACCOUNT_SESSION_LAST_SEEN_INTERVAL": 5 * MINUTE,
}
PRIVATE_PAGE = "/accounts/reauthenticate/"  # any login_required page


def session_exists(key):
    return import_module(settings.SESSION_ENGINE).SessionStore().exists(key)


def is_logged_in(client):
    return client.get(PRIVATE_PAGE).status_code == 200


def replay(make_client, session_key):
    other = make_client()
    other.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return other


@override_settings(**LIFETIMES)
def test_idle_timeout(client, make_client, user, signal_catcher):
    with time_machine.travel(START, tick=False) as traveller:
        login_client(client, user)
        key = client.session.session_key
        traveller.shift(29 * MINUTE)
        assert is_logged_in(client)
        traveller.shift(29 * MINUTE)  # 58 minutes after login, 29 after the last request
        assert is_logged_in(client)
        logged_out = signal_catcher(user_logged_out)
        traveller.shift(31 * MINUTE)
        response = client.get(PRIVATE_PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    logged_out.assert_called_once()
    assert not session_exists(key)
    assert not UserSession.objects.filter(session_key=key).exists()
    assert not is_logged_in(replay(make_client, key))


@override_settings(**LIFETIMES)
def test_absolute_lifetime_is_not_extended_by_activity_or_reauthentication(client, user):
    with time_machine.travel(START, tick=False) as traveller:
        login_client(client, user)
        started = client.session[SESSION_STARTED_KEY]
        for step in range(1, 72):  # a request every 10 minutes for 11 h 50 min
            traveller.shift(10 * MINUTE)
            assert is_logged_in(client), f"after {step * 10} minutes"
            if step == 66:  # 11 h: reauthenticate, which rotates the key
                reauth = client.post(PRIVATE_PAGE, {"password": DEFAULT_PASSWORD})
                assert reauth.status_code == 302
        assert client.session[SESSION_STARTED_KEY] == started
        traveller.shift(10 * MINUTE + 1)  # 12 h 00 min 01 s after the login
        assert not is_logged_in(client)


@override_settings(**LIFETIMES)
def test_a_new_login_starts_a_new_lifetime(client, user):
    with time_machine.travel(START, tick=False) as traveller:
        login_client(client, user)
        traveller.shift(25 * MINUTE)
        client.post("/accounts/logout/")
        login_client(client, user)
        traveller.shift(25 * MINUTE)
        assert is_logged_in(client)


def test_login_rotates_the_session_key_and_kills_the_old_one(client, make_client, user):
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = before
    login_client(client, user)
    after = client.session.session_key
    assert after != before
    assert not session_exists(before)
    assert is_logged_in(client)
    assert not is_logged_in(replay(make_client, before))
    assert UserSession.objects.filter(user=user).get().session_key == after


def test_reauthentication_rotates_the_key_and_moves_the_record(auth_client, make_client, user):
    before = auth_client.session.session_key
    assert UserSession.objects.get(user=user).session_key == before
    response = auth_client.post(PRIVATE_PAGE, {"password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    after = auth_client.session.session_key
    assert after != before
    assert not session_exists(before)
    assert list(UserSession.objects.filter(user=user).values_list("session_key", flat=True)) == [
        after
    ]
    assert is_logged_in(auth_client)
    assert not is_logged_in(replay(make_client, before))


def test_rotate_session_without_a_record_just_rotates(rf, user):
    from django.contrib.sessions.middleware import SessionMiddleware

    request = rf.get("/")
    SessionMiddleware(lambda r: None).process_request(request)
    request.session["x"] = 1
    request.session.save()
    before = request.session.session_key
    rotate_session(request)
    assert request.session.session_key != before
    assert request.session["x"] == 1
    assert not UserSession.objects.exists()


def test_session_cookie_without_remember_me_ends_with_the_browser(client, user):
    response = client.post("/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_session_cookie_with_remember_me_lasts_the_cookie_age(client, user):
    response = client.post(
        "/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD, "remember": "on"}
    )
    assert int(response.cookies[settings.SESSION_COOKIE_NAME]["max-age"]) == (
        settings.SESSION_COOKIE_AGE
    )


def test_lifetimes_are_settings():
    assert account_settings.SESSION_IDLE_TIMEOUT > 0
    assert account_settings.SESSION_ABSOLUTE_LIFETIME >= account_settings.SESSION_IDLE_TIMEOUT
