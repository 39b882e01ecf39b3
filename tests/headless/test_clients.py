"""The two clients: CSRF for the browser (a readable token cookie beside the HttpOnly one),
opaque revocable session tokens for apps, and neither leaking into the other."""

import json

import pytest
from django.test import Client

from accounts.usersessions.models import UserSession
from tests.helpers.clients import login_client
from tests.helpers.factories import DEFAULT_PASSWORD
from tests.helpers.headless import Api

pytestmark = pytest.mark.django_db

LOGIN = {"username": "alice", "password": DEFAULT_PASSWORD}


def post(client, url, data, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", headers=headers)


def test_browser_reads_the_csrf_token_from_a_readable_cookie(user):
    client = Client(enforce_csrf_checks=True)
    response = client.get("/_allauth/browser/v1/config")
    readable = response.cookies["spa-csrftoken"]
    assert not readable["httponly"]
    assert client.cookies["csrftoken"]["httponly"]  # Django's own cookie keeps HttpOnly
    assert readable.value != client.cookies["csrftoken"].value  # a masked token, not the secret

    refused = post(client, "/_allauth/browser/v1/auth/login", LOGIN)
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == "csrf_failed"
    assert "_auth_user_id" not in client.session

    response = post(
        client, "/_allauth/browser/v1/auth/login", LOGIN, **{"X-CSRFToken": readable.value}
    )
    assert response.status_code == 200


def test_the_html_forms_still_need_their_token(user):
    client = Client(enforce_csrf_checks=True)
    client.get("/_allauth/browser/v1/config")
    response = client.post("/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD})
    assert response.status_code == 403


def test_no_readable_cookie_when_it_would_shadow_the_real_one(user, settings):
    settings.HEADLESS_CSRF_COOKIE_NAME = settings.CSRF_COOKIE_NAME
    response = Client().get("/_allauth/browser/v1/config")
    cookie = response.cookies.get("csrftoken")
    assert cookie is None or cookie["httponly"]


def test_app_client_ignores_the_browser_session_cookie(user):
    """A signed-in browser's cookie must not authenticate the CSRF-free app endpoints."""
    client = login_client(Client(), user)
    response = client.get("/_allauth/app/v1/account/email")
    assert response.status_code == 401
    response = post(client, "/_allauth/app/v1/account/email", {"email": "evil@example.com"})
    assert response.status_code == 401
    assert client.get("/_allauth/browser/v1/account/email").status_code == 200


def test_app_client_gets_no_cookies(db, user):
    client = Client()
    response = post(client, "/_allauth/app/v1/auth/login", LOGIN)
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert "spa-csrftoken" not in response.cookies
    token = response.json()["meta"]["session_token"]
    # The token is the key of a server-side session, recorded like any other.
    assert UserSession.objects.filter(user=user, session_key=token).exists()


def test_token_rotates_at_login_and_the_pre_login_token_dies(user, clock):
    from tests.helpers.mfa import T0, add_totp, code_at

    _, secret = add_totp(user)
    app = Api(kind="app")
    response = app.post("auth/login", LOGIN)
    assert response.status_code == 401
    pending_token = app.token
    response = app.post("auth/2fa/authenticate", {"code": code_at(secret, T0)})
    assert response.status_code == 200
    assert app.token != pending_token
    stale = Api(kind="app")
    stale.token = pending_token
    assert stale.get("auth/session").status_code == 410


@pytest.mark.parametrize("token", ["made-up", "x" * 65, "abc def", ""])
def test_unknown_tokens(db, token):
    client = Client()
    response = client.get("/_allauth/app/v1/auth/session", headers={"X-Session-Token": token})
    assert response.status_code == (401 if token == "" else 410)
    response = client.get("/_allauth/app/v1/account/email", headers={"X-Session-Token": token})
    assert response.status_code == 401


def test_token_ends_with_the_session_from_the_html_sessions_page(user):
    app = Api(kind="app")
    app.login(user, DEFAULT_PASSWORD)
    record = UserSession.objects.get(user=user, session_key=app.token)
    browser = login_client(Client(), user)
    response = browser.post("/accounts/sessions/", {"session": record.pk})
    assert response.status_code == 302
    assert not UserSession.objects.filter(pk=record.pk).exists()
    assert app.get("auth/session").status_code == 410


def test_idle_timeout_applies_to_tokens(user, settings, clock):
    settings.ACCOUNT_SESSION_IDLE_TIMEOUT = 600
    app = Api(kind="app")
    app.login(user, DEFAULT_PASSWORD)
    clock.shift(601)
    assert app.get("auth/session").status_code == 410
