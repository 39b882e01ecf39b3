"""Signup over HTTP: the account, its address, the mail, the signals, the login."""

from unittest import mock

import pytest
from django.core import mail
from django.test import override_settings

from accounts import signals
from accounts.email_confirmation import EmailConfirmation
from accounts.models import EmailAddress, User
from tests.helpers.factories import UserFactory

pytestmark = pytest.mark.django_db

VALID = {
    "username": "carol",
    "email": "carol@example.com",
    "password1": "a long enough passphrase",
    "password2": "a long enough passphrase",
}


def test_signup_creates_user_address_mail_and_logs_in(client, signal_catcher):
    signed_up = signal_catcher(signals.user_signed_up)
    logged_in = signal_catcher(signals.user_logged_in)
    sent = signal_catcher(signals.email_confirmation_sent)

    response = client.post("/accounts/signup/", VALID)

    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(username="carol")
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.primary, address.verified) == ("carol@example.com", True, False)
    assert len(mail.outbox) == 1
    assert "/accounts/confirm-email/" in mail.outbox[0].body
    signed_up.assert_called_once_with(
        signal=signals.user_signed_up, sender=User, request=mock.ANY, user=user
    )
    sent.assert_called_once()
    kwargs = sent.call_args.kwargs
    assert kwargs["sender"] is EmailConfirmation
    assert kwargs["signup"] is True
    assert kwargs["confirmation"].email_address == address
    assert set(kwargs) == {"signal", "sender", "request", "confirmation", "signup"}
    logged_in.assert_called_once_with(
        signal=signals.user_logged_in, sender=User, request=mock.ANY, response=mock.ANY, user=user
    )
    assert logged_in.call_args.kwargs["response"].status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_signup_signals_in_order(client, signal_catcher):
    order = []
    for name in ("email_confirmation_sent", "user_signed_up", "user_logged_in"):
        signal_catcher(getattr(signals, name)).side_effect = lambda *a, _n=name, **k: order.append(
            _n
        )
    client.post("/accounts/signup/", VALID)
    assert order == ["email_confirmation_sent", "user_signed_up", "user_logged_in"]


@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory")
def test_signup_mandatory_verification_does_not_log_in(client, signal_catcher):
    logged_in = signal_catcher(signals.user_logged_in)
    signed_up = signal_catcher(signals.user_signed_up)
    response = client.post("/accounts/signup/", VALID)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session
    signed_up.assert_called_once()
    logged_in.assert_not_called()
    assert len(mail.outbox) == 1


@override_settings(ACCOUNT_EMAIL_VERIFICATION="none")
def test_signup_without_verification_sends_no_mail(client, signal_catcher):
    sent = signal_catcher(signals.email_confirmation_sent)
    assert client.post("/accounts/signup/", VALID).status_code == 302
    sent.assert_not_called()
    assert mail.outbox == []


@pytest.mark.parametrize("taken", ["Carol", "CAROL", "ＣＡＲＯＬ", "carol"])
def test_usernames_unique_case_insensitively_after_nfkc(client, taken, signal_catcher):
    UserFactory(username="carol", email="other@example.com")
    signed_up = signal_catcher(signals.user_signed_up)
    response = client.post("/accounts/signup/", {**VALID, "username": taken})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert User.objects.count() == 1
    signed_up.assert_not_called()


def test_fullwidth_username_is_normalised(client):
    client.post("/accounts/signup/", {**VALID, "username": "ｄａｎ"})
    assert User.objects.filter(username="dan").exists()


@pytest.mark.parametrize("prevent", [False, True])  # "strict", the default: tests/hardening
def test_verified_email_of_another_account_is_refused(client, signal_catcher, prevent, settings):
    settings.ACCOUNT_PREVENT_ENUMERATION = prevent
    UserFactory(username="owner", email="carol@example.com")
    signed_up = signal_catcher(signals.user_signed_up)
    response = client.post("/accounts/signup/", {**VALID, "email": "CAROL@example.com"})
    assert response.status_code == 200
    assert not User.objects.filter(username="carol").exists()
    signed_up.assert_not_called()


@pytest.mark.parametrize(
    "changes",
    [
        {"password2": "something else entirely"},
        {"password1": "short", "password2": "short"},
        {"password1": "password123", "password2": "password123"},
        {"email": "not-an-email"},
        {"username": "has space"},
    ],
)
def test_invalid_signup_creates_nothing_and_sends_nothing(client, changes, signal_catcher):
    caught = [signal_catcher(s) for s in (signals.user_signed_up, signals.user_logged_in)]
    response = client.post("/accounts/signup/", {**VALID, **changes})
    assert response.status_code == 200
    assert User.objects.count() == 0
    assert mail.outbox == []
    for receiver in caught:
        receiver.assert_not_called()


def test_signup_next_only_same_host(client):
    response = client.post("/accounts/signup/?next=https://evil.example/", VALID)
    assert response["Location"] == "/"
    client.post("/accounts/logout/")
    other = {**VALID, "username": "dave", "email": "dave@example.com"}
    response = client.post("/accounts/signup/?next=/accounts/email/", other)
    assert response["Location"] == "/accounts/email/"
