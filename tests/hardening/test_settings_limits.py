"""Point 13: ``ACCOUNT_RATE_LIMITS = False`` turns every limit off (allauth semantics); a dict
overrides single actions; both are validated by the system checks."""

import pytest
from django.core import checks
from django.test import override_settings

from accounts import app_settings
from accounts.checks import check_account_settings
from tests.helpers.passwords import post_login

pytestmark = pytest.mark.django_db


@override_settings(ACCOUNT_RATE_LIMITS=False)
def test_false_turns_every_limit_off(make_client, user):
    assert set(app_settings.RATE_LIMITS.values()) == {""}
    # 40 wrong passwords from one IP on one account: the defaults (10/m/ip, 5/300s/key)
    # would refuse from the 6th on; with limits off every attempt is checked.
    for _ in range(40):
        _, response = post_login(make_client, "alice", "wrong password")
        assert response.status_code == 200
        assert "do not match" in response.content.decode()
    _, response = post_login(make_client, "alice", "correct horse battery staple")
    assert response.status_code == 302


@override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "2/m/ip"})
def test_a_dict_overrides_one_action_and_keeps_the_others(make_client, user):
    limits = app_settings.RATE_LIMITS
    assert limits["login_failed"] == "2/m/ip"
    assert limits["signup"] == "20/m/ip"
    statuses = [post_login(make_client, "alice", "wrong")[1].status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("10/m/ip", "a dict of rates, or False"),
        (True, "a dict of rates, or False"),
        ({"login": "ten per minute"}, 'rates like "10/m/ip,5/300s/key"'),
        ({"login": "10/m/everyone"}, 'rates like "10/m/ip,5/300s/key"'),
        ({"login": 10}, 'rates like "10/m/ip,5/300s/key"'),
    ],
)
def test_bad_values_are_reported_by_the_system_checks(value, fragment):
    with override_settings(ACCOUNT_RATE_LIMITS=value):
        errors = [e for e in check_account_settings() if e.obj == "ACCOUNT_RATE_LIMITS"]
    assert len(errors) == 1
    assert errors[0].id == "accounts.E001"
    assert isinstance(errors[0], checks.Error)
    assert fragment in errors[0].msg


@pytest.mark.parametrize("value", [False, {}, None, {"login": ""}, {"signup": "1/h/ip,3/d/key"}])
def test_good_values_pass_the_system_checks(value):
    with override_settings(ACCOUNT_RATE_LIMITS=value):
        assert [e for e in check_account_settings() if e.obj == "ACCOUNT_RATE_LIMITS"] == []
