"""ACCOUNT_CHANGE_EMAIL over HTTP: one address, a pending change, verified → replaced."""

import pytest
from django.test import override_settings

from accounts import signals
from accounts.email_confirmation import EmailConfirmation
from accounts.models import EmailAddress
from activity.models import SecurityLog
from tests.helpers.email import RequestTo, act

pytestmark = pytest.mark.django_db


def confirm(client, address):
    return client.post(f"/accounts/confirm-email/{EmailConfirmation(address).key}/")


@override_settings(ACCOUNT_CHANGE_EMAIL=True)
def test_verified_pending_address_replaces_the_old_one(
    auth_client, user, signal_catcher, mailoutbox, audit
):
    changed = signal_catcher(signals.email_changed)
    assert act(auth_client, "action_add", "first@example.org").status_code == 302
    assert act(auth_client, "action_add", "second@example.org").status_code == 302
    addresses = {a.email: a for a in EmailAddress.objects.filter(user=user)}
    assert set(addresses) == {"alice@example.com", "second@example.org"}  # newest change wins
    old = addresses["alice@example.com"]
    mailoutbox.clear()

    assert confirm(auth_client, addresses["second@example.org"]).status_code == 302

    remaining = list(
        EmailAddress.objects.filter(user=user).values_list("email", "primary", "verified")
    )
    assert remaining == [("second@example.org", True, True)]
    user.refresh_from_db()
    assert user.email == "second@example.org"
    changed.assert_called_once()
    kwargs = changed.call_args.kwargs
    assert kwargs["request"] == RequestTo(kwargs["request"].path)
    assert (kwargs["user"], kwargs["from_email_address"].pk, kwargs["to_email_address"].email) == (
        user,
        old.pk,
        "second@example.org",
    )
    assert set(kwargs) == {
        "signal",
        "sender",
        "request",
        "user",
        "from_email_address",
        "to_email_address",
    }
    assert [m.to for m in mailoutbox] == [["alice@example.com"]]
    assert "second@example.org" in mailoutbox[0].body
    row = audit.one(SecurityLog, "email_changed", user=user)
    assert row.extra == {"from": "alice@example.com", "to": "second@example.org"}


def test_without_change_mode_addresses_accumulate(auth_client, user, signal_catcher):
    changed = signal_catcher(signals.email_changed)
    act(auth_client, "action_add", "first@example.org")
    act(auth_client, "action_add", "second@example.org")
    second = EmailAddress.objects.get(email="second@example.org")
    confirm(auth_client, second)
    assert EmailAddress.objects.filter(user=user).count() == 3
    assert EmailAddress.objects.get(user=user, primary=True).email == "alice@example.com"
    changed.assert_not_called()


@override_settings(ACCOUNT_CHANGE_EMAIL=True, ACCOUNT_MAX_EMAIL_ADDRESSES=1)
def test_change_mode_allows_one_pending_address_beyond_the_limit(auth_client, user):
    assert act(auth_client, "action_add", "next@example.org").status_code == 302
    assert EmailAddress.objects.filter(user=user).count() == 2
