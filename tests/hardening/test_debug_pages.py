"""Django's technical 404 and 500 pages (``DEBUG`` only) keep their inline style and script:
their responses alone get a policy allowing them, never in production (issue 17, edge 9)."""

import pytest
from django.test import Client, override_settings
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns

pytestmark = pytest.mark.django_db


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), *site_urlpatterns]


def policy(response):
    return {
        name: values
        for name, *values in (
            part.split() for part in response["Content-Security-Policy"].split(";") if part
        )
    }


@override_settings(DEBUG=True, ROOT_URLCONF=__name__)
@pytest.mark.parametrize("url,status", [("/no-such-page/", 404), ("/boom/", 500)])
def test_debug_pages_may_style_themselves(url, status):
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == status
    assert b'content="NONE,NOARCHIVE"' in response.content  # Django's technical page
    csp = policy(response)
    assert "'unsafe-inline'" in csp["style-src"]
    assert "'unsafe-inline'" in csp["script-src"]
    # Still nothing from elsewhere, no framing.
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]


@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.parametrize("url,status", [("/no-such-page/", 404), ("/boom/", 500)])
def test_production_error_pages_keep_the_strict_policy(url, status):
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == status
    csp = policy(response)
    assert csp["style-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]


@override_settings(DEBUG=True)
def test_site_pages_keep_the_strict_policy_in_debug(client):
    response = client.get("/accounts/login/")
    assert policy(response)["style-src"] == ["'self'"]
    assert policy(response)["script-src"] == ["'self'"]
