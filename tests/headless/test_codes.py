"""Login by code, verification and reset by code, "trust this browser" and passkey signup
through the API (both clients), with the features turned on by settings. Every exchange is
validated against the served OpenAPI document (``tests/helpers/headless.Api``); signals and
audit rows are those of the HTML flows (tests/account/test_*_by_code.py, tests/mfa/test_trust.py).
"""

import time
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import signals
from accounts.device_cookies import DEVICE_COOKIE_NAME
from accounts.flows.email_code import EmailVerificationCodeProcess
from accounts.flows.login_code import LoginCodeVerificationProcess
from accounts.flows.password_reset_by_code import PasswordResetCodeProcess
from accounts.mfa import app_settings as mfa_settings
from accounts.mfa.models import Authenticator
from accounts.models import EmailAddress, User, VerificationCode
from activity.models import LoginLog, SecurityLog
from tests.helpers.audit import session_queries
from tests.helpers.codes import last_code, wrong_code
from tests.helpers.factories import DEFAULT_PASSWORD
from tests.helpers.headless import Api, flow_ids, pending
from tests.helpers.mfa import add_totp, code_at
from tests.helpers.webauthn import HttpsClient
from tests.helpers.webauthn_soft import SoftAuthenticator

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a new and long passphrase 42"
NEW_ENDPOINTS = [
    ("post", "auth/code/request", {"email": "alice@example.com"}),
    ("post", "auth/code/confirm", {"code": "BCDF-GHJK"}),
    ("post", "auth/code/resend", {}),
    ("post", "auth/email/verify/resend", {}),
    ("post", "auth/2fa/trust", {"trust": True}),
    ("post", "auth/webauthn/signup", {"email": "new@example.com", "username": "newbie"}),
    ("get", "auth/webauthn/signup", None),
    ("put", "auth/webauthn/signup", {"credential": {}}),
]


def call(api, method, path, data):
    return api.get(path) if method == "get" else getattr(api, method)(path, data)


@pytest.fixture
def codes_on(settings):
    settings.ACCOUNT_LOGIN_BY_CODE_ENABLED = True
    return settings


def errors(response):
    return [(e["code"], e.get("param")) for e in response.json()["errors"]]


# --- Off by default --------------------------------------------------------------------------


def test_off_by_default_nothing_is_reachable(api, user):
    for method, path, data in NEW_ENDPOINTS:
        response = call(api, method, path, data)
        assert response.status_code == 404, (path, response.json())
    config = api.get("config").json()["data"]
    assert config["account"]["login_by_code_enabled"] is False
    assert config["account"]["email_verification_by_code_enabled"] is False
    assert config["account"]["password_reset_by_code_enabled"] is False
    assert config["mfa"]["passkey_signup_enabled"] is False
    assert config["mfa"]["trust_enabled"] is False
    assert flow_ids(api.get("auth/session")) == ["login", "signup"]
    # The shared endpoints keep their link behaviour: a 200, a link in the mail, no code.
    assert api.post("auth/password/request", {"email": "alice@example.com"}).status_code == 200
    assert "/password/reset/key/" in mail.outbox[-1].body
    assert not VerificationCode.objects.exists()


def test_config_advertises_what_is_on(api, codes_on):
    codes_on.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    codes_on.ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
    codes_on.ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True
    codes_on.MFA_TRUST_ENABLED = True
    codes_on.MFA_PASSKEY_SIGNUP_ENABLED = True
    data = api.get("config").json()["data"]
    assert data["account"]["login_by_code_enabled"] is True
    assert data["account"]["email_verification_by_code_enabled"] is True
    assert data["account"]["password_reset_by_code_enabled"] is True
    assert data["mfa"]["trust_enabled"] is True
    assert data["mfa"]["passkey_signup_enabled"] is True
    assert flow_ids(api.get("auth/session")) == [
        "login",
        "signup",
        "login_by_code",
        "mfa_signup_webauthn",
    ]


# --- Login by code ---------------------------------------------------------------------------


def test_login_by_code_signals_and_audit(api, user, codes_on, signal_catcher):
    step = signal_catcher(signals.authentication_step_completed)
    logged_in = signal_catcher(signals.user_logged_in)
    rejected = signal_catcher(signals.login_code_rejected)

    response = api.post("auth/code/request", {"email": "alice@example.com"})

    assert response.status_code == 401
    assert pending(response) == ["login_by_code"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.com"]
    code = last_code("alice@example.com")
    assert pending(api.get("auth/session")) == ["login_by_code"]
    logged_in.assert_not_called()

    response = api.post("auth/code/confirm", {"code": code.lower().replace("-", " ")})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["data"]["user"]["id"] == user.pk
    assert [(m["method"], m.get("email")) for m in body["data"]["methods"]] == [
        ("code", "alice@example.com")
    ]
    step.assert_called_once_with(
        signal=signals.authentication_step_completed,
        sender=User,
        request=mock.ANY,
        user=user,
        method="code",
        email="alice@example.com",
    )
    logged_in.assert_called_once()
    assert logged_in.call_args.kwargs["user"] == user
    rejected.assert_not_called()
    login = LoginLog.objects.get(event=LoginLog.Event.LOGIN)
    assert (login.user, login.method) == (user, LoginLog.Method.CODE)
    rows = SecurityLog.objects.filter(event__startswith="code_").order_by("pk")
    assert [(r.event, r.user, r.extra["purpose"]) for r in rows] == [
        ("code_sent", user, "login"),
        ("code_accepted", user, "login"),
    ]
    assert all(code not in str(r.extra) for r in rows)
    # The browser gets the completed login's device cookie, as from the HTML page.
    assert (DEVICE_COOKIE_NAME in response.cookies) == (api.kind == "browser")
    assert api.get("auth/session").status_code == 200
    # Spent: a second confirmation finds no pending code.
    assert api.post("auth/code/confirm", {"code": code}).status_code == 409


def test_wrong_codes_then_last_attempt_voids_the_code(api, user, codes_on, signal_catcher):
    rejected = signal_catcher(signals.login_code_rejected)
    logged_in = signal_catcher(signals.user_logged_in)
    api.post("auth/code/request", {"email": "alice@example.com"})
    code = last_code("alice@example.com")
    bad = wrong_code(code)

    for _ in range(2):
        response = api.post("auth/code/confirm", {"code": bad})
        assert response.status_code == 400
        assert errors(response) == [("incorrect_code", "code")]
    assert [c.kwargs for c in rejected.call_args_list] == [
        {
            "signal": signals.login_code_rejected,
            "sender": LoginCodeVerificationProcess,
            "request": mock.ANY,
            "user": user,
            "last_attempt": False,
        }
    ] * 2

    response = api.post("auth/code/confirm", {"code": bad})
    assert response.status_code == 400
    assert errors(response) == [("too_many_attempts", "code")]
    assert rejected.call_args.kwargs["last_attempt"] is True

    response = api.post("auth/code/confirm", {"code": code})  # the right code is void now
    assert response.status_code == 409
    assert "login_by_code" not in pending(api.get("auth/session"))
    logged_in.assert_not_called()
    assert rejected.call_count == 3
    rows = SecurityLog.objects.filter(event="code_rejected").order_by("pk")
    assert [r.extra for r in rows] == [
        {"purpose": "login", "last_attempt": False},
        {"purpose": "login", "last_attempt": False},
        {"purpose": "login", "last_attempt": True},
    ]


def test_unknown_address_reads_the_same(api, codes_on):
    response = api.post("auth/code/request", {"email": "nobody@example.com"})
    assert response.status_code == 401 and pending(response) == ["login_by_code"]
    assert mail.outbox[-1].to == ["nobody@example.com"]
    response = api.post("auth/code/confirm", {"code": "BCDF-GHJK"})
    assert response.status_code == 400 and errors(response) == [("incorrect_code", "code")]


def test_code_from_another_session_does_not_work(user, codes_on):
    asker, other = Api(kind="app"), Api(kind="app")
    asker.post("auth/code/request", {"email": "alice@example.com"})
    code = last_code("alice@example.com")
    assert other.post("auth/code/confirm", {"code": code}).status_code == 409
    assert asker.post("auth/code/confirm", {"code": code}).status_code == 200


def test_resend_when_supported(api, user, codes_on, signal_catcher):
    assert api.post("auth/code/resend").status_code == 404  # ..._SUPPORTS_RESEND off
    codes_on.ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = True
    assert api.post("auth/code/resend").status_code == 409  # nothing pending
    sent = signal_catcher(signals.verification_code_sent)
    api.post("auth/code/request", {"email": "alice@example.com"})
    first = last_code("alice@example.com")

    response = api.post("auth/code/resend")

    assert response.status_code == 200
    assert [c.kwargs["resend"] for c in sent.call_args_list] == [False, True]
    second = last_code("alice@example.com")
    assert api.post("auth/code/resend").status_code == 200
    response = api.post("auth/code/resend")
    assert response.status_code == 429 and errors(response) == [("too_many_resends", None)]
    if first != second:  # the new code replaced the first one
        assert errors(api.post("auth/code/confirm", {"code": first})) == [
            ("incorrect_code", "code")
        ]
    assert (
        api.post("auth/code/confirm", {"code": last_code("alice@example.com")}).status_code == 200
    )


def test_second_factor_still_asked_after_the_code(api, user, codes_on, clock):
    _, secret = add_totp(user)
    api.post("auth/code/request", {"email": "alice@example.com"})
    response = api.post("auth/code/confirm", {"code": last_code("alice@example.com")})
    assert response.status_code == 401
    assert pending(response) == ["mfa_authenticate"]
    response = api.post("auth/2fa/authenticate", {"code": code_at(secret, time.time())})
    assert response.status_code == 200
    assert [m["method"] for m in response.json()["data"]["methods"]] == ["code", "mfa"]


def test_signed_in_users_get_a_conflict(api, user, codes_on):
    api.login(user, DEFAULT_PASSWORD)
    assert api.post("auth/code/request", {"email": "alice@example.com"}).status_code == 409
    assert not VerificationCode.objects.exists()


def test_bad_input_is_a_400(api, user, codes_on):
    for path, data in [
        ("auth/code/request", {}),
        ("auth/code/request", {"email": "not an address"}),
        ("auth/code/request", {"email": ["x"]}),
        ("auth/code/request", {"email": "a" * 300}),
        ("auth/code/confirm", {"code": "X" * 33}),
        ("auth/code/confirm", {"code": None}),
    ]:
        response = api.post(path, data)
        assert response.status_code == 400, (path, data, response.json())
    raw = api.client.post(
        api.url("auth/code/request"), data=b"{not json", content_type="application/json"
    )
    assert raw.status_code in (400, 403)
    api.post("auth/code/request", {"email": "alice@example.com"})
    response = api.post("auth/code/confirm", {"code": "X" * 33})
    assert response.status_code == 400 and errors(response)[0][1] == "code"


def test_code_requests_are_rate_limited_per_address(api, user, codes_on, signal_catcher):
    limited = signal_catcher(signals.rate_limited)
    for _ in range(3):
        assert api.post("auth/code/request", {"email": "alice@example.com"}).status_code == 401
    response = api.post("auth/code/request", {"email": "alice@example.com"})
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "too_many_attempts"
    assert limited.call_args.kwargs["action"] == "request_login_code"
    assert len(mail.outbox) == 3


def test_code_required_after_the_password(api, user, settings):
    settings.ACCOUNT_LOGIN_BY_CODE_REQUIRED = True
    response = api.post("auth/login", {"username": "alice", "password": DEFAULT_PASSWORD})
    assert response.status_code == 401 and pending(response) == ["login_by_code"]
    assert "login_by_code" not in [f["id"] for f in response.json()["data"]["flows"][:-1]]
    assert api.post("auth/code/request", {"email": "alice@example.com"}).status_code == 404
    response = api.post("auth/code/confirm", {"code": last_code("alice@example.com")})
    assert response.status_code == 200
    assert [m["method"] for m in response.json()["data"]["methods"]] == ["password", "code"]


# --- Trust this browser ----------------------------------------------------------------------


@pytest.fixture
def trust_on(settings):
    settings.MFA_TRUST_ENABLED = True
    return settings


def second_factor(api, user, secret):
    response = api.post("auth/login", {"username": "alice", "password": DEFAULT_PASSWORD})
    assert pending(response) == ["mfa_authenticate"]
    return api.post("auth/2fa/authenticate", {"code": code_at(secret, time.time())})


def test_trust_step_then_the_browser_skips_the_second_factor(
    browser, user, trust_on, clock, signal_catcher
):
    _, secret = add_totp(user)
    logged_in = signal_catcher(signals.user_logged_in)
    trusted = signal_catcher(signals.browser_trusted)

    response = second_factor(browser, user, secret)

    assert response.status_code == 401 and pending(response) == ["mfa_trust"]
    logged_in.assert_not_called()
    response = browser.post("auth/2fa/trust", {"trust": True})
    assert response.status_code == 200
    assert response.json()["data"]["user"]["id"] == user.pk
    logged_in.assert_called_once()
    trusted.assert_called_once_with(
        signal=signals.browser_trusted, sender=User, request=mock.ANY, user=user
    )
    assert SecurityLog.objects.filter(event=SecurityLog.Event.BROWSER_TRUSTED, user=user).exists()
    assert response.cookies[mfa_settings.TRUST_COOKIE_NAME].value

    browser.delete("auth/session")
    clock.shift(60)
    response = browser.post("auth/login", {"username": "alice", "password": DEFAULT_PASSWORD})
    assert response.status_code == 200  # trusted: no second factor this time
    assert browser.post("auth/2fa/trust", {"trust": False}).status_code == 409


def test_app_answers_the_trust_step_without_trusting(app, user, trust_on, clock, signal_catcher):
    _, secret = add_totp(user)
    trusted = signal_catcher(signals.browser_trusted)
    assert pending(second_factor(app, user, secret)) == ["mfa_trust"]
    response = app.post("auth/2fa/trust", {"trust": True})
    assert response.status_code == 400 and errors(response) == [("invalid", "trust")]
    response = app.post("auth/2fa/trust", {"trust": False})
    assert response.status_code == 200
    trusted.assert_not_called()


def test_trust_with_nothing_pending(api, trust_on):
    assert api.post("auth/2fa/trust", {"trust": False}).status_code == 409
    assert api.post("auth/2fa/trust", {"trust": "maybe"}).status_code == 400


# --- Email verification by code --------------------------------------------------------------


@pytest.fixture
def verify_by_code(settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    settings.ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
    return settings


def signup(api, email="bob@example.com", username="bob"):
    return api.post("auth/signup", {"email": email, "username": username, "password": NEW_PASSWORD})


def test_signup_then_verify_by_code(api, verify_by_code, signal_catcher):
    rejected = signal_catcher(signals.email_verification_code_rejected)
    confirmed = signal_catcher(signals.email_confirmed)
    response = signup(api)
    assert response.status_code == 401 and pending(response) == ["verify_email"]
    code = last_code("bob@example.com")
    bob = User.objects.get(username="bob")

    response = api.post("auth/email/verify", {"key": wrong_code(code)})
    assert response.status_code == 400 and errors(response) == [("incorrect_code", "key")]
    assert rejected.call_args.kwargs == {
        "signal": signals.email_verification_code_rejected,
        "sender": EmailVerificationCodeProcess,
        "request": mock.ANY,
        "user": bob,
        "last_attempt": False,
    }

    response = api.post("auth/email/verify", {"key": code})

    assert response.status_code == 200, response.json()
    assert response.json()["data"]["user"]["id"] == bob.pk
    assert EmailAddress.objects.get(email="bob@example.com").verified
    confirmed.assert_called_once()
    rows = SecurityLog.objects.filter(event__startswith="code_").order_by("pk")
    assert [r.event for r in rows] == ["code_sent", "code_rejected", "code_accepted"]
    assert api.post("auth/email/verify", {"key": code}).status_code == 409


def test_verify_resend(api, verify_by_code, signal_catcher):
    signup(api)
    assert api.post("auth/email/verify/resend").status_code == 404  # resend not supported
    verify_by_code.ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND = True
    sent = signal_catcher(signals.verification_code_sent)
    assert api.post("auth/email/verify/resend").status_code == 200
    assert sent.call_args.kwargs["resend"] is True
    response = api.post("auth/email/verify", {"key": last_code("bob@example.com")})
    assert response.status_code == 200
    assert api.post("auth/email/verify/resend").status_code == 409


def test_verify_by_code_last_attempt(api, verify_by_code, signal_catcher):
    rejected = signal_catcher(signals.email_verification_code_rejected)
    signup(api)
    code = last_code("bob@example.com")
    for _ in range(3):
        response = api.post("auth/email/verify", {"key": wrong_code(code)})
        assert response.status_code == 400
    assert [c.kwargs["last_attempt"] for c in rejected.call_args_list] == [False, False, True]
    assert api.post("auth/email/verify", {"key": code}).status_code == 409
    assert not EmailAddress.objects.get(email="bob@example.com").verified
    assert pending(api.get("auth/session")) == []  # the client starts over


def test_added_address_verified_by_code_while_signed_in(api, user, verify_by_code):
    api.login(user, DEFAULT_PASSWORD)
    response = api.post("account/email", {"email": "second@example.com"})
    assert response.status_code == 200
    response = api.post("auth/email/verify", {"key": last_code("second@example.com")})
    assert response.status_code == 200
    assert response.json()["data"]["user"]["id"] == user.pk
    assert EmailAddress.objects.get(email="second@example.com").verified


# --- Password reset by code ------------------------------------------------------------------


@pytest.fixture
def reset_by_code(settings):
    settings.ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True
    return settings


def test_password_reset_by_code(api, user, reset_by_code, signal_catcher):
    rejected = signal_catcher(signals.password_reset_code_rejected)
    reset = signal_catcher(signals.password_reset)
    response = api.post("auth/password/request", {"email": "alice@example.com"})
    assert response.status_code == 401 and pending(response) == ["password_reset_by_code"]
    code = last_code("alice@example.com")

    response = api.get("auth/password/reset", headers={"X-Password-Reset-Key": wrong_code(code)})
    assert response.status_code == 400 and errors(response) == [("incorrect_code", "key")]
    assert rejected.call_args.kwargs == {
        "signal": signals.password_reset_code_rejected,
        "sender": PasswordResetCodeProcess,
        "request": mock.ANY,
        "user": user,
        "last_attempt": False,
    }
    response = api.get("auth/password/reset", headers={"X-Password-Reset-Key": code})
    assert response.status_code == 200
    assert response.json()["data"]["user"]["id"] == user.pk

    response = api.post("auth/password/reset", {"key": code, "password": "short"})
    assert response.status_code == 400 and errors(response)[0][1] == "password"
    response = api.post("auth/password/reset", {"key": code, "password": NEW_PASSWORD})

    assert response.status_code == 401
    assert "password_reset_by_code" not in pending(response)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    reset.assert_called_once()
    assert reset.call_args.kwargs["user"] == user
    assert SecurityLog.objects.filter(event=SecurityLog.Event.PASSWORD_RESET, user=user).exists()
    assert api.post("auth/password/reset", {"key": code, "password": NEW_PASSWORD}).status_code == (
        409
    )
    api.login(user, NEW_PASSWORD)


def test_password_reset_code_in_one_step_and_last_attempt(api, user, reset_by_code, signal_catcher):
    rejected = signal_catcher(signals.password_reset_code_rejected)
    api.post("auth/password/request", {"email": "alice@example.com"})
    code = last_code("alice@example.com")
    for _ in range(3):
        response = api.post("auth/password/reset", {"key": wrong_code(code), "password": "x"})
        assert response.status_code == 400
    assert [c.kwargs["last_attempt"] for c in rejected.call_args_list] == [False, False, True]
    response = api.post("auth/password/reset", {"key": code, "password": NEW_PASSWORD})
    assert response.status_code == 409
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_password_reset_by_code_unknown_address_reads_the_same(api, reset_by_code):
    response = api.post("auth/password/request", {"email": "nobody@example.com"})
    assert response.status_code == 401 and pending(response) == ["password_reset_by_code"]
    response = api.post("auth/password/reset", {"key": "BCDF-GHJK", "password": NEW_PASSWORD})
    assert response.status_code == 400 and errors(response) == [("incorrect_code", "key")]


# --- Passkey signup --------------------------------------------------------------------------


@pytest.fixture
def passkey_signup_on(settings):
    settings.MFA_PASSKEY_SIGNUP_ENABLED = True
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    settings.ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
    return settings


@pytest.fixture(params=["browser", "app"])
def https_api(request, db):
    return Api(HttpsClient(), kind=request.param)


def test_passkey_signup(https_api, passkey_signup_on, signal_catcher):
    api = https_api
    signed_up = signal_catcher(signals.user_signed_up)
    logged_in = signal_catcher(signals.user_logged_in)
    response = api.post("auth/webauthn/signup", {"email": "quinn@example.com", "username": "quinn"})
    assert response.status_code == 401 and pending(response) == ["verify_email"]
    quinn = User.objects.get(username="quinn")
    assert not quinn.has_usable_password()
    signed_up.assert_called_once()
    assert api.get("auth/webauthn/signup").status_code == 409  # the address comes first

    response = api.post("auth/email/verify", {"key": last_code("quinn@example.com")})
    assert response.status_code == 401 and pending(response) == ["mfa_signup_webauthn"]
    logged_in.assert_not_called()

    options = api.get("auth/webauthn/signup").json()["data"]["creation_options"]["publicKey"]
    response = api.put(
        "auth/webauthn/signup", {"name": "Phone", "credential": SoftAuthenticator().create(options)}
    )

    assert response.status_code == 200, response.json()
    assert response.json()["data"]["user"]["id"] == quinn.pk
    key = Authenticator.objects.get(user=quinn)
    assert key.data["passwordless"] is True and key.data["name"] == "Phone"
    logged_in.assert_called_once()
    assert api.get("auth/webauthn/signup").status_code == 409


def test_passkey_signup_bad_input(https_api, passkey_signup_on):
    api = https_api
    assert api.post("auth/webauthn/signup", {"email": "not an address"}).status_code == 400
    assert api.post("auth/webauthn/signup", {}).status_code == 400
    assert api.put("auth/webauthn/signup", {"credential": {"id": 1}}).status_code == 409
    api.post("auth/webauthn/signup", {"email": "quinn@example.com", "username": "quinn"})
    api.post("auth/email/verify", {"key": last_code("quinn@example.com")})
    api.get("auth/webauthn/signup")
    response = api.put("auth/webauthn/signup", {"credential": {"id": "x", "response": {}}})
    assert response.status_code == 400


# --- Query counts ----------------------------------------------------------------------------


# (HTML confirmation, API confirmation): the same with SQLite and PostgreSQL.
# The database session store adds 6 (load, rename the key at login, save); a cache store none.
# The page's sign-in message looks up its nudge (one query); the API shows no messages.
PINNED_CODE_LOGIN_QUERIES = (21, 16)


def test_code_login_costs_no_more_queries_than_the_page(user, codes_on):
    """The API's code confirmation runs the page's flow and describes the state from the
    session: no query more than the HTML confirmation (pinned for both)."""

    def confirm_queries(call):
        with CaptureQueriesContext(connection) as captured:
            response = call()
        return response, len(captured.captured_queries)

    page = Client()
    page.post("/accounts/login/code/", {"email": "alice@example.com"})
    code = last_code("alice@example.com")
    response, html = confirm_queries(
        lambda: page.post("/accounts/login/code/confirm/", {"code": code})
    )
    assert response.status_code == 302
    page.post("/accounts/logout/")

    api = Api(kind="browser", validate=False)
    api.post("auth/code/request", {"email": "alice@example.com"})
    code = last_code("alice@example.com")
    response, api_count = confirm_queries(lambda: api.post("auth/code/confirm", {"code": code}))
    assert response.status_code == 200
    assert api_count <= html, (api_count, html)
    login_session = 6 if session_queries() else 0  # read, key renamed (2), save (3)
    assert (html - login_session, api_count - login_session) == PINNED_CODE_LOGIN_QUERIES
