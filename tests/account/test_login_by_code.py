"""Login by a mailed code (ACCOUNT_LOGIN_BY_CODE_*), over HTTP: pages, signals, audit rows."""

import logging
import threading
from unittest import mock

import pytest
from django.core import mail
from django.db import connection

from accounts import signals
from accounts.codes import ALPHABET
from accounts.flows.login_code import LoginCodeVerificationProcess
from accounts.models import EmailAddress, User, VerificationCode
from activity.models import LoginLog, SecurityLog
from tests.helpers.audit import session_queries
from tests.helpers.codes import CODE_LINE_RE, last_code, wrong_code
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers.live import LiveBrowser
from tests.helpers.mfa import add_totp, current_code

pytestmark = pytest.mark.django_db

REQUEST_URL = "/accounts/login/code/"
CONFIRM_URL = "/accounts/login/code/confirm/"


@pytest.fixture
def enabled(settings):
    settings.ACCOUNT_LOGIN_BY_CODE_ENABLED = True
    return settings


def ask(client, email="alice@example.com", **extra):
    response = client.post(REQUEST_URL, {"email": email, **extra})
    assert response.status_code == 302, response.content[:500]
    return response


def test_off_by_default_nothing_is_reachable(client, user):
    assert client.get(REQUEST_URL).status_code == 404
    assert client.post(REQUEST_URL, {"email": "alice@example.com"}).status_code == 404
    assert client.get(CONFIRM_URL).status_code == 404
    assert client.post(CONFIRM_URL, {"code": "BCDF-GHJK"}).status_code == 404
    assert "login/code" not in client.get("/accounts/login/").content.decode()
    assert mail.outbox == [] and not VerificationCode.objects.exists()


def test_login_page_links_to_it_when_on(client, enabled):
    assert 'href="/accounts/login/code/"' in client.get("/accounts/login/").content.decode()


def test_login_by_code_signals_and_audit(client, user, enabled, signal_catcher):
    order = []
    step = signal_catcher(signals.authentication_step_completed)
    step.side_effect = lambda *a, **k: order.append("step")
    logged_in = signal_catcher(signals.user_logged_in)
    logged_in.side_effect = lambda *a, **k: order.append("logged_in")
    rejected = signal_catcher(signals.login_code_rejected)

    response = ask(client)
    assert response["Location"] == CONFIRM_URL
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.com"]
    code = last_code("alice@example.com")
    assert order == []
    assert client.get(CONFIRM_URL).status_code == 200

    response = client.post(CONFIRM_URL, {"code": code})

    assert response.status_code == 302 and response["Location"] == "/"
    assert int(client.session["_auth_user_id"]) == user.pk
    step.assert_called_once_with(
        signal=signals.authentication_step_completed,
        sender=User,
        request=mock.ANY,
        user=user,
        method="code",
        email="alice@example.com",
    )
    logged_in.assert_called_once_with(
        signal=signals.user_logged_in, sender=User, request=mock.ANY, response=response, user=user
    )
    assert order == ["step", "logged_in"]
    rejected.assert_not_called()
    login = LoginLog.objects.get(event=LoginLog.Event.LOGIN)
    assert (login.user, login.method) == (user, LoginLog.Method.CODE)
    rows = list(SecurityLog.objects.filter(event__startswith="code_").order_by("pk"))
    assert [(r.event, r.user, r.extra["purpose"]) for r in rows] == [
        ("code_sent", user, "login"),
        ("code_accepted", user, "login"),
    ]
    assert all(code not in str(r.extra) for r in rows)


def test_next_is_carried_through(client, user, enabled):
    response = ask(client, next="/accounts/email/")
    assert response["Location"] == CONFIRM_URL + "?next=%2Faccounts%2Femail%2F"
    response = client.post(response["Location"], {"code": last_code("alice@example.com")})
    assert response["Location"] == "/accounts/email/"


def test_code_format_and_lenient_comparison(client, user, enabled):
    ask(client)
    message = mail.outbox[0]
    code = last_code("alice@example.com")
    assert len(code) == 9 and code[4] == "-"
    assert set(code.replace("-", "")) <= set(ALPHABET)
    assert CODE_LINE_RE.search(message.body)  # on a line of its own
    typed = f"  {code[:2].lower()} {code[2:4]}{code[5:].lower()} "  # no dash, spaces, case
    response = client.post(CONFIRM_URL, {"code": typed})
    assert response.status_code == 302 and response["Location"] == "/"


def test_code_is_stored_hashed_and_never_in_a_url(client, user, enabled):
    first = ask(client)
    code = last_code("alice@example.com")
    row = VerificationCode.objects.get()
    stored = " ".join(str(v) for v in VerificationCode.objects.values_list().get())
    assert code not in stored and code.replace("-", "") not in stored
    assert len(row.code_hash) == 64 and row.user == user and row.purpose == "login"
    assert code not in first["Location"]
    done = client.post(CONFIRM_URL, {"code": code})
    assert code not in done["Location"]


def test_wrong_codes_then_last_attempt_voids_the_code(client, user, enabled, signal_catcher):
    rejected = signal_catcher(signals.login_code_rejected)
    logged_in = signal_catcher(signals.user_logged_in)
    ask(client)
    code = last_code("alice@example.com")
    bad = wrong_code(code)

    for _ in range(2):
        response = client.post(CONFIRM_URL, {"code": bad})
        assert response.status_code == 200
        assert "Incorrect code." in response.content.decode()
    assert [c.kwargs for c in rejected.call_args_list] == [
        {
            "signal": signals.login_code_rejected,
            "sender": LoginCodeVerificationProcess,
            "request": mock.ANY,
            "user": user,
            "last_attempt": False,
        }
    ] * 2

    response = client.post(CONFIRM_URL, {"code": bad})
    assert response.status_code == 302 and response["Location"] == REQUEST_URL
    assert rejected.call_args.kwargs["last_attempt"] is True
    assert rejected.call_count == 3

    response = client.post(CONFIRM_URL, {"code": code})  # the right code no longer works
    assert response.status_code == 302 and response["Location"] == REQUEST_URL
    assert "_auth_user_id" not in client.session
    logged_in.assert_not_called()
    assert rejected.call_count == 3
    rows = SecurityLog.objects.filter(event="code_rejected").order_by("pk")
    assert [r.extra for r in rows] == [
        {"purpose": "login", "last_attempt": False},
        {"purpose": "login", "last_attempt": False},
        {"purpose": "login", "last_attempt": True},
    ]


def test_max_attempts_setting(client, user, enabled, signal_catcher):
    enabled.ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 1
    rejected = signal_catcher(signals.login_code_rejected)
    ask(client)
    code = last_code("alice@example.com")
    response = client.post(CONFIRM_URL, {"code": wrong_code(code)})
    assert response["Location"] == REQUEST_URL
    assert rejected.call_args.kwargs["last_attempt"] is True


def test_a_code_works_once(client, user, enabled, make_client):
    ask(client)
    code = last_code("alice@example.com")
    assert client.post(CONFIRM_URL, {"code": code})["Location"] == "/"
    client.post("/accounts/logout/")
    response = client.post(CONFIRM_URL, {"code": code})
    assert response.status_code == 302 and response["Location"] == REQUEST_URL
    assert "_auth_user_id" not in client.session


def test_code_is_bound_to_the_browser_that_asked(client, user, enabled, make_client):
    ask(client)
    code = last_code("alice@example.com")
    thief = make_client()
    response = thief.post(CONFIRM_URL, {"code": code})
    assert response.status_code == 302 and response["Location"] == REQUEST_URL
    assert "_auth_user_id" not in thief.session
    assert client.post(CONFIRM_URL, {"code": code})["Location"] == "/"


def test_code_expires(client, user, enabled, clock):
    ask(client)
    code = last_code("alice@example.com")
    clock.shift(181)
    response = client.post(CONFIRM_URL, {"code": code})
    assert response["Location"] == REQUEST_URL
    assert "_auth_user_id" not in client.session


def test_timeout_setting(client, user, enabled, clock):
    enabled.ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 600
    ask(client)
    clock.shift(500)
    assert client.post(CONFIRM_URL, {"code": last_code("alice@example.com")})["Location"] == "/"


def test_unknown_address_reads_the_same(client, make_client, user, enabled, signal_catcher):
    rejected = signal_catcher(signals.login_code_rejected)
    known = ask(client)
    stranger = make_client()
    unknown = ask(stranger, email="nobody@example.com")
    assert unknown["Location"] == known["Location"]
    known_page = client.get(CONFIRM_URL).content.decode().replace("alice@", "X@")
    unknown_page = stranger.get(CONFIRM_URL).content.decode().replace("nobody@", "X@")
    strip = [line for line in known_page.splitlines() if "csrf" not in line]
    assert strip == [line for line in unknown_page.splitlines() if "csrf" not in line]
    notice = [m for m in mail.outbox if m.to == ["nobody@example.com"]]
    assert len(notice) == 1 and not CODE_LINE_RE.search(notice[0].body)
    response = stranger.post(CONFIRM_URL, {"code": "BCDF-GHJK"})
    assert response.status_code == 200 and "Incorrect code." in response.content.decode()
    rejected.assert_not_called()


def test_inactive_account_gets_no_code(client, enabled):
    UserFactory(username="sleepy", email="sleepy@example.com", is_active=False)
    ask(client, email="sleepy@example.com")
    assert not CODE_LINE_RE.search(mail.outbox[-1].body)


def test_second_factor_still_asked_after_the_code(client, user, enabled, signal_catcher):
    _, secret = add_totp(user)
    logged_in = signal_catcher(signals.user_logged_in)
    step = signal_catcher(signals.authentication_step_completed)
    ask(client)
    response = client.post(CONFIRM_URL, {"code": last_code("alice@example.com")})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    logged_in.assert_not_called()
    assert [c.kwargs["method"] for c in step.call_args_list] == ["code"]
    response = client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert response["Location"] == "/"
    assert [c.kwargs["method"] for c in step.call_args_list] == ["code", "totp"]
    logged_in.assert_called_once()


def test_requests_are_rate_limited_per_address(client, user, enabled, signal_catcher):
    limited = signal_catcher(signals.rate_limited)
    for _ in range(3):
        ask(client)
    response = client.post(REQUEST_URL, {"email": "alice@example.com"})
    assert response.status_code == 429
    assert len(mail.outbox) == 3
    assert limited.call_args.kwargs["action"] == "request_login_code"


def test_typed_codes_are_budgeted_per_ip(client, user, enabled, settings, signal_catcher):
    settings.ACCOUNT_RATE_LIMITS = {"verify_code": "1/m/ip"}
    rejected = signal_catcher(signals.login_code_rejected)
    ask(client)
    code = last_code("alice@example.com")
    client.post(CONFIRM_URL, {"code": wrong_code(code)})
    response = client.post(CONFIRM_URL, {"code": code})
    assert response.status_code == 429  # refused before the code was compared
    assert rejected.call_count == 1
    assert VerificationCode.objects.get().failed_attempts == 1


def test_code_is_never_logged(client, user, enabled, caplog):
    caplog.set_level(logging.DEBUG)
    ask(client)
    code = last_code("alice@example.com")
    client.post(CONFIRM_URL, {"code": wrong_code(code)})
    client.post(CONFIRM_URL, {"code": code})
    assert code not in caplog.text and code.replace("-", "") not in caplog.text
    assert not any(code in str(row.extra) for row in SecurityLog.objects.all())


def test_resend_when_supported(client, user, enabled, signal_catcher):
    enabled.ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = True
    ask(client)
    first = last_code("alice@example.com")
    assert 'value="resend"' in client.get(CONFIRM_URL).content.decode()
    response = client.post(CONFIRM_URL, {"action": "resend"})
    assert response["Location"] == CONFIRM_URL
    second = last_code("alice@example.com")
    assert len(mail.outbox) == 2
    response = client.post(CONFIRM_URL, {"code": first})
    if first != second:
        assert response.status_code == 200
    assert client.post(CONFIRM_URL, {"code": second})["Location"] == "/"
    sent = SecurityLog.objects.filter(event="code_sent").order_by("pk")
    assert [r.extra["resend"] for r in sent] == [False, True]


def test_resend_reads_the_same_for_an_unknown_address(client, enabled):
    enabled.ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = 1
    ask(client, email="nobody@example.com")
    assert 'value="resend"' in client.get(CONFIRM_URL).content.decode()
    assert client.post(CONFIRM_URL, {"action": "resend"})["Location"] == CONFIRM_URL
    assert len(mail.outbox) == 1  # only the first notice, never a code
    assert 'value="resend"' not in client.get(CONFIRM_URL).content.decode()  # quota of 1


def test_no_resend_by_default(client, user, enabled):
    ask(client)
    assert 'value="resend"' not in client.get(CONFIRM_URL).content.decode()
    response = client.post(CONFIRM_URL, {"action": "resend", "code": ""})
    assert response.status_code == 200 and len(mail.outbox) == 1


def test_required_after_the_password(client, user, settings, signal_catcher):
    settings.ACCOUNT_LOGIN_BY_CODE_REQUIRED = True
    logged_in = signal_catcher(signals.user_logged_in)
    step = signal_catcher(signals.authentication_step_completed)
    response = client.post("/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD})
    assert response["Location"] == CONFIRM_URL
    assert "_auth_user_id" not in client.session
    logged_in.assert_not_called()
    assert client.get(REQUEST_URL).status_code == 404  # only the required step is on
    response = client.post(CONFIRM_URL, {"code": last_code("alice@example.com")})
    assert response["Location"] == "/"
    assert [c.kwargs["method"] for c in step.call_args_list] == ["password", "code"]
    logged_in.assert_called_once()


def test_required_wrong_codes_go_back_to_login(client, user, settings):
    settings.ACCOUNT_LOGIN_BY_CODE_REQUIRED = {"password"}
    client.post("/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD})
    code = last_code("alice@example.com")
    for _ in range(2):
        client.post(CONFIRM_URL, {"code": wrong_code(code)})
    response = client.post(CONFIRM_URL, {"code": wrong_code(code)})
    assert response["Location"] == "/accounts/login/"


def test_code_login_verifies_the_address(client, enabled):
    sam = UserFactory(username="sam", email="sam@example.com", with_email=False)
    EmailAddress.objects.create(user=sam, email="sam@example.com", primary=True, verified=False)
    ask(client, email="sam@example.com")
    assert client.post(CONFIRM_URL, {"code": last_code("sam@example.com")})["Location"] == "/"
    assert EmailAddress.objects.get(user=sam).verified


def test_signed_in_users_are_sent_on(auth_client, enabled):
    response = auth_client.get(REQUEST_URL)
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.parametrize(
    "name,value",
    [
        ("ACCOUNT_LOGIN_BY_CODE_ENABLED", "yes"),
        ("ACCOUNT_LOGIN_BY_CODE_TIMEOUT", 0),
        ("ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS", 0),
        ("ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND", "twice"),
        ("ACCOUNT_LOGIN_BY_CODE_REQUIRED", {"sms"}),
    ],
)
def test_bad_settings_are_reported_at_startup(settings, name, value):
    from accounts.checks import check_account_settings

    setattr(settings, name, value)
    assert [e.obj for e in check_account_settings()] == [name]


# --- Concurrency (real threads against live_server, PostgreSQL) --------------------------------


def _race(calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def live_code_browser(live_server, settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    settings.ACCOUNT_LOGIN_BY_CODE_ENABLED = True
    settings.ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
    UserFactory(username="carol", email="carol@example.com")
    browser = LiveBrowser(live_server.url)
    browser.get(REQUEST_URL)
    status, location = browser.post(REQUEST_URL, {"email": "carol@example.com"})
    assert (status, location) == (302, CONFIRM_URL)
    return browser, last_code("carol@example.com")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tabs_racing_with_the_right_code_log_in_once(live_code_browser, signal_catcher):
    browser, code = live_code_browser
    logged_in = signal_catcher(signals.user_logged_in)
    tabs = [browser.copy() for _ in range(4)]
    results = _race([lambda tab=tab: tab.post(CONFIRM_URL, {"code": code}) for tab in tabs])
    assert sum(1 for result in results if result == (302, "/")) == 1, results
    assert logged_in.call_count == 1
    assert LoginLog.objects.filter(event=LoginLog.Event.LOGIN).count() == 1
    assert SecurityLog.objects.filter(event="code_accepted").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_wrong_codes_spend_no_more_than_the_budget(live_code_browser, signal_catcher):
    browser, code = live_code_browser
    rejected = signal_catcher(signals.login_code_rejected)
    tabs = [browser.copy() for _ in range(6)]
    bad = wrong_code(code)
    _race([lambda tab=tab: tab.post(CONFIRM_URL, {"code": bad}) for tab in tabs])
    assert rejected.call_count == 3
    assert [c.kwargs["last_attempt"] for c in rejected.call_args_list].count(True) == 1
    status, location = browser.copy().post(CONFIRM_URL, {"code": code})
    assert (status, location) == (302, REQUEST_URL)  # void: the right code no longer works


def test_query_counts_are_pinned(client, user, enabled, django_assert_num_queries):
    # Asking mails the code (the outbox row, its sweep -- the test's first mail -- and marking
    # it sent are 3 of the 9; the audit row's hourly counter is kept by its table's trigger,
    # no query) and starts this browser's session: 4 queries to create it in the database, none in a cache.
    new_session = 4 if session_queries() else 0
    with django_assert_num_queries(new_session + 9):
        ask(client)
    code = last_code("alice@example.com")
    with django_assert_num_queries(session_queries() + 9):
        client.post(CONFIRM_URL, {"code": wrong_code(code)})
    # Logging in loads, rotates and saves the session: 6 queries with the database store (the
    # key renamed: free?, UPDATE; accounts.usersessions.store.login_with_new_key). The
    # sign-in message's nudge (unverified address? two-factor?) is one query.
    login_session = 6 if session_queries() else 0
    with django_assert_num_queries(login_session + 21):
        client.post(CONFIRM_URL, {"code": code})
