"""Point 4: an attacker cannot lock the owner out (OWASP device cookies).

Five wrong passwords from five IPs lock the account for browsers that never completed a
login for it; the owner's browser, holding a signed device cookie from an earlier login,
still gets in, and has its own small budget. A reset still clears the lockout. Lockouts and
unlocks are audited.
"""

import pytest
from django.core import signing
from django.test import override_settings

from accounts import signals
from accounts.device_cookies import DEVICE_COOKIE_NAME, DEVICE_COOKIE_SALT
from activity.models import SecurityLog
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers.passwords import complete_reset, mailed_link

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
LOCKED = "Too many failed login attempts"


def attempt(client, password, login="alice"):
    return client.post(LOGIN, {"login": login, "password": password})


def trusted_browser(make_client, ip="10.9.9.9"):
    """The owner's browser: it completed a login (and got the device cookie), then logged out."""
    browser = make_client(REMOTE_ADDR=ip)
    response = attempt(browser, DEFAULT_PASSWORD)
    assert response.status_code == 302
    cookie = response.cookies[DEVICE_COOKIE_NAME]
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) >= 60 * 60 * 24 * 30
    assert browser.post("/accounts/logout/").status_code == 302
    assert DEVICE_COOKIE_NAME in browser.cookies  # outlives the session
    return browser


def lock_from_five_ips(make_client, login="alice"):
    for i in range(5):
        response = attempt(make_client(REMOTE_ADDR=f"203.0.113.{i}"), "wrong", login)
        assert response.status_code == 200


def test_attackers_lock_strangers_out_but_not_the_owner(make_client, user, signal_catcher):
    owner = trusted_browser(make_client)
    locked = signal_catcher(signals.login_locked)

    lock_from_five_ips(make_client)

    stranger = make_client(REMOTE_ADDR="198.51.100.7")
    refused = attempt(stranger, DEFAULT_PASSWORD)
    assert refused.status_code == 429 and LOCKED in refused.content.decode()
    assert "_auth_user_id" not in stranger.session
    response = attempt(owner, DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert owner.session["_auth_user_id"] == str(user.pk)
    locked.assert_called_once_with(
        signal=signals.login_locked,
        sender=type(user),
        request=locked.call_args.kwargs["request"],
        user=user,
        scope="account",
    )
    rows = SecurityLog.objects.filter(event="login_locked", user=user)
    assert [row.extra for row in rows] == [{"scope": "account"}]


def test_a_trusted_browser_has_its_own_small_budget(make_client, user):
    owner = trusted_browser(make_client)
    for _ in range(5):
        assert attempt(owner, "wrong").status_code == 200
    assert attempt(owner, DEFAULT_PASSWORD).status_code == 429  # it cannot guess on
    # ...and its failures did not lock the account for anyone else.
    assert attempt(make_client(REMOTE_ADDR="198.51.100.8"), DEFAULT_PASSWORD).status_code == 302
    assert (
        SecurityLog.objects.filter(event="login_locked", user=user, extra__scope="device").count()
        == 1
    )


def test_forged_or_foreign_cookies_are_not_trusted(make_client, user):
    other = UserFactory(username="bob", email="bob@example.com")
    bobs_browser = make_client(REMOTE_ADDR="10.8.8.8")
    assert attempt(bobs_browser, DEFAULT_PASSWORD, login="bob").status_code == 302
    bobs_browser.post("/accounts/logout/")
    forged = make_client(REMOTE_ADDR="10.7.7.7")
    forged.cookies[DEVICE_COOKIE_NAME] = f"{user.pk}:made-up-nonce"  # not signed
    resigned = make_client(REMOTE_ADDR="10.6.6.6")
    resigned.cookies[DEVICE_COOKIE_NAME] = signing.get_cookie_signer(
        salt=DEVICE_COOKIE_NAME + DEVICE_COOKIE_SALT
    ).sign(f"{other.pk}:nonce")  # valid, but for bob

    lock_from_five_ips(make_client)

    for browser in (bobs_browser, forged, resigned):
        assert attempt(browser, DEFAULT_PASSWORD).status_code == 429


def test_a_reset_still_clears_the_lockout_and_is_audited(make_client, user, mailoutbox):
    lock_from_five_ips(make_client)
    stranger = make_client(REMOTE_ADDR="198.51.100.9")
    assert attempt(stranger, DEFAULT_PASSWORD).status_code == 429

    path, uidb36, _ = mailed_link(make_client(), mailoutbox)
    new_password = "a fresh passphrase after reset"
    assert complete_reset(make_client(), path, uidb36, new_password).status_code == 302

    assert attempt(stranger, new_password).status_code == 302
    unlocked = SecurityLog.objects.get(event="login_unlocked", user=user)
    assert unlocked.extra == {"reason": "password_reset"}
    events = list(
        SecurityLog.objects.filter(user=user, event__startswith="login_")
        .order_by("pk")
        .values_list("event", flat=True)
    )
    assert events == ["login_locked", "login_unlocked"]


def test_a_reset_without_a_lockout_sends_no_unlock(make_client, user, mailoutbox, signal_catcher):
    unlocked = signal_catcher(signals.login_unlocked)
    path, uidb36, _ = mailed_link(make_client(), mailoutbox)
    assert complete_reset(make_client(), path, uidb36).status_code == 302
    unlocked.assert_not_called()


@override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "10/m/ip"})
def test_no_key_budget_no_lockout(make_client, user, signal_catcher):
    locked = signal_catcher(signals.login_locked)
    lock_from_five_ips(make_client)
    assert attempt(make_client(REMOTE_ADDR="198.51.100.10"), DEFAULT_PASSWORD).status_code == 302
    locked.assert_not_called()
