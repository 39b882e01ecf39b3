"""Credential stuffing / password spraying: failed logins spread over many accounts from one
source, and over many networks on one account, are reported once, recorded as
``suspicious_activity``, shown on the dashboard and mailed (throttled) to staff."""

import pytest
from django.core import mail

from accounts import detection
from accounts.signals import suspicious_activity
from activity.models import SecurityLog
from tests.helpers.factories import UserFactory

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.66"


@pytest.fixture(autouse=True)
def thresholds(settings):
    settings.ACCOUNT_ATTACK_ACCOUNTS_PER_SOURCE = 5
    settings.ACCOUNT_ATTACK_NETWORKS_PER_ACCOUNT = 4
    # budgets out of the way: this is about watching, not blocking
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "1000/m/ip,1000/300s/key", "login": ""}


class Caught:
    """The kwargs of each call of a caught signal, as a list."""

    def __init__(self, receiver):
        self.receiver = receiver

    def __eq__(self, other):
        return list(self) == other

    def __iter__(self):
        return iter(call.kwargs for call in self.receiver.call_args_list)

    def __len__(self):
        return len(self.receiver.call_args_list)

    def __getitem__(self, index):
        return self.receiver.call_args_list[index].kwargs


def fail(client, login, ip):
    response = client.post(
        "/accounts/login/", {"login": login, "password": "Winter2030!"}, REMOTE_ADDR=ip
    )
    assert response.status_code == 200
    return response


def test_many_accounts_from_one_ip_is_reported_once(client, signal_catcher, admin_user):
    caught = Caught(signal_catcher(suspicious_activity))
    users = UserFactory.create_batch(4)
    names = [u.username for u in users] + ["ghost1", "ghost2", "ghost3"]
    for name in names[:4]:
        fail(client, name, ATTACKER)
        fail(client, name, ATTACKER)  # the same account twice counts once
    assert caught == []
    for name in names[4:]:
        fail(client, name, ATTACKER)

    assert len(caught) == 1
    assert caught[0]["reason"] == detection.MANY_ACCOUNTS
    assert caught[0]["user"] is None
    assert caught[0]["details"] == {"ip": ATTACKER, "accounts": 5, "window": 1200}
    row = SecurityLog.objects.get(event="suspicious_activity")
    assert row.extra == {"reason": detection.MANY_ACCOUNTS, "details": caught[0]["details"]}
    assert row.ip_address == ATTACKER
    # one staff alert, with the source; the next report of this kind waits for the interval
    assert [m.to for m in mail.outbox] == [[admin_user.email]]
    assert ATTACKER in mail.outbox[0].body


def test_a_network_rotating_addresses_is_reported(client, signal_catcher):
    caught = Caught(signal_catcher(suspicious_activity))
    for i in range(5):
        fail(client, f"victim{i}", f"198.51.100.{10 + i}")  # one /24, a new address each time
    assert [c["details"] for c in caught] == [
        {"network": "198.51.100.0/24", "accounts": 5, "window": 1200}
    ]


def test_one_account_from_many_networks_is_reported(client, user, signal_catcher):
    caught = Caught(signal_catcher(suspicious_activity))
    ips = ["192.0.2.1", "198.51.100.1", "203.0.113.1", "2001:db8:1::1", "2001:db8:1::2"]
    for ip in ips[:3]:
        fail(client, "alice", ip)
    fail(client, "alice@example.com", "192.0.2.99")  # same network and account: no new one
    assert caught == []
    fail(client, "ALICE", ips[3])
    fail(client, "alice", ips[4])  # same /48 as the previous one
    assert len(caught) == 1
    assert caught[0]["reason"] == detection.MANY_NETWORKS
    assert caught[0]["user"] == user
    assert caught[0]["details"] == {"networks": 4, "window": 1200, "ip": ips[3]}
    row = SecurityLog.objects.get(event="suspicious_activity")
    assert row.user == user


def test_normal_failures_are_not_reported(client, user, signal_catcher):
    caught = Caught(signal_catcher(suspicious_activity))
    for i in range(3):
        fail(client, "alice", "192.0.2.1")
        fail(client, f"typo{i}", "192.0.2.2")
    assert caught == []
    assert not SecurityLog.objects.filter(event="suspicious_activity").exists()


def test_staff_mail_is_throttled_per_kind(client, admin_user):
    for i in range(5):
        fail(client, f"a{i}", "192.0.2.10")
    for i in range(5):
        fail(client, f"b{i}", "203.0.113.10")
    assert SecurityLog.objects.filter(event="suspicious_activity").count() == 2
    assert len(mail.outbox) == 1


def test_the_dashboard_lists_suspicious_activity(client, admin_client):
    for i in range(5):
        fail(client, f"a{i}", ATTACKER)
    html = admin_client.get("/admin/activity/dashboard/").content.decode()
    section = html.split('data-testid="suspicious-section"')[1].split("</section>")[0]
    assert detection.MANY_ACCOUNTS in section and ATTACKER in section


def test_the_failed_login_path_spends_no_query_on_detection(client, django_assert_num_queries):
    """Detection counts in the cache: a failed login costs what it did (see hardening)."""
    fail(client, "warmup", ATTACKER)
    # SAVEPOINT, user lookup, LoginLog (its hourly and source counters are kept by the
    # table's trigger in the same statement), RELEASE, the social sign-in buttons of the page
    # shown again
    with django_assert_num_queries(5):
        fail(client, "nobody", ATTACKER)
