"""Every endpoint and every 401-flow transition, for both clients (``api`` is parametrized
over ``browser`` and ``app``); each exchange is validated against the served OpenAPI document
by ``tests/helpers/headless.Api``."""

import re

import pytest
from django.core import mail

from accounts.mfa.models import Authenticator
from accounts.models import EmailAddress
from accounts.usersessions.models import UserSession
from tests.helpers.email import add_address
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers.headless import Api, flow_ids, pending
from tests.helpers.mfa import T0, add_recovery_codes, add_totp, code_at

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a new and long passphrase 42"


def last_mail_link(pattern):
    match = re.search(pattern, mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


# --- config and session ----------------------------------------------------------------------


def test_config(api):
    data = api.get("config").json()["data"]
    assert data["account"]["is_open_for_signup"] is True
    assert set(data["account"]["login_methods"]) == {"email", "username"}


def test_anonymous_session_lists_login_and_signup(api):
    response = api.get("auth/session")
    assert response.status_code == 401
    assert flow_ids(response) == ["login", "signup"]
    assert response.json()["meta"]["is_authenticated"] is False


def test_login_then_session_then_logout(api, user):
    response = api.login(user, DEFAULT_PASSWORD)
    body = response.json()
    assert body["data"]["user"] == {
        "id": user.pk,
        "display": "alice",
        "has_usable_password": True,
        "email": "alice@example.com",
        "username": "alice",
    }
    assert [m["method"] for m in body["data"]["methods"]] == ["password"]
    assert body["data"]["methods"][0]["username"] == "alice"
    assert body["meta"]["is_authenticated"] is True
    assert ("session_token" in body["meta"]) == (api.kind == "app")
    assert api.get("auth/session").status_code == 200
    response = api.delete("auth/session")
    assert response.status_code == 401
    assert api.get("auth/session").status_code in (401, 410)


def test_login_by_email(api, user):
    response = api.post("auth/login", {"email": "ALICE@example.com", "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    assert response.json()["data"]["methods"][0]["email"] == "ALICE@example.com"  # as typed


@pytest.mark.parametrize("login", ["alice", "nobody"])
def test_wrong_password_and_unknown_account_read_the_same(api, user, login):
    response = api.post("auth/login", {"username": login, "password": "wrong password"})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "message": "The username/email and password you entered do not match.",
            "code": "invalid_login",
            "param": "password",
        }
    ]
    assert api.get("auth/session").status_code == 401


@pytest.mark.parametrize(
    "payload",
    [{}, {"password": "x"}, {"username": "alice"}, {"username": 3, "password": "x"}],
)
def test_login_bad_input_is_400(api, user, payload):
    response = api.post("auth/login", payload)
    assert response.status_code == 400
    assert response.json()["errors"]


def test_malformed_json_is_400(api):
    response = api.client.post(
        api.url("auth/login"), data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid"


def test_login_when_signed_in_is_409(api, user):
    api.login(user, DEFAULT_PASSWORD)
    response = api.post("auth/login", {"username": "alice", "password": DEFAULT_PASSWORD})
    assert response.status_code == 409


def test_failed_logins_are_budgeted_per_account(api, user):
    for _ in range(5):
        assert api.post("auth/login", {"username": "alice", "password": "nope"}).status_code == 400
    response = api.post("auth/login", {"username": "alice", "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "too_many_attempts"


def test_inactive_account_is_not_logged_in(api, user):
    user.is_active = False
    user.save()
    response = api.post("auth/login", {"username": "alice", "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert api.get("auth/session").status_code == 401


def test_unknown_client_is_404(db, client):
    assert client.get("/_allauth/desktop/v1/config").status_code == 404


def test_wrong_method_is_405(api):
    response = api.client.put(api.url("config"))
    assert response.status_code == 405


# --- signup ----------------------------------------------------------------------------------


def test_signup_logs_in(api):
    response = api.post(
        "auth/signup", {"username": "carol", "email": "carol@example.com", "password": NEW_PASSWORD}
    )
    assert response.status_code == 200
    assert response.json()["data"]["user"]["username"] == "carol"
    assert EmailAddress.objects.get(email="carol@example.com").primary
    assert len(mail.outbox) == 1  # the verification mail


@pytest.mark.parametrize(
    ("payload", "param"),
    [
        ({"username": "carol", "email": "not-an-email", "password": NEW_PASSWORD}, "email"),
        ({"username": "carol", "email": "carol@example.com", "password": "123"}, "password"),
        ({"username": "alice", "email": "carol@example.com", "password": NEW_PASSWORD}, "username"),
        ({"username": "bad name!", "email": "c@example.com", "password": NEW_PASSWORD}, "username"),
    ],
)
def test_signup_refusals_name_the_field(api, user, payload, param):
    response = api.post("auth/signup", payload)
    assert response.status_code == 400
    assert param in {e.get("param") for e in response.json()["errors"]}
    assert not EmailAddress.objects.filter(email="carol@example.com").exists()


def test_signup_when_signed_in_is_409(api, user):
    api.login(user, DEFAULT_PASSWORD)
    payload = {"username": "carol", "email": "carol@example.com", "password": NEW_PASSWORD}
    assert api.post("auth/signup", payload).status_code == 409


def test_mandatory_verification_signup_then_verify_then_login(api, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    payload = {"username": "carol", "email": "carol@example.com", "password": NEW_PASSWORD}
    response = api.post("auth/signup", payload)
    assert response.status_code == 401
    assert pending(response) == ["verify_email"]
    assert pending(api.get("auth/session")) == ["verify_email"]
    key = last_mail_link(r"/accounts/confirm-email/([^/\s]+)/")
    info = api.get("auth/email/verify", headers={"X-Email-Verification-Key": key})
    assert info.json()["data"]["email"] == "carol@example.com"
    assert info.json()["meta"]["is_authenticating"] is True
    response = api.post("auth/email/verify", {"key": key})
    assert response.status_code == 401  # verified, but email is not a way to sign in
    assert pending(response) == []
    assert EmailAddress.objects.get(email="carol@example.com").verified
    carol = EmailAddress.objects.get(email="carol@example.com").user
    assert api.login(carol, NEW_PASSWORD).status_code == 200


def test_mandatory_verification_login_of_unverified_account(api, user, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    EmailAddress.objects.filter(user=user).update(verified=False)
    response = api.post("auth/login", {"username": "alice", "password": DEFAULT_PASSWORD})
    assert response.status_code == 401
    assert pending(response) == ["verify_email"]


def test_bad_verification_key_is_400(api):
    assert api.post("auth/email/verify", {"key": "nope"}).status_code == 400
    response = api.get("auth/email/verify", headers={"X-Email-Verification-Key": "nope"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["param"] == "key"


def test_verify_while_signed_in_answers_the_session(api, user):
    address = add_address(user, "second@example.com")
    api.login(user, DEFAULT_PASSWORD)
    api.put("account/email", {"email": "second@example.com"})
    key = last_mail_link(r"/accounts/confirm-email/([^/\s]+)/")
    assert api.post("auth/email/verify", {"key": key}).status_code == 200
    address.refresh_from_db()
    assert address.verified


# --- second factor at login ------------------------------------------------------------------


@pytest.fixture
def totp_user(clock, user):
    _, secret = add_totp(user)
    add_recovery_codes(user)
    return user, secret


def test_login_with_totp(api, totp_user):
    _user, secret = totp_user
    response = api.post("auth/login", {"username": "alice", "password": DEFAULT_PASSWORD})
    assert response.status_code == 401
    assert pending(response) == ["mfa_authenticate"]
    mfa = next(f for f in response.json()["data"]["flows"] if f["id"] == "mfa_authenticate")
    assert mfa["types"] == ["recovery_codes", "totp"]
    assert pending(api.get("auth/session")) == ["mfa_authenticate"]
    wrong = "000000" if code_at(secret, T0) != "000000" else "111111"
    response = api.post("auth/2fa/authenticate", {"code": wrong})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "incorrect_code"
    response = api.post("auth/2fa/authenticate", {"code": code_at(secret, T0)})
    assert response.status_code == 200
    methods = response.json()["data"]["methods"]
    assert [(m["method"], m.get("type")) for m in methods] == [
        ("password", None),
        ("mfa", "totp"),
    ]


def test_second_step_without_pending_login_is_409(api):
    assert api.post("auth/2fa/authenticate", {"code": "123456"}).status_code == 409


def test_login_with_recovery_code(api, user):
    add_totp(user)
    _, codes = add_recovery_codes(user)
    api.post("auth/login", {"username": "alice", "password": DEFAULT_PASSWORD})
    response = api.post("auth/2fa/authenticate", {"code": codes[0]})
    assert response.status_code == 200
    assert response.json()["data"]["methods"][-1]["type"] == "recovery_codes"


# --- reauthentication ------------------------------------------------------------------------


def test_stale_login_must_reauthenticate_with_password(api, user, clock):
    api.login(user, DEFAULT_PASSWORD)
    clock.shift(301)
    response = api.post("account/email", {"email": "new@example.com"})
    assert response.status_code == 401
    assert flow_ids(response) == ["reauthenticate"]
    assert response.json()["meta"]["is_authenticated"] is True
    assert not EmailAddress.objects.filter(email="new@example.com").exists()
    response = api.post("auth/reauthenticate", {"password": "wrong"})
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "message": "Incorrect password.",
        "code": "incorrect_password",
        "param": "password",
    }
    response = api.post("auth/reauthenticate", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    assert response.json()["data"]["methods"][-1]["reauthenticated"] is True
    assert api.post("account/email", {"email": "new@example.com"}).status_code == 200


def test_stale_login_with_totp_reauthenticates_with_a_code(api, totp_user, clock):
    user, secret = totp_user
    api.post("auth/login", {"username": "alice", "password": DEFAULT_PASSWORD})
    api.post("auth/2fa/authenticate", {"code": code_at(secret, T0)})
    clock.shift(301)
    response = api.delete("account/authenticators/totp")
    assert response.status_code == 401
    assert flow_ids(response) == ["mfa_reauthenticate"]  # a password is not enough here
    code = code_at(secret, T0 + 301)
    response = api.post("auth/2fa/reauthenticate", {"code": code})
    assert response.status_code == 200
    assert api.delete("account/authenticators/totp").status_code == 200
    assert not Authenticator.objects.filter(user=user).exists()


def test_reauthenticate_needs_a_session(api):
    response = api.post("auth/reauthenticate", {"password": "x"})
    assert response.status_code == 401
    assert flow_ids(response) == ["login", "signup"]


# --- password reset --------------------------------------------------------------------------


def test_password_reset(api, user):
    assert api.post("auth/password/request", {"email": "alice@example.com"}).status_code == 200
    key = last_mail_link(r"/accounts/password/reset/key/([0-9A-Za-z]+-[^/\s]+)/")
    info = api.get("auth/password/reset", headers={"X-Password-Reset-Key": key})
    assert info.status_code == 200
    assert info.json()["data"]["user"]["username"] == "alice"
    response = api.post("auth/password/reset", {"key": key, "password": "short"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["param"] == "password"
    response = api.post("auth/password/reset", {"key": key, "password": NEW_PASSWORD})
    assert response.status_code == 401
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The key was single-use.
    assert (
        api.post("auth/password/reset", {"key": key, "password": NEW_PASSWORD}).status_code == 400
    )


def test_password_request_for_unknown_address_reads_the_same(api, user):
    assert api.post("auth/password/request", {"email": "nobody@example.com"}).status_code == 200
    assert api.post("auth/password/request", {"email": "bad"}).status_code == 400


@pytest.mark.parametrize("key", ["", "nope", "1-abc", "zzzzzzzzzzzzzzzzzzzzzzzz-x"])
def test_bad_reset_key_is_400(api, key):
    response = api.get("auth/password/reset", headers={"X-Password-Reset-Key": key})
    assert response.status_code == 400
    assert (
        api.post("auth/password/reset", {"key": key, "password": NEW_PASSWORD}).status_code == 400
    )


# --- account: email --------------------------------------------------------------------------


def test_email_addresses(api, user):
    EmailAddress.objects.filter(user=user).update(verified=True)
    api.login(user, DEFAULT_PASSWORD)
    response = api.get("account/email")
    assert response.json()["data"] == [
        {"email": "alice@example.com", "primary": True, "verified": True}
    ]
    response = api.post("account/email", {"email": "second@example.com"})
    assert [a["email"] for a in response.json()["data"]] == [
        "alice@example.com",
        "second@example.com",
    ]
    assert api.post("account/email", {"email": "second@example.com"}).status_code == 400
    # Unverified: cannot be primary.
    response = api.patch("account/email", {"email": "second@example.com", "primary": True})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "unverified"
    EmailAddress.objects.filter(email="second@example.com").update(verified=True)
    response = api.patch("account/email", {"email": "second@example.com", "primary": True})
    assert response.json()["data"][0] == {
        "email": "second@example.com",
        "primary": True,
        "verified": True,
    }
    response = api.delete("account/email", {"email": "second@example.com"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "primary"
    response = api.delete("account/email", {"email": "alice@example.com"})
    assert [a["email"] for a in response.json()["data"]] == ["second@example.com"]


def test_someone_elses_address_is_not_yours(api, user, other_user):
    api.login(user, DEFAULT_PASSWORD)
    response = api.delete("account/email", {"email": "bob@example.com"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid_choice"
    assert EmailAddress.objects.filter(email="bob@example.com").exists()


def test_resend_verification_is_rate_limited(api, user):
    EmailAddress.objects.filter(user=user).update(verified=False)
    api.login(user, DEFAULT_PASSWORD)
    assert api.put("account/email", {"email": "alice@example.com"}).status_code == 200
    assert api.put("account/email", {"email": "alice@example.com"}).status_code == 429


def test_account_endpoints_need_a_session(api):
    for method, path in [
        ("get", "account/email"),
        ("get", "account/authenticators"),
        ("get", "account/authenticators/totp"),
        ("get", "account/authenticators/recovery-codes"),
        ("get", "auth/sessions"),
    ]:
        response = getattr(api, method)(path)
        assert response.status_code == 401, path
        assert flow_ids(response) == ["login", "signup"]


# --- account: password -----------------------------------------------------------------------


def test_change_password(api, user):
    api.login(user, DEFAULT_PASSWORD)
    old_token = api.token
    payload = {"current_password": "wrong", "new_password": NEW_PASSWORD}
    response = api.post("account/password/change", payload)
    assert response.status_code == 400
    assert response.json()["errors"][0]["param"] == "current_password"
    payload = {"current_password": DEFAULT_PASSWORD, "new_password": "short"}
    assert api.post("account/password/change", payload).json()["errors"][0]["param"] == (
        "new_password"
    )
    payload = {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
    response = api.post("account/password/change", payload)
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert api.get("auth/session").status_code == 200  # this session lives on
    if api.kind == "app":
        assert api.token != old_token  # the key rotated: the old token is dead
        assert (
            Api(kind="app").get("auth/session", headers={"X-Session-Token": old_token}).status_code
            == 410
        )


def test_set_password_for_an_account_without_one(api, user):
    api.login(user, DEFAULT_PASSWORD)
    user.set_unusable_password()
    user.save()
    # Changing the hash ended the session (its auth hash no longer matches).
    assert api.get("auth/session").status_code in (401, 410)


# --- account: authenticators -----------------------------------------------------------------


def test_totp_and_recovery_codes_lifecycle(api, user, clock):
    api.login(user, DEFAULT_PASSWORD)
    assert api.get("account/authenticators").json()["data"] == []
    response = api.get("account/authenticators/totp")
    assert response.status_code == 404
    secret = response.json()["meta"]["secret"]
    assert response.json()["meta"]["totp_url"].startswith("otpauth://totp/")
    assert api.get("account/authenticators/totp").json()["meta"]["secret"] == secret
    response = api.post("account/authenticators/totp", {"code": "000000"})
    if code_at(secret, T0) != "000000":
        assert response.status_code == 400
    response = api.post("account/authenticators/totp", {"code": code_at(secret, T0)})
    assert response.status_code == 200
    assert response.json()["meta"] == {"recovery_codes_generated": True}
    assert response.json()["data"]["type"] == "totp"
    assert api.post("account/authenticators/totp", {"code": "123456"}).status_code == 409
    types = [a["type"] for a in api.get("account/authenticators").json()["data"]]
    assert types == ["totp", "recovery_codes"]
    codes = api.get("account/authenticators/recovery-codes").json()["data"]
    assert codes["unused_code_count"] == codes["total_code_count"] == len(codes["unused_codes"])
    response = api.post("account/authenticators/recovery-codes")
    assert response.status_code == 200
    assert response.json()["data"]["unused_codes"] != codes["unused_codes"]
    assert api.delete("account/authenticators/totp").status_code == 200
    assert api.get("account/authenticators").json()["data"] == []
    assert api.get("account/authenticators/recovery-codes").status_code == 404


def test_recovery_codes_need_a_second_factor(api, user):
    api.login(user, DEFAULT_PASSWORD)
    response = api.post("account/authenticators/recovery-codes")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "no_second_factor"


# --- sessions --------------------------------------------------------------------------------


def test_sessions_list_and_end(api, user):
    other = Api(kind="app")
    other.login(user, DEFAULT_PASSWORD)
    api.login(user, DEFAULT_PASSWORD)
    sessions = api.get("auth/sessions").json()["data"]
    assert len(sessions) == 2
    current = next(s for s in sessions if s["is_current"])
    others = [s for s in sessions if not s["is_current"]]
    response = api.delete("auth/sessions", {"sessions": [others[0]["id"]]})
    assert [s["id"] for s in response.json()["data"]] == [current["id"]]
    assert other.get("auth/session").status_code == 410  # its token was revoked
    response = api.delete("auth/sessions", {"sessions": [current["id"]]})
    assert response.status_code == 401
    assert not UserSession.objects.filter(user=user).exists()


def test_cannot_end_someone_elses_session(api, user):
    bob = UserFactory(username="bob2", email="bob2@example.com")
    theirs = Api(kind="app")
    theirs.login(bob, DEFAULT_PASSWORD)
    api.login(user, DEFAULT_PASSWORD)
    record = UserSession.objects.get(user=bob)
    api.delete("auth/sessions", {"sessions": [record.pk]})
    assert theirs.get("auth/session").status_code == 200


# --- links in mails --------------------------------------------------------------------------


FRONTEND = {
    "account_confirm_email": "https://app.example.com/verify/{key}",
    "account_reset_password_from_key": "https://app.example.com/reset/{key}",
}


def test_mails_from_the_api_link_to_the_front_end(api, user, settings):
    settings.HEADLESS_FRONTEND_URLS = FRONTEND
    api.post("auth/password/request", {"email": "alice@example.com"})
    key = last_mail_link(r"https://app\.example\.com/reset/(\S+)")
    assert (
        api.post("auth/password/reset", {"key": key, "password": NEW_PASSWORD}).status_code == 401
    )
    payload = {"username": "carol", "email": "carol@example.com", "password": NEW_PASSWORD}
    api.post("auth/signup", payload)
    key = last_mail_link(r"https://app\.example\.com/verify/(\S+)")
    assert api.post("auth/email/verify", {"key": key}).status_code == 200


def test_mails_from_the_html_pages_keep_linking_to_them(client, user, settings):
    settings.HEADLESS_FRONTEND_URLS = FRONTEND
    client.post("/accounts/password/reset/", {"email": "alice@example.com"})
    assert "/accounts/password/reset/key/" in mail.outbox[-1].body
    assert "app.example.com" not in mail.outbox[-1].body


def test_closed_signup(api, settings):
    settings.ACCOUNT_ADAPTER = "tests.helpers.headless.ClosedSignupAdapter"
    assert api.get("config").json()["data"]["account"]["is_open_for_signup"] is False
    assert flow_ids(api.get("auth/session")) == ["login"]
    payload = {"username": "carol", "email": "carol@example.com", "password": NEW_PASSWORD}
    response = api.post("auth/signup", payload)
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "signup_closed"
    assert not EmailAddress.objects.filter(email="carol@example.com").exists()


def test_email_only_signup(api, settings):
    settings.ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
    response = api.post("auth/signup", {"email": "dora@example.com", "password": NEW_PASSWORD})
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["user"]["email"] == "dora@example.com"
