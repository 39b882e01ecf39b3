"""A TOTP code typed again within its 30 s (e.g. just after activation) is refused with a
message saying it was already used; it still costs an attempt, and a wrong code never
gets that message (issue 17, rough edge 7)."""

import pytest
from django.test import Client

from accounts import signals
from activity.models import MFALog
from tests.helpers.mfa import T0, add_totp, code_at, read_secret, send_code, start_login

pytestmark = pytest.mark.django_db

ACTIVATE = "/accounts/2fa/totp/activate/"
REAUTHENTICATE = "/accounts/2fa/reauthenticate/"
ALREADY_USED = "This code was already used"


def _wrong(secret):
    """A well-formed code that is none of the window's codes."""
    window = {code_at(secret, T0, steps) for steps in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in window)


def test_signing_in_right_after_activation_says_the_code_was_used(
    clock, auth_client, user, signal_catcher
):
    secret = read_secret(auth_client.get(ACTIVATE))
    code = code_at(secret, T0)
    assert auth_client.post(ACTIVATE, {"code": code}).status_code == 200
    auth_client.post("/accounts/logout/")

    failed = signal_catcher(signals.authentication_failed)
    clock.shift(5)
    browser = Client()
    start_login(browser, user)
    response = send_code(browser, code)

    html = response.content.decode()
    assert response.status_code == 200
    assert ALREADY_USED in html and "next code" in html
    assert "Incorrect code" not in html
    assert "_auth_user_id" not in browser.session
    # Still a failure: reported and audited like a wrong code.
    assert failed.call_count == 1
    assert MFALog.objects.filter(user=user, event="failed", method="totp").count() == 1

    # The next code of the app logs in.
    clock.shift(30)
    assert send_code(browser, code_at(secret, T0 + 35)).status_code == 302


def test_a_wrong_code_still_says_only_incorrect(clock, user):
    _, secret = add_totp(user, last_step=T0 // 30)
    browser = Client()
    start_login(browser, user)
    html = send_code(browser, _wrong(secret)).content.decode()
    assert "Incorrect code" in html
    assert ALREADY_USED not in html


def test_a_used_code_outside_the_window_says_only_incorrect(clock, user):
    """Someone holding an old code (two steps back, used then) learns nothing more."""
    _, secret = add_totp(user, last_step=T0 // 30)
    clock.shift(60)
    browser = Client()
    start_login(browser, user)
    html = send_code(browser, code_at(secret, T0)).content.decode()
    assert "Incorrect code" in html
    assert ALREADY_USED not in html


def test_reused_codes_spend_the_mfa_failed_budget(clock, user):
    _, secret = add_totp(user, last_step=T0 // 30)
    used = code_at(secret, T0)
    browser = Client()
    start_login(browser, user)
    statuses = [send_code(browser, used).status_code for _ in range(5)]
    assert statuses == [200] * 5
    # Past the budget even the next, right code is not checked.
    clock.shift(30)
    response = send_code(browser, code_at(secret, T0 + 30))
    assert response.status_code == 429
    assert "_auth_user_id" not in browser.session


def test_reauthenticating_with_the_code_just_used_says_so(clock, user):
    _, secret = add_totp(user)
    browser = Client()
    start_login(browser, user)
    code = code_at(secret, T0)
    assert send_code(browser, code).status_code == 302

    clock.shift(10)
    response = browser.post(REAUTHENTICATE, {"code": code, "next": "/"})
    html = response.content.decode()
    assert response.status_code == 200
    assert ALREADY_USED in html and "Incorrect code" not in html

    response = browser.post(REAUTHENTICATE, {"code": _wrong(secret), "next": "/"})
    html = response.content.decode()
    assert "Incorrect code" in html and ALREADY_USED not in html

    clock.shift(30)
    response = browser.post(REAUTHENTICATE, {"code": code_at(secret, T0 + 40), "next": "/"})
    assert response.status_code == 302
