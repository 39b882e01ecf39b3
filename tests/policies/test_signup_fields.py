"""ACCOUNT_SIGNUP_FIELDS and ACCOUNT_LOGIN_METHODS over HTTP, and their system checks."""

import re
from unittest import mock

import pytest
from django.core import checks
from django.core.management import call_command
from django.test import override_settings

from accounts import signals
from accounts.checks import check_account_settings
from accounts.models import EmailAddress, User
from activity.models import LoginLog, SecurityLog
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers.passwords import NEW_RESET_PASSWORD, complete_reset, mailed_link

pytestmark = pytest.mark.django_db

EMAIL_ONLY = {
    "ACCOUNT_SIGNUP_FIELDS": ["email*", "password1*", "password2*"],
    "ACCOUNT_LOGIN_METHODS": {"email"},
}
PASSWORD = "a long enough passphrase"
CONFIRM_RE = re.compile(r"https?://testserver(/accounts/confirm-email/[^/\s]+/)")


def can_log_in(make_client, login, password=DEFAULT_PASSWORD):
    client = make_client()
    response = client.post("/accounts/login/", {"login": login, "password": password})
    return response.status_code == 302 and "_auth_user_id" in client.session


@override_settings(**EMAIL_ONLY, ACCOUNT_EMAIL_VERIFICATION="mandatory")
def test_email_only_signup_verify_login_and_reset(client, make_client, mailoutbox, audit):
    page = client.get("/accounts/signup/").content.decode()
    assert 'name="username"' not in page and 'name="email"' in page

    response = client.post(
        "/accounts/signup/",
        {"email": "dora@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 302
    user = User.objects.get(email="dora@example.com")
    assert user.username is None
    assert str(user) == user.get_username() == "dora@example.com"
    signup = audit.one(SecurityLog, "signup", user=user, username="", email="dora@example.com")
    assert signup.user_id == user.pk
    path = CONFIRM_RE.search(mailoutbox[-1].body).group(1)
    assert client.post(path).status_code == 302
    assert EmailAddress.objects.get(user=user).verified

    assert can_log_in(make_client, "DORA@example.com", PASSWORD)
    audit.one(LoginLog, "login", user=user, username="", email="dora@example.com")
    assert not can_log_in(make_client, "dora", PASSWORD)

    reset = make_client()
    link = mailed_link(reset, mailoutbox, "dora@example.com")
    assert complete_reset(reset, link[0], link[1]).status_code == 302
    assert can_log_in(make_client, "dora@example.com", NEW_RESET_PASSWORD)


@override_settings(**EMAIL_ONLY)
def test_many_email_only_accounts_share_the_empty_username(client, make_client):
    for name in ("erin", "fay"):
        response = make_client().post(
            "/accounts/signup/",
            {"email": f"{name}@example.com", "password1": PASSWORD, "password2": PASSWORD},
        )
        assert response.status_code == 302
    assert list(User.objects.values_list("username", flat=True)) == [None, None]


@override_settings(ACCOUNT_SIGNUP_FIELDS=["email*", "username", "password1*"])
def test_optional_username_and_no_second_password(make_client):
    page = make_client().get("/accounts/signup/").content.decode()
    assert 'name="password2"' not in page and 'name="username"' in page
    without = make_client().post(
        "/accounts/signup/", {"email": "gus@example.com", "password1": PASSWORD}
    )
    with_name = make_client().post(
        "/accounts/signup/", {"email": "hal@example.com", "username": "hal", "password1": PASSWORD}
    )
    assert without.status_code == with_name.status_code == 302
    assert User.objects.get(email="gus@example.com").username is None
    assert User.objects.get(email="hal@example.com").username == "hal"


@override_settings(ACCOUNT_SIGNUP_FIELDS=["username*", "email", "password1*"])
def test_optional_email_creates_no_address_and_sends_no_mail(client, mailoutbox, signal_catcher):
    signed_up = signal_catcher(signals.user_signed_up)
    response = client.post("/accounts/signup/", {"username": "ivy", "password1": PASSWORD})
    assert response.status_code == 302
    user = User.objects.get(username="ivy")
    assert user.email == "" and not EmailAddress.objects.filter(user=user).exists()
    assert mailoutbox == []
    signed_up.assert_called_once_with(
        signal=signals.user_signed_up, sender=User, request=mock.ANY, user=user
    )


@override_settings(ACCOUNT_SIGNUP_FIELDS=["username*", "email*", "email2*", "password1*"])
def test_email_typed_twice_must_match(client):
    data = {"username": "jo", "email": "jo@example.com", "password1": PASSWORD}
    response = client.post("/accounts/signup/", {**data, "email2": "jo@example.org"})
    assert response.status_code == 200
    assert "same email" in response.content.decode()
    assert not User.objects.exists()
    assert client.post("/accounts/signup/", {**data, "email2": "JO@example.com"}).status_code == 302


def test_default_fields_still_require_a_username(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "kim@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 200
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("methods", "label", "by_username", "by_email"),
    [
        ({"username"}, "Username", True, False),
        ({"email"}, "Email", False, True),
        ({"username", "email"}, "Username or email", True, True),
    ],
)
def test_login_methods(make_client, user, methods, label, by_username, by_email):
    with override_settings(ACCOUNT_LOGIN_METHODS=methods):
        page = make_client().get("/accounts/login/").content.decode()
        assert re.search(rf"id_login\"[^>]*>\s*{label}<", page)
        assert can_log_in(make_client, "alice") is by_username
        assert can_log_in(make_client, "alice@example.com") is by_email


def errors_for(**settings):
    with override_settings(**settings):
        return [(e.id, e.obj) for e in check_account_settings() if isinstance(e, checks.Error)]


@pytest.mark.parametrize(
    "settings",
    [
        {"ACCOUNT_SIGNUP_FIELDS": ["username*", "password1*"], "ACCOUNT_LOGIN_METHODS": {"email"}},
        {"ACCOUNT_SIGNUP_FIELDS": ["email*", "password1*"], "ACCOUNT_LOGIN_METHODS": {"username"}},
        {"ACCOUNT_SIGNUP_FIELDS": ["username", "email", "password1*"]},
        {
            "ACCOUNT_SIGNUP_FIELDS": ["username*", "email", "password1*"],
            "ACCOUNT_EMAIL_VERIFICATION": "mandatory",
            "ACCOUNT_LOGIN_METHODS": {"username"},
        },
    ],
)
def test_inconsistent_fields_and_methods_are_check_errors(settings):
    assert ("accounts.E004", "ACCOUNT_SIGNUP_FIELDS") in errors_for(**settings)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ACCOUNT_SIGNUP_FIELDS", ["email*", "password1"]),
        ("ACCOUNT_SIGNUP_FIELDS", ["email*", "phone*", "password1*"]),
        ("ACCOUNT_SIGNUP_FIELDS", ["email*", "email*", "password1*"]),
        ("ACCOUNT_SIGNUP_FIELDS", "email*"),
        ("ACCOUNT_SIGNUP_FIELDS", ["password1*", "password2*"]),
        ("ACCOUNT_SIGNUP_FIELDS", ["username*", "email2", "password1*"]),
        ("ACCOUNT_LOGIN_METHODS", set()),
        ("ACCOUNT_LOGIN_METHODS", {"phone"}),
        ("ACCOUNT_LOGIN_METHODS", "email"),
    ],
)
def test_invalid_values_are_check_errors(name, value):
    assert ("accounts.E001", name) in errors_for(**{name: value})


@pytest.mark.parametrize("settings", [{}, EMAIL_ONLY])
def test_valid_configurations_pass_the_checks(settings):
    assert errors_for(**settings) == []


def test_admin_creates_and_lists_an_email_only_account(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {"username": "", "email": "lee@example.com", "usable_password": "false"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="lee@example.com")
    assert user.username is None
    changelist = admin_client.get("/admin/accounts/user/")
    assert changelist.status_code == 200 and "lee@example.com" in changelist.content.decode()
    assert admin_client.get(f"/admin/accounts/user/{user.pk}/change/").status_code == 200


def test_admin_refuses_an_account_with_neither_name_nor_address(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/", {"username": "", "email": "", "usable_password": "false"}
    )
    assert response.status_code == 200
    assert User.objects.filter(is_superuser=False).count() == 0


def test_createsuperuser_without_a_username(monkeypatch):
    """Interactive ``createsuperuser``: Enter at the username prompt makes an email-only
    superuser (the terminal is the only thing faked)."""
    answers = iter(["", "root@example.com"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    monkeypatch.setattr(
        "django.contrib.auth.management.commands.createsuperuser.getpass.getpass",
        lambda prompt="": PASSWORD,
    )
    call_command("createsuperuser", interactive=True, verbosity=0, stdin=FakeTTY())
    user = User.objects.get(email="root@example.com")
    assert user.username is None and user.is_superuser
    assert EmailAddress.objects.filter(user=user, primary=True).exists()
    assert User.objects.create_user(None, "x@example.com", PASSWORD).username is None
    with pytest.raises(ValueError):
        User.objects.create_user("", "", PASSWORD)


class FakeTTY:
    def isatty(self):
        return True


def test_email_only_user_is_snapshotted_in_login_rows(make_client, audit):
    UserFactory(username=None, email="mo@example.com")
    assert can_log_in(make_client, "mo@example.com")
    row = audit.one(LoginLog, "login", username="", email="mo@example.com")
    assert row.user.email == "mo@example.com"
