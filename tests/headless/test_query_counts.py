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
    with django_assert_num_queries(html):
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
    assert n == html, (n, html)
