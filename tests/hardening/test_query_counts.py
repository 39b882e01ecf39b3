"""How many queries each account flow costs, pinned, with both session engines.

A count that grows with the number of rows (addresses, sessions, keys, log rows) is an N+1;
a count that grows silently is a regression someone should look at. Each expected number is
the flow's own queries plus what the session engine spends (``Session`` below): the database
engine reads, creates, saves and deletes session rows, the cache engine none (CI runs the
suite with it). Counts include the SAVEPOINT/RELEASE pairs of ``ATOMIC_REQUESTS`` and of the
flows' ``transaction.atomic`` blocks (tests run inside a transaction: each block is a
savepoint). The statements are the same on SQLite and PostgreSQL.
"""

import json
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import app_settings as account_settings
from accounts.email_confirmation import EmailConfirmation
from accounts.models import EmailAddress
from accounts.usersessions.models import UserSession
from activity.models import LoginLog, SecurityLog
from tests.helpers.clients import login_client
from tests.helpers.factories import DEFAULT_PASSWORD
from tests.helpers.mfa import (
    add_recovery_codes,
    add_totp,
    add_webauthn,
    current_code,
    read_secret,
    send_code,
    shown_codes,
    start_login,
)
from tests.helpers.webauthn import HttpsClient, make_key, options_in
from tests.helpers.webauthn_soft import SoftAuthenticator

pytestmark = pytest.mark.django_db

DB_ENGINE = "django.contrib.sessions.backends.db"
CACHE_ENGINE = "django.contrib.sessions.backends.cache"
BROWSER = {
    "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "REMOTE_ADDR": "203.0.113.9",
}
SIGNUP = {
    "username": "carol",
    "email": "carol@example.com",
    "password1": "a long passphrase 99",
    "password2": "a long passphrase 99",
}
WRITES = ("INSERT", "UPDATE", "DELETE")
# Every audit row is one INSERT: its hourly counter (and a failed login's source counter, and a
# login's count in the user's profile) is kept by the log table's trigger in the same
# statement (activity/dbsetup.py), no query.


@pytest.fixture(autouse=True)
def _steady_outbox(outbox_sweep_scheduled):
    """A site that sent a mail in the last minute: its mail costs no fallback task (the
    outbox's sweep is scheduled already; tests/outbox/test_queries.py pins the first mail)."""


@pytest.fixture(autouse=True, params=[DB_ENGINE, CACHE_ENGINE], ids=["db", "cache"])
def session(request, settings):
    settings.SESSION_ENGINE = request.param
    return Session(request.param)


class Session:
    """Queries the session engine spends on one request (none at all for the cache engine)."""

    def __init__(self, engine):
        on_db = engine == DB_ENGINE
        self.read = 1 if on_db else 0  # SELECT the row of the cookie's key
        self.create = 4 if on_db else 0  # new key: exists? SELECT, SAVEPOINT, INSERT, RELEASE
        self.save = 3 if on_db else 0  # SAVEPOINT, UPDATE, RELEASE at the end of the request
        self.delete = 2 if on_db else 0  # SELECT then DELETE of the old key's row
        self.load_many = 1 if on_db else 0  # sessions page: the other sessions, one IN query
        # a new key for the same session (reauthentication, password change): is the new key
        # free?, then one UPDATE renaming the row (accounts.usersessions.store.cycle_session_key)
        self.rename = 2 if on_db else 0
        # the login's new key (accounts.usersessions.store.login_with_new_key): is it free?,
        # then one INSERT (a browser whose session was not stored yet) or, for a session that
        # holds a half-done login, one UPDATE renaming the row (``rename``); Django's
        # ``cycle_key`` would add a savepoint pair, and a SELECT and DELETE of the old row
        self.login_key = 2 if on_db else 0


def browser():
    return Client(**BROWSER)


def sql_of(call):
    with CaptureQueriesContext(connection) as captured:
        response = call()
    return response, [query["sql"] for query in captured.captured_queries]


def writes(sqls):
    return [sql for sql in sqls if sql.lstrip().upper().startswith(WRITES)]


def pinned(django_assert_num_queries, expected, call):
    with django_assert_num_queries(expected):
        return call()


# --- Logging in, signing up, logging out ---------------------------------------------------


def test_login_with_password(user, session, django_assert_num_queries):
    """A returning browser: the account looked up ONCE (form, backend and audit share it)."""
    client = login_client(browser(), user)
    client.post("/accounts/logout/")
    # SAVEPOINT, user, 2FA exists?, last_login, session record INSERT (its key is brand
    # new: no UPDATE first), LoginLog (+ profile counter), stale records DELETE, known device
    # UPDATE (one statement: no savepoint), the sign-in message's nudge (unverified address?
    # two-factor? one query), RELEASE
    expected = 10 + session.login_key + session.save
    response = pinned(
        django_assert_num_queries,
        expected,
        lambda: client.post("/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD}),
    )
    assert response.status_code == 302
    assert LoginLog.objects.filter(user=user, event="login").count() == 2


def test_login_with_email_looks_the_account_up_once(user, session, django_assert_num_queries):
    client = login_client(browser(), user)
    client.post("/accounts/logout/")
    expected = 10 + session.login_key + session.save  # as above
    data = {"login": "alice@example.com", "password": DEFAULT_PASSWORD}
    response = pinned(
        django_assert_num_queries, expected, lambda: client.post("/accounts/login/", data)
    )
    assert response.status_code == 302


def test_failed_login_looks_the_account_up_once(user, session, django_assert_num_queries):
    """Form, backend and the audit receiver resolve "alice" with one query between them."""
    client = browser()
    # SAVEPOINT, user, LoginLog INSERT, the admin's social apps (sign-in buttons), RELEASE
    data = {"login": "alice", "password": "wrong password"}
    expected = 5
    response = pinned(
        django_assert_num_queries, expected, lambda: client.post("/accounts/login/", data)
    )
    assert response.status_code == 200
    row = LoginLog.objects.get(event="failed")
    assert (row.user, row.reason) == (user, "bad_credentials")


def test_login_with_totp_second_step(user, session, django_assert_num_queries):
    client = login_client(browser(), user)  # a known device, as in the password-only case
    client.post("/accounts/logout/")
    _, secret = add_totp(user)
    add_recovery_codes(user)
    data = {"login": "alice", "password": DEFAULT_PASSWORD}
    # Password step: SAVEPOINT, user, 2FA exists?, RELEASE; the pending login is a new session.
    response = pinned(
        django_assert_num_queries,
        4 + session.create,
        lambda: client.post("/accounts/login/", data),
    )
    assert response["Location"] == "/accounts/2fa/authenticate/"
    # Code step: SAVEPOINT, pending user, the code factors (TOTP and recovery codes) in ONE
    # locking read (no savepoint: a wrong code raises nothing), the TOTP UPDATE, MFALog, then
    # the login (last_login, record INSERT, LoginLog (+ profile), stale records DELETE,
    # known device UPDATE, the sign-in message's nudge), RELEASE.
    expected = 12 + session.read + session.rename + session.save
    response = pinned(
        django_assert_num_queries, expected, lambda: send_code(client, current_code(secret))
    )
    assert response.status_code == 302
    assert LoginLog.objects.filter(user=user, event="login", method="totp").count() == 1


def test_signup(db, session, django_assert_num_queries):
    """Profile created by a plain INSERT (no get_or_create re-read) and updated once."""
    client = browser()
    # SAVEPOINT, username taken?, address taken?, SAVEPOINT, user, profile, address,
    # 2 SecurityLog (confirmation sent, signup), profile UPDATE, then the login: last_login,
    # record INSERT, LoginLog (its trigger counts the login in the profile), stale records
    # DELETE, and the first device: one upsert (no notice, nothing to compare with), RELEASE,
    # RELEASE; the confirmation mail: outbox INSERT (its sweep is scheduled), and the outbox
    # UPDATE once it is sent after the commit.
    expected = 19 + session.login_key + session.save
    response = pinned(
        django_assert_num_queries, expected, lambda: client.post("/accounts/signup/", SIGNUP)
    )
    assert response.status_code == 302
    assert SecurityLog.objects.filter(username="carol", event="signup").exists()


def test_logout(auth_client, user, session, django_assert_num_queries):
    # user, SAVEPOINT, record DELETE, LoginLog, RELEASE
    expected = 5 + session.read + session.delete
    response = pinned(
        django_assert_num_queries, expected, lambda: auth_client.post("/accounts/logout/")
    )
    assert response.status_code == 302
    assert not UserSession.objects.filter(user=user).exists()


# --- The other flows bench/compare_allauth.py times against allauth -----------------------
#
# Each is what allauth's flow does plus, named in the comments: the audit rows (one INSERT
# each; their counters are kept by the tables' triggers), the security notice's outbox row
# and "sent" mark (2: the fallback is a sweep a process schedules once a minute, scheduled
# here by ``_steady_outbox``), the session record's upkeep, and the SAVEPOINT/RELEASE
# pair of ``ATOMIC_REQUESTS`` (BEGIN/COMMIT outside tests) and of flows that can refuse.
SECOND = "second@example.org"
NEW_PASSWORD = {"password1": "another passphrase 42", "password2": "another passphrase 42"}


def email_action(client, action, email=SECOND):
    return client.post("/accounts/email/", {action: "", "email": email})


def test_password_change(auth_client, session, django_assert_num_queries):
    # user, SAVEPOINT, password UPDATE, the session key renamed and its record moved,
    # SecurityLog, the other sessions (none), the primary address, the notice's outbox row,
    # RELEASE, the notice marked sent after the commit
    data = {"oldpassword": DEFAULT_PASSWORD, **NEW_PASSWORD}
    expected = 10 + session.read + session.rename + session.save
    response = pinned(
        django_assert_num_queries,
        expected,
        lambda: auth_client.post("/accounts/password/change/", data),
    )
    assert response.status_code == 302
    assert SecurityLog.objects.filter(event="password_changed").count() == 1


def test_password_reset_from_key(user, session, mailoutbox, django_assert_num_queries):
    client = browser()
    client.post("/accounts/password/reset/", {"email": "alice@example.com"})
    link = re.search(r"https?://testserver(/accounts/password/reset/key/\S+/)", mailoutbox[-1].body)
    url = client.get(link.group(1), follow=True).request["PATH_INFO"]
    # SAVEPOINT, the link's user read locked (the POST: no second read), password UPDATE,
    # SecurityLog, the user's sessions (none to end), the primary address, the notice's
    # outbox row, RELEASE, the notice marked sent
    expected = 9 + session.read + session.save
    response = pinned(django_assert_num_queries, expected, lambda: client.post(url, NEW_PASSWORD))
    assert response.status_code == 302
    assert SecurityLog.objects.filter(event="password_reset").count() == 1


def test_add_email(auth_client, user, session, django_assert_num_queries):
    # user, SAVEPOINT, the form's one read of the addresses, SAVEPOINT, user locked, then
    # its addresses counted (after the lock: see manage_email.add_email), INSERT (no savepoint: a duplicate rolls back to the flow's), is it
    # another account's?, the confirmation mail, SecurityLog (confirmation sent),
    # SecurityLog (added), the primary, the notice, RELEASE, RELEASE, the two mails marked
    # sent after the commit
    response = pinned(
        django_assert_num_queries,
        17 + session.read,
        lambda: email_action(auth_client, "action_add"),
    )
    assert response.status_code == 302
    assert EmailAddress.objects.filter(user=user, email=SECOND, verified=False).exists()


def test_make_primary(auth_client, user, session, django_assert_num_queries):
    EmailAddress.objects.create(user=user, email=SECOND, verified=True)
    # user, SAVEPOINT, the form's address, SAVEPOINT, user locked, the chosen address and the
    # primary in one read, the two addresses and user.email UPDATEs, SecurityLog, the notice,
    # RELEASE, RELEASE, the notice marked sent
    response = pinned(
        django_assert_num_queries,
        14 + session.read,
        lambda: email_action(auth_client, "action_primary"),
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == SECOND


def test_remove_email(auth_client, user, session, django_assert_num_queries):
    EmailAddress.objects.create(user=user, email=SECOND, verified=True)
    # user, SAVEPOINT, the form's address, SAVEPOINT, DELETE, SecurityLog, the primary, the
    # notice, RELEASE, RELEASE, the notice marked sent
    response = pinned(
        django_assert_num_queries,
        11 + session.read,
        lambda: email_action(auth_client, "action_remove"),
    )
    assert response.status_code == 302
    assert not EmailAddress.objects.filter(email=SECOND).exists()


def test_resend_verification(auth_client, user, session, django_assert_num_queries):
    EmailAddress.objects.create(user=user, email=SECOND)
    # user, SAVEPOINT, the form's address, is it another account's?, the mail, SecurityLog,
    # RELEASE, the mail marked sent
    response = pinned(
        django_assert_num_queries,
        8 + session.read,
        lambda: email_action(auth_client, "action_send"),
    )
    assert response.status_code == 302
    assert SecurityLog.objects.filter(event="email_confirmation_sent").count() == 1


def test_verify_email(auth_client, user, session, django_assert_num_queries):
    address = EmailAddress.objects.create(user=user, email=SECOND)
    url = f"/accounts/confirm-email/{EmailConfirmation(address).key}/"
    # user, SAVEPOINT, the link's address, ONE locking read (still there? verified by another
    # account? a primary already?), SAVEPOINT + UPDATE + RELEASE (the unique index may still
    # refuse), SecurityLog, RELEASE
    response = pinned(django_assert_num_queries, 9 + session.read, lambda: auth_client.post(url))
    assert response.status_code == 302
    address.refresh_from_db()
    assert address.verified


def test_reauthenticate_with_password(auth_client, session, django_assert_num_queries):
    # user, SAVEPOINT, the session key renamed and its record moved, SecurityLog, RELEASE
    expected = 5 + session.read + session.rename + session.save
    response = pinned(
        django_assert_num_queries,
        expected,
        lambda: auth_client.post("/accounts/reauthenticate/", {"password": DEFAULT_PASSWORD}),
    )
    assert response.status_code == 302
    assert SecurityLog.objects.filter(event="reauthenticated").count() == 1


def test_reauthenticate_with_code(auth_client, user, session, django_assert_num_queries):
    """Issue 19 measured 20 queries here (allauth: 10)."""
    _, secret = add_totp(user)
    add_recovery_codes(user)
    # user, SAVEPOINT, a code factor?, the code factors in ONE locking read, TOTP UPDATE,
    # the session key renamed and its record moved, SecurityLog, MFALog, RELEASE
    expected = 9 + session.read + session.rename + session.save
    response = pinned(
        django_assert_num_queries,
        expected,
        lambda: auth_client.post("/accounts/2fa/reauthenticate/", {"code": current_code(secret)}),
    )
    assert response.status_code == 302


def test_login_with_recovery_code(user, session, django_assert_num_queries):
    """The TOTP row is no longer locked and read apart from the codes' (issue 19: 3.0x)."""
    client = login_client(browser(), user)
    client.post("/accounts/logout/")
    add_totp(user)
    _, codes = add_recovery_codes(user)
    start_login(client, user)
    # SAVEPOINT, pending user, both code factors in ONE locking read, the codes' UPDATE (one
    # keyed hash checked, no slow hash), MFALog, the login (7, as with TOTP), RELEASE
    expected = 12 + session.read + session.rename + session.save
    response = pinned(django_assert_num_queries, expected, lambda: send_code(client, codes[0]))
    assert response.status_code == 302
    assert LoginLog.objects.filter(user=user, method="recovery_codes").count() == 1


def test_totp_activation(auth_client, user, session, django_assert_num_queries):
    page = auth_client.get("/accounts/2fa/totp/activate/")
    secret = read_secret(page)
    # user, SAVEPOINT, a second factor? (reauthentication level), TOTP already?, unverified
    # address?, SAVEPOINT, user locked, TOTP again and unverified again under the lock, TOTP
    # INSERT, SecurityLog, recovery codes?, their INSERT, SecurityLog, RELEASE, the primary,
    # the notice's outbox row, RELEASE, the notice marked sent
    expected = 19 + session.read + session.save
    response = pinned(
        django_assert_num_queries,
        expected,
        lambda: auth_client.post("/accounts/2fa/totp/activate/", {"code": current_code(secret)}),
    )
    assert response.status_code == 200
    assert shown_codes(response)


def test_passkey_login(user, session, django_assert_num_queries):
    client = login_client(HttpsClient(**BROWSER), user)
    client.post("/accounts/logout/")
    soft = SoftAuthenticator()
    make_key(user, soft)
    options = options_in(client.get("/accounts/2fa/webauthn/login/"))
    credential = json.dumps(soft.get(options))
    # SAVEPOINT, the key by its credential id, the sign count under lock (no savepoint) and
    # its UPDATE, MFALog, the login (last_login, record, LoginLog (+ profile counter), stale
    # records, known device, the sign-in message's nudge), RELEASE
    expected = 12 + session.read + session.rename + session.save
    response = pinned(
        django_assert_num_queries,
        expected,
        lambda: client.post("/accounts/2fa/webauthn/login/", {"credential": credential}),
    )
    assert response.status_code == 302
    assert LoginLog.objects.filter(user=user, method="passkey").count() == 1


# --- Pages of a logged-in user -------------------------------------------------------------


def test_home_page(auth_client, session, django_assert_num_queries):
    # user, SAVEPOINT, RELEASE: the page itself reads nothing
    response = pinned(django_assert_num_queries, 3 + session.read, lambda: auth_client.get("/"))
    assert response.status_code == 200


@pytest.mark.parametrize("addresses", [1, 5])
def test_email_page_costs_the_same_with_1_or_5_addresses(
    auth_client, user, session, addresses, django_assert_num_queries
):
    for i in range(1, addresses):
        EmailAddress.objects.create(user=user, email=f"alice{i}@example.org")
    # user, SAVEPOINT, addresses, RELEASE
    response = pinned(
        django_assert_num_queries, 4 + session.read, lambda: auth_client.get("/accounts/email/")
    )
    assert response.content.decode().count("@example.") >= addresses


@pytest.mark.parametrize("others", [1, 5])
def test_sessions_page_costs_the_same_with_1_or_5_other_sessions(
    user, session, others, django_assert_num_queries
):
    """The other sessions are checked in the store with ONE read, not one per session."""
    current = login_client(browser(), user)
    for _ in range(others):
        login_client(browser(), user)
    # Past the minute in which a fresh record counts as alive without asking the store, and
    # within the last-seen interval (no "last seen" write).
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=2), tick=False):
        # user, SAVEPOINT, records, the store read, RELEASE
        response = pinned(
            django_assert_num_queries,
            4 + session.read + session.load_many,
            lambda: current.get("/accounts/sessions/"),
        )
    assert len(response.context["sessions"]) == others + 1


def test_sessions_page_alone(auth_client, session, django_assert_num_queries):
    """Only the current session: nothing to look up in the store."""
    response = pinned(
        django_assert_num_queries, 4 + session.read, lambda: auth_client.get("/accounts/sessions/")
    )
    assert len(response.context["sessions"]) == 1


@pytest.mark.parametrize("keys", [1, 4])
def test_two_factor_page_reads_every_factor_in_one_query(
    auth_client, user, session, keys, django_assert_num_queries
):
    add_totp(user)
    add_recovery_codes(user)
    for _ in range(keys):
        add_webauthn(user)
    # user, SAVEPOINT, authenticators, RELEASE
    response = pinned(
        django_assert_num_queries, 4 + session.read, lambda: auth_client.get("/accounts/2fa/")
    )
    assert response.context["webauthn_count"] == keys
    assert response.context["totp"] is not None and response.context["has_second_factor"]
    assert response.context["recovery_codes_left"] == 10


def test_two_factor_page_without_factors(auth_client, session, django_assert_num_queries):
    response = pinned(
        django_assert_num_queries, 4 + session.read, lambda: auth_client.get("/accounts/2fa/")
    )
    assert response.context["totp"] is None and not response.context["has_second_factor"]
    assert response.context["webauthn_count"] == 0


@pytest.mark.parametrize("rows", [5, 50])
def test_activity_page_costs_the_same_with_5_or_50_rows(
    auth_client, user, session, rows, django_assert_num_queries
):
    LoginLog.objects.bulk_create(
        LoginLog(event="failed", user=user, username="alice", ip_address="198.51.100.1")
        for _ in range(rows)
    )
    SecurityLog.objects.bulk_create(
        SecurityLog(event="password_changed", user=user, actor=user) for _ in range(rows)
    )
    # user, SAVEPOINT, logins, security events, RELEASE
    response = pinned(
        django_assert_num_queries,
        5 + session.read,
        lambda: auth_client.get("/accounts/activity/"),
    )
    assert len(response.context["events"]) == rows


# --- Middleware overhead -------------------------------------------------------------------


def test_logged_in_requests_write_nothing_within_the_last_seen_window(auth_client, session):
    """Session upkeep costs no write until the last-seen interval has passed."""
    interval = account_settings.SESSION_LAST_SEEN_INTERVAL
    start = timezone.now()
    for seconds in (1, interval // 2, interval - 5):
        with time_machine.travel(start + timezone.timedelta(seconds=seconds), tick=False):
            response, sqls = sql_of(lambda: auth_client.get("/"))
        assert response.wsgi_request.user.is_authenticated
        assert writes(sqls) == []
        assert len(sqls) == 3 + session.read  # user, SAVEPOINT, RELEASE


def test_last_seen_is_written_once_per_interval(auth_client, user, session):
    interval = account_settings.SESSION_LAST_SEEN_INTERVAL
    later = timezone.now() + timezone.timedelta(seconds=interval + 1)
    with time_machine.travel(later, tick=False):
        _, sqls = sql_of(lambda: auth_client.get("/"))
        _, again = sql_of(lambda: auth_client.get("/"))
    # One UPDATE of the session record (plus the session's own save on the db engine).
    record_writes = [sql for sql in writes(sqls) if "usersessions_usersession" in sql]
    assert len(record_writes) == 1
    assert len(sqls) == 4 + session.read + session.save
    assert writes(again) == []
    assert UserSession.objects.get(user=user).last_seen_at == later
