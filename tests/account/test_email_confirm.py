"""Confirming addresses: the link (GET shows, POST confirms), keys, the admin action, the
login-time resend in mandatory mode, the cooldown, and concurrent confirmations."""

import threading
import time
from unittest import mock

import pytest
import time_machine
from django.db import connection
from django.test import override_settings

from accounts import ratelimit, signals
from accounts.email_confirmation import EmailConfirmation
from accounts.models import EmailAddress
from tests.helpers.email import RequestTo
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

DAY = 24 * 60 * 60


def confirm_url(address):
    return f"/accounts/confirm-email/{EmailConfirmation(address).key}/"


@pytest.fixture
def address(user):
    return EmailAddress.objects.create(user=user, email="second@example.org")


@pytest.fixture
def confirmed(signal_catcher):
    return signal_catcher(signals.email_confirmed)


# --- GET shows, POST confirms ----------------------------------------------------------------


def test_get_shows_address_and_button_and_changes_nothing(client, address, confirmed):
    response = client.get(confirm_url(address))
    assert response.status_code == 200
    html = response.content.decode()
    assert "second@example.org" in html
    assert "alice" in html
    assert '<button type="submit" class="btn btn-primary w-100">Confirm</button>' in html
    address.refresh_from_db()
    assert address.verified is False
    confirmed.assert_not_called()


def test_post_confirms_and_sends_email_confirmed(auth_client, address, confirmed):
    url = confirm_url(address)
    response = auth_client.post(url)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/email/"
    address.refresh_from_db()
    assert address.verified is True
    assert address.primary is False  # alice already has a primary
    confirmed.assert_called_once_with(
        signal=signals.email_confirmed,
        sender=EmailAddress,
        request=RequestTo(url),
        email_address=address,
    )
    assert confirmed.call_args.kwargs["email_address"].verified is True
    page = auth_client.get("/accounts/email/")
    assert "You have confirmed second@example.org." in [str(m) for m in page.context["messages"]]


def test_confirming_twice_is_harmless(auth_client, address, confirmed):
    url = confirm_url(address)
    auth_client.post(url)
    response = auth_client.post(url)
    assert response.status_code == 302
    assert confirmed.call_count == 1
    address.refresh_from_db()
    assert address.verified is True
    assert "already confirmed" in auth_client.get(url).content.decode()


def test_confirmation_does_not_log_anyone_in(make_client, address, confirmed):
    stranger = make_client()
    response = stranger.post(confirm_url(address))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in stranger.session
    address.refresh_from_db()
    assert address.verified is True
    confirmed.assert_called_once()


def test_another_logged_in_user_confirming_goes_home(make_client, address, other_user):
    bob = make_client()
    bob.force_login(other_user)
    response = bob.post(confirm_url(address))
    assert response["Location"] == "/"
    assert int(bob.session["_auth_user_id"]) == other_user.pk


def test_post_without_csrf_token_is_refused(make_client, address, confirmed):
    client = make_client(enforce_csrf_checks=True)
    response = client.post(confirm_url(address))
    assert response.status_code == 403
    address.refresh_from_db()
    assert address.verified is False
    confirmed.assert_not_called()


def test_first_verified_address_becomes_primary(client, signal_catcher):
    user = UserFactory(username="erin", email="", with_email=False)
    address = EmailAddress.objects.create(user=user, email="erin@example.org")
    changed = signal_catcher(signals.email_changed)
    client.post(confirm_url(address))
    address.refresh_from_db()
    user.refresh_from_db()
    assert (address.verified, address.primary) == (True, True)
    assert user.email == "erin@example.org"
    changed.assert_not_called()


# --- Bad keys ----------------------------------------------------------------------------------


def assert_invalid_page(response):
    assert response.status_code == 404
    html = response.content.decode()
    assert "This link is invalid or has expired" in html
    assert "request a new link" in html.lower()


@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_key_gets_the_friendly_page(client, address, confirmed, method):
    key = EmailConfirmation(address).key
    tampered = key[:-2] + ("A" if key[-2] != "A" else "B") + key[-1]
    response = getattr(client, method)(f"/accounts/confirm-email/{tampered}/")
    assert_invalid_page(response)
    address.refresh_from_db()
    assert address.verified is False
    confirmed.assert_not_called()


def test_invalid_page_offers_a_new_link(client, auth_client):
    anonymous = client.__class__().get("/accounts/confirm-email/garbage/")
    assert_invalid_page(anonymous)
    assert 'href="/accounts/login/?next=/accounts/email/"' in anonymous.content.decode()
    logged_in = auth_client.get("/accounts/confirm-email/garbage/")
    assert 'href="/accounts/email/"' in logged_in.content.decode()
    assert "Re-send verification" in logged_in.content.decode()


def test_key_expires_after_three_days(client, address, confirmed):
    start = time.time()
    with time_machine.travel(start, tick=False):
        url = confirm_url(address)
    with time_machine.travel(start + 3 * DAY + 1, tick=False):
        assert_invalid_page(client.get(url))
        assert_invalid_page(client.post(url))
    confirmed.assert_not_called()
    with time_machine.travel(start + 3 * DAY - 1, tick=False):
        assert client.post(url).status_code == 302
    confirmed.assert_called_once()


@override_settings(ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS=1)
def test_expiry_is_a_setting(client, address):
    start = time.time()
    with time_machine.travel(start, tick=False):
        url = confirm_url(address)
    with time_machine.travel(start + DAY + 1, tick=False):
        assert_invalid_page(client.post(url))
    address.refresh_from_db()
    assert address.verified is False


def test_key_is_bound_to_the_exact_address(client, address, confirmed):
    url = confirm_url(address)
    EmailAddress.objects.filter(pk=address.pk).update(email="other@example.net")
    assert_invalid_page(client.post(url))
    address.refresh_from_db()
    assert address.verified is False
    confirmed.assert_not_called()


def test_key_of_a_removed_address_is_invalid(client, address, confirmed):
    url = confirm_url(address)
    address.delete()
    assert_invalid_page(client.post(url))
    confirmed.assert_not_called()


def test_key_expires_after_the_configured_days(client, address):
    url = confirm_url(address)
    with time_machine.travel(time.time() + 3 * DAY + 5, tick=False):
        assert_invalid_page(client.get(url))


# --- Already verified by another account -----------------------------------------------------


def test_address_verified_by_another_account_cannot_be_confirmed(
    auth_client, user, other_user, confirmed
):
    mine = EmailAddress.objects.create(user=user, email="Bob@Example.com")
    url = confirm_url(mine)
    assert auth_client.get(url).status_code == 200

    response = auth_client.post(url)

    assert response.status_code == 409
    html = response.content.decode()
    assert "already verified by another account" in html
    mine.refresh_from_db()
    assert mine.verified is False
    assert EmailAddress.objects.get(user=other_user).verified is True
    confirmed.assert_not_called()


def test_database_constraint_race_is_answered_not_crashed(auth_client, user, other_user, confirmed):
    """The check passed but the other account won meanwhile: the unique index says no."""
    mine = EmailAddress.objects.create(user=user, email="bob@example.com")
    with mock.patch("accounts.flows.manage_email.verified_elsewhere", return_value=False):
        response = auth_client.post(confirm_url(mine))
    assert response.status_code == 409
    assert "already verified by another account" in response.content.decode()
    mine.refresh_from_db()
    assert mine.verified is False
    confirmed.assert_not_called()
    # The request's transaction is still usable after the caught IntegrityError.
    assert auth_client.get("/accounts/email/").status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_confirmations_leave_one_verified_owner(make_client, signal_catcher):
    """Two accounts confirm one address at the same moment: at most one verified owner."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks and a real concurrent unique index)")
    from accounts.flows import manage_email as email_flows

    confirmed = signal_catcher(signals.email_confirmed)
    urls = []
    for name in ("carl", "dina"):
        user = UserFactory(username=name)
        urls.append(confirm_url(EmailAddress.objects.create(user=user, email="Shared@Example.org")))

    barrier = threading.Barrier(2, timeout=10)
    real_check = email_flows.verified_elsewhere

    def check_then_wait(address):
        # Both requests pass the check before either writes: the database must decide.
        result = real_check(address)
        barrier.wait()
        return result

    statuses, errors = [], []

    def confirm(url):
        try:
            statuses.append(make_client().post(url).status_code)
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    with mock.patch.object(email_flows, "verified_elsewhere", side_effect=check_then_wait):
        threads = [threading.Thread(target=confirm, args=(url,)) for url in urls]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

    assert errors == []
    assert sorted(statuses) == [302, 409]
    assert (
        EmailAddress.objects.filter(email__iexact="shared@example.org", verified=True).count() == 1
    )
    assert confirmed.call_count == 1


# --- Admin action ------------------------------------------------------------------------------


def test_admin_mark_verified_sends_email_confirmed(client, address, other_user, confirmed):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    taken = EmailAddress.objects.create(user=admin, email="BOB@example.com")
    client.force_login(admin)
    url = "/admin/accounts/emailaddress/"

    response = client.post(
        url,
        {"action": "mark_verified", "_selected_action": [address.pk, taken.pk]},
        follow=True,
    )

    assert response.status_code == 200
    address.refresh_from_db()
    taken.refresh_from_db()
    assert address.verified is True
    assert taken.verified is False
    confirmed.assert_called_once_with(
        signal=signals.email_confirmed,
        sender=EmailAddress,
        request=RequestTo(url),
        email_address=address,
    )
    html = response.content.decode()
    assert "1 address marked as verified." in html
    assert "1 address skipped: already verified by another account." in html


def test_admin_action_needs_change_permission(client, address, confirmed):
    viewer = UserFactory(username="viewer", is_staff=True)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_emailaddress"))
    client.force_login(viewer)
    client.post(
        "/admin/accounts/emailaddress/",
        {"action": "mark_verified", "_selected_action": [address.pk]},
    )
    address.refresh_from_db()
    assert address.verified is False
    confirmed.assert_not_called()


# --- Mandatory verification: the login re-sends the mail --------------------------------------


@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory")
def test_login_resends_verification_subject_to_cooldown(client, signal_catcher, mailoutbox):
    user = UserFactory(username="fresh", with_email=False)
    address = EmailAddress.objects.create(user=user, email=user.email, primary=True)
    sent = signal_catcher(signals.email_confirmation_sent)
    logged_in = signal_catcher(signals.user_logged_in)
    credentials = {"login": "fresh", "password": DEFAULT_PASSWORD}
    start = time.time()

    with time_machine.travel(start, tick=False):
        response = client.post("/accounts/login/", credentials)
    assert response["Location"] == "/accounts/confirm-email/"
    assert [m.to for m in mailoutbox] == [[user.email]]
    sent.assert_called_once_with(
        signal=signals.email_confirmation_sent,
        sender=EmailConfirmation,
        request=RequestTo("/accounts/login/"),
        confirmation=mock.ANY,
        signup=False,
    )
    assert sent.call_args.kwargs["confirmation"].email_address == address

    with time_machine.travel(start + 60, tick=False):
        response = client.post("/accounts/login/", credentials)
    assert response["Location"] == "/accounts/confirm-email/"  # same page, no second mail
    assert len(mailoutbox) == 1
    assert sent.call_count == 1

    with time_machine.travel(start + 181, tick=False):
        client.post("/accounts/login/", credentials)
    assert len(mailoutbox) == 2
    assert sent.call_count == 2
    logged_in.assert_not_called()
    assert "_auth_user_id" not in client.session
    page = client.get("/accounts/confirm-email/")
    assert "Verify your email address" in page.content.decode()


@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory")
def test_confirming_then_logging_in_works(client, mailoutbox):
    user = UserFactory(username="fresh", with_email=False)
    EmailAddress.objects.create(user=user, email=user.email, primary=True)
    credentials = {"login": "fresh", "password": DEFAULT_PASSWORD}
    client.post("/accounts/login/", credentials)
    link = next(
        line for line in mailoutbox[0].body.splitlines() if "/accounts/confirm-email/" in line
    )
    path = link.strip().removeprefix("http://testserver")
    assert client.post(path).status_code == 302
    response = client.post("/accounts/login/", credentials)
    assert response["Location"] == "/"
    assert int(client.session["_auth_user_id"]) == user.pk


# --- The cooldown itself -----------------------------------------------------------------------


def test_confirm_email_rate_comes_from_the_cooldown_setting():
    assert ratelimit.get_rates("confirm_email") == [ratelimit.Rate(1, 180, "key")]
    with override_settings(ACCOUNT_EMAIL_CONFIRMATION_COOLDOWN=45):
        assert ratelimit.get_rates("confirm_email") == [ratelimit.Rate(1, 45, "key")]
    with override_settings(ACCOUNT_EMAIL_CONFIRMATION_COOLDOWN=0):
        assert ratelimit.get_rates("confirm_email") == []
    with override_settings(ACCOUNT_RATE_LIMITS={"confirm_email": "3/h/key"}):
        assert ratelimit.get_rates("confirm_email") == [ratelimit.Rate(3, 3600, "key")]


def test_cooldown_holds_across_a_rate_window_boundary(auth_client, address, mailoutbox):
    """Fixed rate windows alone would let a second mail through one second later."""
    boundary = (int(time.time()) // 180 + 1) * 180
    with time_machine.travel(boundary - 1, tick=False):
        assert (
            auth_client.post(
                "/accounts/email/", {"email": address.email, "action_send": "1"}
            ).status_code
            == 302
        )
    with time_machine.travel(boundary + 1, tick=False):
        response = auth_client.post(
            "/accounts/email/", {"email": address.email, "action_send": "1"}
        )
    assert response.status_code == 429
    assert len(mailoutbox) == 1
    with time_machine.travel(boundary + 180, tick=False):
        auth_client.post("/accounts/email/", {"email": address.email, "action_send": "1"})
    assert len(mailoutbox) == 2


@override_settings(ACCOUNT_EMAIL_CONFIRMATION_COOLDOWN=0)
def test_zero_cooldown_turns_the_limit_off(auth_client, address, mailoutbox):
    for _ in range(3):
        auth_client.post("/accounts/email/", {"email": address.email, "action_send": "1"})
    assert len(mailoutbox) == 3


def test_cooldown_is_per_address_not_per_user(auth_client, user, mailoutbox):
    for name in ("one", "two"):
        EmailAddress.objects.create(user=user, email=f"{name}@example.org")
        response = auth_client.post(
            "/accounts/email/", {"email": f"{name}@example.org", "action_send": "1"}
        )
        assert response.status_code == 302
    assert len(mailoutbox) == 2


def test_a_confirmation_keeps_the_key_that_was_mailed(address):
    """Receivers of email_confirmation_sent read the same key the mail carried."""
    confirmation = EmailConfirmation(address)
    key = confirmation.key
    with time_machine.travel(time.time() + 5, tick=False):
        assert confirmation.key == key
        assert EmailConfirmation(address).key != key  # a new confirmation, a new key
