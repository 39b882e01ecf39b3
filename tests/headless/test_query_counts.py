"""The API login costs no more queries than the HTML login (pinned), with both session
engines, for a returning browser and for the app client."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.helpers.clients import login_client
from tests.helpers.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

DB_ENGINE = "django.contrib.sessions.backends.db"
CACHE_ENGINE = "django.contrib.sessions.backends.cache"
BROWSER = {
    "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "REMOTE_ADDR": "203.0.113.9",
}
API_LOGIN = {"username": "alice", "password": DEFAULT_PASSWORD}
# The page's sign-in message looks up its nudge (unverified address, two-factor) in one query;
# the API shows no messages and skips it.
NUDGE = 1


@pytest.fixture(autouse=True, params=[DB_ENGINE, CACHE_ENGINE], ids=["db", "cache"])
def engine(request, settings):
    settings.SESSION_ENGINE = request.param
    return request.param


def count(call):
    with CaptureQueriesContext(connection) as captured:
        response = call()
    return response, len(captured.captured_queries)


def html_login_queries(user):
    client = login_client(Client(**BROWSER), user)  # a known device
    client.post("/accounts/logout/")
    data = {"login": "alice", "password": DEFAULT_PASSWORD}
    response, n = count(lambda: client.post("/accounts/login/", data))
    assert response.status_code == 302
    return n


def api_post(client, kind, route, data, **headers):
    return client.post(
        f"/_allauth/{kind}/v1/{route}",
        data=json.dumps(data),
        content_type="application/json",
        headers=headers,
    )


def test_browser_api_login_costs_what_the_form_costs(user, engine, django_assert_num_queries):
    html = html_login_queries(user)
    client = login_client(Client(**BROWSER), user)
    client.post("/accounts/logout/")
    # Pinned: the form's count exactly (the same flow; no extra query in the API layer).
    with django_assert_num_queries(html - NUDGE):
        response = api_post(client, "browser", "auth/login", API_LOGIN)
    assert response.status_code == 200


def test_app_api_login_costs_what_the_form_costs(user, engine):
    html = html_login_queries(user)
    client = Client(**BROWSER)
    response = api_post(client, "app", "auth/login", API_LOGIN)  # a known device
    token = response.json()["meta"]["session_token"]
    client.delete("/_allauth/app/v1/auth/session", headers={"X-Session-Token": token})
    response, n = count(lambda: api_post(client, "app", "auth/login", API_LOGIN))
    assert response.status_code == 200
    # Pinned: the token session is created and saved like the cookie one, nothing more.
    assert n == html - NUDGE, (n, html)


@pytest.mark.parametrize("kind", ["browser", "app"])
def test_api_totp_login_costs_no_more_than_the_pages(user, engine, kind, clock):
    """Password step + code step. The pages need three requests (the form, the second-step
    page, the code); the API two, whose 401 names the pending step and its factor types."""
    from tests.helpers.mfa import T0, add_totp, code_at

    _, secret = add_totp(user)
    html_client = Client(**BROWSER)
    _, first = count(
        lambda: html_client.post(
            "/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD}
        )
    )
    _, second = count(lambda: html_client.get("/accounts/2fa/authenticate/"))
    response, third = count(
        lambda: html_client.post("/accounts/2fa/authenticate/", {"code": code_at(secret, T0)})
    )
    assert response.status_code == 302
    html = first + second + third
    html_client.post("/accounts/logout/")

    clock.shift(30)  # the next TOTP step (a code is accepted once)
    client = Client(**BROWSER)
    response, password_step = count(lambda: api_post(client, kind, "auth/login", API_LOGIN))
    assert response.status_code == 401
    token = response.json()["meta"].get("session_token")
    headers = {"X-Session-Token": token} if token else {}
    code = {"code": code_at(secret, T0 + 30)}
    response, code_step = count(
        lambda: api_post(client, kind, "auth/2fa/authenticate", code, **headers)
    )
    assert response.status_code == 200
    assert password_step + code_step <= html, (password_step, code_step, html)
