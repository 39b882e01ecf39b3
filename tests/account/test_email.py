"""The email-addresses page over HTTP: add, remove, make primary, resend, with their signals."""

import re
import threading
import time
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings

from accounts import signals
from accounts.email_confirmation import EmailConfirmation
from accounts.models import EmailAddress, User
from tests.helpers.clients import login_client
from tests.helpers.email import RequestTo, act, add_address
from tests.helpers.factories import DEFAULT_PASSWORD, EmailAddressFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/accounts/email/"
REAUTH = "/accounts/reauthenticate/?next=%2Faccounts%2Femail%2F"
NOT_YOURS = "That is not one of your email addresses."
MANAGE_SIGNALS = (
    "_add_email",
    "email_added",
    "email_removed",
    "email_changed",
    "email_confirmation_sent",
    "email_confirmed",
)


@pytest.fixture
def catch_all(signal_catcher):
    """Every email signal caught: ``caught["email_added"]`` etc."""
    return {name: signal_catcher(getattr(signals, name)) for name in MANAGE_SIGNALS}


def assert_none_sent(caught):
    for name, receiver in caught.items():
        assert not receiver.called, name


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- The page --------------------------------------------------------------------------------


def rows_of(html):
    """The email page's address rows, in order, as HTML."""
    return [row.split("</li>")[0] for row in html.split('data-testid="email-row"')[1:]]


def buttons_of(row):
    return re.findall(r'<button type="submit" name="(\w+)"', row)


def test_page_needs_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_page_lists_addresses_with_badges(auth_client, user):
    add_address(user, "second@example.org")
    response = auth_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="email-row"') == 2
    primary, second = rows_of(html)
    assert "alice@example.com" in primary and "Primary" in primary and "Verified" in primary
    assert "second@example.org" in second and "Unverified" in second
    # Each row is its own small form naming its address, with only what applies to it: the
    # primary (verified) one can be neither made primary nor removed while others exist.
    assert 'name="email" value="alice@example.com"' not in primary
    assert 'name="email" value="second@example.org"' in second
    assert buttons_of(second) == ["action_send", "ask_remove"]
    assert 'name="action_add"' in html


def test_get_changes_nothing_even_with_action_in_query(auth_client, user, catch_all, mailoutbox):
    second = add_address(user, "second@example.org", verified=True)
    response = auth_client.get(URL, {"email": second.email, "action_remove": "1"})
    assert response.status_code == 200
    assert EmailAddress.objects.filter(pk=second.pk).exists()
    assert_none_sent(catch_all)
    assert mailoutbox == []


def test_post_without_action_is_a_bad_request(auth_client, user, catch_all):
    assert auth_client.post(URL, {"email": "alice@example.com"}).status_code == 400
    assert_none_sent(catch_all)


def test_post_without_csrf_token_is_refused(make_client, user):
    client = make_client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(URL, {"email": "new@example.org", "action_add": "1"})
    assert response.status_code == 403
    assert not EmailAddress.objects.filter(email="new@example.org").exists()


# --- Add -------------------------------------------------------------------------------------


def test_add_sends_signals_mails_and_saves_unverified(auth_client, user, catch_all, mailoutbox):
    response = act(auth_client, "action_add", "new@example.org")

    assert response.status_code == 302
    assert response["Location"] == URL
    address = EmailAddress.objects.get(email="new@example.org")
    assert (address.user, address.verified, address.primary) == (user, False, False)
    catch_all["_add_email"].assert_called_once_with(
        signal=signals._add_email, sender=User, email="new@example.org", user=user
    )
    catch_all["email_confirmation_sent"].assert_called_once_with(
        signal=signals.email_confirmation_sent,
        sender=EmailConfirmation,
        request=RequestTo(URL),
        confirmation=mock.ANY,
        signup=False,
    )
    confirmation = catch_all["email_confirmation_sent"].call_args.kwargs["confirmation"]
    assert confirmation.email_address == address
    catch_all["email_added"].assert_called_once_with(
        signal=signals.email_added,
        sender=EmailAddress,
        request=RequestTo(URL),
        user=user,
        email_address=address,
    )
    for name in ("email_removed", "email_changed", "email_confirmed"):
        catch_all[name].assert_not_called()
    # The link to the new address first, then the notice to the primary.
    assert [m.to for m in mailoutbox] == [["new@example.org"], ["alice@example.com"]]
    assert f"/accounts/confirm-email/{confirmation.key}/" in mailoutbox[0].body
    notice = mailoutbox[1]
    assert "added" in notice.subject
    assert "new@example.org" in notice.body
    assert "/accounts/confirm-email/" not in notice.body
    assert "127.0.0.1" in notice.body
    assert notice.alternatives and "new@example.org" in notice.alternatives[0][0]
    page = auth_client.get(URL)
    assert "Confirmation email sent to new@example.org." in messages_of(page)


def test_add_signals_in_order(auth_client, signal_catcher):
    order = []
    for name in ("_add_email", "email_confirmation_sent", "email_added"):
        signal_catcher(getattr(signals, name)).side_effect = lambda *a, _n=name, **k: order.append(
            _n
        )
    act(auth_client, "action_add", "new@example.org")
    assert order == ["_add_email", "email_confirmation_sent", "email_added"]


def test_add_email_receiver_can_veto_with_a_message(auth_client, catch_all, mailoutbox):
    def veto(sender, email, user, **kwargs):
        raise ValidationError("Addresses at example.org are not accepted.")

    signals._add_email.connect(veto, dispatch_uid="test-veto")
    try:
        response = act(auth_client, "action_add", "new@example.org")
    finally:
        signals._add_email.disconnect(dispatch_uid="test-veto")

    assert response.status_code == 200
    assert "Addresses at example.org are not accepted." in response.content.decode()
    assert response.context["add_form"].errors == {
        "email": ["Addresses at example.org are not accepted."]
    }
    assert not EmailAddress.objects.filter(email="new@example.org").exists()
    catch_all["_add_email"].assert_called_once()
    for name in ("email_added", "email_confirmation_sent"):
        catch_all[name].assert_not_called()
    assert mailoutbox == []


@pytest.mark.parametrize(
    "value",
    [
        "",
        "not-an-email",
        "ALICE@example.com",  # already on the account (case-insensitively)
        "a@x.test\r\nBcc: evil@example.net",
        "nul\x00@example.org",
        "x" * 250 + "@example.org",
    ],
)
def test_invalid_add_saves_and_sends_nothing(auth_client, user, value, catch_all, mailoutbox):
    response = act(auth_client, "action_add", value)
    assert response.status_code == 200
    assert response.context["add_form"].errors
    assert EmailAddress.objects.filter(user=user).count() == 1
    assert_none_sent(catch_all)
    assert mailoutbox == []


def test_add_refused_past_the_maximum(auth_client, user, catch_all, mailoutbox):
    for n in range(4):
        add_address(user, f"extra{n}@example.org")
    response = act(auth_client, "action_add", "sixth@example.org")
    assert response.status_code == 200
    assert "at most 5 email addresses" in response.content.decode()
    assert EmailAddress.objects.filter(user=user).count() == 5
    assert_none_sent(catch_all)
    assert mailoutbox == []


def test_add_racing_a_duplicate_is_a_form_error_and_rolls_back(
    auth_client, user, catch_all, mailoutbox
):
    """Another tab added the address between the form's check and the INSERT: the unique
    index refuses it, the flow rolls back to its savepoint and the page still renders."""
    add_address(user, "twice@example.org")
    with mock.patch(
        "accounts.forms.email.AddEmailForm.clean_email",
        lambda form: form.cleaned_data["email"],
    ):
        response = act(auth_client, "action_add", "Twice@example.org")
    assert response.status_code == 200
    assert "already on your account" in response.content.decode()
    assert EmailAddress.objects.filter(user=user, email__iexact="twice@example.org").count() == 1
    assert not catch_all["email_added"].called
    assert not catch_all["email_confirmation_sent"].called
    assert mailoutbox == []
    # The request's transaction stayed usable: the next page works and sees the one address.
    assert "twice@example.org" in auth_client.get(URL).content.decode()


@override_settings(ACCOUNT_MAX_EMAIL_ADDRESSES=2)
def test_maximum_is_a_setting(auth_client, user):
    assert act(auth_client, "action_add", "second@example.org").status_code == 302
    response = act(auth_client, "action_add", "third@example.org")
    assert "at most 2 email addresses" in response.content.decode()
    assert "You have the maximum of 2 addresses" in auth_client.get(URL).content.decode()


def test_address_verified_by_another_account_looks_the_same(
    auth_client, user, other_user, catch_all, mailoutbox
):
    """No different message, signal or audit row (no account enumeration); the address gets
    one mail either way (here: the owner's "someone tried to add it" notice); never
    verifiable. Changed by issue 13 point 2: the owner is now told, and the trying user's
    ``email_confirmation_sent`` is sent as for a fresh address."""
    auth_client.get(URL)  # the sign-in messages are read
    fresh = act(auth_client, "action_add", "fresh@example.org")
    fresh_messages = messages_of(auth_client.get(URL))
    mailoutbox.clear()
    for receiver in catch_all.values():
        receiver.reset_mock()

    taken = act(auth_client, "action_add", "BOB@example.com")

    assert (taken.status_code, taken["Location"]) == (fresh.status_code, fresh["Location"])
    taken_messages = messages_of(auth_client.get(URL))
    assert [m.replace("BOB@example.com", "X") for m in taken_messages] == [
        m.replace("fresh@example.org", "X") for m in fresh_messages
    ]
    address = EmailAddress.objects.get(user=user, email="BOB@example.com")
    assert address.verified is False
    assert sorted(m.to[0] for m in mailoutbox) == ["BOB@example.com", "alice@example.com"]
    owner_notice = next(m for m in mailoutbox if m.to == ["BOB@example.com"])
    assert "Someone tried to use your address" in owner_notice.subject
    assert "/accounts/confirm-email/" not in owner_notice.body
    catch_all["email_confirmation_sent"].assert_called_once()
    catch_all["email_added"].assert_called_once()
    assert EmailAddress.objects.get(user=other_user).verified is True


@override_settings(ACCOUNT_RATE_LIMITS={"manage_email": "1/m/user"})
def test_add_is_rate_limited(auth_client, user, signal_catcher, mailoutbox):
    limited = signal_catcher(signals.rate_limited)
    add_check = signal_catcher(signals._add_email)
    inside_a_window = (int(time.time()) // 60 + 1) * 60 + 10  # both requests in one window
    with time_machine.travel(inside_a_window, tick=False):
        auth_client.post(REAUTH, {"password": DEFAULT_PASSWORD})  # still "recent" there
        assert act(auth_client, "action_add", "one@example.org").status_code == 302
        add_check.reset_mock()
        mailoutbox.clear()

        response = act(auth_client, "action_add", "two@example.org")

    assert response.status_code == 429
    assert "too often" in response.content.decode()
    assert not EmailAddress.objects.filter(email="two@example.org").exists()
    add_check.assert_not_called()
    assert mailoutbox == []
    limited.assert_called_once_with(
        signal=signals.rate_limited,
        sender=None,
        request=RequestTo(URL),
        action="manage_email",
        user=user,
    )


# --- Remove ----------------------------------------------------------------------------------


def test_remove_address(auth_client, user, catch_all, mailoutbox):
    second = add_address(user, "second@example.org")
    pk = second.pk

    response = act(auth_client, "action_remove", "second@example.org")

    assert response.status_code == 302
    assert not EmailAddress.objects.filter(pk=pk).exists()
    catch_all["email_removed"].assert_called_once_with(
        signal=signals.email_removed,
        sender=EmailAddress,
        request=RequestTo(URL),
        user=user,
        email_address=mock.ANY,
    )
    removed = catch_all["email_removed"].call_args.kwargs["email_address"]
    assert isinstance(removed, EmailAddress)
    assert removed.email == "second@example.org"
    for name in ("_add_email", "email_added", "email_changed", "email_confirmation_sent"):
        catch_all[name].assert_not_called()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["alice@example.com"]
    assert "removed" in mailoutbox[0].subject
    assert "second@example.org" in mailoutbox[0].body
    assert "Removed second@example.org." in messages_of(auth_client.get(URL))


def test_remove_matches_the_address_case_insensitively(auth_client, user):
    second = add_address(user, "Second@Example.org")
    assert act(auth_client, "action_remove", "second@example.org").status_code == 302
    assert not EmailAddress.objects.filter(pk=second.pk).exists()


def test_primary_cannot_be_removed_while_others_remain(auth_client, user, catch_all, mailoutbox):
    add_address(user, "second@example.org", verified=True)
    response = act(auth_client, "action_remove", "alice@example.com")
    assert response.status_code == 200
    assert "cannot remove your primary address" in response.content.decode()
    assert EmailAddress.objects.filter(user=user).count() == 2
    assert_none_sent(catch_all)
    assert mailoutbox == []


def test_only_address_is_kept_by_default(auth_client, user, catch_all, mailoutbox):
    response = act(auth_client, "action_remove", "alice@example.com")
    assert response.status_code == 200
    assert "cannot remove your only email address" in response.content.decode()
    assert EmailAddress.objects.filter(user=user).exists()
    assert_none_sent(catch_all)
    assert mailoutbox == []


@override_settings(ACCOUNT_ALLOW_REMOVING_LAST_EMAIL=True)
def test_only_address_can_go_when_the_setting_allows(auth_client, user, catch_all, mailoutbox):
    response = act(auth_client, "action_remove", "alice@example.com")
    assert response.status_code == 302
    assert not EmailAddress.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert user.email == ""
    catch_all["email_removed"].assert_called_once()
    # No primary is left: the notice goes to the address that was removed.
    assert [m.to for m in mailoutbox] == [["alice@example.com"]]
    assert "Your account has no email address" in auth_client.get(URL).content.decode()


# --- Make primary ----------------------------------------------------------------------------


def test_make_primary(auth_client, user, catch_all, mailoutbox):
    old = EmailAddress.objects.get(user=user, primary=True)
    new = add_address(user, "second@example.org", verified=True)

    response = act(auth_client, "action_primary", "second@example.org")

    assert response.status_code == 302
    old.refresh_from_db()
    new.refresh_from_db()
    user.refresh_from_db()
    assert (old.primary, new.primary) == (False, True)
    assert user.email == "second@example.org"
    catch_all["email_changed"].assert_called_once_with(
        signal=signals.email_changed,
        sender=EmailAddress,
        request=RequestTo(URL),
        user=user,
        from_email_address=old,
        to_email_address=new,
    )
    kwargs = catch_all["email_changed"].call_args.kwargs
    assert kwargs["from_email_address"].primary is False
    assert kwargs["to_email_address"].primary is True
    for name in ("_add_email", "email_added", "email_removed", "email_confirmation_sent"):
        catch_all[name].assert_not_called()
    # The notice goes to the OLD primary.
    assert [m.to for m in mailoutbox] == [["alice@example.com"]]
    body = mailoutbox[0].body
    assert "alice@example.com" in body
    assert "second@example.org" in body
    assert "second@example.org is now your primary address." in messages_of(auth_client.get(URL))


def test_unverified_address_cannot_become_primary(auth_client, user, catch_all, mailoutbox):
    add_address(user, "second@example.org", verified=False)
    response = act(auth_client, "action_primary", "second@example.org")
    assert response.status_code == 200
    assert "Only a verified address can be primary" in response.content.decode()
    assert EmailAddress.objects.get(user=user, primary=True).email == "alice@example.com"
    user.refresh_from_db()
    assert user.email == "alice@example.com"
    assert_none_sent(catch_all)
    assert mailoutbox == []


def test_making_the_primary_primary_again_changes_nothing(auth_client, catch_all, mailoutbox):
    response = act(auth_client, "action_primary", "alice@example.com")
    assert response.status_code == 302
    assert_none_sent(catch_all)
    assert mailoutbox == []


def test_first_primary_is_not_a_change(client, catch_all, mailoutbox):
    """A user with no primary yet (e.g. made by createsuperuser) gets one: no email_changed."""
    user = UserFactory(username="dora", email="", with_email=False)
    address = add_address(user, "dora@example.org", verified=True)
    client.post("/accounts/login/", {"login": "dora", "password": DEFAULT_PASSWORD})

    response = act(client, "action_primary", "dora@example.org")

    assert response.status_code == 302
    address.refresh_from_db()
    user.refresh_from_db()
    assert address.primary is True
    assert user.email == "dora@example.org"
    catch_all["email_changed"].assert_not_called()
    assert mailoutbox == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_make_primary_leaves_exactly_one_primary(make_client, signal_catcher):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks between real concurrent transactions)")
    changed = signal_catcher(signals.email_changed)
    user = UserFactory(username="gina")
    for name in ("one", "two"):
        add_address(user, f"{name}@example.org", verified=True)
    clients = [login_client(make_client(), user) for _ in range(2)]
    barrier = threading.Barrier(2, timeout=10)
    statuses, errors = [], []

    def make_primary(client, email):
        try:
            barrier.wait()
            statuses.append(act(client, "action_primary", email).status_code)
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=make_primary, args=(c, e))
        for c, e in zip(clients, ["one@example.org", "two@example.org"], strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert statuses == [302, 302]
    primaries = list(EmailAddress.objects.filter(user=user, primary=True))
    assert len(primaries) == 1
    user.refresh_from_db()
    assert user.email == primaries[0].email
    assert changed.call_count == 2  # each swap replaced the primary it found


# --- Resend ----------------------------------------------------------------------------------


def test_resend_verification(auth_client, user, catch_all, mailoutbox):
    address = add_address(user, "second@example.org")
    response = act(auth_client, "action_send", "second@example.org")
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["second@example.org"]]
    catch_all["email_confirmation_sent"].assert_called_once_with(
        signal=signals.email_confirmation_sent,
        sender=EmailConfirmation,
        request=RequestTo(URL),
        confirmation=mock.ANY,
        signup=False,
    )
    confirmation = catch_all["email_confirmation_sent"].call_args.kwargs["confirmation"]
    assert confirmation.email_address == address
    assert f"/accounts/confirm-email/{confirmation.key}/" in mailoutbox[0].body
    for name in ("_add_email", "email_added", "email_removed", "email_changed"):
        catch_all[name].assert_not_called()


def test_resend_to_a_verified_address_sends_nothing(auth_client, catch_all, mailoutbox):
    response = act(auth_client, "action_send", "alice@example.com")
    assert response.status_code == 302
    assert mailoutbox == []
    assert_none_sent(catch_all)


def test_resend_is_limited_to_one_mail_per_cooldown(auth_client, user, signal_catcher, mailoutbox):
    add_address(user, "second@example.org")
    sent = signal_catcher(signals.email_confirmation_sent)
    limited = signal_catcher(signals.rate_limited)
    start = time.time()
    with time_machine.travel(start, tick=False):
        assert act(auth_client, "action_send", "second@example.org").status_code == 302
    for later in (1, 90, 179):
        with time_machine.travel(start + later, tick=False):
            response = act(auth_client, "action_send", "second@example.org")
        assert response.status_code == 429, later
        assert "wait 3 minutes" in response.content.decode()
    assert len(mailoutbox) == 1
    assert sent.call_count == 1
    assert limited.call_count == 3
    limited.assert_called_with(
        signal=signals.rate_limited,
        sender=None,
        request=RequestTo(URL),
        action="confirm_email",
        user=user,
    )
    with time_machine.travel(start + 181, tick=False):
        assert act(auth_client, "action_send", "second@example.org").status_code == 302
    assert len(mailoutbox) == 2
    assert sent.call_count == 2


@override_settings(ACCOUNT_EMAIL_CONFIRMATION_COOLDOWN=600)
def test_resend_cooldown_is_the_setting(auth_client, user, mailoutbox):
    add_address(user, "second@example.org")
    start = time.time()
    with time_machine.travel(start, tick=False):
        act(auth_client, "action_send", "second@example.org")
    with time_machine.travel(start + 181, tick=False):
        response = act(auth_client, "action_send", "second@example.org")
    assert response.status_code == 429
    assert "wait 10 minutes" in response.content.decode()
    with time_machine.travel(start + 601, tick=False):
        assert act(auth_client, "action_send", "second@example.org").status_code == 302
    assert len(mailoutbox) == 2


@override_settings(ACCOUNT_EMAIL_CONFIRMATION_COOLDOWN=30)
def test_short_cooldown_setting_allows_an_earlier_mail(auth_client, user, mailoutbox):
    add_address(user, "second@example.org")
    start = time.time()
    with time_machine.travel(start, tick=False):
        act(auth_client, "action_send", "second@example.org")
    with time_machine.travel(start + 31, tick=False):
        assert act(auth_client, "action_send", "second@example.org").status_code == 302
    assert len(mailoutbox) == 2


def test_add_then_immediate_resend_is_limited(auth_client, mailoutbox):
    act(auth_client, "action_add", "new@example.org")
    mailoutbox.clear()
    assert act(auth_client, "action_send", "new@example.org").status_code == 429
    assert mailoutbox == []


# --- Another user's address ------------------------------------------------------------------


@pytest.mark.parametrize("action", ["action_remove", "action_primary", "action_send"])
@pytest.mark.parametrize("value", ["bob@example.com", "BOB@example.com", "nobody@example.org", ""])
def test_other_users_address_is_never_acted_on(
    auth_client, user, other_user, action, value, catch_all, mailoutbox
):
    bob_address = EmailAddress.objects.get(user=other_user)
    bob_unverified = add_address(other_user, "bob2@example.com")
    before = list(EmailAddress.objects.order_by("pk").values())

    response = act(auth_client, action, value)
    response2 = act(auth_client, action, bob_unverified.email)

    for r in (response, response2):
        assert r.status_code == 200
        assert r.context["action_form"].errors
    assert NOT_YOURS in response2.content.decode()
    assert list(EmailAddress.objects.order_by("pk").values()) == before
    bob_address.refresh_from_db()
    assert (bob_address.primary, bob_address.verified) == (True, True)
    other_user.refresh_from_db()
    user.refresh_from_db()
    assert (other_user.email, user.email) == ("bob@example.com", "alice@example.com")
    assert_none_sent(catch_all)
    assert mailoutbox == []


# --- Recent authentication -------------------------------------------------------------------


@pytest.mark.parametrize(
    "action,value",
    [
        ("action_add", "new@example.org"),
        ("action_remove", "second@example.org"),
        ("action_primary", "second@example.org"),
    ],
)
def test_changes_need_recent_authentication(
    auth_client, user, action, value, catch_all, mailoutbox
):
    add_address(user, "second@example.org", verified=True)
    before = list(EmailAddress.objects.order_by("pk").values())
    with time_machine.travel(time.time() + 301, tick=False):
        response = act(auth_client, action, value)
        assert response.status_code == 302
        assert response["Location"] == REAUTH
        assert list(EmailAddress.objects.order_by("pk").values()) == before
        assert_none_sent(catch_all)
        assert mailoutbox == []

        # Reauthenticate, come back, repeat the action: now it is done.
        response = auth_client.post(REAUTH, {"password": DEFAULT_PASSWORD})
        assert response["Location"] == URL
        assert act(auth_client, action, value).status_code == 302
    assert list(EmailAddress.objects.order_by("pk").values()) != before


def test_reauthentication_expires_again(auth_client, user):
    add_address(user, "second@example.org", verified=True)
    start = time.time()
    with time_machine.travel(start + 1000, tick=False):
        auth_client.post(REAUTH, {"password": DEFAULT_PASSWORD})
    with time_machine.travel(start + 1000 + 300, tick=False):
        assert act(auth_client, "action_primary", "alice@example.com").status_code == 302
        assert act(auth_client, "action_primary", "alice@example.com")["Location"] == URL
    with time_machine.travel(start + 1000 + 301, tick=False):
        response = act(auth_client, "action_primary", "second@example.org")
    assert response["Location"] == REAUTH
    assert EmailAddress.objects.get(user=user, primary=True).email == "alice@example.com"


def test_page_and_resend_do_not_need_recent_authentication(auth_client, user, mailoutbox):
    add_address(user, "second@example.org")
    with time_machine.travel(time.time() + 3600, tick=False):
        assert auth_client.get(URL).status_code == 200
        assert act(auth_client, "action_send", "second@example.org").status_code == 302
    assert len(mailoutbox) == 1


def test_factory_address_of_someone_else_by_pk_style_value(auth_client, catch_all):
    """A number (as if an id were posted) is not an address of the user either."""
    other = EmailAddressFactory()
    response = act(auth_client, "action_remove", str(other.pk))
    assert response.status_code == 200
    assert EmailAddress.objects.filter(pk=other.pk).exists()
    assert_none_sent(catch_all)
