"""Closed signup, the honeypot and invitation links, over HTTP with signals and audit rows."""

import re
import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from accounts import signals
from accounts.models import Invitation, User
from activity.models import SecurityLog

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough passphrase"
VALID = {
    "username": "nia",
    "email": "nia@example.com",
    "password1": PASSWORD,
    "password2": PASSWORD,
}
LINK_RE = re.compile(r"https?://testserver(/accounts/invitation/[^/\s]+/)")


def invite(admin_client, **data):
    """Create an invitation in the admin; return (invitation, link path)."""
    response = admin_client.post("/admin/accounts/invitation/add/", data, follow=True)
    assert response.status_code == 200
    text = " ".join(str(m) for m in response.context["messages"])
    return Invitation.objects.latest("pk"), LINK_RE.search(text).group(1)


def test_open_signup_by_default(client):
    assert client.get("/accounts/signup/").status_code == 200
    assert client.post("/accounts/signup/", VALID).status_code == 302


@override_settings(ACCOUNT_SIGNUP_OPEN=False)
@pytest.mark.parametrize("method", ["get", "post"])
def test_closed_signup_shows_the_closed_page(client, method, signal_catcher):
    signed_up = signal_catcher(signals.user_signed_up)
    response = getattr(client, method)("/accounts/signup/", VALID)
    assert response.status_code == 403
    assert "Sign up closed" in response.content.decode()
    assert not User.objects.exists()
    signed_up.assert_not_called()


@override_settings(ACCOUNT_SIGNUP_OPEN=False)
def test_invitation_opens_a_closed_signup_once(admin_client, admin_user, make_client, audit):
    created = signal_catcher_for(signals.invitation_created)
    accepted = signal_catcher_for(signals.invitation_accepted)
    invitation, path = invite(admin_client, email="", note="for Nia")
    assert len(invitation.key_hash) == 64 and invitation.key_hash not in path
    created.assert_called_once_with(
        signal=signals.invitation_created,
        sender=Invitation,
        request=mock.ANY,
        invitation=invitation,
        actor=admin_user,
    )
    audit.one(SecurityLog, "invitation_created", actor=admin_user, user=None)

    guest = make_client()
    assert guest.get(path).status_code == 302
    assert guest.get("/accounts/signup/").status_code == 200
    assert guest.post("/accounts/signup/", VALID).status_code == 302
    user = User.objects.get(username="nia")
    invitation.refresh_from_db()
    assert invitation.used_by == user and invitation.used_at is not None
    accepted.assert_called_once_with(
        signal=signals.invitation_accepted,
        sender=Invitation,
        request=mock.ANY,
        user=user,
        invitation=invitation,
    )
    row = audit.one(SecurityLog, "invitation_accepted", user=user, username="nia")
    assert row.extra == {"invitation_id": invitation.pk, "created_by": admin_user.pk}

    again = make_client()
    response = again.get(path)
    assert response.status_code == 404
    assert "used or has expired" in response.content.decode()
    assert again.get("/accounts/signup/").status_code == 403
    disconnect(created, accepted)


@override_settings(ACCOUNT_SIGNUP_OPEN=False)
def test_expired_and_unknown_invitations_are_refused(clock, admin_client, make_client):
    _, path = invite(admin_client)
    assert make_client().get("/accounts/invitation/not-a-key/").status_code == 404
    clock.shift(timedelta(days=8))
    assert make_client().get(path).status_code == 404


@override_settings(ACCOUNT_SIGNUP_OPEN=False)
def test_invitation_used_meanwhile_creates_nothing(admin_client, make_client, audit):
    _, path = invite(admin_client)
    first, second = make_client(), make_client()
    first.get(path)
    second.get(path)
    assert first.post("/accounts/signup/", VALID).status_code == 302
    response = second.post("/accounts/signup/", {**VALID, "username": "ola", "email": "o@x.org"})
    assert response.status_code == 403
    assert "Sign up closed" in response.content.decode()
    assert not User.objects.filter(username="ola").exists()
    assert [e for e in audit.events() if e[1] == "signup"] == [("SecurityLog", "signup")]


@override_settings(ACCOUNT_SIGNUP_OPEN=False)
def test_invitation_for_one_address(admin_client, make_client):
    _, path = invite(admin_client, email="pia@example.com")
    guest = make_client()
    guest.get(path)
    assert 'value="pia@example.com"' in guest.get("/accounts/signup/").content.decode()
    response = guest.post("/accounts/signup/", VALID)
    assert response.status_code == 403
    assert not User.objects.filter(username="nia").exists()
    guest.get(path)
    data = {**VALID, "email": "PIA@example.com"}
    assert guest.post("/accounts/signup/", data).status_code == 302


@override_settings(ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD="phone_number")
def test_honeypot_filled_creates_nothing_and_is_audited(client, audit, signal_catcher):
    suspicious = signal_catcher(signals.suspicious_activity)
    page = client.get("/accounts/signup/").content.decode()
    assert 'name="phone_number"' in page and "account-honeypot" in page
    response = client.post("/accounts/signup/", {**VALID, "phone_number": "555"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert not User.objects.exists()
    suspicious.assert_called_once_with(
        signal=signals.suspicious_activity,
        sender=None,
        request=mock.ANY,
        user=None,
        reason="signup_honeypot",
        details={},
    )
    audit.one(SecurityLog, "suspicious_activity", user=None)
    assert client.post("/accounts/signup/", {**VALID, "phone_number": ""}).status_code == 302
    assert User.objects.filter(username="nia").exists()


def test_without_honeypot_setting_there_is_no_trap_field(client):
    assert "account-honeypot" not in client.get("/accounts/signup/").content.decode()


@pytest.mark.parametrize("value", ["has space", "username", 3])
def test_bad_honeypot_names_are_check_errors(value):
    from accounts.checks import check_account_settings

    with override_settings(ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD=value):
        ids = [(e.id, e.obj) for e in check_account_settings()]
    assert ("accounts.E001", "ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD") in ids


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@override_settings(ACCOUNT_SIGNUP_OPEN=False)
def test_racing_signups_on_one_invitation_make_one_account(make_client):
    """Two browsers post signup at once with the same invitation: one account, one use."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real concurrent transactions)")
    from accounts.invitations import hash_key

    Invitation.objects.create(
        key_hash=hash_key("race-key"), expires_at=timezone.now() + timedelta(days=1)
    )
    clients = [make_client() for _ in range(2)]
    for guest in clients:
        assert guest.get("/accounts/invitation/race-key/").status_code == 302
    barrier = threading.Barrier(2, timeout=10)
    statuses, errors = [], []

    def sign_up(guest, index):
        try:
            barrier.wait()
            data = {**VALID, "username": f"racer{index}", "email": f"racer{index}@example.com"}
            statuses.append(guest.post("/accounts/signup/", data).status_code)
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up, args=(c, i)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(statuses) == [302, 403]
    assert User.objects.filter(username__startswith="racer").count() == 1
    assert Invitation.objects.get().used_by.username.startswith("racer")


# signal_catcher is function-scoped and connects receivers; the invitation test uses its
# own to keep the assertions next to the steps.
def signal_catcher_for(signal):
    receiver = mock.Mock()
    signal.connect(receiver, weak=False, dispatch_uid=f"policies-{id(receiver)}")
    receiver._signal = signal
    return receiver


def disconnect(*receivers):
    for receiver in receivers:
        receiver._signal.disconnect(dispatch_uid=f"policies-{id(receiver)}")
