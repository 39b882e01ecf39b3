"""Point 8: hostile JSON in the WebAuthn ``credential`` field is a 400 with a form error on
every page that takes one (passkey login needs no login), never a 500 from the parser."""

import json

import pytest

from accounts.mfa.models import Authenticator
from accounts.mfa.webauthn.forms import CREDENTIAL_MAX_DEPTH, json_depth_exceeds
from tests.helpers.clients import login_client
from tests.helpers.webauthn import (
    ADD_URL,
    LOGIN_URL,
    REAUTH_URL,
    SECOND_STEP_URL,
    HttpsClient,
    make_key,
)
from tests.helpers.webauthn_soft import SoftAuthenticator

pytestmark = pytest.mark.django_db

HOSTILE = {
    "brackets": "[" * 60_000,
    "objects": '{"a":' * 10_000,
    "deep_but_closed": "[" * 50 + "]" * 50,
    "huge": json.dumps({"id": "x" * 70_000}),
}
DEEP = "nested far too deep"
LARGE = "far too large"


def expected_message(kind):
    return LARGE if kind == "huge" else DEEP


def assert_refused(response, kind):
    assert response.status_code == 400
    assert expected_message(kind) in response.content.decode().replace("&#x27;", "'")


@pytest.mark.parametrize("kind", HOSTILE)
def test_passkey_login_page(kind, db):
    browser = HttpsClient()
    browser.get(LOGIN_URL)
    assert_refused(browser.post(LOGIN_URL, {"credential": HOSTILE[kind]}), kind)
    assert "_auth_user_id" not in browser.session


@pytest.mark.parametrize("kind", HOSTILE)
def test_second_step_page(kind, user, password):
    make_key(user, SoftAuthenticator(), passwordless=False)
    browser = HttpsClient()
    response = browser.post("/accounts/login/", {"login": user.username, "password": password})
    assert response["Location"] == SECOND_STEP_URL
    assert_refused(browser.post(SECOND_STEP_URL, {"credential": HOSTILE[kind]}), kind)
    assert "_auth_user_id" not in browser.session


@pytest.mark.parametrize("kind", HOSTILE)
def test_reauthentication_page(kind, user, password):
    make_key(user, SoftAuthenticator(), passwordless=False)
    browser = HttpsClient()
    browser.post("/accounts/login/", {"login": user.username, "password": password})
    browser.force_login(user)
    browser.get(REAUTH_URL)
    assert_refused(browser.post(REAUTH_URL, {"credential": HOSTILE[kind]}), kind)


@pytest.mark.parametrize("kind", HOSTILE)
def test_add_key_page(kind, user, password):
    browser = login_client(HttpsClient(), user, password)
    browser.get(ADD_URL)
    response = browser.post(ADD_URL, {"name": "Key", "credential": HOSTILE[kind]})
    assert_refused(response, kind)
    assert not Authenticator.objects.filter(user=user).exists()


def test_depth_scan_skips_strings_and_escapes():
    assert not json_depth_exceeds(json.dumps({"a": "[" * 100, "b": '\\"[[[['}), 3)
    assert not json_depth_exceeds(json.dumps({"response": {"x": [1, {"y": 2}]}}), 4)
    assert json_depth_exceeds("[" * (CREDENTIAL_MAX_DEPTH + 1), CREDENTIAL_MAX_DEPTH)
