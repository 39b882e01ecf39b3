"""Email verification by a mailed code (ACCOUNT_EMAIL_VERIFICATION_BY_CODE_*), over HTTP."""

from unittest import mock

import pytest
from django.core import mail

from accounts import signals
from accounts.flows.email_code import CodeConfirmation, EmailVerificationCodeProcess
from accounts.models import EmailAddress, User
from activity.models import SecurityLog
from tests.helpers.codes import CODE_LINE_RE, last_code, wrong_code
from tests.helpers.factories import UserFactory

pytestmark = pytest.mark.django_db

CODE_URL = "/accounts/confirm-email/"
SIGNUP = {
    "username": "dora",
    "email": "dora@example.com",
    "password1": "a long enough passphrase 42",
    "password2": "a long enough passphrase 42",
}


@pytest.fixture
def by_code(settings):
    settings.ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
    return settings


@pytest.fixture
def mandatory(by_code):
    by_code.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    return by_code


def test_off_by_default_signup_mails_a_link(client):
    client.post("/accounts/signup/", SIGNUP)
    assert "/accounts/confirm-email/" in mail.outbox[0].body
    assert not CODE_LINE_RE.search(mail.outbox[0].body)
    page = client.get(CODE_URL).content.decode()
    assert 'name="code"' not in page


def test_signup_then_code_verifies_and_logs_in(client, mandatory, signal_catcher):
    confirmed = signal_catcher(signals.email_confirmed)
    logged_in = signal_catcher(signals.user_logged_in)
    response = client.post("/accounts/signup/", SIGNUP)
    assert response["Location"] == CODE_URL
    body = mail.outbox[0].body
    assert "/accounts/confirm-email/" not in body  # a code, no link
    code = last_code("dora@example.com")
    assert 'name="code"' in client.get(CODE_URL).content.decode()
    logged_in.assert_not_called()

    response = client.post(CODE_URL, {"code": code.lower()})

    dora = User.objects.get(username="dora")
    assert response.status_code == 302 and response["Location"] == "/"
    address = EmailAddress.objects.get(user=dora)
    assert address.verified and address.primary
    confirmed.assert_called_once_with(
        signal=signals.email_confirmed, sender=EmailAddress, request=mock.ANY, email_address=address
    )
    logged_in.assert_called_once()
    assert int(client.session["_auth_user_id"]) == dora.pk
    events = list(
        SecurityLog.objects.filter(user=dora).order_by("pk").values_list("event", flat=True)
    )
    assert events == [
        "code_sent",
        "email_confirmation_sent",
        "signup",
        "code_accepted",
        "email_confirmed",
    ]


def test_wrong_codes_last_attempt_then_right_code_refused(client, mandatory, signal_catcher):
    rejected = signal_catcher(signals.email_verification_code_rejected)
    client.post("/accounts/signup/", SIGNUP)
    code = last_code("dora@example.com")
    dora = User.objects.get(username="dora")
    for _ in range(2):
        response = client.post(CODE_URL, {"code": wrong_code(code)})
        assert response.status_code == 200 and "Incorrect code." in response.content.decode()
    response = client.post(CODE_URL, {"code": wrong_code(code)})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert [c.kwargs for c in rejected.call_args_list] == [
        {
            "signal": signals.email_verification_code_rejected,
            "sender": EmailVerificationCodeProcess,
            "request": mock.ANY,
            "user": dora,
            "last_attempt": last,
        }
        for last in (False, False, True)
    ]
    response = client.post(CODE_URL, {"code": code})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert not EmailAddress.objects.get(user=dora).verified
    assert "_auth_user_id" not in client.session


def test_taken_address_gets_the_same_code_page(client, mandatory, signal_catcher):
    UserFactory(username="owner", email="dora@example.com")
    rejected = signal_catcher(signals.email_verification_code_rejected)
    response = client.post("/accounts/signup/", SIGNUP)
    assert response["Location"] == CODE_URL
    assert 'name="code"' in client.get(CODE_URL).content.decode()
    response = client.post(CODE_URL, {"code": "BCDF-GHJK"})
    assert response.status_code == 200 and "Incorrect code." in response.content.decode()
    rejected.assert_not_called()
    assert not User.objects.filter(username="dora").exists()


def test_adding_an_address_then_the_code(auth_client, user, by_code, signal_catcher):
    confirmed = signal_catcher(signals.email_confirmed)
    sent = signal_catcher(signals.email_confirmation_sent)
    response = auth_client.post(
        "/accounts/email/", {"action_add": "1", "email": "alice@work.example"}
    )
    assert response["Location"] == CODE_URL
    code = last_code("alice@work.example")
    added = EmailAddress.objects.get(email="alice@work.example")
    sent.assert_called_once_with(
        signal=signals.email_confirmation_sent,
        sender=CodeConfirmation,
        request=mock.ANY,
        confirmation=CodeConfirmation(added),
        signup=False,
    )
    page = auth_client.get(CODE_URL).content.decode()
    assert "alice@work.example" in page and 'name="code"' in page
    response = auth_client.post(CODE_URL, {"code": code})
    assert response["Location"] == "/accounts/email/"
    assert EmailAddress.objects.get(email="alice@work.example").verified
    confirmed.assert_called_once()
    rows = SecurityLog.objects.filter(event__startswith="code_").order_by("pk")
    assert [(r.event, r.extra["purpose"]) for r in rows] == [
        ("code_sent", "email_verification"),
        ("code_accepted", "email_verification"),
    ]


def test_resend_from_the_email_page_goes_to_the_code_page(auth_client, user, by_code):
    EmailAddress.objects.create(user=user, email="alice@work.example")
    response = auth_client.post(
        "/accounts/email/", {"action_send": "1", "email": "alice@work.example"}
    )
    assert response["Location"] == CODE_URL
    code = last_code("alice@work.example")
    assert auth_client.post(CODE_URL, {"code": code})["Location"] == "/accounts/email/"


def test_code_is_bound_to_the_browser(client, make_client, mandatory):
    client.post("/accounts/signup/", SIGNUP)
    code = last_code("dora@example.com")
    other = make_client()
    response = other.post(CODE_URL, {"code": code})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert not EmailAddress.objects.get(email="dora@example.com").verified


def test_code_expires(client, mandatory, clock):
    client.post("/accounts/signup/", SIGNUP)
    code = last_code("dora@example.com")
    clock.shift(15 * 60 + 1)
    client.post(CODE_URL, {"code": code})
    assert not EmailAddress.objects.get(email="dora@example.com").verified
