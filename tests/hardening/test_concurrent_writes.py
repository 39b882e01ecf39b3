"""Points 5, 6 and 7: single use, uniqueness and limits hold under concurrency.

Real threads post at once to the live server (one thread and one database connection per
request, on PostgreSQL): one reset link used by six browsers resets once; one confirmation
link posted six times confirms once; twenty signups with one username make one user and
answer the others with the form's usual duplicate error; ten adds against a limit of five
leave exactly five addresses. Never a 5xx.
"""

import re

import pytest
from django.db import connection

from accounts import app_settings
from accounts.models import EmailAddress, User
from activity.models import SecurityLog
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers.live_browser import LiveBrowser, run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RESET_LINK_RE = re.compile(r"https?://[^/\s]+(/accounts/password/reset/key/[0-9a-z]+-[^/\s]+/)")
CONFIRM_LINK_RE = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)")


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real concurrent transactions)")


def statuses(answers):
    found = [getattr(a, "status", repr(a)) for a in answers]
    assert all(isinstance(s, int) and s < 500 for s in found), found
    return found


def logged_in(live_server, user):
    browser = LiveBrowser(live_server.url)
    browser.get("/accounts/login/")
    answer = browser.post(
        "/accounts/login/", {"login": user.username, "password": DEFAULT_PASSWORD}
    )
    assert answer.status == 302, answer.body[:300]
    return browser


def test_one_reset_link_used_by_six_browsers_resets_once(live_server, mailoutbox):
    user = UserFactory(username="resetter")
    requester = LiveBrowser(live_server.url)
    requester.get("/accounts/password/reset/")
    assert requester.post("/accounts/password/reset/", {"email": user.email}).status == 302
    (link,) = RESET_LINK_RE.findall(mailoutbox[-1].body)
    browsers = []
    for _ in range(6):
        browser = LiveBrowser(live_server.url)
        stashed = browser.get(link)
        assert stashed.status == 302
        assert browser.get(stashed.location).status == 200  # the form, with its CSRF token
        browsers.append((browser, stashed.location))

    def use(i):
        browser, form_url = browsers[i]
        password = f"winning passphrase number {i}"
        return browser.post(form_url, {"password1": password, "password2": password})

    answers = run_at_once(6, use)

    found = statuses(answers)
    assert found.count(302) == 1, found
    assert found.count(200) == 5
    winner = found.index(302)
    assert answers[winner].location == "/accounts/password/reset/key/done/"
    for i, answer in enumerate(answers):
        if i != winner:
            assert "token_fail" in answer.body or "invalid" in answer.body.lower()
    user.refresh_from_db()
    assert user.check_password(f"winning passphrase number {winner}")
    assert SecurityLog.objects.filter(user=user, event="password_reset").count() == 1


def test_one_confirmation_link_posted_six_times_confirms_once(live_server, mailoutbox):
    user = UserFactory(username="confirmer")
    browser = logged_in(live_server, user)
    browser.get("/accounts/email/")
    added = browser.post("/accounts/email/", {"email": "second@example.org", "action_add": "1"})
    assert added.status == 302
    (link,) = [found for m in mailoutbox for found in CONFIRM_LINK_RE.findall(m.body)]
    browser.get(link)

    answers = run_at_once(6, lambda i: browser.post(link, {}))

    statuses(answers)
    assert EmailAddress.objects.get(email="second@example.org").verified
    assert SecurityLog.objects.filter(user=user, event="email_confirmed").count() == 1


def test_twenty_signups_with_one_username_make_one_user(live_server):
    browsers = [LiveBrowser(live_server.url) for _ in range(20)]
    for browser in browsers:
        browser.get("/accounts/signup/")
    data = {
        "username": "zed",
        "email": "zed@example.com",
        "password1": "a long enough passphrase",
        "password2": "a long enough passphrase",
    }

    answers = run_at_once(20, lambda i: browsers[i].post("/accounts/signup/", data))

    found = statuses(answers)
    assert User.objects.filter(username__iexact="zed").count() == 1
    assert EmailAddress.objects.filter(email="zed@example.com").count() == 1
    assert found.count(302) == 1, found
    for answer in answers:
        if answer.status != 302:
            assert answer.status == 200
            assert "A user with that username already exists." in answer.body


def test_ten_concurrent_adds_respect_the_limit_of_five(live_server):
    user = UserFactory(username="collector")  # one (primary) address already
    limit = app_settings.MAX_EMAIL_ADDRESSES
    assert limit == 5
    browser = logged_in(live_server, user)
    browser.get("/accounts/email/")

    answers = run_at_once(
        10,
        lambda i: browser.post(
            "/accounts/email/", {"email": f"extra{i}@example.org", "action_add": "1"}
        ),
    )

    found = statuses(answers)
    assert EmailAddress.objects.filter(user=user).count() == limit
    assert found.count(302) == limit - 1, found
    for answer in answers:
        if answer.status != 302:
            assert "at most 5 email addresses" in answer.body
