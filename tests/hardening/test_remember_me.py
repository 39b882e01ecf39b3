"""Point 10: "Remember me" off means a short session on the server too, not only a cookie
that ends with the browser (``ACCOUNT_SESSION_NOT_REMEMBERED_LIFETIME``, 24 hours)."""

import datetime as dt
from importlib import import_module

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings

from accounts import app_settings
from accounts.usersessions.models import UserSession
from tests.helpers.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

START = dt.datetime(2030, 1, 1, 8, 0, tzinfo=dt.UTC)
HOUR = 3600
PRIVATE_PAGE = "/accounts/reauthenticate/"


def log_in(client, *, remember):
    data = {"login": "alice", "password": DEFAULT_PASSWORD}
    if remember:
        data["remember"] = "on"
    assert client.post("/accounts/login/", data).status_code == 302
    return client.session.session_key


def replay(make_client, key):
    """What a browser that restored its tabs (or a thief with the cookie) sends."""
    other = make_client()
    other.cookies[settings.SESSION_COOKIE_NAME] = key
    return other


def test_default_is_24_hours():
    assert app_settings.SESSION_NOT_REMEMBERED_LIFETIME == 24 * HOUR


def test_not_remembered_session_ends_on_the_server_after_24_hours(make_client, user):
    with time_machine.travel(START, tick=False) as clock:
        key = log_in(make_client(), remember=False)
        clock.shift(23 * HOUR)
        assert replay(make_client, key).get(PRIVATE_PAGE).status_code == 200
        clock.shift(HOUR + 60)
        response = replay(make_client, key).get(PRIVATE_PAGE)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        # Gone from the store and from the user's session list: the cookie is worthless.
        assert not import_module(settings.SESSION_ENGINE).SessionStore().exists(key)
        assert not UserSession.objects.filter(session_key=key).exists()
        assert replay(make_client, key).get(PRIVATE_PAGE).status_code == 302


def test_remembered_session_keeps_the_long_lifetime(make_client, user):
    with time_machine.travel(START, tick=False) as clock:
        key = log_in(make_client(), remember=True)
        clock.shift(25 * HOUR)
        assert replay(make_client, key).get(PRIVATE_PAGE).status_code == 200


@override_settings(ACCOUNT_SESSION_NOT_REMEMBERED_LIFETIME=2 * HOUR)
def test_the_cap_is_a_setting_and_the_session_list_agrees(make_client, user):
    with time_machine.travel(START, tick=False) as clock:
        browser = make_client()
        log_in(browser, remember=True)
        short = log_in(make_client(), remember=False)
        clock.shift(2 * HOUR + 60)
        page = browser.get("/accounts/sessions/")
        assert page.status_code == 200
        listed = {s.session_key for s in page.context["sessions"]}
        assert len(listed) == 1
        assert short not in listed
        assert replay(make_client, short).get(PRIVATE_PAGE).status_code == 302


@override_settings(ACCOUNT_SESSION_NOT_REMEMBERED_LIFETIME=10)
def test_the_setting_is_validated():
    from accounts.checks import check_account_settings

    errors = [
        e for e in check_account_settings() if e.obj == "ACCOUNT_SESSION_NOT_REMEMBERED_LIFETIME"
    ]
    assert len(errors) == 1
    assert "at least 60" in errors[0].msg
