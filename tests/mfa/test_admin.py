"""Staff removing a second factor in the admin: the signal is sent and the audit names them."""

from unittest import mock

import pytest

from accounts import signals
from accounts.mfa.models import Authenticator
from activity.models import SecurityLog
from tests.helpers.factories import UserFactory
from tests.helpers.mfa import add_recovery_codes, add_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    staff = UserFactory(username="sam", is_staff=True, is_superuser=True)
    client.force_login(staff)
    return client, staff


def test_deleting_a_factor_in_the_admin_sends_authenticator_removed(
    staff_client, user, signal_catcher
):
    client, staff = staff_client
    totp, _secret = add_totp(user)
    removed = signal_catcher(signals.authenticator_removed)

    response = client.post(f"/admin/mfa/authenticator/{totp.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Authenticator.objects.filter(pk=totp.pk).exists()
    removed.assert_called_once_with(
        signal=signals.authenticator_removed,
        sender=Authenticator,
        request=mock.ANY,
        user=user,
        authenticator=mock.ANY,
    )
    assert removed.call_args.kwargs["authenticator"].pk == totp.pk
    row = SecurityLog.objects.get(user=user)
    assert (row.event, row.actor) == ("totp_removed", staff)


def test_bulk_delete_in_the_admin_sends_one_signal_each(staff_client, user, signal_catcher):
    client, _staff = staff_client
    totp, _secret = add_totp(user)
    codes, _ = add_recovery_codes(user)
    removed = signal_catcher(signals.authenticator_removed)

    response = client.post(
        "/admin/mfa/authenticator/",
        {"action": "delete_selected", "_selected_action": [totp.pk, codes.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=user).exists()
    assert sorted(c.kwargs["authenticator"].pk for c in removed.call_args_list) == sorted(
        [totp.pk, codes.pk]
    )
