"""Lockout admin (django-axes style): see lockouts and refusals, lift them, allow-list."""

import io
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from accounts import signals
from accounts.checks import check_account_settings
from accounts.models import User
from activity.models import SecurityLog
from tests.helpers.factories import DEFAULT_PASSWORD
from tests.helpers.passwords import fail_login, post_login

pytestmark = pytest.mark.django_db

ADMIN_URL = "/admin/activity/ratelimitrefusal/"


def lock_account(make_client, login="alice"):
    """Five wrong passwords from five addresses: the account's budget is spent."""
    for n in range(5):
        fail_login(make_client, login, ip=f"10.0.0.{n + 1}")
    _, response = post_login(make_client, login, DEFAULT_PASSWORD, ip="10.0.1.1")
    assert response.status_code == 429


def can_log_in(make_client, ip="10.0.2.1"):
    client, response = post_login(make_client, "alice", DEFAULT_PASSWORD, ip=ip)
    return response.status_code == 302 and "_auth_user_id" in client.session


def test_lock_see_lift_in_the_admin_then_log_in(
    make_client, user, admin_client, admin_user, signal_catcher, audit
):
    lifted = signal_catcher(signals.lockout_lifted)
    lock_account(make_client)
    assert not can_log_in(make_client)

    page = admin_client.get(ADMIN_URL, {"locked": "yes"})
    assert page.status_code == 200
    rows = list(page.context["cl"].result_list)
    assert rows and all(row.user_id == user.pk for row in rows)
    assert "Failed sign-ins" in page.content.decode()  # the action's label, not its code
    audit.mark()

    response = admin_client.post(
        ADMIN_URL, {"action": "lift_lockouts", "_selected_action": [rows[0].pk]}
    )

    assert response.status_code == 302
    lifted.assert_called_once_with(
        signal=signals.lockout_lifted,
        sender=User,
        request=mock.ANY,
        user=user,
        ip=rows[0].ip_address,
        actor=admin_user,
        actions=["login_failed"],
    )
    row = audit.one(SecurityLog, "lockout_lifted", user=user, actor=admin_user)
    assert row.extra == {"ip": rows[0].ip_address, "actions": ["login_failed"]}
    assert list(admin_client.get(ADMIN_URL, {"locked": "yes"}).context["cl"].result_list) == []
    assert can_log_in(make_client)


def test_recent_refusals_by_ip_are_listed_and_lifted(make_client, admin_client, user):
    for n in range(10):
        fail_login(make_client, f"nobody{n}", ip="10.9.9.9")
    _, response = post_login(make_client, "nobody-else", "guess", ip="10.9.9.9")
    assert response.status_code == 429
    assert not can_log_in(make_client, ip="10.9.9.9")
    page = admin_client.get(ADMIN_URL, {"target": "ip"})
    rows = [r for r in page.context["cl"].result_list if r.ip_address == "10.9.9.9"]
    assert rows
    admin_client.post(ADMIN_URL, {"action": "lift_lockouts", "_selected_action": [rows[0].pk]})
    assert can_log_in(make_client, ip="10.9.9.9")


def test_staff_without_user_change_permission_cannot_lift(make_client, user, client, db):
    from django.contrib.auth.models import Permission

    viewer = User.objects.create_user("viewer", "v@example.com", DEFAULT_PASSWORD, is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_ratelimitrefusal"))
    lock_account(make_client)
    client.force_login(viewer)
    page = client.get(ADMIN_URL)
    assert page.status_code == 200
    assert "lift_lockouts" not in page.content.decode()
    pk = SecurityLog.objects.filter(event="rate_limited").first().pk
    client.post(ADMIN_URL, {"action": "lift_lockouts", "_selected_action": [pk]})
    assert not can_log_in(make_client)


def test_unlock_account_command(make_client, user, admin_user, audit):
    lock_account(make_client)
    audit.mark()
    out = io.StringIO()
    call_command("unlock_account", "alice@example.com", "--by", "admin", stdout=out)
    assert "login_failed" in out.getvalue()
    audit.one(SecurityLog, "lockout_lifted", user=user, actor=admin_user)
    assert can_log_in(make_client)


@pytest.mark.parametrize(
    "args", [[], ["nobody"], ["alice", "--ip", "not-an-ip"], ["alice", "--by", "alice"]]
)
def test_unlock_account_command_refuses_bad_input(user, args):
    with pytest.raises(CommandError):
        call_command("unlock_account", *args, stdout=io.StringIO())


@override_settings(ACCOUNT_RATE_LIMIT_ALLOWLIST=["10.0.0.0/16", "2001:db8::1"])
def test_allowlisted_addresses_are_never_locked_out(make_client, user, signal_catcher):
    refused = signal_catcher(signals.rate_limited)
    for _ in range(12):
        fail_login(make_client, "alice", ip="10.0.3.3")
    assert can_log_in(make_client, ip="10.0.3.3")
    refused.assert_not_called()


def test_without_allowlist_the_same_attempts_lock(make_client, user):
    for _ in range(5):
        fail_login(make_client, "alice", ip="10.0.3.3")
    assert not can_log_in(make_client, ip="10.0.3.3")


@pytest.mark.parametrize("value", [["not-a-network"], "10.0.0.0/8", [42]])
def test_bad_allowlist_is_a_check_error(value):
    with override_settings(ACCOUNT_RATE_LIMIT_ALLOWLIST=value):
        ids = [(e.id, e.obj) for e in check_account_settings()]
    assert ("accounts.E001", "ACCOUNT_RATE_LIMIT_ALLOWLIST") in ids


@override_settings(ACCOUNT_LOGIN_METHODS={"email"})
def test_unlock_account_by_username_on_an_email_login_site(make_client, user):
    for n in range(5):
        fail_login(make_client, "alice@example.com", ip=f"10.0.0.{n + 1}")
    _, locked = post_login(make_client, "alice@example.com", DEFAULT_PASSWORD, ip="10.0.5.5")
    assert locked.status_code == 429
    call_command("unlock_account", "alice", stdout=io.StringIO())
    _, response = post_login(make_client, "alice@example.com", DEFAULT_PASSWORD, ip="10.0.5.5")
    assert response.status_code == 302
