"""Security keys and passkeys through the API (both clients, over https), with the software
authenticator of tests/helpers/webauthn_soft.py, as in tests/mfa/test_webauthn.py."""

import pytest

from accounts.mfa.models import Authenticator
from tests.helpers.factories import DEFAULT_PASSWORD
from tests.helpers.headless import Api, flow_ids, pending
from tests.helpers.webauthn import HttpsClient, make_key
from tests.helpers.webauthn_soft import SoftAuthenticator

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["browser", "app"])
def api(request, db):
    return Api(HttpsClient(), kind=request.param)


@pytest.fixture
def soft():
    return SoftAuthenticator()


def public_key(response, kind="request_options"):
    assert response.status_code == 200, response.json()
    return response.json()["data"][kind]["publicKey"]


def test_register_a_key_then_use_it_as_second_factor(api, user, soft):
    api.login(user, DEFAULT_PASSWORD)
    options = public_key(api.get("account/authenticators/webauthn"), "creation_options")
    response = api.post(
        "account/authenticators/webauthn",
        {"name": "Blue key", "credential": soft.create(options)},
    )
    assert response.status_code == 200
    assert response.json()["data"]["name"] == "Blue key"
    assert response.json()["meta"] == {"recovery_codes_generated": True}
    key_id = response.json()["data"]["id"]
    response = api.put("account/authenticators/webauthn", {"id": key_id, "name": "Red key"})
    assert response.json()["data"]["name"] == "Red key"
    api.delete("auth/session")

    response = api.post("auth/login", {"username": "alice", "password": DEFAULT_PASSWORD})
    assert pending(response) == ["mfa_authenticate"]
    options = public_key(api.get("auth/webauthn/authenticate"))
    response = api.post("auth/webauthn/authenticate", {"credential": soft.get(options)})
    assert response.status_code == 200
    assert response.json()["data"]["methods"][-1] == {
        "method": "mfa",
        "type": "webauthn",
        "id": key_id,
        "at": response.json()["data"]["methods"][-1]["at"],
    }


def test_a_replayed_answer_is_refused(api, user, soft):
    make_key(user, soft, passwordless=False)
    api.post("auth/login", {"username": "alice", "password": DEFAULT_PASSWORD})
    options = public_key(api.get("auth/webauthn/authenticate"))
    answer = soft.get(options)
    assert api.post("auth/webauthn/authenticate", {"credential": answer}).status_code == 200
    api.delete("auth/session")
    api.post("auth/login", {"username": "alice", "password": DEFAULT_PASSWORD})
    response = api.post("auth/webauthn/authenticate", {"credential": answer})
    assert response.status_code == 400
    assert api.get("auth/session").status_code == 401


def test_passkey_login(api, user, soft):
    make_key(user, soft, passwordless=True)
    options = public_key(api.get("auth/webauthn/login"))
    response = api.post("auth/webauthn/login", {"credential": soft.get(options)})
    assert response.status_code == 200
    assert response.json()["data"]["methods"][-1]["type"] == "webauthn"


def test_passkey_login_with_a_bad_answer(api, user, soft):
    make_key(user, soft, passwordless=True)
    public_key(api.get("auth/webauthn/login"))
    response = api.post("auth/webauthn/login", {"credential": {"id": "x"}})
    assert response.status_code == 400
    assert api.get("auth/session").status_code == 401


def test_reauthenticate_with_a_key_then_remove_it(api, user, soft, clock):
    key = make_key(user, soft, passwordless=False)
    api.post("auth/login", {"username": "alice", "password": DEFAULT_PASSWORD})
    options = public_key(api.get("auth/webauthn/authenticate"))
    api.post("auth/webauthn/authenticate", {"credential": soft.get(options)})
    clock.shift(301)
    response = api.delete("account/authenticators/webauthn", {"authenticators": [key.pk]})
    assert response.status_code == 401
    assert flow_ids(response) == ["mfa_reauthenticate"]
    options = public_key(api.get("auth/webauthn/reauthenticate"))
    response = api.post("auth/webauthn/reauthenticate", {"credential": soft.get(options)})
    assert response.status_code == 200
    assert response.json()["data"]["methods"][-1]["reauthenticated"] is True
    response = api.delete("account/authenticators/webauthn", {"authenticators": [key.pk]})
    assert response.status_code == 200
    assert not Authenticator.objects.filter(pk=key.pk).exists()


def test_options_without_a_pending_login_are_409(api):
    assert api.get("auth/webauthn/authenticate").status_code == 409


def test_cannot_rename_or_remove_someone_elses_key(api, user, other_user, soft):
    theirs = make_key(other_user, soft, passwordless=False)
    api.login(user, DEFAULT_PASSWORD)
    assert (
        api.put("account/authenticators/webauthn", {"id": theirs.pk, "name": "x"}).status_code
        == 404
    )
    api.delete("account/authenticators/webauthn", {"authenticators": [theirs.pk]})
    assert Authenticator.objects.filter(pk=theirs.pk).exists()
