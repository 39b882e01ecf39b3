"""Login over HTTP by username or email: signals, generic errors, inactive users, next."""

from unittest import mock

import pytest
from django.contrib.auth.signals import user_login_failed as django_user_login_failed
from django.test import override_settings

from accounts import signals
from accounts.models import EmailAddress, User
from accounts.usersessions.models import UserSession
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_login_by_username_sends_step_then_logged_in(client, user, signal_catcher):
    order = []
    step = signal_catcher(signals.authentication_step_completed)
    step.side_effect = lambda *a, **k: order.append("step")
    logged_in = signal_catcher(signals.user_logged_in)
    logged_in.side_effect = lambda *a, **k: order.append("logged_in")

    response = client.post("/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/"
    step.assert_called_once_with(
        signal=signals.authentication_step_completed,
        sender=User,
        request=mock.ANY,
        user=user,
        method="password",
        username="alice",
    )
    logged_in.assert_called_once_with(
        signal=signals.user_logged_in, sender=User, request=mock.ANY, response=response, user=user
    )
    assert order == ["step", "logged_in"]
    assert int(client.session["_auth_user_id"]) == user.pk
    assert UserSession.objects.filter(user=user, session_key=client.session.session_key).exists()


@pytest.mark.parametrize("typed", ["alice@example.com", "ALICE@Example.com"])
def test_login_by_email(client, user, typed, signal_catcher):
    step = signal_catcher(signals.authentication_step_completed)
    response = client.post("/accounts/login/", {"login": typed, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert step.call_args.kwargs["email"] == typed
    assert "username" not in step.call_args.kwargs
    assert int(client.session["_auth_user_id"]) == user.pk


def test_login_by_username_is_case_insensitive(client, user):
    response = client.post("/accounts/login/", {"login": "ALICE", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize(
    "login,password",
    [("alice", "wrong password!"), ("nobody", DEFAULT_PASSWORD), ("nobody@example.com", "x")],
)
def test_wrong_credentials_one_generic_error(client, user, login, password, signal_catcher):
    failed = signal_catcher(django_user_login_failed)
    step = signal_catcher(signals.authentication_step_completed)
    logged_in = signal_catcher(signals.user_logged_in)
    response = client.post("/accounts/login/", {"login": login, "password": password})
    assert response.status_code == 200
    assert "do not match" in response.content.decode()
    assert "_auth_user_id" not in client.session
    failed.assert_called_once()
    assert failed.call_args.kwargs["sender"] == "django.contrib.auth"
    assert failed.call_args.kwargs["credentials"]["password"] != password
    step.assert_not_called()
    logged_in.assert_not_called()


def test_inactive_user_with_right_password_goes_to_inactive_page(client, signal_catcher):
    UserFactory(username="sleepy", is_active=False)
    logged_in = signal_catcher(signals.user_logged_in)
    response = client.post("/accounts/login/", {"login": "sleepy", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/inactive/"
    assert "_auth_user_id" not in client.session
    logged_in.assert_not_called()
    assert client.get("/accounts/inactive/").status_code == 200


def test_inactive_user_with_wrong_password_gets_generic_error(client):
    UserFactory(username="sleepy", is_active=False)
    response = client.post("/accounts/login/", {"login": "sleepy", "password": "wrong one"})
    assert response.status_code == 200
    assert "do not match" in response.content.decode()


def test_session_key_rotates_on_login(client, user):
    client.get("/accounts/login/")
    client.session.save()
    client.cookies["sessionid"] = client.session.session_key
    before = client.session.session_key
    client.post("/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD})
    assert client.session.session_key != before


def test_a_planted_session_key_is_dead_after_login_and_its_data_moved(client, user):
    """Session fixation: the key is renamed at the login (no copy left under the old key)."""
    from django.contrib.sessions.models import Session

    client.get("/accounts/login/")
    planted = client.session
    planted["carried"] = "yes"
    planted.save()
    client.cookies["sessionid"] = planted.session_key
    client.post("/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD})
    new_key = client.cookies["sessionid"].value
    assert new_key != planted.session_key
    assert not Session.objects.filter(session_key=planted.session_key).exists()
    assert client.session["carried"] == "yes" and client.session["_auth_user_id"] == str(user.pk)
    assert UserSession.objects.filter(user=user, session_key=new_key).exists()
    assert client.get("/accounts/email/").status_code == 200


def test_a_first_login_stores_a_new_session(client, user):
    """A browser with no stored session: its first write is the login's (one INSERT)."""
    assert "sessionid" not in client.cookies
    client.post("/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD})
    key = client.cookies["sessionid"].value
    assert UserSession.objects.filter(user=user, session_key=key).exists()
    assert client.get("/accounts/email/").status_code == 200


def test_remember_unchecked_ends_with_browser(client, user):
    client.post("/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD})
    assert client.session.get_expire_at_browser_close() is True
    client.post("/accounts/logout/")
    client.post(
        "/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD, "remember": "on"}
    )
    assert client.session.get_expire_at_browser_close() is False


@pytest.mark.parametrize(
    "target,expected",
    [
        ("/accounts/email/", "/accounts/email/"),
        ("https://evil.example/", "/"),
        ("//evil.example/path", "/"),
        ("http://testserver.evil.example/", "/"),
    ],
)
def test_next_only_same_host(client, user, target, expected):
    response = client.post(
        f"/accounts/login/?next={target}", {"login": "alice", "password": DEFAULT_PASSWORD}
    )
    assert response["Location"] == expected


@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory")
def test_mandatory_verification_blocks_unverified_login(client, mailoutbox, signal_catcher):
    user = UserFactory(username="fresh", with_email=False)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    logged_in = signal_catcher(signals.user_logged_in)
    response = client.post("/accounts/login/", {"login": "fresh", "password": DEFAULT_PASSWORD})
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session
    logged_in.assert_not_called()
    assert len(mailoutbox) == 1


def test_createsuperuser_can_log_in_with_username_or_email(client, monkeypatch):
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long admin passphrase")
    call_command("createsuperuser", username="root2", email="root2@example.com", interactive=False)
    for login in ("root2", "root2@example.com"):
        c = client.__class__()
        response = c.post(
            "/accounts/login/", {"login": login, "password": "a long admin passphrase"}
        )
        assert response.status_code == 302, login
        assert c.get("/admin/").status_code == 200


def test_admin_login_redirects_to_site_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    response = client.get("/admin/")
    assert response["Location"].startswith("/admin/login/")


def test_createsuperuser_records_the_address(db):
    from django.core.management import call_command

    call_command("createsuperuser", username="root3", email="root3@example.com", interactive=False)
    user = User.objects.get(username="root3")
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.primary, address.verified) == ("root3@example.com", True, False)
