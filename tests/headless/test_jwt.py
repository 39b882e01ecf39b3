"""The JWT token strategy: access tokens that die with their session, refresh rotation, and
reuse detection that ends the session. Validated against the served spec like the rest."""

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import call_command

from accounts.headless.tokens import open_session_key
from accounts.usersessions.models import UserSession
from activity.models import LoginLog, SecurityLog
from tests.helpers.factories import DEFAULT_PASSWORD
from tests.helpers.headless import Api

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def private_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture(autouse=True)
def _jwt(settings, private_key):
    settings.HEADLESS_TOKEN_STRATEGY = "accounts.headless.tokens.JWTTokenStrategy"
    settings.HEADLESS_JWT_PRIVATE_KEY = private_key


class Bearer(Api):
    """An app that authenticates with the access token once it has one."""

    access = refresh = None

    def request(self, method, path, data=None, headers=None, **extra):
        headers = dict(headers or {})
        if self.access:
            headers["Authorization"] = f"Bearer {self.access}"
            self.token = None
        response = super().request(method, path, data, headers, **extra)
        meta = response.json().get("meta", {})
        self.access = meta.get("access_token", self.access)
        self.refresh = meta.get("refresh_token", self.refresh)
        return response

    def do_refresh(self, token=None):
        saved, self.access = self.access, None
        response = super().request(
            "POST", "tokens/refresh", {"refresh_token": token or self.refresh}
        )
        self.access = saved
        if response.status_code == 200:
            self.access = response.json()["data"]["access_token"]
            self.refresh = response.json()["data"].get("refresh_token", self.refresh)
        return response


@pytest.fixture
def app(db):
    return Bearer(kind="app")


def test_login_issues_tokens_that_name_the_session_only_encrypted(app, user):
    response = app.login(user, DEFAULT_PASSWORD)
    meta = response.json()["meta"]
    assert {"access_token", "refresh_token", "session_token"} <= set(meta)
    session_key = meta["session_token"]
    for token in (meta["access_token"], meta["refresh_token"]):
        claims = jwt.decode(token, options={"verify_signature": False})
        assert session_key not in token and session_key not in str(claims)
        assert open_session_key(claims["sid"]) == session_key
    assert app.get("account/email").status_code == 200  # by the access token alone


def test_access_token_dies_with_its_session(app, user):
    app.login(user, DEFAULT_PASSWORD)
    UserSession.objects.get(user=user)
    assert app.delete("auth/session").status_code == 401
    assert app.get("auth/session").status_code == 410
    assert app.get("account/email").status_code == 401


def test_bad_and_expired_access_tokens(app, user, clock, settings):
    app.login(user, DEFAULT_PASSWORD)
    good = app.access
    app.access = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    assert app.get("auth/session").status_code == 410
    app.access = good
    clock.shift(301)  # the default lifetime is 300 s
    assert app.get("auth/session").status_code == 410


def test_refresh_rotates_and_a_reused_refresh_token_ends_the_session(app, user, clock):
    app.login(user, DEFAULT_PASSWORD)
    first_refresh = app.refresh
    clock.shift(301)  # the access token expired
    assert app.get("auth/session").status_code == 410
    response = app.do_refresh()
    assert response.status_code == 200
    assert app.refresh != first_refresh
    assert app.get("auth/session").status_code == 200
    # The old refresh token again: theft. The session ends, every token with it.
    assert app.do_refresh(first_refresh).status_code == 400
    assert app.get("auth/session").status_code == 410
    assert app.do_refresh().status_code == 400
    assert not UserSession.objects.filter(user=user).exists()
    row = SecurityLog.objects.get(event="suspicious_activity", user=user)
    assert row.extra["reason"] == "refresh_token_reuse"
    assert LoginLog.objects.get(event="logout", user=user).reason == "refresh_token_reuse"


def test_refresh_without_rotation(app, user, settings):
    settings.HEADLESS_JWT_ROTATE_REFRESH_TOKEN = False
    app.login(user, DEFAULT_PASSWORD)
    refresh = app.refresh
    response = app.do_refresh()
    assert "refresh_token" not in response.json()["data"]
    assert app.do_refresh(refresh).status_code == 200


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c"])
def test_invalid_refresh_tokens(app, token):
    assert app.do_refresh(token or "x").status_code == 400


def test_an_access_token_is_not_a_refresh_token(app, user):
    app.login(user, DEFAULT_PASSWORD)
    assert app.do_refresh(app.access).status_code == 400


def test_reauthentication_reissues_tokens(app, user, clock):
    app.login(user, DEFAULT_PASSWORD)
    old_access = app.access
    response = app.post("auth/reauthenticate", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    assert response.json()["meta"]["access_token"] != old_access
    assert app.get("account/email").status_code == 200


def test_refresh_on_the_session_strategy_is_refused(app, settings):
    settings.HEADLESS_TOKEN_STRATEGY = "accounts.headless.tokens.SessionTokenStrategy"
    assert app.do_refresh("anything").status_code == 400


def test_checks_need_a_key(settings, private_key):
    from accounts.headless.checks import check_headless_settings

    settings.HEADLESS_JWT_PRIVATE_KEY = ""
    assert [e.id for e in check_headless_settings()] == ["headless.E004"]
    settings.HEADLESS_JWT_PRIVATE_KEY = "not a key"
    assert [e.id for e in check_headless_settings()] == ["headless.E004"]
    settings.HEADLESS_JWT_PRIVATE_KEY = private_key
    call_command("check")  # a real key passes
