"""The API runs the HTML flows: the same signals (exact kwargs) and the same audit rows.

Mirrors tests/activity/test_audit_over_http*.py and tests/account/test_signup.py for signup,
login with TOTP, password change, email add and logout, through both clients.
"""

import hashlib
from unittest import mock

import pytest
from django.contrib.auth import signals as auth_signals
from django.test import Client

from accounts import signals
from accounts.mfa.models import Authenticator
from accounts.models import EmailAddress, User
from activity.models import LoginLog, MFALog, SecurityLog
from tests.activity.conftest import AuditRecorder
from tests.helpers.audit import FROM_BROWSER, TEST_AGENT, TEST_IP
from tests.helpers.factories import DEFAULT_PASSWORD
from tests.helpers.headless import Api
from tests.helpers.mfa import T0, add_totp, code_at

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a new and long passphrase 42"
BROWSER_META = {"REMOTE_ADDR": TEST_IP, "HTTP_USER_AGENT": TEST_AGENT}


@pytest.fixture
def audit(db):
    return AuditRecorder()


@pytest.fixture(params=["browser", "app"])
def api(request, db):
    return Api(Client(**BROWSER_META), kind=request.param)


def path(api, route):
    return f"/_allauth/{api.kind}/v1/{route}"


def session_key(api):
    if api.kind == "app":
        return api.token
    return api.client.session.session_key


def test_signup(api, audit, signal_catcher):
    signed_up = signal_catcher(signals.user_signed_up)
    logged_in = signal_catcher(signals.user_logged_in)
    sent = signal_catcher(signals.email_confirmation_sent)

    payload = {"username": "carol", "email": "carol@example.com", "password": NEW_PASSWORD}
    response = api.post("auth/signup", payload)

    assert response.status_code == 200
    user = User.objects.get(username="carol")
    signed_up.assert_called_once_with(
        signal=signals.user_signed_up, sender=User, request=mock.ANY, user=user
    )
    logged_in.assert_called_once_with(
        signal=signals.user_logged_in, sender=User, request=mock.ANY, response=response, user=user
    )
    assert sent.call_args.kwargs["signup"] is True
    assert audit.events() == [
        ("LoginLog", "login"),
        ("SecurityLog", "email_confirmation_sent"),
        ("SecurityLog", "signup"),
    ]
    login = audit.assert_one(LoginLog, event="login", method="password", user=user)
    assert login.session_hash == hashlib.sha256(session_key(api).encode()).hexdigest()
    assert (login.ip_address, login.user_agent, login.path) == (
        TEST_IP,
        TEST_AGENT,
        path(api, "auth/signup"),
    )


def test_login_with_totp(api, audit, signal_catcher, clock, user):
    totp_auth, secret = add_totp(user)
    steps = signal_catcher(signals.authentication_step_completed)
    used = signal_catcher(signals.authenticator_used)
    logged_in = signal_catcher(signals.user_logged_in)

    api.post("auth/login", {"username": "alice", "password": DEFAULT_PASSWORD})
    audit.assert_none()  # the password step alone logs nobody in
    logged_in.assert_not_called()
    response = api.post("auth/2fa/authenticate", {"code": code_at(secret, T0)})

    assert response.status_code == 200
    assert [c.kwargs for c in steps.call_args_list] == [
        {
            "signal": signals.authentication_step_completed,
            "sender": User,
            "request": mock.ANY,
            "user": user,
            "method": "password",
            "username": "alice",
        },
        {
            "signal": signals.authentication_step_completed,
            "sender": User,
            "request": mock.ANY,
            "user": user,
            "method": "totp",
            "type": "totp",
            "id": totp_auth.pk,
        },
    ]
    used.assert_called_once_with(
        signal=signals.authenticator_used,
        sender=Authenticator,
        request=mock.ANY,
        user=user,
        authenticator=totp_auth,
        reauthenticated=False,
        passwordless=False,
    )
    logged_in.assert_called_once_with(
        signal=signals.user_logged_in, sender=User, request=mock.ANY, response=response, user=user
    )
    assert audit.events() == [("LoginLog", "login"), ("MFALog", "used")]
    second_step = path(api, "auth/2fa/authenticate")
    audit.assert_one(
        LoginLog, event="login", method="totp", user=user, path=second_step, **FROM_BROWSER
    )
    row = audit.assert_one(MFALog, event="used", user=user, method="totp")
    assert (row.authenticator_id, row.reauthentication, row.passwordless) == (
        totp_auth.pk,
        False,
        False,
    )


def test_password_change(api, audit, signal_catcher, user):
    api.login(user, DEFAULT_PASSWORD)
    changed = signal_catcher(signals.password_changed)
    audit.mark()

    payload = {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
    assert api.post("account/password/change", payload).status_code == 200

    changed.assert_called_once_with(
        signal=signals.password_changed, sender=User, request=mock.ANY, user=user
    )
    assert audit.events() == [("SecurityLog", "password_changed")]
    audit.assert_one(
        SecurityLog,
        event="password_changed",
        user=user,
        actor=user,
        username="alice",
        email="alice@example.com",
        path=path(api, "account/password/change"),
        extra={},
        **FROM_BROWSER,
    )


def test_email_add(api, audit, signal_catcher, user):
    api.login(user, DEFAULT_PASSWORD)
    added = signal_catcher(signals.email_added)
    audit.mark()

    assert api.post("account/email", {"email": "new@example.org"}).status_code == 200

    address = EmailAddress.objects.get(email="new@example.org")
    added.assert_called_once_with(
        signal=signals.email_added,
        sender=EmailAddress,
        request=mock.ANY,
        user=user,
        email_address=address,
    )
    assert audit.events() == [
        ("SecurityLog", "email_confirmation_sent"),
        ("SecurityLog", "email_added"),
    ]
    for event, extra in [
        ("email_confirmation_sent", {"email": "new@example.org", "signup": False}),
        ("email_added", {"email": "new@example.org"}),
    ]:
        audit.one(
            SecurityLog,
            event,
            user=user,
            actor=user,
            email="alice@example.com",
            path=path(api, "account/email"),
            extra=extra,
            **FROM_BROWSER,
        )


def test_logout(api, audit, signal_catcher, user):
    api.login(user, DEFAULT_PASSWORD)
    logged_out = signal_catcher(auth_signals.user_logged_out)
    audit.mark()

    assert api.delete("auth/session").status_code == 401

    logged_out.assert_called_once_with(
        signal=auth_signals.user_logged_out, sender=User, request=mock.ANY, user=user
    )
    audit.assert_one(LoginLog, event="logout", user=user, username="alice", reason="")


def test_failed_login_is_logged_like_the_form(api, audit, user):
    api.post("auth/login", {"username": "alice", "password": "wrong password"})
    row = audit.assert_one(LoginLog, event="failed", user=user)
    assert row.reason == "bad_credentials"
