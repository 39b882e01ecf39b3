"""Delete my account: reauthentication, grace period, cancel by signing in, purge, audit."""

import io
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from accounts import signals
from accounts.mfa.models import Authenticator
from accounts.models import AccountDeletion, EmailAddress, KnownDevice, User
from accounts.usersessions.models import UserSession
from activity.models import LoginLog, SecurityLog
from tests.helpers.clients import login_client
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers.mfa import add_totp, current_code
from tests.helpers.passwords import mailed_link

pytestmark = pytest.mark.django_db

URL = "/accounts/delete/"


def purge():
    out = io.StringIO()
    call_command("purge_deleted_accounts", stdout=out)
    return out.getvalue()


@pytest.fixture
def two_browsers(make_client, user):
    return login_client(make_client(), user), login_client(make_client(), user)


def test_deletion_needs_a_confirmation_and_a_recent_authentication(clock, auth_client, user):
    assert auth_client.get(URL).status_code == 200
    assert auth_client.post(URL, {}).status_code == 200  # not confirmed
    clock.shift(timedelta(hours=1))
    response = auth_client.post(URL, {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    user.refresh_from_db()
    assert user.is_active and not AccountDeletion.objects.exists()


def test_deletion_signs_out_everywhere_and_purges_after_the_grace_period(
    clock, two_browsers, user, signal_catcher, audit, mailoutbox
):
    requested = signal_catcher(signals.account_deletion_requested)
    deleted = signal_catcher(signals.account_deleted)
    mine, other = two_browsers
    keys = [mine.session.session_key, other.session.session_key]
    pk = user.pk
    reset_path, _, _ = mailed_link(Client(), mailoutbox)  # a reset link issued before
    assert 'name="password1"' in Client().get(reset_path, follow=True).content.decode()
    mailoutbox.clear()

    response = mine.post(URL, {"confirm": "on"})

    assert response.status_code == 200
    user.refresh_from_db()
    assert not user.is_active
    deletion = AccountDeletion.objects.get(user=user)
    assert deletion.purge_after == timezone.now() + timedelta(days=7)
    requested.assert_called_once_with(
        signal=signals.account_deletion_requested,
        sender=User,
        request=mock.ANY,
        user=user,
        purge_after=deletion.purge_after,
    )
    for browser in (mine, other):
        assert "_auth_user_id" not in browser.session
        assert browser.get("/accounts/email/").status_code == 302
    assert not UserSession.objects.filter(user=user).exists()
    assert not Session.objects.filter(session_key__in=keys).exists()
    audit.one(SecurityLog, "account_deletion_requested", user=user, actor=user)
    add_totp(user)  # a factor, to see it go with the account
    assert [m.subject for m in mailoutbox] == ["[Account site] Your account will be deleted"]

    clock.shift(timedelta(days=6, hours=23))
    assert "Deleted 0" in purge()
    assert User.objects.filter(pk=pk).exists()
    clock.shift(timedelta(hours=2))
    assert "Deleted 1" in purge()

    assert not User.objects.filter(pk=pk).exists()
    for model in (EmailAddress, Authenticator, KnownDevice, UserSession, AccountDeletion):
        assert not model.objects.filter(user_id=pk).exists(), model
    response = Client().get(reset_path, follow=True)  # the link died with the account
    assert response.context["token_fail"] is True
    deleted.assert_called_once_with(
        signal=signals.account_deleted, sender=User, request=None, user=mock.ANY, actor=None
    )
    rows = list(SecurityLog.objects.filter(username="alice"))
    assert {r.event for r in rows} >= {"account_deletion_requested", "account_deleted"}
    assert all(r.user_id is None and r.email == "alice@example.com" for r in rows)
    logins = LoginLog.objects.filter(username="alice")
    assert logins.exists() and all(r.user_id is None for r in logins)


@override_settings(ACCOUNT_DELETION_GRACE_DAYS=0)
def test_no_grace_period_purges_at_the_next_run(auth_client, user):
    auth_client.post(URL, {"confirm": "on"})
    assert "Deleted 1" in purge()
    assert not User.objects.filter(username="alice").exists()


def test_signing_in_during_the_grace_period_can_cancel(
    auth_client, make_client, user, signal_catcher, audit
):
    cancelled = signal_catcher(signals.account_deletion_cancelled)
    auth_client.post(URL, {"confirm": "on"})
    browser = make_client()

    wrong = browser.post("/accounts/login/", {"login": "alice", "password": "nope nope"})
    assert wrong.status_code == 200  # a wrong password learns nothing
    response = browser.post("/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD})
    assert response["Location"] == "/accounts/delete/cancel/"
    assert "_auth_user_id" not in browser.session
    assert "deleted for good" in browser.get("/accounts/delete/cancel/").content.decode()
    audit.mark()

    response = browser.post("/accounts/delete/cancel/")

    assert response.status_code == 302 and response["Location"] == "/"
    assert int(browser.session["_auth_user_id"]) == user.pk
    user.refresh_from_db()
    assert user.is_active and not AccountDeletion.objects.exists()
    cancelled.assert_called_once_with(
        signal=signals.account_deletion_cancelled, sender=User, request=mock.ANY, user=user
    )
    audit.one(SecurityLog, "account_deletion_cancelled", user=user)
    audit.one(LoginLog, "login", user=user)
    assert "Deleted 0" in purge()


def test_cancelling_still_asks_for_the_second_factor(auth_client, make_client, user):
    _, secret = add_totp(user)
    # alice has a factor: deleting needs a recent use of it
    response = auth_client.post(URL, {"confirm": "on"})
    assert response["Location"].startswith("/accounts/2fa/reauthenticate/")
    auth_client.post("/accounts/2fa/reauthenticate/", {"code": current_code(secret)})
    auth_client.post(URL, {"confirm": "on"})
    assert AccountDeletion.objects.filter(user=user).exists()

    browser = make_client()
    browser.post("/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD})
    response = browser.post("/accounts/delete/cancel/")
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in browser.session


def test_cancel_page_without_a_password_step_goes_to_login(client, user):
    assert client.get("/accounts/delete/cancel/")["Location"] == "/accounts/login/"
    assert client.post("/accounts/delete/cancel/")["Location"] == "/accounts/login/"


def test_plainly_inactive_accounts_still_get_the_inactive_page(client, user):
    user.is_active = False
    user.save()
    response = client.post("/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD})
    assert response["Location"] == "/accounts/inactive/"


def test_staff_delete_at_once_with_staff_as_actor(admin_client, admin_user, user, audit):
    response = admin_client.post(
        "/admin/accounts/user/",
        {"action": "delete_accounts_now", "_selected_action": [user.pk, admin_user.pk]},
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert User.objects.filter(pk=admin_user.pk).exists()  # never oneself
    row = audit.one(SecurityLog, "account_deleted", username="alice", actor=admin_user)
    assert row.user_id is None


def test_pending_deletions_are_listed_for_staff(auth_client, user, admin_client):
    auth_client.post(URL, {"confirm": "on"})
    page = admin_client.get("/admin/accounts/accountdeletion/")
    assert page.status_code == 200
    assert [d.user for d in page.context["cl"].result_list] == [user]


def test_the_admins_own_delete_page_is_audited_too(admin_client, admin_user, user, audit):
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    audit.one(SecurityLog, "account_deleted", username="alice", actor=admin_user, user=None)
    admin_client.post(
        "/admin/accounts/user/",
        {"action": "delete_selected", "_selected_action": [UserFactory().pk], "post": "yes"},
    )
    assert SecurityLog.objects.filter(event="account_deleted").count() == 2
