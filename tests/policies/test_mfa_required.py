"""MFA_REQUIRED: users who must have a second factor reach only setup and sign-out."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import checks
from django.test import override_settings

from accounts import signals
from accounts.mfa.checks import check_mfa_settings
from accounts.mfa.models import Authenticator
from accounts.models import User
from activity.models import SecurityLog
from tests.helpers.clients import login_client
from tests.helpers.factories import UserFactory
from tests.helpers.mfa import add_totp, current_code, read_secret

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough passphrase"
SIGNUP = {
    "username": "quin",
    "email": "quin@example.com",
    "password1": PASSWORD,
    "password2": PASSWORD,
}
GUARDED = [
    "/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/sessions/",
    "/accounts/activity/",
    "/admin/",
    "/accounts/2fa/recovery-codes/",
]
ALLOWED = [
    "/accounts/2fa/",
    "/accounts/2fa/totp/activate/",
    "/accounts/2fa/webauthn/add/",
    "/accounts/reauthenticate/",
    "/accounts/logout/",
]


def is_sent_to_setup(response):
    return response.status_code == 302 and response["Location"] == "/accounts/2fa/"


@override_settings(MFA_REQUIRED="all")
def test_new_user_reaches_nothing_but_setup_then_everything(client, clock, audit, signal_catcher):
    required = signal_catcher(signals.mfa_setup_required)
    assert client.post("/accounts/signup/", SIGNUP).status_code == 302
    user = User.objects.get(username="quin")
    for path in GUARDED:
        assert is_sent_to_setup(client.get(path)), path
    assert is_sent_to_setup(client.post("/accounts/email/", {"email": "x@example.com"}))
    for path in ALLOWED:
        assert client.get(path).status_code == 200, path
    required.assert_called_once_with(
        signal=signals.mfa_setup_required, sender=User, request=mock.ANY, user=user
    )
    audit.one(SecurityLog, "mfa_setup_required", user=user, actor=user)

    clock.shift(timedelta(minutes=10))  # past the reauthentication timeout
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200  # the first setup asks for no reauthentication
    response = client.post(
        "/accounts/2fa/totp/activate/", {"code": current_code(read_secret(page))}
    )
    assert response.status_code == 200  # the recovery codes page
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    for path in GUARDED[:-2]:
        assert client.get(path).status_code == 200, path
    assert client.get("/admin/").status_code == 302  # not staff: the admin's own login
    assert required.call_count == 1


@override_settings(MFA_REQUIRED="all")
def test_a_late_first_setup_asks_for_the_password_again(clock, client, user, password):
    login_client(client, user, password)
    assert is_sent_to_setup(client.get("/"))
    clock.shift(timedelta(minutes=20))
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    client.post("/accounts/reauthenticate/", {"password": password})
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200


@override_settings(MFA_REQUIRED="all")
def test_sign_out_stays_possible(client, user, password):
    login_client(client, user, password)
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


@override_settings(MFA_REQUIRED="all")
def test_user_with_a_factor_is_not_held(client, user, password, signal_catcher):
    required = signal_catcher(signals.mfa_setup_required)
    _, secret = add_totp(user)
    client.post("/accounts/login/", {"login": "alice", "password": password})
    client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert client.get("/accounts/email/").status_code == 200
    required.assert_not_called()


@override_settings(MFA_REQUIRED="all")
def test_after_the_first_setup_reauthentication_is_asked_again(client, user, password, clock):
    login_client(client, user, password)
    clock.shift(timedelta(hours=1))
    add_totp(user)  # a factor exists: no longer the first setup
    response = client.get("/accounts/2fa/webauthn/add/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/reauthenticate/")


@pytest.mark.parametrize(
    ("required", "staff_held", "user_held"),
    [("none", False, False), (None, False, False), ("staff", True, False), ("all", True, True)],
)
def test_each_value(make_client, required, staff_held, user_held):
    staff = UserFactory(username="sam", is_staff=True, is_superuser=True)
    member = UserFactory(username="una")
    with override_settings(MFA_REQUIRED=required):
        staff_client = login_client(make_client(), staff)
        member_client = login_client(make_client(), member)
        assert is_sent_to_setup(staff_client.get("/admin/")) is staff_held
        assert is_sent_to_setup(member_client.get("/accounts/email/")) is user_held


@override_settings(MFA_ADAPTER="tests.policies.adapters.RequireForExampleOrg")
def test_the_adapter_decides_per_user(make_client):
    org = UserFactory(username="vic", email="vic@example.org")
    com = UserFactory(username="wes", email="wes@example.com")
    assert is_sent_to_setup(login_client(make_client(), org).get("/"))
    assert login_client(make_client(), com).get("/").status_code == 200


@pytest.mark.parametrize("value", ["everyone", 1, "STAFF"])
def test_bad_values_are_check_errors(value):
    with override_settings(MFA_REQUIRED=value):
        errors = [(e.id, e.obj) for e in check_mfa_settings() if isinstance(e, checks.Error)]
    assert ("mfa.E001", "MFA_REQUIRED") in errors
