"""The new-device sign-in notice, and the device helpers behind it.

A login from a browser (family + OS) and IP network (/24, /64) never seen for the user mails
a notice (time, device, IP, links to the sessions page and to change the password) and sends
``new_device_login``. A repeat login from the same one does not, nor does the login that
completes a signup, nor the first login of a user with no history yet.
"""

from datetime import UTC, datetime
from smtplib import SMTPException
from unittest import mock

import pytest
import time_machine
from django.core.mail.backends.locmem import EmailBackend

from accounts import signals
from accounts.devices import describe_user_agent, device_fingerprint, ip_network
from accounts.flows.new_device import notify_if_new_device
from accounts.models import KnownDevice, User
from tests.helpers.clients import login_client
from tests.helpers.factories import UserFactory

pytestmark = pytest.mark.django_db

FIREFOX_128 = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
FIREFOX_129 = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:129.0) Gecko/20100101 Firefox/129.0"
CHROME_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
SUBJECT = "[Account site] New sign-in to your account"
SIGNUP = {
    "username": "carol",
    "email": "carol@example.com",
    "password1": "a long enough passphrase",
    "password2": "a long enough passphrase",
}


def notices(mailoutbox):
    return [m for m in mailoutbox if m.subject == SUBJECT]


def sign_in(make_client, user, ua=FIREFOX_128, ip="203.0.113.5", password=None):
    client = make_client(HTTP_USER_AGENT=ua, REMOTE_ADDR=ip)
    if password:
        return login_client(client, user, password)
    return login_client(client, user)


@pytest.fixture
def known_user(make_client, user):
    """alice, who has already signed in once from Firefox on Windows at 203.0.113.5."""
    sign_in(make_client, user)
    return user


def test_new_browser_gets_a_notice(known_user, make_client, mailoutbox, signal_catcher):
    noticed = signal_catcher(signals.new_device_login)
    with time_machine.travel(datetime(2031, 3, 1, 9, 5, tzinfo=UTC), tick=False):
        sign_in(make_client, known_user, ua=CHROME_LINUX, ip="198.51.100.7")

    noticed.assert_called_once_with(
        signal=signals.new_device_login, sender=User, request=mock.ANY, user=known_user
    )
    [mail] = notices(mailoutbox)
    assert mail.to == ["alice@example.com"]
    assert "Chrome on Linux" in mail.body
    assert "198.51.100.7" in mail.body
    assert "http://testserver/accounts/sessions/" in mail.body
    assert "http://testserver/accounts/password/change/" in mail.body
    assert "1 March 2031, 09:05 UTC" in mail.body
    html, mimetype = mail.alternatives[0]
    assert mimetype == "text/html"
    assert 'href="http://testserver/accounts/sessions/"' in html
    assert 'href="http://testserver/accounts/password/change/"' in html
    assert "Chrome on Linux" in html and "198.51.100.7" in html
    assert "1 March 2031, 09:05 UTC" in html
    assert "correct horse" not in mail.body + html
    assert KnownDevice.objects.filter(user=known_user).count() == 2


def test_repeat_login_from_the_same_browser_sends_nothing(
    known_user, make_client, mailoutbox, signal_catcher
):
    noticed = signal_catcher(signals.new_device_login)
    sign_in(make_client, known_user)
    sign_in(make_client, known_user, ua=FIREFOX_129, ip="203.0.113.77")  # update, same /24
    assert notices(mailoutbox) == []
    noticed.assert_not_called()
    assert KnownDevice.objects.filter(user=known_user).count() == 1


def test_same_browser_from_another_network_is_new(known_user, make_client, mailoutbox):
    sign_in(make_client, known_user, ip="203.0.114.5")
    assert len(notices(mailoutbox)) == 1


def test_ipv6_same_64_is_the_same_device(user, make_client, mailoutbox):
    sign_in(make_client, user, ip="2001:db8:1:2::10")
    sign_in(make_client, user, ip="2001:db8:1:2:ffff::1")
    assert notices(mailoutbox) == []
    sign_in(make_client, user, ip="2001:db8:1:3::10")
    assert len(notices(mailoutbox)) == 1


def test_not_sent_on_first_login_after_signup(client, make_client, mailoutbox, signal_catcher):
    noticed = signal_catcher(signals.new_device_login)
    response = client.post(
        "/accounts/signup/", SIGNUP, HTTP_USER_AGENT=FIREFOX_128, REMOTE_ADDR="203.0.113.5"
    )
    assert response.status_code == 302
    carol = User.objects.get(username="carol")
    assert client.get("/").wsgi_request.user == carol
    assert notices(mailoutbox) == []
    noticed.assert_not_called()
    # The signup's device is remembered: the next login from it is quiet, a new one is not.
    sign_in(make_client, carol, password=SIGNUP["password1"])
    assert notices(mailoutbox) == []
    sign_in(make_client, carol, ua=CHROME_LINUX, password=SIGNUP["password1"])
    assert len(notices(mailoutbox)) == 1
    noticed.assert_called_once()


def test_signup_login_is_quiet_even_when_the_user_has_history(
    rf, make_client, mailoutbox, signal_catcher, django_capture_on_commit_callbacks
):
    """The signup marker alone keeps the signup login quiet (not only "no history")."""
    carol = UserFactory(username="carol", email="carol@example.com")
    sign_in(make_client, carol, ua=CHROME_LINUX)
    noticed = signal_catcher(signals.new_device_login)

    def completed_login(ip, **record):
        request = rf.get("/", HTTP_USER_AGENT=FIREFOX_128, REMOTE_ADDR=ip)
        request.user = carol
        request.session = {"account_authentication_records": [{"method": "password", **record}]}
        return request

    assert notify_if_new_device(completed_login("203.0.113.5", signup=True), user=carol) is False
    # Again, the device known now: still one row for it (the upsert, not a duplicate INSERT).
    signup_device = KnownDevice.objects.filter(user=carol).latest("pk")
    assert notify_if_new_device(completed_login("203.0.113.5", signup=True), user=carol) is False
    assert KnownDevice.objects.filter(user=carol).count() == 2
    assert KnownDevice.objects.filter(user=carol).latest("pk") == signup_device
    noticed.assert_not_called()
    assert notices(mailoutbox) == []
    with django_capture_on_commit_callbacks(execute=True):  # the mail goes out on commit
        assert notify_if_new_device(completed_login("192.0.2.1"), user=carol) is True
    noticed.assert_called_once()
    assert len(notices(mailoutbox)) == 1


def test_first_login_of_a_user_without_history_is_quiet(user, make_client, mailoutbox):
    sign_in(make_client, user)
    assert notices(mailoutbox) == []
    assert KnownDevice.objects.filter(user=user).count() == 1


def test_failed_login_from_a_new_device_sends_nothing(
    known_user, make_client, mailoutbox, signal_catcher
):
    noticed = signal_catcher(signals.new_device_login)
    client = make_client(HTTP_USER_AGENT=CHROME_LINUX, REMOTE_ADDR="198.51.100.7")
    response = client.post("/accounts/login/", {"login": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert notices(mailoutbox) == []
    noticed.assert_not_called()
    assert KnownDevice.objects.filter(user=known_user).count() == 1


def test_known_devices_are_capped(known_user, make_client, settings):
    settings.ACCOUNT_MAX_KNOWN_DEVICES = 3
    first = KnownDevice.objects.get(user=known_user)
    for n in range(1, 5):
        sign_in(make_client, known_user, ip=f"192.0.{n}.1")
    devices = KnownDevice.objects.filter(user=known_user)
    assert devices.count() == 3
    assert not devices.filter(pk=first.pk).exists()
    newest = device_fingerprint(FIREFOX_128, "192.0.4.1")
    assert devices.filter(fingerprint=newest).exists()


def test_mail_failure_does_not_break_the_login(known_user, make_client, signal_catcher, caplog):
    noticed = signal_catcher(signals.new_device_login)
    with mock.patch.object(EmailBackend, "send_messages", side_effect=SMTPException("down")):
        client = sign_in(make_client, known_user, ua=CHROME_LINUX)
    assert client.get("/").wsgi_request.user == known_user
    noticed.assert_called_once()
    assert "Could not send the new_device_login mail" in caplog.text


def test_user_without_address_gets_the_signal_but_no_mail(make_client, mailoutbox, signal_catcher):
    dave = UserFactory(username="dave", email="", with_email=False)
    sign_in(make_client, dave)
    noticed = signal_catcher(signals.new_device_login)
    sign_in(make_client, dave, ua=CHROME_LINUX)
    noticed.assert_called_once()
    assert notices(mailoutbox) == []


@pytest.mark.parametrize(
    ("ua", "words"),
    [
        (FIREFOX_128, "Firefox on Windows"),
        (CHROME_LINUX, "Chrome on Linux"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Safari/605.1.15",
            "Safari on Mac OS X",
        ),
        ("", "Unknown browser"),
        ("curl/8.5.0", "curl"),
    ],
)
def test_describe_user_agent(ua, words):
    assert describe_user_agent(ua) == words


@pytest.mark.parametrize(
    ("ip", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.9", "203.0.113.0/24"),
        (None, ""),
        ("not an ip", ""),
    ],
)
def test_ip_network(ip, network):
    assert ip_network(ip) == network


def test_fingerprint_ignores_versions_and_hosts_but_not_family_or_network():
    base = device_fingerprint(FIREFOX_128, "203.0.113.5")
    assert device_fingerprint(FIREFOX_129, "203.0.113.200") == base
    assert device_fingerprint(CHROME_LINUX, "203.0.113.5") != base
    assert device_fingerprint(FIREFOX_128, "203.0.112.5") != base
    assert len(base) == 64 and "203.0.113" not in base
