"""A form sent with a stale CSRF token (the login page of a second tab after signing in in the
first) gets the site's page saying what happened and offering to retry, not Django's bare
"CSRF verification failed" (issue 17, rough edge 3)."""

import re

import pytest
from django.test import Client

from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def form_token(client, url):
    return TOKEN.search(client.get(url).content.decode()).group(1)


def test_a_second_tabs_login_form_explains_and_offers_a_retry():
    UserFactory(username="alice", email="alice@example.com")
    browser = Client(enforce_csrf_checks=True)
    first_tab = form_token(browser, "/accounts/login/")
    second_tab = form_token(browser, "/accounts/login/?next=/accounts/email/")
    signed_in = browser.post(
        "/accounts/login/",
        {"login": "alice", "password": DEFAULT_PASSWORD, "csrfmiddlewaretoken": first_tab},
    )
    assert signed_in.status_code == 302  # signing in rotates the CSRF secret

    stale = browser.post(
        "/accounts/login/?next=/accounts/email/",
        {"login": "alice", "password": DEFAULT_PASSWORD, "csrfmiddlewaretoken": second_tab},
    )
    assert stale.status_code == 403
    body = stale.content.decode()
    assert "CSRF verification failed" not in body  # Django's own page
    assert "This form has expired" in body
    assert "nothing was changed" in body
    assert 'href="/accounts/login/?next=/accounts/email/"' in body  # retry the same page
    assert "css/site.css" in body  # the site's layout
    assert 'data-testid="nav-user"' in body  # and its navbar, knowing who is signed in


def test_a_form_without_a_cookie_gets_the_same_page():
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"login": "alice", "password": "x"}
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert "This form has expired" in body
    assert 'href="/accounts/login/"' in body
