"""Password reset by a mailed code (ACCOUNT_PASSWORD_RESET_BY_CODE_*), over HTTP."""

from unittest import mock

import pytest
from django.core import mail

from accounts import signals
from accounts.flows.password_reset_by_code import PasswordResetCodeProcess
from accounts.models import User
from activity.models import SecurityLog
from tests.helpers.codes import CODE_LINE_RE, last_code, wrong_code
from tests.helpers.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

RESET_URL = "/accounts/password/reset/"
CONFIRM_URL = "/accounts/password/reset/confirm/"
COMPLETE_URL = "/accounts/password/reset/complete/"
DONE_URL = "/accounts/password/reset/done/"
NEW = "a brand new passphrase 77"


@pytest.fixture
def by_code(settings):
    settings.ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True
    return settings


def test_off_by_default(client, user):
    assert client.get(CONFIRM_URL).status_code == 404
    assert client.get(COMPLETE_URL).status_code == 404
    response = client.post(RESET_URL, {"email": "alice@example.com"})
    assert response["Location"] == DONE_URL
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_reset_by_code(client, user, by_code, signal_catcher, make_client):
    reset = signal_catcher(signals.password_reset)
    other = make_client()
    other.post("/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD})

    response = client.post(RESET_URL, {"email": "alice@example.com"})
    assert response["Location"] == CONFIRM_URL
    assert client.get(COMPLETE_URL)["Location"] == RESET_URL  # not before the code
    code = last_code("alice@example.com")
    assert "/accounts/password/reset/key/" not in mail.outbox[0].body
    response = client.post(CONFIRM_URL, {"code": code})
    assert response["Location"] == COMPLETE_URL
    response = client.post(COMPLETE_URL, {"password1": NEW, "password2": NEW})
    assert response["Location"] == DONE_URL
    assert "Your password is reset" in client.get(DONE_URL).content.decode()

    user.refresh_from_db()
    assert user.check_password(NEW)
    reset.assert_called_once_with(
        signal=signals.password_reset, sender=User, request=mock.ANY, user=user
    )
    assert "_auth_user_id" not in client.session
    assert "_auth_user_id" not in other.session  # every session ended
    assert client.get(COMPLETE_URL)["Location"] == RESET_URL  # once
    events = list(SecurityLog.objects.filter(user=user).values_list("event", flat=True))
    assert {"code_sent", "code_accepted", "password_reset"} <= set(events)


def test_wrong_codes_last_attempt(client, user, by_code, signal_catcher):
    rejected = signal_catcher(signals.password_reset_code_rejected)
    client.post(RESET_URL, {"email": "alice@example.com"})
    code = last_code("alice@example.com")
    for _ in range(2):
        assert client.post(CONFIRM_URL, {"code": wrong_code(code)}).status_code == 200
    response = client.post(CONFIRM_URL, {"code": wrong_code(code)})
    assert response["Location"] == RESET_URL
    assert [c.kwargs for c in rejected.call_args_list] == [
        {
            "signal": signals.password_reset_code_rejected,
            "sender": PasswordResetCodeProcess,
            "request": mock.ANY,
            "user": user,
            "last_attempt": last,
        }
        for last in (False, False, True)
    ]
    assert client.post(CONFIRM_URL, {"code": code})["Location"] == RESET_URL
    assert client.get(COMPLETE_URL)["Location"] == RESET_URL
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_unknown_address_same_answer(client, by_code, signal_catcher):
    rejected = signal_catcher(signals.password_reset_code_rejected)
    response = client.post(RESET_URL, {"email": "nobody@example.com"})
    assert response["Location"] == CONFIRM_URL
    assert not CODE_LINE_RE.search(mail.outbox[0].body)
    response = client.post(CONFIRM_URL, {"code": "BCDF-GHJK"})
    assert response.status_code == 200 and "Incorrect code." in response.content.decode()
    rejected.assert_not_called()


def test_code_bound_to_browser(client, make_client, user, by_code):
    client.post(RESET_URL, {"email": "alice@example.com"})
    other = make_client()
    assert other.post(CONFIRM_URL, {"code": last_code("alice@example.com")})["Location"] == (
        RESET_URL
    )


def test_password_change_meanwhile_voids_the_confirmed_code(client, user, by_code):
    client.post(RESET_URL, {"email": "alice@example.com"})
    client.post(CONFIRM_URL, {"code": last_code("alice@example.com")})
    user.set_password("changed elsewhere 1234")
    user.save()
    assert client.get(COMPLETE_URL)["Location"] == RESET_URL


def test_code_expires(client, user, by_code, clock):
    client.post(RESET_URL, {"email": "alice@example.com"})
    code = last_code("alice@example.com")
    clock.shift(181)
    assert client.post(CONFIRM_URL, {"code": code})["Location"] == RESET_URL
