"""Point 15: a cache outage is not a crash.

The cache is a real Redis cache pointed at a closed local port (every call is refused, as
when Redis is down). Guessable actions answer the 503 page and change nothing; everything
else keeps working; the outage is logged once per interval, not once per request.
"""

import logging
import socket

import pytest
from django.core.cache import cache

from accounts import ratelimit
from accounts.models import EmailAddress, User
from activity.models import LoginLog, SecurityLog
from tests.helpers.clients import login_client
from tests.helpers.email import act
from tests.helpers.factories import DEFAULT_PASSWORD
from tests.helpers.mfa import add_totp, current_code, start_login

pytestmark = pytest.mark.django_db

SIGNUP = {
    "username": "carol",
    "email": "carol@example.com",
    "password1": "a long enough passphrase",
    "password2": "a long enough passphrase",
}


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again once the probe is gone


@pytest.fixture(autouse=True)
def _database_sessions(settings):
    """Sessions must not live in the cache that goes down here, from the first request on
    (CI runs the suite with cache-backed sessions; a site doing that is down with its cache
    anyway)."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"


@pytest.fixture
def redis_down(settings, monkeypatch):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        }
    }
    monkeypatch.setattr(ratelimit, "_outage_logged_at", None)
    with pytest.raises(ratelimit.CACHE_ERRORS):
        cache.get("anything")
    return settings


@pytest.fixture
def logged_in(client, user):
    """Logged in while the cache still worked."""
    return login_client(client, user)


def assert_503(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "temporarily unavailable" in response.content.decode()
    assert response.templates[0].name == "503.html"


def test_login_fails_closed_and_changes_nothing(client, user, redis_down):
    assert client.get("/accounts/login/").status_code == 200
    response = client.post("/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD})
    assert_503(response)
    assert "_auth_user_id" not in client.session
    assert not LoginLog.objects.exists()
    assert not SecurityLog.objects.filter(event="rate_limited").exists()


def test_second_factor_fails_closed(client, user, settings):
    _, secret = add_totp(user)
    start_login(client, user)  # cache still up
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        }
    }
    response = client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert_503(response)
    assert "_auth_user_id" not in client.session


def test_reauthentication_and_password_change_fail_closed(logged_in, redis_down):
    assert_503(logged_in.post("/accounts/reauthenticate/", {"password": DEFAULT_PASSWORD}))
    response = logged_in.post(
        "/accounts/password/change/",
        {
            "oldpassword": DEFAULT_PASSWORD,
            "password1": "another long passphrase",
            "password2": "another long passphrase",
        },
    )
    assert response.status_code in (302, 503)  # 302: asked to reauthenticate first
    assert User.objects.get(username="alice").check_password(DEFAULT_PASSWORD)


def test_passkey_login_fails_closed(redis_down):
    from tests.helpers.webauthn import LOGIN_URL, HttpsClient

    assert_503(HttpsClient().post(LOGIN_URL, {"credential": "{}"}))


def test_signup_keeps_working(client, redis_down, mailoutbox):
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302
    carol = User.objects.get(username="carol")
    assert client.session["_auth_user_id"] == str(carol.pk)
    assert [m.to for m in mailoutbox] == [["carol@example.com"]]


def test_logged_in_pages_and_adding_an_address_keep_working(logged_in, user, redis_down):
    assert logged_in.get("/accounts/email/").status_code == 200
    assert logged_in.get("/accounts/activity/").status_code == 200
    assert act(logged_in, "action_add", "second@example.org").status_code == 302
    assert EmailAddress.objects.filter(user=user, email="second@example.org").exists()
    assert logged_in.post("/accounts/logout/").status_code == 302


def test_reset_request_keeps_working(client, user, redis_down, mailoutbox):
    response = client.post("/accounts/password/reset/", {"email": "alice@example.com"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1


def test_the_outage_is_logged_once_per_interval(client, user, redis_down, caplog):
    with caplog.at_level(logging.ERROR, logger="accounts.ratelimit"):
        for _ in range(5):
            client.post("/accounts/login/", {"login": "alice", "password": "wrong"})
        client.post("/accounts/signup/", SIGNUP)
    records = [r for r in caplog.records if r.name == "accounts.ratelimit"]
    assert len(records) == 1
    assert "Cache unavailable" in records[0].getMessage()
    assert DEFAULT_PASSWORD not in records[0].getMessage()
