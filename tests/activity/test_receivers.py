"""Every account signal, sent directly with the contract's kwargs, writes the right row once.

The receivers in isolation (``activity/receivers.py``); the same rows written by the real
flows over HTTP are in ``test_audit_over_http*.py``.
"""

import hashlib

import pytest
from django.contrib.auth.signals import user_logged_in as django_user_logged_in

from accounts import signals
from accounts.authentication import set_logout_reason
from accounts.email_confirmation import EmailConfirmation
from accounts.mfa.models import Authenticator
from accounts.models import EmailAddress, User
from activity.models import LoginLog, MFALog, SecurityLog, UserProfile
from tests.helpers.audit import TEST_AGENT, TEST_IP
from tests.helpers.factories import AuthenticatorFactory, EmailAddressFactory, UserFactory

pytestmark = pytest.mark.django_db

# Signals activity deliberately does not receive (see activity/apps.py).
NOT_RECEIVED = {"_add_email", "pre_social_login"}


def _all_signal_names():
    from django.dispatch import Signal

    return sorted(name for name in dir(signals) if isinstance(getattr(signals, name), Signal))


def test_every_account_signal_has_one_activity_receiver():
    """A signal added to accounts/signals.py without a receiver here fails this test."""
    names = _all_signal_names()
    assert {"sessions_ended", "new_device_login", "rate_limited", "suspicious_activity"} <= set(
        names
    )
    for name in names:
        uids = [key[0][0] for key in getattr(signals, name).receivers]
        expected = f"activity.on_{name}"
        if name in NOT_RECEIVED:
            assert expected not in uids
        else:
            assert uids.count(expected) == 1, name


def test_user_logged_in_writes_login_log_and_counts_on_profile(user, audit, signal_request):
    request = signal_request(user=user)
    request.session["account_authentication_records"] = [
        {"method": "password", "at": 1.0, "username": "alice"}
    ]
    signals.user_logged_in.send(sender=User, request=request, response=None, user=user)

    row = audit.assert_one(
        LoginLog,
        event="login",
        method="password",
        user=user,
        username="alice",
        email="alice@example.com",
        ip_address=TEST_IP,
        user_agent=TEST_AGENT,
        path="/accounts/x/",
    )
    assert row.session_hash == hashlib.sha256(request.session.session_key.encode()).hexdigest()
    assert audit.events() == [("LoginLog", "login")]
    profile = UserProfile.objects.get(user=user)
    assert (profile.login_count, profile.last_login_ip) == (1, TEST_IP)
    assert profile.last_login_at is not None


@pytest.mark.parametrize(
    "record,method",
    [
        ({"method": "password", "signup": True}, "password"),
        ({"method": "totp", "type": "totp", "id": 3}, "totp"),
        ({"method": "recovery_codes", "type": "recovery_codes", "id": 4}, "recovery_codes"),
        ({"method": "webauthn", "type": "webauthn", "id": 5}, "webauthn"),
        ({"method": "webauthn", "type": "webauthn", "id": 5, "passwordless": True}, "passkey"),
    ],
)
def test_login_method_is_the_last_authentication_record(
    user, audit, signal_request, record, method
):
    request = signal_request(user=user)
    request.session["account_authentication_records"] = [
        {"method": "password", "at": 1.0},
        {**record, "at": 2.0},
    ]
    signals.user_logged_in.send(sender=User, request=request, response=None, user=user)
    audit.assert_one(LoginLog, event="login", method=method)


def test_login_count_increments(user, signal_request):
    for _ in range(3):
        signals.user_logged_in.send(
            sender=User, request=signal_request(user=user), response=None, user=user
        )
    assert UserProfile.objects.get(user=user).login_count == 3


def test_djangos_own_user_logged_in_writes_nothing(user, audit, signal_request):
    django_user_logged_in.send(sender=User, request=signal_request(user=user), user=user)
    audit.assert_none()


def test_user_logged_out(user, audit, signal_request):
    signals.user_logged_out.send(sender=User, request=signal_request(user=user), user=user)
    audit.assert_one(
        LoginLog, event="logout", user=user, username="alice", ip_address=TEST_IP, reason=""
    )


def test_user_logged_out_by_a_timeout_says_so(user, audit, signal_request):
    request = signal_request(user=user)
    set_logout_reason(request, "session_expired")  # as the session middleware does
    signals.user_logged_out.send(sender=User, request=request, user=user)
    audit.assert_one(LoginLog, event="logout", user=user, reason="session_expired")


def test_user_logged_out_without_a_user_writes_nothing(audit, signal_request):
    signals.user_logged_out.send(sender=type(None), request=signal_request(), user=None)
    audit.assert_none()


def test_user_login_failed_attaches_the_account_and_never_the_password(user, audit, signal_request):
    signals.user_login_failed.send(
        sender="django.contrib.auth",
        credentials={"username": "ALICE@example.com", "password": "********************"},
        request=signal_request(),
    )
    row = audit.assert_one(
        LoginLog,
        event="failed",
        user=user,
        username="ALICE@example.com",
        email="alice@example.com",
        reason="bad_credentials",
        ip_address=TEST_IP,
    )
    assert "*****" not in str(row.extra) and row.extra == {}


def test_user_login_failed_for_unknown_account(audit, signal_request):
    signals.user_login_failed.send(
        sender="django.contrib.auth",
        credentials={"username": "nobody", "password": "********"},
        request=signal_request(),
    )
    audit.assert_one(
        LoginLog, event="failed", user=None, username="nobody", reason="unknown_account"
    )


def test_user_signed_up_writes_security_log_and_profile(audit, signal_request):
    new = UserFactory(username="carol")
    request = signal_request(REMOTE_ADDR="198.51.100.4")
    request.session["referral"] = "spring-campaign"
    signals.user_signed_up.send(sender=User, request=request, user=new)

    audit.assert_one(
        SecurityLog,
        event="signup",
        user=new,
        username="carol",
        actor=None,
        ip_address="198.51.100.4",
    )
    profile = UserProfile.objects.get(user=new)
    assert (profile.signup_ip, profile.referral) == ("198.51.100.4", "spring-campaign")


@pytest.mark.parametrize(
    "signal_name,event",
    [
        ("password_set", "password_set"),
        ("password_changed", "password_changed"),
        ("password_reset", "password_reset"),
        ("new_device_login", "new_device_login"),
    ],
)
def test_user_signals_write_one_security_log(user, audit, signal_request, signal_name, event):
    getattr(signals, signal_name).send(sender=User, request=signal_request(user=user), user=user)
    row = audit.assert_one(SecurityLog, event=event, user=user, actor=user, ip_address=TEST_IP)
    assert row.email == "alice@example.com"


def test_password_reset_by_an_anonymous_request_has_no_actor(user, audit, signal_request):
    signals.password_reset.send(sender=User, request=signal_request(), user=user)
    audit.assert_one(SecurityLog, event="password_reset", user=user, actor=None)


def test_email_confirmation_sent(user, audit, signal_request):
    address = EmailAddressFactory(user=user, email="new@example.org")
    signals.email_confirmation_sent.send(
        sender=EmailConfirmation,
        request=signal_request(),
        confirmation=EmailConfirmation(address),
        signup=False,
    )
    audit.assert_one(
        SecurityLog,
        event="email_confirmation_sent",
        user=user,
        extra={"email": "new@example.org", "signup": False},
    )


@pytest.mark.parametrize("signal_name", ["email_added", "email_removed"])
def test_email_added_and_removed(user, audit, signal_request, signal_name):
    address = EmailAddressFactory(user=user, email="second@example.org")
    getattr(signals, signal_name).send(
        sender=EmailAddress, request=signal_request(user=user), user=user, email_address=address
    )
    audit.assert_one(
        SecurityLog, event=signal_name, user=user, actor=user, extra={"email": "second@example.org"}
    )


def test_email_changed(user, audit, signal_request):
    old = user.emailaddress_set.get()
    new = EmailAddressFactory(user=user, email="new@example.org", verified=True)
    signals.email_changed.send(
        sender=EmailAddress,
        request=signal_request(user=user),
        user=user,
        from_email_address=old,
        to_email_address=new,
    )
    audit.assert_one(
        SecurityLog,
        event="email_changed",
        user=user,
        extra={"from": "alice@example.com", "to": "new@example.org"},
    )


class TestEmailConfirmedTrial:
    def _confirm(self, address, request):
        signals.email_confirmed.send(sender=EmailAddress, request=request, email_address=address)

    def test_first_primary_confirmation_starts_the_trial(self, audit, signal_request, settings):
        settings.ACTIVITY_TRIAL_ON_EMAIL_CONFIRMED = True
        settings.ACTIVITY_TRIAL_DAYS = 30
        new = UserFactory(username="dora", with_email=False)
        address = EmailAddressFactory(user=new, email="dora@example.com", primary=True)
        self._confirm(address, signal_request())

        audit.assert_one(
            SecurityLog,
            event="email_confirmed",
            user=new,
            extra={"email": "dora@example.com", "primary": True, "trial_started": True},
        )
        profile = UserProfile.objects.get(user=new)
        assert profile.trial_active
        assert (profile.trial_ends_at - profile.trial_started_at).days == 30

    def test_second_confirmation_does_not_restart_it(self, signal_request, settings):
        settings.ACTIVITY_TRIAL_ON_EMAIL_CONFIRMED = True
        new = UserFactory(username="dora", with_email=False)
        address = EmailAddressFactory(user=new, email="dora@example.com", primary=True)
        self._confirm(address, signal_request())
        first_end = UserProfile.objects.get(user=new).trial_ends_at
        self._confirm(address, signal_request())
        assert UserProfile.objects.get(user=new).trial_ends_at == first_end
        assert SecurityLog.objects.filter(event="email_confirmed").count() == 2

    def test_non_primary_address_starts_no_trial(self, audit, signal_request, settings):
        settings.ACTIVITY_TRIAL_ON_EMAIL_CONFIRMED = True
        new = UserFactory(username="dora", with_email=False)
        address = EmailAddressFactory(user=new, email="other@example.com", primary=False)
        self._confirm(address, signal_request())
        row = audit.assert_one(SecurityLog, event="email_confirmed", user=new)
        assert "trial_started" not in row.extra
        assert UserProfile.objects.get(user=new).trial_ends_at is None

    def test_setting_off_starts_no_trial(self, signal_request, settings):
        settings.ACTIVITY_TRIAL_ON_EMAIL_CONFIRMED = False
        new = UserFactory(username="dora", with_email=False)
        address = EmailAddressFactory(user=new, email="dora@example.com", primary=True)
        self._confirm(address, signal_request())
        assert UserProfile.objects.get(user=new).trial_ends_at is None

    def test_staff_confirming_in_the_admin_is_the_actor(self, user, audit, signal_request):
        staff = UserFactory(username="staff", is_staff=True)
        address = user.emailaddress_set.get()
        self._confirm(address, signal_request(user=staff))
        audit.assert_one(SecurityLog, event="email_confirmed", user=user, actor=staff)


@pytest.mark.parametrize("method", ["password", "totp", "recovery_codes", "webauthn"])
def test_reauthentication_step_writes_security_log(user, audit, signal_request, method):
    extra = {} if method == "password" else {"type": method, "id": 9}
    signals.authentication_step_completed.send(
        sender=User,
        request=signal_request(user=user),
        user=user,
        method=method,
        reauthenticated=True,
        **extra,
    )
    audit.assert_one(SecurityLog, event="reauthenticated", user=user, extra={"method": method})


def test_login_step_writes_nothing_until_the_login_completes(user, audit, signal_request):
    signals.authentication_step_completed.send(
        sender=User, request=signal_request(), user=user, method="password", username="alice"
    )
    audit.assert_none()


@pytest.mark.parametrize(
    "signal_name,auth_type,event",
    [
        ("authenticator_added", "totp", "totp_added"),
        ("authenticator_removed", "totp", "totp_removed"),
        ("authenticator_added", "recovery_codes", "recovery_codes_added"),
        ("authenticator_removed", "recovery_codes", "recovery_codes_removed"),
        ("authenticator_reset", "recovery_codes", "recovery_codes_reset"),
        ("authenticator_added", "webauthn", "webauthn_added"),
        ("authenticator_removed", "webauthn", "webauthn_removed"),
    ],
)
def test_authenticator_changes_write_security_log(
    user, audit, signal_request, signal_name, auth_type, event
):
    authenticator = AuthenticatorFactory(user=user, type=auth_type)
    getattr(signals, signal_name).send(
        sender=Authenticator,
        request=signal_request(user=user),
        user=user,
        authenticator=authenticator,
    )
    audit.assert_one(
        SecurityLog,
        event=event,
        user=user,
        actor=user,
        extra={"authenticator_id": authenticator.pk, "type": auth_type},
    )
    assert event in SecurityLog.Event.values


@pytest.mark.parametrize(
    "auth_type,reauthenticated,passwordless",
    [
        ("totp", False, False),
        ("totp", True, False),
        ("recovery_codes", False, False),
        ("webauthn", False, False),
        ("webauthn", False, True),
        ("webauthn", True, False),
    ],
)
def test_authenticator_used_writes_mfa_log(
    user, audit, signal_request, auth_type, reauthenticated, passwordless
):
    authenticator = AuthenticatorFactory(user=user, type=auth_type)
    signals.authenticator_used.send(
        sender=Authenticator,
        request=signal_request(),
        user=user,
        authenticator=authenticator,
        reauthenticated=reauthenticated,
        passwordless=passwordless,
    )
    audit.assert_one(
        MFALog,
        event="used",
        method=auth_type,
        authenticator_id=authenticator.pk,
        reauthentication=reauthenticated,
        passwordless=passwordless,
        user=user,
        ip_address=TEST_IP,
    )


@pytest.mark.parametrize("reauthentication", [False, True])
def test_authentication_failed_writes_mfa_log(user, audit, signal_request, reauthentication):
    authenticator = AuthenticatorFactory(user=user, type="totp")
    signals.authentication_failed.send(
        sender=Authenticator,
        request=signal_request(),
        user=user,
        authenticator=authenticator,
        reauthentication=reauthentication,
    )
    audit.assert_one(
        MFALog,
        event="failed",
        method="totp",
        authenticator_id=authenticator.pk,
        reauthentication=reauthentication,
        user=user,
    )


def test_sessions_ended_by_staff_records_the_actor(user, audit, signal_request):
    staff = UserFactory(username="staff", is_staff=True)
    signals.sessions_ended.send(
        sender=User,
        request=signal_request(user=staff),
        user=user,
        actor=staff,
        count=3,
        scope="all",
    )
    audit.assert_one(
        SecurityLog,
        event="sessions_ended",
        user=user,
        actor=staff,
        extra={"count": 3, "scope": "all"},
    )


def test_rate_limited_with_and_without_an_account(user, audit, signal_request):
    signals.rate_limited.send(
        sender=None, request=signal_request(), action="login_failed", user=user
    )
    audit.assert_one(
        SecurityLog, event="rate_limited", user=user, actor=None, extra={"action": "login_failed"}
    )
    audit.mark()
    signals.rate_limited.send(sender=None, request=signal_request(), action="signup", user=None)
    audit.assert_one(
        SecurityLog, event="rate_limited", user=None, username="", extra={"action": "signup"}
    )


def test_an_anonymous_user_kwarg_is_stored_as_no_user(audit, signal_request):
    from django.contrib.auth.models import AnonymousUser

    signals.rate_limited.send(
        sender=None, request=signal_request(), action="login", user=AnonymousUser()
    )
    audit.assert_one(SecurityLog, event="rate_limited", user=None, username="")


def test_suspicious_activity(user, audit, signal_request):
    signals.suspicious_activity.send(
        sender=User,
        request=signal_request(user=user),
        user=user,
        reason="webauthn_sign_count",
        details={"authenticator_id": 5, "stored": 10, "received": 3},
    )
    audit.assert_one(
        SecurityLog,
        event="suspicious_activity",
        user=user,
        extra={
            "reason": "webauthn_sign_count",
            "details": {"authenticator_id": 5, "stored": 10, "received": 3},
        },
    )


def test_a_signal_without_request_still_logs(user, audit):
    signals.password_reset.send(sender=User, request=None, user=user)
    row = audit.assert_one(SecurityLog, event="password_reset", user=user, ip_address=None)
    assert (row.user_agent, row.session_hash, row.path) == ("", "", "")


def test_client_ip_from_forwarded_for_only_with_trusted_proxies(
    user, audit, signal_request, settings
):
    spoofed = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 198.51.100.9"}
    settings.ACCOUNT_TRUSTED_PROXY_COUNT = 0
    signals.password_changed.send(
        sender=User, request=signal_request(user=user, **spoofed), user=user
    )
    audit.assert_one(SecurityLog, ip_address="10.0.0.1")
    audit.mark()
    settings.ACCOUNT_TRUSTED_PROXY_COUNT = 1
    signals.password_changed.send(
        sender=User, request=signal_request(user=user, **spoofed), user=user
    )
    audit.assert_one(SecurityLog, ip_address="198.51.100.9")
