"""Points 2 and 3: nobody learns that an address belongs to another account, neither by
adding it to their own account nor by signing up with it, in any verification mode.

Each test runs the same steps for a fresh address and for one another account has verified,
from two accounts built the same way, and compares everything the trying person can see:
the answer, the email page, their activity page, their audit rows, the mails they get.
The address itself gets one mail either way: a verification link, or a notice to its owner.
"""

import re

import pytest

from accounts.models import EmailAddress, User
from activity.models import SecurityLog
from tests.helpers.clients import login_client
from tests.helpers.email import act
from tests.helpers.factories import UserFactory

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
PASSWORDS = {"password1": "a long enough passphrase", "password2": "a long enough passphrase"}
HELD = "owner@example.com"  # verified by the owner's account
FRESH = "fresh@example.com"  # same length, no account
assert len(HELD) == len(FRESH)


@pytest.fixture
def owner(db):
    return UserFactory(username="owner", email=HELD)


def mask(text, *values):
    text = CSRF.sub("CSRF", text)
    for value in values:
        text = text.replace(value, "X")
    return text


def audit_of(user, *values):
    return [
        (row.event, mask(row.path, *values), mask(str(row.extra), *values))
        for row in SecurityLog.objects.filter(user=user).order_by("pk")
    ]


def mails_to(mailoutbox, address):
    return [m for m in mailoutbox if address in m.to]


# --- Point 2: adding an address -------------------------------------------------------------


def seen_after_adding(make_client, mailoutbox, name, address):
    adder = UserFactory(username=name, email=f"{name}@example.net")
    browser = login_client(make_client(), adder)
    response = act(browser, "action_add", address)
    values = (address, name)
    email_page = browser.get("/accounts/email/")
    activity_page = browser.get("/accounts/activity/")
    assert activity_page.status_code == 200
    return adder, {
        "status": response.status_code,
        "location": response.get("Location"),
        "email_page": mask(email_page.content.decode(), *values),
        "messages": [mask(str(m), *values) for m in email_page.context["messages"]],
        "activity_page": mask(activity_page.content.decode(), *values),
        "audit": audit_of(adder, *values),
        "mails_to_adder": [
            (m.subject, mask(m.body, *values)) for m in mails_to(mailoutbox, adder.email)
        ],
    }


def test_adding_a_held_address_looks_like_adding_a_fresh_one(make_client, clock, owner, mailoutbox):
    _, fresh = seen_after_adding(make_client, mailoutbox, "adam", FRESH)
    held_adder, held = seen_after_adding(make_client, mailoutbox, "adel", HELD)

    assert held == fresh
    assert ("email_confirmation_sent", "/accounts/email/", "{'email': 'X', 'signup': False}") in (
        held["audit"]
    )
    # One mail to the address either way: a link for the fresh one, a notice for the owner.
    (link,) = mails_to(mailoutbox, FRESH)
    assert "/accounts/confirm-email/" in link.body
    (notice,) = mails_to(mailoutbox, HELD)
    assert notice.subject == "[Account site] Someone tried to use your address"
    assert "Hello owner," in notice.body
    assert "/accounts/confirm-email/" not in notice.body
    # The copy stays unverified; the owner keeps theirs.
    assert not EmailAddress.objects.get(user=held_adder, email=HELD).verified
    assert EmailAddress.objects.get(user=owner, email=HELD).verified


# --- Point 3: signing up ----------------------------------------------------------------------


def signup(make_client, username, email):
    browser = make_client()
    response = browser.post(
        "/accounts/signup/", {"username": username, "email": email, **PASSWORDS}
    )
    followed = browser.get(response["Location"]) if response.status_code == 302 else response
    values = (email, username)
    return browser, {
        "status": response.status_code,
        "location": response.get("Location"),
        "page": mask(followed.content.decode(), *values),
        "messages": [mask(str(m), *values) for m in followed.context["messages"]]
        if followed.context
        else [],
        "logged_in": "_auth_user_id" in browser.session,
    }


@pytest.mark.parametrize("mode", ["optional", "none"])
def test_signup_with_a_held_address_goes_through_like_any_other(
    make_client, clock, owner, mailoutbox, mode, settings
):
    """The default, ``ACCOUNT_PREVENT_ENUMERATION = "strict"``, as allauth's strict mode."""
    settings.ACCOUNT_EMAIL_VERIFICATION = mode
    _, fresh = signup(make_client, "carol", FRESH)
    browser, held = signup(make_client, "craig", HELD)

    assert held == fresh
    assert held["status"] == 302 and held["logged_in"]
    craig, carol = User.objects.get(username="craig"), User.objects.get(username="carol")
    assert audit_of(craig, HELD, "craig") == audit_of(carol, FRESH, "carol")
    # The new account's copy stays unverified; the owner is told; no link goes anywhere
    # that could verify it.
    copy = EmailAddress.objects.get(user=craig)
    assert copy.email == HELD and not copy.verified
    (notice,) = mails_to(mailoutbox, HELD)
    assert "Hello owner," in notice.body and "while signing up" in notice.body
    assert "/accounts/confirm-email/" not in notice.body
    fresh_mails = mails_to(mailoutbox, FRESH)
    assert len(fresh_mails) == (1 if mode == "optional" else 0)

    # Asking again for a link, past the cooldown, still mails the owner, never a link.
    clock.shift(181)
    mailoutbox.clear()
    assert act(browser, "action_send", HELD).status_code == 302
    assert [m.subject for m in mailoutbox] == ["[Account site] Someone tried to use your address"]
    assert not EmailAddress.objects.get(user=craig).verified


def test_the_held_copy_can_never_be_verified(make_client, clock, owner, mailoutbox):
    """Even with a confirmation key made for it (e.g. by a receiver of
    ``email_confirmation_sent``), the held address is refused for the new account."""
    from accounts.email_confirmation import EmailConfirmation

    browser, _ = signup(make_client, "craig", HELD)
    copy = EmailAddress.objects.get(user__username="craig")
    key = EmailConfirmation(copy).key
    response = browser.post(f"/accounts/confirm-email/{key}/")
    assert response.status_code == 409  # "verified by another account": only the owner reads it
    copy.refresh_from_db()
    assert not copy.verified
    assert EmailAddress.objects.get(user=owner).verified


@pytest.mark.parametrize("prevent", ["strict", True])
def test_mandatory_mode_pretends_and_creates_nothing(
    make_client, clock, owner, mailoutbox, prevent, settings
):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    settings.ACCOUNT_PREVENT_ENUMERATION = prevent
    _, fresh = signup(make_client, "carol", FRESH)
    _, held = signup(make_client, "craig", HELD)
    assert held == fresh
    assert not User.objects.filter(username="craig").exists()
    (notice,) = mails_to(mailoutbox, HELD)
    assert "Someone tried to sign up with your address" in notice.subject


@pytest.mark.parametrize("mode", ["optional", "none", "mandatory"])
def test_false_says_the_address_is_taken(client, owner, mode, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = mode
    settings.ACCOUNT_PREVENT_ENUMERATION = False
    response = client.post("/accounts/signup/", {"username": "craig", "email": HELD, **PASSWORDS})
    assert response.status_code == 200
    assert response.context["form"].has_error("email", "email_taken")
    assert not User.objects.filter(username="craig").exists()


def test_default_and_validation(settings):
    from accounts import app_settings
    from accounts.checks import check_account_settings

    assert app_settings.PREVENT_ENUMERATION == "strict"
    settings.ACCOUNT_PREVENT_ENUMERATION = "yes"
    errors = [e for e in check_account_settings() if e.obj == "ACCOUNT_PREVENT_ENUMERATION"]
    assert len(errors) == 1 and 'True, False or "strict"' in errors[0].msg
