"""Logout: GET asks, POST logs out and sends Django's user_logged_out."""

from unittest import mock

import pytest

from accounts import signals
from accounts.models import User
from accounts.usersessions.models import UserSession

pytestmark = pytest.mark.django_db


def test_logout_get_shows_confirm_page_and_changes_nothing(auth_client, signal_catcher):
    logged_out = signal_catcher(signals.user_logged_out)
    response = auth_client.get("/accounts/logout/")
    assert response.status_code == 200
    assert b'method="post"' in response.content
    assert "_auth_user_id" in auth_client.session
    logged_out.assert_not_called()


def test_logout_post_logs_out_and_signals(auth_client, user, signal_catcher):
    logged_out = signal_catcher(signals.user_logged_out)
    key = auth_client.session.session_key
    response = auth_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in auth_client.session
    logged_out.assert_called_once_with(
        signal=signals.user_logged_out, sender=User, request=mock.ANY, user=user
    )
    assert not UserSession.objects.filter(session_key=key).exists()


def test_user_logged_out_is_djangos_signal():
    from django.contrib.auth import signals as django_signals

    assert signals.user_logged_out is django_signals.user_logged_out
    assert signals.user_login_failed is django_signals.user_login_failed
    assert signals.user_logged_in is not django_signals.user_logged_in


def test_logout_requires_csrf(user, password):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    assert "_auth_user_id" in client.session
