"""Issue 17, rough edge 8: on the email page each address has its own small form with only
the actions that apply to it (make primary, resend verification, remove), posting allauth's
field names; removing asks first, on a page that works without JavaScript.

The tests press the page's own buttons: they post what the row's form holds."""

import re

import pytest

from accounts.models import EmailAddress
from tests.helpers.email import add_address

pytestmark = pytest.mark.django_db

URL = "/accounts/email/"
FORM_RE = re.compile(r"<form [^>]*>.*?</form>", re.S)
INPUT_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
BUTTON_RE = re.compile(r'<button type="submit" name="(\w+)" value="([^"]*)"')


def row_for(html, address):
    """The row of ``address`` on the email page (its HTML)."""
    rows = [row.split("</li>")[0] for row in html.split('data-testid="email-row"')[1:]]
    (row,) = [row for row in rows if f">{address}</span>" in row]
    return row


def buttons(html):
    return [name for name, _ in BUTTON_RE.findall(html)]


def press(client, html, button):
    """Submit the form of ``html`` holding ``button``, as a browser would."""
    (form,) = [form for form in FORM_RE.findall(html) if f'name="{button}"' in form]
    action = re.search(r'action="([^"]+)"', form).group(1)
    data = {name: value for name, value in INPUT_RE.findall(form)}
    data.pop("csrfmiddlewaretoken", None)
    data[button] = dict(BUTTON_RE.findall(form))[button]
    return client.post(action, data)


def page(client):
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def test_each_row_offers_only_what_applies(auth_client, user):
    add_address(user, "verified@example.org", verified=True)
    add_address(user, "pending@example.org")
    html = page(auth_client)
    assert 'data-testid="email-actions"' not in html  # no more global radio list
    assert 'type="radio"' not in html
    assert buttons(row_for(html, "alice@example.com")) == []
    assert buttons(row_for(html, "verified@example.org")) == ["action_primary", "ask_remove"]
    assert buttons(row_for(html, "pending@example.org")) == ["action_send", "ask_remove"]
    for address in ("verified@example.org", "pending@example.org"):
        row = row_for(html, address)
        assert f'<input type="hidden" name="email" value="{address}">' in row
        assert 'name="csrfmiddlewaretoken"' in row  # each row is a whole POST form


def test_make_primary_from_its_row(auth_client, user):
    add_address(user, "verified@example.org", verified=True)
    response = press(
        auth_client, row_for(page(auth_client), "verified@example.org"), "action_primary"
    )
    assert response.status_code == 302 and response["Location"] == URL
    assert EmailAddress.objects.get(email="verified@example.org").primary
    user.refresh_from_db()
    assert user.email == "verified@example.org"
    html = page(auth_client)
    assert "Primary" in row_for(html, "verified@example.org")
    assert buttons(row_for(html, "alice@example.com")) == ["action_primary", "ask_remove"]


def test_resend_verification_from_its_row(auth_client, user, mailoutbox):
    add_address(user, "pending@example.org")
    response = press(auth_client, row_for(page(auth_client), "pending@example.org"), "action_send")
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["pending@example.org"]]
    assert "/accounts/confirm-email/" in mailoutbox[0].body


def test_remove_asks_first_and_changes_nothing_until_confirmed(
    auth_client, user, signal_catcher, mailoutbox
):
    from accounts import signals

    removed = signal_catcher(signals.email_removed)
    add_address(user, "old@example.org", verified=True)
    asked = press(auth_client, row_for(page(auth_client), "old@example.org"), "ask_remove")

    assert asked.status_code == 200
    assert asked.templates[0].name == "account/email_remove.html"
    html = asked.content.decode()
    assert re.search(r'data-testid="remove-address">old@example.org<', html)
    assert EmailAddress.objects.filter(email="old@example.org").exists()
    removed.assert_not_called()
    assert mailoutbox == []
    # The page offers a way back, and a button posting allauth's own fields.
    assert re.search(r'<a [^>]*href="/accounts/email/"[^>]*data-testid="email-remove-cancel"', html)
    (form,) = [f for f in FORM_RE.findall(html) if 'data-testid="email-remove-form"' in f]
    assert buttons(form) == ["action_remove"]

    done = press(auth_client, form, "action_remove")
    assert done.status_code == 302 and done["Location"] == URL
    assert not EmailAddress.objects.filter(email="old@example.org").exists()
    removed.assert_called_once()
    assert 'data-testid="email-row"' in (after := page(auth_client))
    assert ">old@example.org</span>" not in after


def test_asking_to_remove_another_accounts_address_is_refused_like_any_other(
    auth_client, other_user
):
    """The confirm step only ever names one of the user's own addresses: another account's
    address and a made-up one get the same answer."""
    auth_client.get(URL)  # the sign-in messages are shown (and gone) before the comparison
    answers = []
    for address in ("bob@example.com", "nobody@example.org"):
        response = auth_client.post(URL, {"email": address, "ask_remove": "1"})
        assert response.status_code == 200
        assert response.templates[0].name == "account/email.html"
        assert "not one of your email addresses" in response.content.decode()
        answers.append(response.content.decode().replace(address, "X"))
    masked = [re.sub(r'value="[^"]{20,}"', "", a) for a in answers]  # CSRF tokens
    assert masked[0] == masked[1]
    assert EmailAddress.objects.filter(email="bob@example.com").exists()


def test_confirm_step_needs_a_post(auth_client, user):
    add_address(user, "old@example.org", verified=True)
    response = auth_client.get(URL, {"email": "old@example.org", "ask_remove": "1"})
    assert response.templates[0].name == "account/email.html"


def test_the_primary_of_several_cannot_be_removed_even_posted_directly(auth_client, user):
    add_address(user, "old@example.org", verified=True)
    response = auth_client.post(URL, {"email": "alice@example.com", "action_remove": "1"})
    assert response.status_code == 200
    assert EmailAddress.objects.filter(email="alice@example.com").exists()


def test_one_spelling_of_email_on_the_pages(auth_client, user):
    add_address(user, "pending@example.org")
    html = page(auth_client)
    asked = press(auth_client, row_for(html, "pending@example.org"), "ask_remove")
    for text in (html, asked.content.decode()):
        assert not re.search(r"e-mail", text, re.I)
