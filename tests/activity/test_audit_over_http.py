"""Signup, login, logout and reauthentication over HTTP: each writes exactly the expected
audit rows, and a failing audit write rolls its flow back.

Passwords and email are in ``test_audit_over_http_account.py``, second factors in ``_mfa``,
sessions and abuse in ``_sessions``, all with the ``audit`` fixture (tests/activity/conftest.py).
"""

import hashlib
from datetime import UTC
from unittest import mock

import pytest
import time_machine
from django.contrib.auth.hashers import check_password
from django.db import connection
from django.test import Client

from accounts.models import User
from activity import dbsetup, services
from activity.models import LoginLog, SecurityLog, UserProfile
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "username": "carol",
    "email": "carol@example.com",
    "password1": "a long enough passphrase",
    "password2": "a long enough passphrase",
}


def _login(client, login="alice", password=DEFAULT_PASSWORD, **extra):
    return client.post("/accounts/login/", {"login": login, "password": password}, **extra)


def test_signup_writes_signup_mail_sent_and_login_rows(client, audit):
    client.get("/accounts/signup/?ref=newsletter-7")
    response = client.post(
        "/accounts/signup/", SIGNUP, REMOTE_ADDR="198.51.100.20", HTTP_USER_AGENT="UA/1"
    )
    assert response.status_code == 302
    user = User.objects.get(username="carol")

    assert audit.events() == [
        ("LoginLog", "login"),
        ("SecurityLog", "email_confirmation_sent"),
        ("SecurityLog", "signup"),
    ]
    signup = audit.new(SecurityLog)[1]
    assert (signup.user, signup.username, signup.email, signup.ip_address, signup.user_agent) == (
        user,
        "carol",
        "carol@example.com",
        "198.51.100.20",
        "UA/1",
    )
    login = audit.assert_one(LoginLog, event="login", method="password", user=user)
    assert login.session_hash == hashlib.sha256(client.session.session_key.encode()).hexdigest()
    profile = UserProfile.objects.get(user=user)
    assert (profile.signup_ip, profile.referral, profile.login_count) == (
        "198.51.100.20",
        "newsletter-7",
        1,
    )


def test_invalid_signup_writes_nothing(client, audit):
    response = client.post("/accounts/signup/", {**SIGNUP, "password2": "something else!!"})
    assert response.status_code == 200
    audit.assert_none()


def test_login_writes_one_login_row(client, user, audit):
    response = _login(client, REMOTE_ADDR="198.51.100.30", HTTP_USER_AGENT="Agent/2")
    assert response.status_code == 302
    row = audit.assert_one(
        LoginLog,
        event="login",
        method="password",
        user=user,
        username="alice",
        email="alice@example.com",
        ip_address="198.51.100.30",
        user_agent="Agent/2",
        path="/accounts/login/",
    )
    assert row.created_at.tzinfo == UTC
    assert audit.events() == [("LoginLog", "login")]
    assert UserProfile.objects.get(user=user).login_count == 1


def test_login_of_a_user_without_a_profile_creates_it_with_the_count(client, user, audit):
    """The login row's trigger (or the service elsewhere) upserts the profile."""
    UserProfile.objects.filter(user=user).delete()
    _login(client, REMOTE_ADDR="198.51.100.31")
    _login(Client(), REMOTE_ADDR="198.51.100.32")
    profile = UserProfile.objects.get(user=user)
    latest = LoginLog.objects.filter(user=user, event="login").latest("created_at")
    assert (profile.login_count, profile.last_login_ip) == (2, "198.51.100.32")
    assert profile.last_login_at == latest.created_at
    assert (profile.signup_ip, profile.referral, profile.trial_ends_at) == (None, "", None)


def test_an_imported_older_login_row_counts_but_keeps_the_last_login(client, user, audit):
    _login(client, REMOTE_ADDR="198.51.100.33")
    last = UserProfile.objects.get(user=user).last_login_at
    LoginLog.objects.bulk_create(
        [
            LoginLog(
                user=user, event="login", ip_address="192.0.2.1", created_at=last.replace(year=2020)
            )
        ]
    )
    profile = UserProfile.objects.get(user=user)
    assert (profile.login_count, profile.last_login_ip, profile.last_login_at) == (
        2 if dbsetup.counted_by_trigger(connection) else 1,  # Python counts only live logins
        "198.51.100.33",
        last,
    )


def test_force_login_writes_no_login_row(client, user, audit):
    client.force_login(user)
    assert client.get("/").status_code == 200
    audit.assert_none()
    assert UserProfile.objects.get(user=user).login_count == 0


def test_failed_login_with_spoofed_forwarded_for_and_huge_agent(client, user, audit):
    """H2: the IP is REMOTE_ADDR (no trusted proxy), the agent is truncated, no password."""
    response = _login(
        client,
        password="sentinel-Pa55word-typed",
        REMOTE_ADDR="192.0.2.50",
        HTTP_X_FORWARDED_FOR="6.6.6.6",
        HTTP_USER_AGENT="A" * 10_000,
    )
    assert response.status_code == 200
    row = audit.assert_one(
        LoginLog,
        event="failed",
        user=user,
        username="alice",
        reason="bad_credentials",
        ip_address="192.0.2.50",
    )
    assert len(row.user_agent) <= 512
    assert row.created_at.tzinfo == UTC
    assert audit.events() == [("LoginLog", "failed")]
    for model in (LoginLog, SecurityLog):
        for stored in model.objects.values():
            assert "sentinel-Pa55word" not in str(stored)


def test_failed_login_for_an_unknown_name(client, audit):
    _login(client, login="mallory")
    audit.assert_one(
        LoginLog, event="failed", user=None, username="mallory", reason="unknown_account"
    )


def test_failed_login_by_email_attaches_the_account(client, user, audit):
    _login(client, login="Alice@Example.com", password="wrong password!")
    audit.assert_one(LoginLog, event="failed", user=user, username="Alice@Example.com")


def test_logout_writes_one_logout_row(auth_client, user, audit):
    audit.mark()
    response = auth_client.post("/accounts/logout/")
    assert response.status_code == 302
    audit.assert_one(LoginLog, event="logout", user=user, username="alice", reason="")


def test_idle_session_timeout_is_logged_as_an_expired_session(client, user, audit, settings):
    settings.ACCOUNT_SESSION_IDLE_TIMEOUT = 600
    with time_machine.travel("2030-01-01 12:00Z"):
        _login(client)
    audit.mark()
    with time_machine.travel("2030-01-01 12:20Z"):
        assert client.get("/").status_code == 200
    assert "_auth_user_id" not in client.session
    audit.assert_one(LoginLog, event="logout", user=user, reason="session_expired")


def test_admin_logout_is_a_logout(auth_client, user, audit):
    user.is_staff = True
    user.save()
    audit.mark()
    assert auth_client.post("/admin/logout/").status_code == 302
    audit.assert_one(LoginLog, event="logout", user=user, reason="")


def test_logout_get_writes_nothing(auth_client, audit):
    audit.mark()
    assert auth_client.get("/accounts/logout/").status_code == 200
    audit.assert_none()


def test_reauthentication_by_password(auth_client, user, audit):
    audit.mark()
    response = auth_client.post("/accounts/reauthenticate/", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    audit.assert_one(
        SecurityLog, event="reauthenticated", user=user, actor=user, extra={"method": "password"}
    )
    assert audit.events() == [("SecurityLog", "reauthenticated")]


def test_failed_reauthentication_writes_no_success(auth_client, audit):
    audit.mark()
    response = auth_client.post("/accounts/reauthenticate/", {"password": "wrong password!"})
    assert response.status_code == 200
    assert ("SecurityLog", "reauthenticated") not in audit.events()


def test_referral_is_kept_only_for_anonymous_visitors_and_only_if_clean(client, user):
    client.get("/?ref=<script>")
    assert "referral" not in client.session
    client.get("/?ref=first")
    client.get("/?ref=second")
    assert client.session["referral"] == "first"
    _login(client)
    client.get("/?ref=later")
    assert client.session["referral"] == "first"


def test_forwarded_for_is_used_behind_a_trusted_proxy(client, user, audit, settings):
    settings.ACCOUNT_TRUSTED_PROXY_COUNT = 1
    _login(client, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.77")
    audit.assert_one(LoginLog, event="login", ip_address="198.51.100.77")


def test_log_injection_is_stored_verbatim_and_escaped_in_the_admin(client, admin_client, audit):
    """H4: a CR/LF username and a script user agent end up escaped in the admin HTML."""
    typed = "x\r\n2025-01-01 INFO login_success user=admin"
    _login(client, login=typed, HTTP_USER_AGENT="<script>alert(1)</script>")
    row = audit.assert_one(LoginLog, event="failed")
    assert row.user_agent == "<script>alert(1)</script>"
    html = admin_client.get("/admin/activity/loginlog/").content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html


class TestAtomicity:
    """Receivers run inside the flow's transaction: a failing audit write undoes the flow."""

    def test_failing_signup_receiver_rolls_the_signup_back(self, client, audit):
        client.raise_request_exception = False
        with mock.patch.object(services, "profile_record_signup", side_effect=RuntimeError):
            response = client.post("/accounts/signup/", SIGNUP)
        assert response.status_code == 500
        assert not User.objects.filter(username="carol").exists()
        assert not UserProfile.objects.exists()
        audit.assert_none()
        assert "_auth_user_id" not in client.session

    def test_failing_login_log_write_rolls_the_login_back(self, client, user, audit):
        with (
            mock.patch.object(LoginLog.objects, "create", side_effect=RuntimeError("db down")),
            pytest.raises(RuntimeError),
        ):
            _login(client)
        audit.assert_none()
        assert UserProfile.objects.get(user=user).login_count == 0
        assert not user.session_records.exists()

    def test_failing_security_log_keeps_the_old_password(self, user, password, client, audit):
        """Issue #7 point 2: the password change and its audit row commit together or not."""
        client.post("/accounts/login/", {"login": "alice", "password": password})
        assert client.get("/accounts/password/change/").status_code == 200
        audit.mark()
        client.raise_request_exception = False
        new = "another long passphrase 42"
        with mock.patch.object(
            SecurityLog.objects, "create", side_effect=RuntimeError("audit down")
        ) as create:
            response = client.post(
                "/accounts/password/change/",
                {"oldpassword": password, "password1": new, "password2": new},
            )
        assert response.status_code == 500
        assert create.call_args.kwargs["event"] == "password_changed"
        user.refresh_from_db()
        assert check_password(password, user.password)
        assert not check_password(new, user.password)
        audit.assert_none()
        # A fresh login still takes the old password.
        other = Client()
        response = other.post("/accounts/login/", {"login": "alice", "password": password})
        assert response.status_code == 302 and "_auth_user_id" in other.session


def test_user_deletion_keeps_the_rows_with_their_snapshot(client, user, audit):
    _login(client)
    user.delete()
    row = LoginLog.objects.get()
    assert (row.user, row.username, row.email) == (None, "alice", "alice@example.com")


def test_inactive_account_with_right_password_is_a_failed_login(client, audit):
    sleepy = UserFactory(username="sleepy", is_active=False)
    response = _login(client, login="sleepy")
    assert response.status_code == 302
    audit.assert_one(LoginLog, event="failed", user=sleepy)
