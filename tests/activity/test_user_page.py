"""/accounts/activity/: the user's own recent sign-ins and security events."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.devices import describe_user_agent
from activity.models import LoginLog, SecurityLog
from tests.helpers.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def test_anonymous_is_sent_to_login(client):
    response = client.get("/accounts/activity/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/accounts/activity/")


def test_shows_own_logins_failures_and_events_with_ip_and_browser(client, user, other_user):
    client.post(
        "/accounts/login/", {"login": "alice", "password": "nope nope"}, REMOTE_ADDR="192.0.2.99"
    )
    client.post(
        "/accounts/login/",
        {"login": "alice", "password": DEFAULT_PASSWORD},
        REMOTE_ADDR="198.51.100.5",
        HTTP_USER_AGENT=FIREFOX,
    )
    SecurityLog.objects.create(event="password_changed", user=user, ip_address="198.51.100.5")
    LoginLog.objects.create(event="login", user=other_user, ip_address="203.0.113.200")
    SecurityLog.objects.create(event="email_added", user=other_user, extra={"email": "b@x.org"})

    response = client.get("/accounts/activity/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Failed sign-in" in html and "192.0.2.99" in html
    assert "Signed in" in html and "198.51.100.5" in html
    assert "Firefox on Linux" in html
    assert "Password changed" in html
    assert "203.0.113.200" not in html
    assert "b@x.org" not in html
    assert [row.event for row in response.context["logins"]] == ["login", "failed"]


def test_limits_to_the_last_50_of_each(auth_client, user, django_assert_max_num_queries):
    now = timezone.now()
    LoginLog.objects.bulk_create(
        LoginLog(event="login", user=user, created_at=now - timedelta(minutes=i)) for i in range(80)
    )
    SecurityLog.objects.bulk_create(
        SecurityLog(event="signup", user=user, created_at=now - timedelta(minutes=i))
        for i in range(80)
    )
    with django_assert_max_num_queries(6):
        response = auth_client.get("/accounts/activity/")
    assert len(response.context["logins"]) == 50
    assert len(response.context["events"]) == 50
    assert response.context["logins"][0].created_at >= response.context["logins"][-1].created_at


@pytest.mark.parametrize(
    "agent,expected",
    [
        (FIREFOX, "Firefox on Linux"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0 Safari/537.36 Edg/126.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Mobile Safari on iOS",
        ),
        ("curl/8.5.0", "curl"),
        ("", "Unknown browser"),
    ],
)
def test_describe_user_agent(agent, expected):
    assert describe_user_agent(agent) == expected
