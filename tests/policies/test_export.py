"""Download my data: reauthentication, every kind of data, no secret, audited."""

import json
from datetime import timedelta
from unittest import mock

import pytest

from accounts import signals
from accounts.email_confirmation import EmailConfirmation
from accounts.mfa.models import Authenticator
from accounts.models import EmailAddress, User
from activity.models import SecurityLog
from tests.helpers.clients import login_client
from tests.helpers.mfa import add_recovery_codes, add_totp, current_code

pytestmark = pytest.mark.django_db

URL = "/accounts/export/"


def download(client):
    response = client.post(URL)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="account-data-')
    return response.content.decode(), json.loads(response.content)


def test_export_holds_every_kind_of_data_and_no_secret(client, user, signal_catcher, audit):
    exported = signal_catcher(signals.account_data_exported)
    requested = signal_catcher(signals.account_data_requested)
    second = EmailAddress.objects.create(user=user, email="second@example.org")
    _, secret = add_totp(user)
    _, codes = add_recovery_codes(user)
    Authenticator.objects.create(
        user=user,
        type="webauthn",
        data={
            "name": "Blue key",
            "credential_id": "Y3JlZC1pZC1zZWNyZXQ",
            "public_key": "cGstc2VjcmV0",
        },
    )
    client.post("/accounts/login/", {"login": "alice", "password": "correct horse battery staple"})
    client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert int(client.session["_auth_user_id"]) == user.pk
    session_key = client.session.session_key

    text, data = download(client)

    assert data["user"]["username"] == "alice" and data["user"]["has_password"] is True
    assert {a["email"] for a in data["email_addresses"]} == {"alice@example.com", second.email}
    assert len(data["sessions"]) == 1 and data["sessions"][0]["ip"] == "127.0.0.1"
    assert len(data["known_devices"]) == 1
    assert sorted(a["type"] for a in data["authenticators"]) == [
        "recovery_codes",
        "totp",
        "webauthn",
    ]
    assert {"type": "webauthn", "name": "Blue key"}.items() <= next(
        a for a in data["authenticators"] if a["type"] == "webauthn"
    ).items()
    assert data["social_accounts"] == []
    assert data["deletion"] is None
    activity = data["activity"]
    assert activity["profile"]["login_count"] == 1
    assert [r["event"] for r in activity["login_log"]] == ["login"]
    assert [r["event"] for r in activity["mfa_log"]] == ["used"]
    for secret_text in [
        user.password,
        secret,
        *codes,
        "Y3JlZC1pZC1zZWNyZXQ",
        "cGstc2VjcmV0",
        session_key,
        EmailConfirmation(second).key,
        "session_hash",
    ]:
        assert secret_text not in text, secret_text
    requested.assert_called_once_with(
        signal=signals.account_data_requested,
        sender=User,
        request=mock.ANY,
        user=user,
        data=mock.ANY,
    )
    assert requested.call_args.kwargs["data"]["user"]["id"] == user.pk
    exported.assert_called_once_with(
        signal=signals.account_data_exported, sender=User, request=mock.ANY, user=user
    )
    audit.one(SecurityLog, "data_exported", user=user, actor=user)


def test_export_needs_a_recent_authentication(clock, client, user):
    login_client(client, user)
    assert client.get(URL).status_code == 200
    clock.shift(timedelta(hours=1))
    response = client.post(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert not SecurityLog.objects.filter(event="data_exported").exists()


def test_export_is_for_signed_in_users_only(client):
    assert client.post(URL)["Location"].startswith("/accounts/login/")


def test_export_of_a_user_awaiting_deletion_is_not_possible(auth_client, user):
    auth_client.post("/accounts/delete/", {"confirm": "on"})
    assert auth_client.post(URL)["Location"].startswith("/accounts/login/")
