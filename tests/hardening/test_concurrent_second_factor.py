"""Point 1: second-factor guesses are budgeted *before* they are checked, on every path.

Real threads post at once to the live server (its own threads, each with its own database
connection, on PostgreSQL): N wrong guesses on one account get at most the ``mfa_failed``
budget (5) verified, every other one a 429, and the right answer is then refused too.
"""

import json
import re

import pytest
from django.db import connection

from accounts import app_settings
from accounts.internal.rates import parse_rates
from accounts.mfa.models import Authenticator
from activity.models import MFALog, SecurityLog
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers.live_browser import LiveBrowser, run_at_once
from tests.helpers.mfa import add_recovery_codes, add_totp, current_code
from tests.helpers.webauthn import REAUTH_URL, SECOND_STEP_URL, make_key
from tests.helpers.webauthn_soft import SoftAuthenticator

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

OPTIONS_RE = r'<script id="{}" type="application/json">(.*?)</script>'


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real concurrent transactions)")


def budget():
    (rate,) = parse_rates(app_settings.RATE_LIMITS["mfa_failed"])
    return rate.amount


def options(body, element_id):
    match = re.search(OPTIONS_RE.format(element_id), body, re.S)
    assert match, f"no #{element_id}"
    return json.loads(match.group(1))


def password_step(live_server, user):
    browser = LiveBrowser(live_server.url)
    browser.get("/accounts/login/")
    answer = browser.post(
        "/accounts/login/", {"login": user.username, "password": DEFAULT_PASSWORD}
    )
    assert answer.status == 302 and answer.location == SECOND_STEP_URL
    return browser


def assert_budget_held(answers, user, *, guesses, reauthentication):
    statuses = [getattr(a, "status", a) for a in answers]
    assert set(statuses) <= {200, 302, 429}, statuses  # never a 5xx, nothing raised
    checked = MFALog.objects.filter(
        user=user, event=MFALog.Event.FAILED, reauthentication=reauthentication
    ).count()
    assert checked <= budget(), f"{checked} guesses verified against a budget of {budget()}"
    assert statuses.count(429) >= guesses - budget()
    assert checked == guesses - statuses.count(429)
    assert SecurityLog.objects.filter(
        event=SecurityLog.Event.RATE_LIMITED, user=user, extra__action="mfa_failed"
    ).count() == statuses.count(429)


def test_concurrent_wrong_codes_at_login(live_server):
    user = UserFactory(username="coder")
    _, secret = add_totp(user)
    browser = password_step(live_server, user)
    browser.get(SECOND_STEP_URL)
    right = current_code(secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    guesses = 20

    answers = run_at_once(guesses, lambda i: browser.post(SECOND_STEP_URL, {"code": wrong}))

    assert_budget_held(answers, user, guesses=guesses, reauthentication=False)
    refused = browser.post(SECOND_STEP_URL, {"code": right})
    assert refused.status == 429
    assert browser.get("/accounts/email/").status == 302  # still not logged in


def test_concurrent_wrong_recovery_codes_at_login(live_server):
    user = UserFactory(username="recoverer")
    add_totp(user)
    _, codes = add_recovery_codes(user)
    browser = password_step(live_server, user)
    browser.get(SECOND_STEP_URL)
    guesses = 12

    answers = run_at_once(
        guesses, lambda i: browser.post(SECOND_STEP_URL, {"code": f"zzzz{i:04d}"})
    )

    assert_budget_held(answers, user, guesses=guesses, reauthentication=False)
    assert browser.post(SECOND_STEP_URL, {"code": codes[0]}).status == 429


def _key_user(live_server, name):
    user = UserFactory(username=name)
    soft = SoftAuthenticator(rp_id="localhost", origin=live_server.url)
    make_key(user, soft, passwordless=False)
    impostor = SoftAuthenticator(
        rp_id="localhost", origin=live_server.url, credential_id=soft.credential_id
    )
    impostor.user_handle = soft.user_handle
    return user, soft, impostor


def test_concurrent_wrong_keys_at_login(live_server):
    user, soft, impostor = _key_user(live_server, "keyholder")
    browser = password_step(live_server, user)
    page = browser.get(SECOND_STEP_URL).body
    challenge = options(page, "webauthn-authenticate-options")
    guesses = 10

    def guess(i):
        forged = impostor.get(challenge)
        return browser.post(SECOND_STEP_URL, {"credential": json.dumps(forged)})

    answers = run_at_once(guesses, guess)

    # A refused key redirects back to the page (302); past the budget it is a 429.
    assert_budget_held(answers, user, guesses=guesses, reauthentication=False)
    challenge = options(browser.get(SECOND_STEP_URL).body, "webauthn-authenticate-options")
    right = browser.post(SECOND_STEP_URL, {"credential": json.dumps(soft.get(challenge))})
    assert right.status == 429


def _logged_in_with_key(live_server, user, soft):
    browser = password_step(live_server, user)
    challenge = options(browser.get(SECOND_STEP_URL).body, "webauthn-authenticate-options")
    done = browser.post(SECOND_STEP_URL, {"credential": json.dumps(soft.get(challenge))})
    assert done.status == 302 and done.location != SECOND_STEP_URL
    return browser


def test_concurrent_wrong_keys_at_reauthentication(live_server):
    user, soft, impostor = _key_user(live_server, "reauther")
    browser = _logged_in_with_key(live_server, user, soft)
    challenge = options(browser.get(REAUTH_URL).body, "webauthn-options")
    # Below the per-user "reauthenticate" page budget (10/m), so only mfa_failed can refuse.
    guesses = 8

    def guess(i):
        return browser.post(REAUTH_URL, {"credential": json.dumps(impostor.get(challenge))})

    answers = run_at_once(guesses, guess)

    assert_budget_held(answers, user, guesses=guesses, reauthentication=True)
    challenge = options(browser.get(REAUTH_URL).body, "webauthn-options")
    right = browser.post(REAUTH_URL, {"credential": json.dumps(soft.get(challenge))})
    assert right.status == 429
    assert Authenticator.objects.filter(user=user).count() >= 1


def test_concurrent_wrong_codes_at_reauthentication(live_server):
    user = UserFactory(username="recoder")
    _, secret = add_totp(user)
    browser = password_step(live_server, user)
    browser.get(SECOND_STEP_URL)
    assert browser.post(SECOND_STEP_URL, {"code": current_code(secret)}).status == 302
    url = "/accounts/2fa/reauthenticate/"
    browser.get(url)
    right = current_code(secret, steps=1)
    wrong = f"{(int(current_code(secret)) + 7) % 1_000_000:06d}"
    guesses = 8

    answers = run_at_once(guesses, lambda i: browser.post(url, {"code": wrong}))

    assert_budget_held(answers, user, guesses=guesses, reauthentication=True)
    assert browser.post(url, {"code": right}).status == 429
