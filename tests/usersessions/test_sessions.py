"""The sessions page over HTTP, with both session engines (database and cache).

alice is signed in on three browsers A, B and C. The page on A lists three sessions with
device, IP, sign-in and last-seen times and marks A; ending one signs that browser out at
once (its next request is anonymous) and leaves the others; "end all others" leaves only A;
another user's session id is refused with 404; everything needs a recent authentication.
Sessions that expired, timed out or logged out drop off the list and their records go.
"""

import re
from datetime import UTC, datetime, timedelta
from importlib import import_module
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import app_settings as account_settings
from accounts import signals
from accounts.models import User
from accounts.usersessions.models import UserSession
from tests.helpers.clients import login_client
from tests.helpers.factories import UserFactory

pytestmark = pytest.mark.django_db

DB_ENGINE = "django.contrib.sessions.backends.db"
CACHE_ENGINE = "django.contrib.sessions.backends.cache"

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
START = datetime(2031, 3, 1, 9, 0, tzinfo=UTC)
CLOCK_START = START  # the one ``clock`` fixture (tests/conftest.py) starts here
GRACE = timedelta(minutes=2)  # past the minute a fresh record counts as alive


@pytest.fixture(autouse=True, params=[DB_ENGINE, CACHE_ENGINE], ids=["db", "cache"])
def session_engine(request, settings):
    settings.SESSION_ENGINE = request.param
    return request.param


def store(session_key):
    return import_module(django_settings.SESSION_ENGINE).SessionStore(session_key)


def is_signed_in(client):
    """The outcome of the browser's next request, as the site sees it."""
    return client.get("/").wsgi_request.user.is_authenticated


def rows(response):
    html = response.content.decode()
    return re.findall(r'<li [^>]*data-testid="session".*?</li>', html, flags=re.S)


@pytest.fixture
def browsers(clock, make_client, user, password):
    """alice on A (Firefox/Windows), B (Chrome/Linux) and C (Safari/iPhone, IPv6)."""
    a = login_client(make_client(HTTP_USER_AGENT=FIREFOX_WINDOWS, REMOTE_ADDR="203.0.113.5"), user)
    b = login_client(make_client(HTTP_USER_AGENT=CHROME_LINUX, REMOTE_ADDR="198.51.100.7"), user)
    c = login_client(make_client(HTTP_USER_AGENT=SAFARI_IPHONE, REMOTE_ADDR="2001:db8::1"), user)
    return a, b, c


def record_of(client):
    return UserSession.objects.get(session_key=client.session.session_key)


def test_list_shows_three_sessions_and_marks_this_device(browsers):
    a, b, _c = browsers
    response = a.get("/accounts/sessions/")
    assert response.status_code == 200
    found = rows(response)
    assert len(found) == 3
    current = [r for r in found if 'data-current="true"' in r]
    assert len(current) == 1
    assert "This device" in current[0]
    assert "Firefox on Windows" in current[0]
    assert "203.0.113.5" in current[0]
    assert "1 Mar 2031, 09:00" in current[0]
    others = " ".join(r for r in found if r not in current)
    assert "Chrome on Linux" in others and "198.51.100.7" in others
    assert "Mobile Safari on iOS" in others and "2001:db8::1" in others
    assert "This device" not in others
    assert f'name="session" value="{record_of(b).pk}"' in others


def test_list_shows_last_seen(browsers, clock):
    a, b, _ = browsers
    clock.shift(timedelta(minutes=30))
    b.get("/")  # B is active again: its last seen moves on
    clock.shift(timedelta(hours=2))
    found = rows(a.get("/accounts/sessions/"))
    b_row = next(r for r in found if "Chrome on Linux" in r)
    c_row = next(r for r in found if "Mobile Safari" in r)
    assert "2\xa0hours ago" in b_row
    assert "2\xa0hours, 30\xa0minutes ago" in c_row


def test_anonymous_is_sent_to_login(client):
    response = client.get("/accounts/sessions/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    response = client.post("/accounts/sessions/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_end_one_session_signs_that_browser_out_only(browsers, user, signal_catcher):
    a, b, c = browsers
    ended = signal_catcher(signals.sessions_ended)
    b_key = b.session.session_key
    response = a.post("/accounts/sessions/", {"session": record_of(b).pk})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sessions/"
    page = a.get("/accounts/sessions/")
    assert len(rows(page)) == 2
    assert "Signed out of Chrome on Linux." in page.content.decode()
    assert not is_signed_in(b)
    assert is_signed_in(a) and is_signed_in(c)
    assert not store(b_key).exists(b_key)
    assert not UserSession.objects.filter(session_key=b_key).exists()
    ended.assert_called_once_with(
        signal=signals.sessions_ended,
        sender=User,
        request=mock.ANY,
        user=user,
        actor=user,
        count=1,
        scope="one",
    )


def test_end_other_sessions_leaves_only_this_one(browsers, user, signal_catcher):
    a, b, c = browsers
    ended = signal_catcher(signals.sessions_ended)
    b_key, c_key = b.session.session_key, c.session.session_key
    response = a.post("/accounts/sessions/")
    assert response.status_code == 302
    assert "Signed out of 2 other sessions." in a.get("/accounts/sessions/").content.decode()
    assert not is_signed_in(b) and not is_signed_in(c)
    assert is_signed_in(a)
    assert not store(b_key).exists(b_key) and not store(c_key).exists(c_key)
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [
        a.session.session_key
    ]
    ended.assert_called_once_with(
        signal=signals.sessions_ended,
        sender=User,
        request=mock.ANY,
        user=user,
        actor=user,
        count=2,
        scope="others",
    )
    page = a.get("/accounts/sessions/")
    assert len(rows(page)) == 1
    assert "You are not signed in anywhere else." in page.content.decode()


def test_end_others_when_there_are_none_sends_nothing(make_client, user, signal_catcher):
    only = login_client(make_client(), user)
    ended = signal_catcher(signals.sessions_ended)
    assert only.post("/accounts/sessions/").status_code == 302
    assert "Signed out of 0 other sessions." in only.get("/accounts/sessions/").content.decode()
    assert is_signed_in(only)
    ended.assert_not_called()


def test_ending_sessions_needs_recent_authentication(browsers, clock, password, signal_catcher):
    a, b, c = browsers
    ended = signal_catcher(signals.sessions_ended)
    clock.shift(timedelta(seconds=account_settings.REAUTHENTICATION_TIMEOUT + 1))

    for data in ({}, {"session": record_of(b).pk}):
        response = a.post("/accounts/sessions/", data)
        assert response.status_code == 302
        assert response["Location"] == "/accounts/reauthenticate/?next=%2Faccounts%2Fsessions%2F"
    assert is_signed_in(b) and is_signed_in(c)
    assert UserSession.objects.count() == 3
    ended.assert_not_called()

    response = a.post(
        "/accounts/reauthenticate/", {"password": password, "next": "/accounts/sessions/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sessions/"
    assert a.post("/accounts/sessions/").status_code == 302
    assert not is_signed_in(b) and not is_signed_in(c)
    assert is_signed_in(a)
    ended.assert_called_once()


def test_other_users_session_id_is_refused(browsers, make_client, other_user, signal_catcher):
    a, _b, _ = browsers
    bob = login_client(make_client(), other_user)
    ended = signal_catcher(signals.sessions_ended)
    response = a.post("/accounts/sessions/", {"session": record_of(bob).pk})
    assert response.status_code == 404
    assert is_signed_in(bob)
    assert UserSession.objects.filter(user=other_user).count() == 1
    ended.assert_not_called()


@pytest.mark.parametrize("value", ["999999", "abc", "-1"])
def test_unknown_session_id_is_404(browsers, value, signal_catcher):
    a, b, c = browsers
    ended = signal_catcher(signals.sessions_ended)
    assert a.post("/accounts/sessions/", {"session": value}).status_code == 404
    assert is_signed_in(b) and is_signed_in(c)
    ended.assert_not_called()


def test_current_session_cannot_be_picked(browsers, signal_catcher):
    """Signing out here is the logout button's job; the page never offers it."""
    a, b, _ = browsers
    ended = signal_catcher(signals.sessions_ended)
    assert a.post("/accounts/sessions/", {"session": record_of(a).pk}).status_code == 404
    assert is_signed_in(a) and is_signed_in(b)
    ended.assert_not_called()


def test_empty_session_field_is_a_form_error(browsers, signal_catcher):
    a, b, c = browsers
    ended = signal_catcher(signals.sessions_ended)
    response = a.post("/accounts/sessions/", {"session": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert is_signed_in(b) and is_signed_in(c)
    ended.assert_not_called()


def test_ending_needs_csrf(browsers, user, make_client):
    strict = make_client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post("/accounts/sessions/").status_code == 403
    _a, b, c = browsers
    assert is_signed_in(b) and is_signed_in(c)


def test_logged_out_session_disappears(browsers):
    a, b, _c = browsers
    b.post("/accounts/logout/")
    found = rows(a.get("/accounts/sessions/"))
    assert len(found) == 2
    assert not any("Chrome on Linux" in r for r in found)


def expire_in_store(session_key, engine):
    """What the store does when a session's time is up (the DB row's date, the cache's TTL)."""
    if engine == DB_ENGINE:
        Session.objects.filter(session_key=session_key).update(
            expire_date=timezone.now() - timedelta(seconds=1)
        )
    else:
        store(session_key).delete(session_key)


def test_expired_session_disappears_and_its_record_is_pruned(browsers, clock, session_engine):
    a, _b, c = browsers
    clock.shift(GRACE)
    c_key = c.session.session_key
    expire_in_store(c_key, session_engine)
    found = rows(a.get("/accounts/sessions/"))
    assert len(found) == 2
    assert not any("Mobile Safari" in r for r in found)
    assert not UserSession.objects.filter(session_key=c_key).exists()


def test_idle_timed_out_sessions_disappear(browsers, clock, settings):
    settings.ACCOUNT_SESSION_IDLE_TIMEOUT = 600
    a, _b, _c = browsers
    clock.shift(timedelta(seconds=400))
    a.get("/")  # A stays active; B and C do nothing
    clock.shift(timedelta(seconds=300))
    found = rows(a.get("/accounts/sessions/"))
    assert len(found) == 1
    assert UserSession.objects.count() == 1


def test_sessions_voided_by_a_password_change_disappear(browsers, clock, user, make_client):
    """Django voids sessions whose password hash is stale; the list agrees."""
    clock.shift(GRACE)
    user.set_password("a brand new passphrase")
    user.save()
    fresh = login_client(make_client(), user, "a brand new passphrase")
    found = rows(fresh.get("/accounts/sessions/"))
    assert len(found) == 1
    assert UserSession.objects.filter(user=user).count() == 1


def test_session_record_of_a_reused_key_for_another_user_is_not_listed(browsers, clock, other_user):
    """A record is only trusted while its session still belongs to its user."""
    a, b, _ = browsers
    clock.shift(GRACE)
    key = b.session.session_key
    session = store(key)
    session.load()
    session["_auth_user_id"] = str(other_user.pk)
    session.save()
    found = rows(a.get("/accounts/sessions/"))
    assert len(found) == 2
    assert not any("Chrome on Linux" in r for r in found)


def test_browsing_within_the_window_writes_no_session_record(browsers, clock):
    """Ten page views within the last-seen interval: not one write to the session record."""
    a, _, _ = browsers
    record = record_of(a)
    pages = ["/", "/accounts/sessions/"] * 5
    with CaptureQueriesContext(connection) as queries:
        for offset, path in enumerate(pages):
            clock.shift(timedelta(seconds=offset))  # within the 300 s window in total
            assert a.get(path).status_code == 200
    statements = [q["sql"].upper() for q in queries.captured_queries]
    assert not [s for s in statements if s.startswith("UPDATE") and "ACCOUNTS_USERSESSION" in s]
    # Nor any other write: browsing costs no write per page.
    assert not [s for s in statements if s.startswith(("UPDATE", "INSERT", "DELETE"))]
    record.refresh_from_db()
    assert record.last_seen_at == START

    clock.move_to(START + timedelta(seconds=account_settings.SESSION_LAST_SEEN_INTERVAL))
    with CaptureQueriesContext(connection) as queries:
        a.get("/")
    updates = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].upper().startswith("UPDATE") and "usersessions_usersession" in q["sql"]
    ]
    assert len(updates) == 1
    record.refresh_from_db()
    assert record.last_seen_at == START + timedelta(seconds=300)


def test_record_just_written_is_kept_while_its_session_is_being_saved(browsers, session_engine):
    """The login writes the record before the session data is saved at the end of the request."""
    a, b, _ = browsers
    expire_in_store(b.session.session_key, session_engine)
    assert len(rows(a.get("/accounts/sessions/"))) == 3


def test_prune_command_drops_records_of_ended_sessions(browsers, clock, user, session_engine):
    a, b, c = browsers
    clock.shift(GRACE)
    expire_in_store(b.session.session_key, session_engine)
    bob = UserFactory()
    UserSession.objects.create(
        user=bob,
        session_key="gone-long-ago",
        created_at=START - timedelta(days=40),
        last_seen_at=START - timedelta(days=40),
    )
    out = []
    call_command("prune_usersessions", stdout=mock.Mock(write=out.append))
    assert "Pruned 2 session record(s)." in "".join(out)
    assert set(UserSession.objects.values_list("session_key", flat=True)) == {
        a.session.session_key,
        c.session.session_key,
    }


def test_login_drops_the_users_long_dead_records(clock, make_client, user):
    UserSession.objects.create(
        user=user,
        session_key="dead-record",
        created_at=START - timedelta(days=40),
        last_seen_at=START - timedelta(days=40),
    )
    login_client(make_client(), user)
    assert not UserSession.objects.filter(session_key="dead-record").exists()
    assert UserSession.objects.filter(user=user).count() == 1
