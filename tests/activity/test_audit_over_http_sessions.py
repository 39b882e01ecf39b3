"""Sessions, devices and abuse over HTTP: ending sessions (by the user, by staff), a login from
a new device, a login lockout and a right password after several wrong ones.

Each test compares the full list of rows written and the fields of each; the actor is who
acted (the user, staff in the admin, nobody for an anonymous request).
"""

import pytest

from accounts.usersessions.models import UserSession
from activity.models import LoginLog, SecurityLog
from tests.helpers.audit import BROWSER, FROM_BROWSER
from tests.helpers.clients import login_client
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers.passwords import fail_login

pytestmark = pytest.mark.django_db

SESSIONS = "/accounts/sessions/"
CHROME = {
    "REMOTE_ADDR": "198.51.100.7",
    "HTTP_USER_AGENT": (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36"
    ),
}


@pytest.fixture
def browsers(make_client, user):
    """alice on A (the known browser), B and C."""
    return [
        login_client(make_client(**BROWSER), user),
        login_client(make_client(), user),
        login_client(make_client(), user),
    ]


@pytest.fixture
def staff(make_client):
    member = UserFactory(username="sam", is_staff=True, is_superuser=True)
    return member, login_client(make_client(**BROWSER), member)


# --- Ending sessions ----------------------------------------------------------------------------


def test_ending_one_session(browsers, user, audit):
    a, b, _ = browsers
    record = UserSession.objects.get(session_key=b.session.session_key)
    audit.mark()

    assert a.post(SESSIONS, {"session": record.pk}).status_code == 302

    assert audit.events() == [("SecurityLog", "sessions_ended")]
    audit.assert_one(
        SecurityLog,
        event="sessions_ended",
        user=user,
        actor=user,
        path=SESSIONS,
        extra={"count": 1, "scope": "one"},
        **FROM_BROWSER,
    )


def test_ending_all_other_sessions(browsers, user, audit):
    a, _, _ = browsers
    audit.mark()
    assert a.post(SESSIONS).status_code == 302
    assert audit.events() == [("SecurityLog", "sessions_ended")]
    audit.assert_one(
        SecurityLog,
        event="sessions_ended",
        user=user,
        actor=user,
        extra={"count": 2, "scope": "others"},
        **FROM_BROWSER,
    )


def test_ending_others_when_there_are_none_writes_nothing(make_client, user, audit):
    only = login_client(make_client(**BROWSER), user)
    audit.mark()
    assert only.post(SESSIONS).status_code == 302
    audit.assert_none()


def test_admin_end_all_sessions_names_the_staff_member(browsers, staff, user, audit):
    member, admin = staff
    audit.mark()

    response = admin.post(
        "/admin/accounts/user/", {"action": "end_all_sessions", "_selected_action": [user.pk]}
    )

    assert response.status_code == 302
    assert audit.events() == [("SecurityLog", "sessions_ended")]
    audit.assert_one(
        SecurityLog,
        event="sessions_ended",
        user=user,
        actor=member,
        username="alice",
        path="/admin/accounts/user/",
        extra={"count": 3, "scope": "all"},
        **FROM_BROWSER,
    )


def test_admin_deleting_a_session_record_names_the_staff_member(browsers, staff, user, audit):
    member, admin = staff
    record = UserSession.objects.get(session_key=browsers[1].session.session_key)
    audit.mark()

    response = admin.post(f"/admin/usersessions/usersession/{record.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert audit.events() == [("SecurityLog", "sessions_ended")]
    audit.assert_one(
        SecurityLog,
        event="sessions_ended",
        user=user,
        actor=member,
        extra={"count": 1, "scope": "one"},
        **FROM_BROWSER,
    )


# --- New device ---------------------------------------------------------------------------------


def test_login_from_a_new_device(make_client, user, audit):
    login_client(make_client(**BROWSER), user)
    audit.mark()

    login_client(make_client(**CHROME), user)

    assert audit.events() == [("LoginLog", "login"), ("SecurityLog", "new_device_login")]
    audit.assert_one(
        LoginLog,
        event="login",
        user=user,
        ip_address="198.51.100.7",
        user_agent=CHROME["HTTP_USER_AGENT"],
    )
    audit.assert_one(
        SecurityLog,
        event="new_device_login",
        user=user,
        actor=user,
        path="/accounts/login/",
        ip_address="198.51.100.7",
        user_agent=CHROME["HTTP_USER_AGENT"],
        extra={},
    )


def test_login_from_a_known_device_is_only_a_login(make_client, user, audit):
    login_client(make_client(**BROWSER), user)
    audit.mark()
    login_client(make_client(**BROWSER), user)
    assert audit.events() == [("LoginLog", "login")]


# --- Abuse ----------------------------------------------------------------------------------------


def test_login_lockout(make_client, user, audit):
    for i in range(5):
        fail_login(make_client, "alice", ip=f"10.0.1.{i}")
    assert [row.event for row in audit.new(LoginLog)] == ["failed"] * 5
    audit.mark()

    response = make_client(**BROWSER).post(
        "/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 429
    # The refused attempt is not checked, so it is no failed login: only the lockout.
    assert audit.events() == [("SecurityLog", "rate_limited")]
    audit.assert_one(
        SecurityLog,
        event="rate_limited",
        user=user,
        actor=None,
        path="/accounts/login/",
        extra={"action": "login_failed"},
        **FROM_BROWSER,
    )


def test_right_password_after_failures_is_suspicious(make_client, user, audit):
    for i in range(3):
        fail_login(make_client, "alice", ip=f"10.0.16.{i}")
    audit.mark()

    response = make_client(**BROWSER).post(
        "/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 302
    assert audit.events() == [("LoginLog", "login"), ("SecurityLog", "suspicious_activity")]
    audit.assert_one(LoginLog, event="login", method="password", user=user, **FROM_BROWSER)
    audit.assert_one(
        SecurityLog,
        event="suspicious_activity",
        user=user,
        actor=None,  # sent at the password step, before the login
        extra={"reason": "password_after_failures", "details": {"failed_attempts": 3}},
        **FROM_BROWSER,
    )
