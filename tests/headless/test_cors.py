"""Cross-origin front ends: CORS (django-cors-headers) answers for the JSON API only, for the
configured origins only, with credentials and the API's headers."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

SPA = "https://spa.example.com"


@pytest.fixture(autouse=True)
def _origins(settings):
    settings.CORS_ALLOWED_ORIGINS = [SPA]


def preflight(path, origin=SPA, headers="content-type,x-csrftoken,x-session-token"):
    return Client().options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": headers,
        },
    )


def test_preflight_of_an_api_endpoint(db):
    response = preflight("/_allauth/browser/v1/auth/login")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SPA
    assert response["Access-Control-Allow-Credentials"] == "true"
    allowed = response["Access-Control-Allow-Headers"]
    for header in ("content-type", "x-csrftoken", "x-session-token", "authorization"):
        assert header in allowed


def test_api_answers_carry_the_origin(db):
    response = Client().get("/_allauth/app/v1/config", headers={"Origin": SPA})
    assert response["Access-Control-Allow-Origin"] == SPA


def test_other_origins_get_no_cors_headers(db):
    response = preflight("/_allauth/browser/v1/auth/login", origin="https://evil.example")
    assert "Access-Control-Allow-Origin" not in response
    response = Client().get("/_allauth/app/v1/config", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response


def test_html_pages_are_never_cross_origin(db):
    response = preflight("/accounts/login/")
    assert "Access-Control-Allow-Origin" not in response
    response = Client().get("/accounts/login/", headers={"Origin": SPA})
    assert "Access-Control-Allow-Origin" not in response


def test_cross_origin_browser_post_needs_a_trusted_origin(db, user, settings):
    """CSRF still guards the browser client across origins: the SPA's origin must be in
    CSRF_TRUSTED_ORIGINS (on https, Django checks Origin against it)."""
    client = Client(enforce_csrf_checks=True)
    client.get("/_allauth/browser/v1/config")
    token = client.cookies["spa-csrftoken"].value
    kwargs = {
        "data": '{"username": "alice", "password": "x"}',
        "content_type": "application/json",
        "headers": {"Origin": SPA, "X-CSRFToken": token},
        "secure": True,
    }
    refused = client.post("/_allauth/browser/v1/auth/login", **kwargs)
    assert refused.status_code == 403
    settings.CSRF_TRUSTED_ORIGINS = [SPA]
    allowed = client.post("/_allauth/browser/v1/auth/login", **kwargs)
    assert allowed.status_code == 400  # past CSRF: the (wrong) password is checked
